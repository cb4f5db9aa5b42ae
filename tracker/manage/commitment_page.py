"""The commitment page, rendered from its own view and again by a form that failed."""

import functools

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from tracker.audit.observations import observations_of
from tracker.audit.ratings import rating_of
from tracker.commitments.detail import load_commitment, visible_evidence
from tracker.core.http_cache import shared_content
from tracker.extensions import db
from tracker.manage.forms import StatusUpdateForm
from tracker.models import Commitment
from tracker.permissions import can_add_evidence, can_answer, can_hide, can_observe, can_update

# The page's parts that are the same for every reader, around the reader's own forms.
PUBLIC_PARTS = ("public/_commitment_head.html", "public/_commitment_tail.html")


def commitment_or_404(code: str) -> Commitment:
    """The commitment (its row only: what its page shows is loaded by the parts), or a 404."""
    commitment = db.session.scalar(sa.select(Commitment).where(Commitment.code == code))
    if commitment is None:
        abort(404)
    return commitment


def _public_context(code: str) -> dict:
    commitment = load_commitment(code)
    if commitment is None:
        abort(404)
    return dict(commitment=commitment, locale=str(get_locale()),
                rating=rating_of(commitment, observations_of(commitment.id)))


def public_parts(commitment: Commitment) -> list[Markup]:
    """The head and the tail of the page: on a GET, rendered once per data version and
    version of the commitment for every reader (a logged-in one's page then costs only its
    forms, and their version is never newer than the state shown above them); a form sent
    back with errors (a POST, perhaps after a conflict) shows them as they are now."""
    context = functools.cache(lambda: _public_context(commitment.code))
    if request.method in ("GET", "HEAD"):
        return [shared_content(template, context, commitment.version)
                for template in PUBLIC_PARTS]
    return [Markup(render_template(template, **context())) for template in PUBLIC_PARTS]


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
    with db.session.no_autoflush:  # a refused form may leave an unsaved row behind: read only
        observations = observations_of(commitment.id)
        head, tail = public_parts(commitment)
        html = render_template(
            "public/commitment.html", commitment=commitment, head=head, tail=tail,
            evidence=visible_evidence(current_user, commitment), update_form=update_form,
            evidence_form=evidence_form, conflict=conflict, observations=observations,
            observation_forms=observation_forms(commitment, observations, failed_form))
    return html, status
