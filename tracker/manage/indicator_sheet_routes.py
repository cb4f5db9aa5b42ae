"""An indicator's spreadsheet round trip: download a country's sheet for a period (XLSX or
CSV), upload it filled in, check the preview cell by cell, record it as one report. A focal
point for their own country, the secretariat for any owner. Views only: the rules are in
tracker.indicators.sheets, sheet_reading and sheet_preview."""

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from tracker.commitments.sheets.apply import ApplyRefused
from tracker.commitments.sheets.formats import SheetRefused
from tracker.commitments.sheets.preview import preview_for
from tracker.core.dates import local_today
from tracker.core.forms import one_or_404, refuse, render_form
from tracker.core.uploads import uploaded
from tracker.indicators.definitions import IndicatorRefused
from tracker.indicators.periods import due_periods
from tracker.indicators.reporting import owners_of
from tracker.indicators.sheet_preview import (
    KIND,
    apply_indicator_preview,
    counts,
    loaded,
    preview_indicator_upload,
    recordable,
)
from tracker.indicators.sheet_reading import MAX_SHEET_BYTES
from tracker.indicators.sheets import build_csv, build_xlsx, indicator_sheet
from tracker.manage import bp
from tracker.manage.forms import SheetUploadForm
from tracker.models import Country, Indicator
from tracker.permissions import can_report_indicator, is_focal_point, is_secretariat, require

MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8"}
BUILDERS = {"xlsx": build_xlsx, "csv": build_csv}


@bp.route("/my/indicators/<code>/sheet", methods=["GET", "POST"])
@login_required
def indicator_sheet_page(code: str):
    """The round trip's page: choose the period (and, for the secretariat, the country) to
    download, upload the sheet filled in."""
    indicator = one_or_404(Indicator, code=code)
    owners, country = _country(indicator)
    form = SheetUploadForm()
    if form.validate_on_submit():
        try:
            preview = preview_indicator_upload(current_user, indicator,
                                               *uploaded(form.file.name, MAX_SHEET_BYTES))
        except SheetRefused as exc:
            refuse(form, exc)
        else:
            return redirect(url_for("manage.indicator_sheet_preview", preview_id=preview.id))
    return render_form("manage/indicator_sheet_upload.html", form=form, indicator=indicator,
                       country=country, owners=owners,
                       period=request.args.get("period") or _last_ended(indicator))


@bp.get("/my/indicators/<code>/sheet.<any(xlsx, csv):kind>")
@login_required
def indicator_sheet_file(code: str, kind: str):
    """A country's sheet of the indicator for ``?period=`` (the last ended by default)."""
    indicator = one_or_404(Indicator, code=code)
    _, country = _country(indicator)
    period = request.args.get("period") or _last_ended(indicator)
    locale = str(get_locale())
    try:
        sheet = indicator_sheet(current_user, indicator, country, period, locale)
    except IndicatorRefused as exc:
        flash(str(exc))
        return redirect(url_for("manage.indicator_sheet_page", code=code, period=period[:10],
                                country=country.iso3 if is_secretariat(current_user) else None))
    response = Response(BUILDERS[kind](sheet, locale), content_type=MIMETYPES[kind])
    response.headers["Content-Disposition"] = \
        f"attachment; filename=indicator-{indicator.code}-{country.iso3}-{sheet.period}.{kind}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/my/indicators/sheets/<preview_id>")
@login_required
def indicator_sheet_preview(preview_id: str):
    """What the uploaded sheet would record, cell by cell; nothing is written yet."""
    preview = _preview_or_404(preview_id)
    found = loaded(preview)
    return render_template("manage/indicator_sheet_preview.html", preview=preview,
                           found=found, counts=counts(found), recordable=recordable(found),
                           indicator=one_or_404(Indicator, code=found.indicator))


@bp.post("/my/indicators/sheets/<preview_id>/apply")
@login_required
def apply_indicator_sheet(preview_id: str):
    """Record the previewed report: all its cells, or nothing."""
    preview = _preview_or_404(preview_id)
    try:
        report = apply_indicator_preview(current_user, preview)
    except (ApplyRefused, IndicatorRefused) as exc:
        flash(_("Nothing was recorded: %(reason)s", reason=str(exc)))
        return redirect(url_for("manage.indicator_sheet_preview", preview_id=preview_id))
    flash(_("The correction of %(period)s is recorded.", period=report.period)
          if report.replaces_id else
          _("The value of %(period)s is recorded.", period=report.period))
    return redirect(url_for("manage.report_indicator", code=report.indicator.code,
                            country=report.country.iso3))


def _country(indicator: Indicator) -> tuple[list[Country] | None, Country]:
    """The owners the secretariat may choose from (None for a focal point) and the country
    chosen: a focal point's own (asking for another's is refused), the secretariat's
    ``?country=`` or the first owner."""
    owners = owners_of(indicator) if is_secretariat(current_user) else None
    if owners is None:
        country = current_user.country if is_focal_point(current_user) else None
        chosen = request.args.get("country")
        if country is not None and chosen and chosen != country.iso3:
            country = None
    else:
        chosen = request.args.get("country")
        country = next((c for c in owners if c.iso3 == chosen), None) if chosen \
            else (owners[0] if owners else None)
    require(country is not None and can_report_indicator(current_user, indicator, country))
    assert country is not None  # require stopped the request otherwise
    return owners, country


def _last_ended(indicator: Indicator) -> str:
    """The last period that has ended: the one most likely due."""
    today = local_today()
    ended = due_periods(indicator.frequency, today - dt.timedelta(days=400), today)
    return ended[-1].text if ended else str(today.year)


def _preview_or_404(preview_id: str):
    """The reader's own live preview of an indicator sheet; any other is not there."""
    preview = preview_for(current_user, preview_id, kind=KIND)
    if preview is None:
        abort(404)
    return preview
