"""Uploading a filled-in sheet of commitments: read, previewed row by row, then applied at
once (focal points for their country, the secretariat for any). Views only: the rules are in
tracker.commitments.sheets."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from tracker.commitments.sheets.apply import ApplyRefused, apply_preview
from tracker.commitments.sheets.columns import BY_KEY
from tracker.commitments.sheets.preview import (
    MAX_SHEET_BYTES,
    counts,
    preview_for,
    preview_upload,
    reporting_countries,
)
from tracker.commitments.sheets.reading import SheetRefused
from tracker.core.forms import refuse, render_form
from tracker.core.labels import STATUS_LABELS
from tracker.core.uploads import uploaded
from tracker.manage import bp
from tracker.manage.forms import SheetUploadForm
from tracker.permissions import can_report_by_sheet, require


@bp.route("/my/commitments/sheet", methods=["GET", "POST"])
@login_required
def upload_sheet():
    """The round trip's page: download the sheet, upload it filled in."""
    require(can_report_by_sheet(current_user, None))
    form = SheetUploadForm()
    if form.validate_on_submit():
        try:
            preview, sheet = preview_upload(current_user,
                                            *uploaded(form.file.name, MAX_SHEET_BYTES))
        except SheetRefused as exc:
            refuse(form, exc)
        else:
            for warning in sheet.warnings:
                flash(str(warning))
            return redirect(url_for("manage.sheet_preview", preview_id=preview.id))
    return render_form("manage/sheet_upload.html", form=form, countries=reporting_countries())


@bp.get("/my/commitments/sheet/<preview_id>")
@login_required
def sheet_preview(preview_id: str):
    """What the uploaded sheet would record, row by row; nothing is written yet."""
    preview = _preview_or_404(preview_id)
    return render_template("manage/sheet_preview.html", preview=preview,
                           counts=counts(preview), columns=BY_KEY,
                           statuses=STATUS_LABELS, locale=str(get_locale()))


@bp.post("/my/commitments/sheet/<preview_id>/apply")
@login_required
def apply_sheet(preview_id: str):
    """Record every change of the preview, all in one transaction."""
    preview = _preview_or_404(preview_id)
    try:
        done = apply_preview(current_user, preview)
    except ApplyRefused as exc:
        flash(str(exc))
        return redirect(url_for("manage.sheet_preview", preview_id=preview_id))
    flash(_("Recorded. Commitments changed: %(commitments)d; status updates in their "
            "history: %(events)d.", events=done.events, commitments=done.commitments))
    return redirect(url_for("manage.upload_sheet"))


def _preview_or_404(preview_id: str):
    """The reader's own live preview; another's, expired or unknown is not there."""
    preview = preview_for(current_user, preview_id)
    if preview is None:
        abort(404)
    return preview
