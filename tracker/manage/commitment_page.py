"""The commitment page, rendered from its own view and again by a form that failed."""

from flask import abort, render_template
from flask_babel import get_locale
from flask_login import current_user

from tracker.audit.observations import observations_of
from tracker.audit.ratings import rating_of
from tracker.commitments.detail import load_commitment, visible_evidence
from tracker.manage.forms import StatusUpdateForm
from tracker.models import Commitment
from tracker.permissions import can_add_evidence, can_answer, can_hide, can_observe, can_update


def commitment_or_404(code: str) -> Commitment:
    """The commitment with everything its page shows, or a 404."""
    commitment = load_commitment(code)
    if commitment is None:
        abort(404)
    return commitment


def observation_forms(commitment: Commitment, observations, failed=None) -> dict:
    """The observation forms this reader may use; ``failed`` replaces one with its errors."""
    from tracker.manage.observation_forms import ObservationForm, observation_form

    forms = {"observe": ObservationForm(formdata=None) if can_observe(current_user, commitment)
             else None}
    for o in observations:
        if can_answer(current_user, o):
            forms[f"answer-{o.id}"] = observation_form(f"answer-{o.id}")
        if can_hide(current_user, o):
            forms[f"hide-{o.id}"] = observation_form(f"hide-{o.id}")
    if failed is not None:
        forms[failed[0]] = failed[1]
    return forms


def render_commitment_page(commitment: Commitment, *, update_form=None, evidence_form=None,
                           conflict: bool = False, status: int = 200, failed_form=None):
    if update_form is None and can_update(current_user, commitment):
        update_form = StatusUpdateForm(formdata=None, status=commitment.status.value,
                                       progress=commitment.progress,
                                       version=commitment.version)
    if evidence_form is None and can_add_evidence(current_user, commitment):
        from tracker.manage.evidence_forms import EvidenceForm

        evidence_form = EvidenceForm(formdata=None)
    observations = observations_of(commitment.id)
    html = render_template(
        "public/commitment.html", commitment=commitment, locale=str(get_locale()),
        evidence=visible_evidence(current_user, commitment), update_form=update_form,
        evidence_form=evidence_form, conflict=conflict, observations=observations,
        rating=rating_of(commitment, observations),
        observation_forms=observation_forms(commitment, observations, failed_form))
    return html, status
