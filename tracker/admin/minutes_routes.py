"""Administration views (secretariat only): a meeting's minutes uploaded, their draft items
reviewed beside the text, and the accepted ones published."""

from itertools import groupby

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from tracker.admin import bp
from tracker.admin.minutes_forms import DecisionForm, DraftForm, MinutesUploadForm, SectionForm
from tracker.commitments.sources import highlighted_all
from tracker.core.forms import one_or_404, refuse, render_form
from tracker.core.labels import DRAFT_DECISION_LABELS, DRAFT_KIND_LABELS
from tracker.core.refusals import Refused
from tracker.extensions import db
from tracker.importer.drafts import import_minutes
from tracker.importer.minutes import MinutesRefused, describe_reason
from tracker.importer.publish import publish_meeting
from tracker.importer.review import accept_section, decide, edit_draft
from tracker.models import DraftDecision, DraftItem, Meeting, SourceDocument
from tracker.permissions import secretariat_required


@bp.route("/meetings/<code>/minutes", methods=["GET", "POST"])
@secretariat_required
def meeting_minutes(code: str):
    """A meeting's documents with their drafts counted, and the upload of new minutes."""
    meeting = one_or_404(Meeting, code=code)
    form = MinutesUploadForm()
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        limit = current_app.config["MINUTES_MAX_BYTES"]
        data = upload.stream.read(limit + 1) if upload else b""
        try:
            if not upload or not upload.filename:
                raise MinutesRefused(_("Choose the file of the minutes."))
            document = import_minutes(current_user, meeting, data=data,
                                      filename=upload.filename, language=form.language.data,
                                      title=form.title.data, restricted=form.restricted.data)
        except MinutesRefused as exc:
            refuse(form, exc)
        else:
            flash(_("%(count)d items were found. Review them before publishing.",
                    count=len(document.drafts)))
            return redirect(url_for("admin.review_minutes", code=document.code))
    return render_form("admin/minutes.html", form=form, meeting=meeting,
                       counts=_decision_counts(meeting), limit=current_app.config[
                           "MINUTES_MAX_BYTES"])


@bp.get("/minutes/<code>")
@secretariat_required
def review_minutes(code: str):
    """A document's drafts, by section, beside its text with each quote highlighted."""
    document = db.session.scalar(
        sa.select(SourceDocument).filter_by(code=code)
        .options(selectinload(SourceDocument.drafts).selectinload(DraftItem.theme),
                 selectinload(SourceDocument.drafts).selectinload(DraftItem.duplicate_of)
                 .selectinload(DraftItem.document)))
    if document is None:
        abort(404)
    sections = [(section, list(drafts))
                for section, drafts in groupby(document.drafts, key=lambda d: d.section)]
    text = highlighted_all(document.text, [(f"q{d.id}", d.text) for d in document.drafts])
    return render_template("admin/minutes_review.html", document=document, sections=sections,
                           text=text, describe_reason=describe_reason, kinds=DRAFT_KIND_LABELS,
                           decisions=DRAFT_DECISION_LABELS, Decision=DraftDecision,
                           decision_form=DecisionForm(formdata=None),
                           section_form=SectionForm(formdata=None), locale=str(get_locale()))


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
@secretariat_required
def edit_draft_item(draft_id: int):
    """Edit what a draft becomes; "Save and accept" also accepts it."""
    draft = db.get_or_404(DraftItem, draft_id)
    form = DraftForm() if request.method == "POST" else DraftForm.of(draft)
    if form.validate_on_submit():
        try:
            edit_draft(current_user, draft, **form.values())
            if "accept" in request.form:
                decide(current_user, draft, DraftDecision.ACCEPTED)
        except Refused as exc:
            db.session.rollback()
            refuse(form, exc)
        else:
            flash(_("The item is accepted.") if "accept" in request.form
                  else _("The item is saved."))
            return redirect(_back_to(draft))
    return render_form("admin/draft_form.html", form=form, draft=draft,
                       describe_reason=describe_reason)


@bp.post("/drafts/<int:draft_id>/decision")
@secretariat_required
def decide_draft(draft_id: int):
    """Accept, merge, reject or undo one draft."""
    draft = db.get_or_404(DraftItem, draft_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            decide(current_user, draft, form.decision.data)
        except Refused as exc:
            flash(str(exc), "error")
    else:
        flash(_("The form expired or was not sent from this site. Please try again."), "error")
    return redirect(_back_to(draft))


@bp.post("/minutes/<code>/sections")
@secretariat_required
def accept_minutes_section(code: str):
    """Accept every pending draft of one section."""
    document = one_or_404(SourceDocument, code=code)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            accepted, left = accept_section(current_user, document, form.section.data or "",
                                            form.theme.data or None)
        except Refused as exc:
            flash(str(exc), "error")
        else:
            flash(_("%(accepted)d items accepted; %(left)d still need something before they "
                    "can be (open them to see what).", accepted=accepted, left=left))
    return redirect(url_for("admin.review_minutes", code=code))


@bp.post("/meetings/<code>/publish")
@secretariat_required
def publish_minutes(code: str):
    """Publish the meeting's accepted drafts as recommendations, commitments, context."""
    meeting = one_or_404(Meeting, code=code)  # CSRFProtect has checked the token
    try:
        done = publish_meeting(current_user, meeting)
    except Refused as exc:
        flash(str(exc), "error")
    else:
        flash(_("Published: %(items)d items, %(merged)d second sources, %(commitments)d "
                "commitments.", items=done.items, merged=done.merged,
                commitments=done.commitments))
        if done.waiting:
            flash(_("%(count)d merged items wait for their duplicate to be accepted.",
                    count=done.waiting))
    return redirect(url_for("admin.meeting_minutes", code=code))


def _decision_counts(meeting: Meeting) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        sa.select(DraftItem.document_id, DraftItem.decision,
                  DraftItem.published_code.is_not(None), sa.func.count())
        .join(DraftItem.document).where(SourceDocument.meeting_id == meeting.id)
        .group_by(DraftItem.document_id, DraftItem.decision,
                  DraftItem.published_code.is_not(None)))
    counts: dict[int, dict[str, int]] = {}
    for document_id, decision, published, n in rows:
        bucket = counts.setdefault(document_id, {})
        key = "published" if published else decision.value
        bucket[key] = bucket.get(key, 0) + n
    return counts


def _back_to(draft: DraftItem) -> str:
    return url_for("admin.review_minutes", code=draft.document.code, _anchor=f"d{draft.id}")
