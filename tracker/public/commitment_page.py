"""The commitment page, rendered from its own view and again by a form that failed."""

from flask import render_template
from flask_babel import get_locale
from flask_login import current_user

from tracker.manage.forms import StatusUpdateForm
from tracker.models import Commitment
from tracker.permissions import can_update
from tracker.services.commitment_view import visible_evidence


def render_commitment_page(commitment: Commitment, *, update_form=None, evidence_form=None,
                           conflict: bool = False, status: int = 200):
    if update_form is None and can_update(current_user, commitment):
        update_form = StatusUpdateForm(formdata=None, status=commitment.status.value,
                                       progress=commitment.progress,
                                       version=commitment.version)
    if evidence_form is None and can_update(current_user, commitment):
        from tracker.manage.evidence_forms import EvidenceForm

        evidence_form = EvidenceForm(formdata=None)
    html = render_template(
        "public/commitment.html", commitment=commitment, locale=str(get_locale()),
        evidence=visible_evidence(current_user, commitment), update_form=update_form,
        evidence_form=evidence_form, conflict=conflict)
    return html, status
