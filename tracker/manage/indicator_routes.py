"""Reporting indicators: the list of those a focal point's country reports, and the form that
reports a period's value or corrects it; the secretariat reports for any owner."""

import datetime as dt

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from tracker.core.dates import local_today
from tracker.core.forms import CONFLICT, one_or_404, render_form
from tracker.extensions import db
from tracker.indicators.definitions import IndicatorRefused
from tracker.indicators.periods import due_periods
from tracker.indicators.reporting import (
    commitments_reported_on,
    current_report,
    current_reports,
    owners_of,
    report_value,
)
from tracker.manage import bp
from tracker.manage.indicator_forms import (
    NOTE_HINT,
    PERIOD_HINTS,
    UNIT_HINTS,
    IndicatorReportForm,
    plain,
    report_form,
)
from tracker.models import Commitment, Country, Evidence, Indicator, IndicatorReport
from tracker.permissions import (
    can_report_indicator,
    is_focal_point,
    is_secretariat,
    reports_indicators,
    require,
)


@bp.get("/my/indicators")
@login_required
def my_indicators():
    """The indicators the reader's country reports (every one, for the secretariat), each
    with the latest period reported."""
    require(reports_indicators(current_user))
    country = current_user.country if is_focal_point(current_user) else None
    return render_template("manage/my_indicators.html", rows=_indicators_of(country),
                           country=country, locale=str(get_locale()))


@bp.route("/my/indicators/<code>/report", methods=["GET", "POST"])
@login_required
def report_indicator(code: str):
    """Report a period's value, or correct the current one (the form then carries its id);
    a correction of a report someone corrected meanwhile is refused with a 409."""
    indicator = one_or_404(Indicator, code=code)
    owners = owners_of(indicator) if is_secretariat(current_user) else None
    country = _reporting_country(owners)
    require(can_report_indicator(current_user, indicator, country) if country
            else owners is not None)
    locale = str(get_locale())
    commitments = commitments_reported_on(indicator, country) if country else []
    evidence = _evidence_of(commitments)
    form = report_form(indicator, owners, locale, evidence,
                       country=country.iso3 if country else None)
    status, current = None, None
    if request.method in ("GET", "HEAD"):  # HEAD: what GET would answer
        if country is None:
            abort(404)
        current = _prefill(form, indicator, country, request.args.get("period"))
    elif form.validate_on_submit():
        assert country is not None  # the country select accepts only owners
        try:
            report = _send(form, indicator, country)
        except IndicatorRefused as exc:
            status, current = _refused(form, exc, indicator, country)
        else:
            flash(_("The correction of %(period)s is recorded.", period=report.period)
                  if report.replaces_id else
                  _("The value of %(period)s is recorded.", period=report.period))
            return redirect(url_for("manage.report_indicator", code=code,
                                    country=country.iso3 if owners is not None else None))
    return _page(form, indicator, country, current, status, commitments)


def _page(form: IndicatorReportForm, indicator: Indicator, country: Country | None,
          current: IndicatorReport | None, status: int | None, commitments: list[Commitment]):
    """The report form, with the current version it corrects and the periods reported."""
    return render_form("manage/indicator_report.html", status, form=form, indicator=indicator,
                       country=country, current=current, plain=plain, commitments=commitments,
                       note_hint=NOTE_HINT,
                       previous_note=_previous_note(form, indicator, country, current),
                       period_hint=PERIOD_HINTS[indicator.frequency],
                       unit_hint=UNIT_HINTS[indicator.unit],
                       reports=current_reports(indicator, country) if country else [])


def _previous_note(form: IndicatorReportForm, indicator: Indicator, country: Country | None,
                   current: IndicatorReport | None) -> str | None:
    """The note of the version the form corrects, shown for reference only (also after a
    refusal, when ``current`` is not loaded): it is never sent again unnoticed."""
    corrected = current
    if corrected is None and country is not None and (rid := form.replaces_id() or 0) > 0:
        corrected = db.session.get(IndicatorReport, rid)
    if corrected is None or (corrected.indicator_id, corrected.country_id) != (
            indicator.id, None if country is None else country.id):
        return None
    return corrected.note


def _indicators_of(country: Country | None) -> list[tuple[Indicator, str | None]]:
    """Each indicator a country reports (every one if None) with its latest period reported
    (by that country; by any if None), in one query."""
    latest = sa.select(sa.func.max(IndicatorReport.period)).where(
        IndicatorReport.indicator_id == Indicator.id)
    query = sa.select(Indicator, latest.scalar_subquery() if country is None else latest.where(
        IndicatorReport.country_id == country.id).scalar_subquery())
    if country is not None:
        own = sa.select(Commitment.id).where(Commitment.country_id == country.id)
        owned = sa.select(Commitment.recommendation_id).where(Commitment.country_id == country.id)
        query = query.where(sa.or_(Indicator.commitment_id.in_(own),
                                   Indicator.recommendation_id.in_(owned)))
    query = query.order_by(Indicator.code).options(joinedload(Indicator.recommendation),
                                                   joinedload(Indicator.commitment))
    return [(indicator, period) for indicator, period in db.session.execute(query)]


def _evidence_of(commitments: list[Commitment]) -> list[Evidence]:
    """The evidence stored on the commitments the indicator concerns (the only evidence
    report_value accepts), newest first, in one query. Restricted
    items are listed too: whoever may report for the country may update its commitments,
    so may see them (permissions.can_view_evidence)."""
    if not commitments:
        return []
    return list(db.session.scalars(
        sa.select(Evidence).where(Evidence.commitment_id.in_([c.id for c in commitments]))
        .order_by(Evidence.dated.desc(), Evidence.id.desc())))


def _reporting_country(owners: list[Country] | None) -> Country | None:
    """The country reported for: a focal point's own; the owner the secretariat chose (in
    the form, or the address; the first one by default), None if it is not an owner."""
    if owners is None:
        return current_user.country if is_focal_point(current_user) else None
    chosen = (request.form if request.method == "POST" else request.args).get("country")
    if chosen is None and request.method in ("GET", "HEAD"):
        return owners[0] if owners else None
    return next((c for c in owners if c.iso3 == chosen), None)


def _current(indicator: Indicator, country: Country, period: str) -> IndicatorReport | None:
    """The current report of a period, if there is one."""
    period = (period or "").strip().upper()
    return current_report(indicator, country, period)


def _prefill(form: IndicatorReportForm, indicator: Indicator, country: Country,
             period: str | None) -> IndicatorReport | None:
    """Open the form on a period (the last one ended, unless asked), with its current report's
    values if it has one: what is sent then corrects it."""
    if period is None:
        today = local_today()
        ended = due_periods(indicator.frequency, today - dt.timedelta(days=400), today)
        period = ended[-1].text if ended else ""
    current = _current(indicator, country, period)
    if current is None:
        form.period.data = period
    else:
        form.prefill(current)
    return current


def _send(form: IndicatorReportForm, indicator: Indicator, country: Country) -> IndicatorReport:
    """Report what the form holds, as a correction of the report it names if it names one."""
    replaces = None
    if (replaces_id := form.replaces_id()) is not None:
        replaces = db.session.get(IndicatorReport, replaces_id) if replaces_id > 0 else None
        if replaces is None:
            raise IndicatorRefused(_l("Unknown report to correct: reload the page and try "
                                      "again."), "replaces")
    return report_value(current_user, indicator, country, period=form.period.data,
                        cells=form.cells(), note=form.note.data, source=form.source.data,
                        evidence=form.chosen_evidence(), replaces=replaces)


def _refused(form: IndicatorReportForm, exc: IndicatorRefused, indicator: Indicator,
             country: Country) -> tuple[int | None, IndicatorReport | None]:
    """Put a refusal on its field (a 400). One about the report corrected (someone reported
    or corrected the period meanwhile) is a 409 showing the current version, the form now
    naming it: sending again what was typed is then a deliberate correction."""
    if exc.field != "replaces":
        form.refuse(exc)
        return None, None
    form.form_errors.append(str(exc))
    current = _current(indicator, country, form.period.data)
    form.replaces.data = str(current.id) if current else ""
    return CONFLICT, current
