"""Focal-point views: my commitments, status updates, evidence."""

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from tracker.audit.ratings import ratings_for
from tracker.commitments.detail import COUNTRY_LIST_LIMIT, commitments_of_country
from tracker.commitments.status_updates import Conflict, UpdateRefused, update_status
from tracker.core.dates import local_today
from tracker.core.forms import CONFLICT, refuse, reopen_after_conflict
from tracker.core.http_cache import shared_content
from tracker.evidence.downloads import send_stored_file
from tracker.evidence.storage import EvidenceNotStored, EvidenceRefused, Upload, add_evidence
from tracker.extensions import db
from tracker.manage import bp
from tracker.manage.commitment_page import commitment_or_404, render_commitment_page
from tracker.manage.evidence_forms import EvidenceForm
from tracker.manage.forms import StatusUpdateForm
from tracker.models import Evidence
from tracker.permissions import (
    can_add_evidence,
    can_update,
    can_view_evidence,
    has_own_commitments,
    require,
)


@bp.get("/my/commitments")
@login_required
def my_commitments():
    """A focal point's own country's commitments, overdue first."""
    require(has_own_commitments(current_user))
    country = current_user.country

    def context():
        today = local_today()
        commitments = commitments_of_country(country.id, today)
        return dict(today=today, commitments=commitments, country=country,
                    ratings=ratings_for(c.id for c in commitments),
                    list_limit=COUNTRY_LIST_LIMIT, locale=str(get_locale()))
    return render_template("manage/my_commitments.html", content=shared_content(
        "manage/_my_commitments.html", context, country.id))


@bp.post("/commitments/<code>/status")
@login_required
def update_commitment_status(code: str):
    """Record a status update; a stale form gets the newer state and keeps what was typed."""
    commitment = commitment_or_404(code)
    require(can_update(current_user, commitment))
    form = StatusUpdateForm()
    if not form.validate_on_submit():
        return render_commitment_page(commitment, update_form=form, status=400)
    try:
        update_status(current_user, commitment, status=form.status.data,
                      progress=form.progress.data, note=form.note.data,
                      seen_version=form.seen_version())
    except UpdateRefused as exc:
        refuse(form, exc)
        return render_commitment_page(commitment, update_form=form, status=400)
    except Conflict:
        commitment = reopen_after_conflict(form, lambda: commitment_or_404(code))
        return render_commitment_page(commitment, update_form=form, conflict=True,
                                      status=CONFLICT)
    flash(_("The update is recorded."))
    return redirect(url_for("public.commitment", code=code))


@bp.post("/commitments/<code>/evidence")
@login_required
def add_commitment_evidence(code: str):
    """Attach a file or a link as evidence; a server that cannot store it answers 503 and
    keeps what was typed."""
    commitment = commitment_or_404(code)
    require(can_add_evidence(current_user, commitment))
    form = EvidenceForm()
    if not form.validate_on_submit():
        return render_commitment_page(commitment, evidence_form=form, status=400)
    upload = None
    if form.file.data and form.file.data.filename:
        upload = Upload(form.file.data.filename, form.file.data.read())
    try:
        add_evidence(current_user, commitment, title=form.title.data, dated=form.dated.data,
                     visibility=form.visibility.data, upload=upload, url=form.url.data)
    except EvidenceRefused as exc:
        refuse(form, exc)
        status = 503 if isinstance(exc, EvidenceNotStored) else 400
        return render_commitment_page(commitment, evidence_form=form, status=status)
    flash(_("The evidence is attached."))
    return redirect(url_for("public.commitment", code=code))


@bp.get("/evidence/<int:evidence_id>/download")
def download_evidence(evidence_id: int):
    """Serve a stored file as a download, to those allowed to see it."""
    evidence = db.get_or_404(Evidence, evidence_id)
    require(can_view_evidence(current_user, evidence))
    if evidence.url is not None:  # a link, not a file
        return redirect(evidence.url)
    return send_stored_file(evidence, filename=evidence.original_filename or "evidence",
                            content_type=evidence.content_type, public=evidence.is_public)
