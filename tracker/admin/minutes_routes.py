"""Administration views (secretariat only): a meeting's minutes uploaded, their draft items
reviewed beside the text, and the accepted ones published."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.minutes_forms import DecisionForm, DraftForm, MinutesUploadForm, SectionForm
from tracker.commitments.sources import highlighted_all
from tracker.core.forms import one_or_404, refuse, render_form
from tracker.core.labels import DRAFT_DECISION_LABELS, DRAFT_KIND_LABELS, LANGUAGE_LABELS
from tracker.core.refusals import Refused
from tracker.core.uploads import uploaded
from tracker.extensions import db
from tracker.importer.drafts import discard_document, import_minutes
from tracker.importer.minutes import MinutesRefused, describe_reason
from tracker.importer.publish import publish_meeting
from tracker.importer.review import (
    accept_section,
    decide,
    decision_counts,
    document_for_review,
    edit_draft,
    sections_of,
)
from tracker.models import DraftDecision, DraftItem, Meeting, SourceDocument
from tracker.permissions import secretariat_required

DECIDED = {"accepted": _l("The item is accepted."), "merged": _l("The item is merged."),
           "rejected": _l("The item is rejected."), "undo": _l("The decision is undone.")}


@bp.route("/meetings/<code>/minutes", methods=["GET", "POST"])
@secretariat_required
def meeting_minutes(code: str):
    """A meeting's documents with their drafts counted, and the upload of new minutes."""
    meeting = one_or_404(Meeting, code=code)
    form = MinutesUploadForm()
    if form.validate_on_submit():
        filename, data = uploaded(form.file.name, current_app.config["MINUTES_MAX_BYTES"])
        try:
            document = import_minutes(current_user, meeting, data=data, filename=filename,
                                      language=form.language.data, title=form.title.data,
                                      restricted=form.restricted.data)
        except MinutesRefused as exc:
            refuse(form, exc)
        else:
            flash(ngettext("%(num)d item was found. Review it before publishing.",
                           "%(num)d items were found. Review them before publishing.",
                           len(document.drafts)))
            return redirect(url_for("admin.review_minutes", code=document.code))
    return render_form("admin/minutes.html", form=form, meeting=meeting,
                       counts=decision_counts(meeting),
                       limit=current_app.config["MINUTES_MAX_BYTES"],
                       languages=LANGUAGE_LABELS)


@bp.get("/minutes/<code>")
@secretariat_required
def review_minutes(code: str):
    """A document's drafts, by section, beside its text with each quote highlighted."""
    document = document_for_review(code)
    if document is None:
        abort(404)
    text = highlighted_all(document.text, [(f"q{d.id}", d.text) for d in document.drafts])
    return render_template("admin/minutes_review.html", document=document,
                           sections=sections_of(document), text=text,
                           describe_reason=describe_reason, kinds=DRAFT_KIND_LABELS,
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
            edit_draft(current_user, draft, **form.values(), accept="accept" in request.form)
        except Refused as exc:
            db.session.rollback()
            refuse(form, exc)
        else:
            flash(DECIDED["accepted"] if "accept" in request.form else _("The item is saved."))
            return redirect(_back_to(draft))
    return render_form("admin/draft_form.html", form=form, draft=draft,
                       describe_reason=describe_reason)


@bp.post("/drafts/<int:draft_id>/decision")
@secretariat_required
def decide_draft(draft_id: int):
    """Accept, merge, reject or undo one draft."""
    draft = db.get_or_404(DraftItem, draft_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was not sent from this site. Please try again.")
              if form.csrf_token.errors else _("Unknown decision."))
        return redirect(_back_to(draft))
    try:
        decide(current_user, draft, form.decision.data)
    except Refused as exc:
        flash(str(exc))
    else:
        flash(DECIDED[form.decision.data])
    return redirect(_back_to(draft))


@bp.post("/minutes/<code>/discard")
@secretariat_required
def discard_minutes(code: str):
    """Remove a wrongly uploaded document nothing was published from."""
    document = one_or_404(SourceDocument, code=code)
    meeting_code = document.meeting.code
    try:
        discard_document(current_user, document)
    except Refused as exc:
        flash(str(exc))
    else:
        flash(_("The document and its drafts are removed."))
    return redirect(url_for("admin.meeting_minutes", code=meeting_code))


@bp.post("/minutes/<code>/sections")
@secretariat_required
def accept_minutes_section(code: str):
    """Accept every pending draft of one section."""
    document = one_or_404(SourceDocument, code=code)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            accepted, left = accept_section(current_user, document,
                                            form.working_table.data or "",
                                            form.section.data or "", form.theme.data or None)
        except Refused as exc:
            flash(str(exc), "error")
        else:
            flash(ngettext("%(num)d item accepted.", "%(num)d items accepted.", accepted))
            if left:
                flash(ngettext("%(num)d item still needs something before it can be accepted "
                               "(open it to see what).", "%(num)d items still need something "
                               "before they can be accepted (open them to see what).", left))
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
        flash(_("Published. New items: %(items)d; second sources: %(merged)d; new "
                "commitments: %(commitments)d.", items=done.items, merged=done.merged,
                commitments=done.commitments))
        if done.waiting:
            flash(ngettext("%(num)d merged item waits for its duplicate to be accepted.",
                           "%(num)d merged items wait for their duplicate to be accepted.",
                           done.waiting))
    return redirect(url_for("admin.meeting_minutes", code=code))


def _back_to(draft: DraftItem) -> str:
    return url_for("admin.review_minutes", code=draft.document.code, _anchor=f"d{draft.id}")
