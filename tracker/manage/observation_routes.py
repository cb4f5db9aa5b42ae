"""Observation views: an auditor files, a focal point answers, the secretariat hides."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.extensions import db
from tracker.manage import bp
from tracker.manage.observation_forms import ObservationForm, answer_form, hide_form
from tracker.models import Commitment, Observation
from tracker.permissions import can_answer, can_hide, can_observe, require
from tracker.public.commitment_page import commitment_or_404, render_commitment_page
from tracker.services.observations import (
    ObservationRefused, answer_observation, file_observation, hide_observation,
)


def _observation_or_404(observation_id: int) -> Observation:
    observation = db.session.get(Observation, observation_id)
    if observation is None:
        abort(404)
    return observation


def _refused(commitment: Commitment, key: str, form, exc: ObservationRefused | None = None):
    """The commitment page again, the failed form with its messages; nothing was written."""
    db.session.rollback()
    if exc is not None:
        getattr(form, exc.field).errors.append(str(exc))
    return render_commitment_page(commitment_or_404(commitment.code), failed_form=(key, form),
                                  status=400)


def _done(message: str, code: str):
    flash(message)
    return redirect(url_for("public.commitment", code=code))


@bp.post("/commitments/<code>/observations")
@login_required
def file_commitment_observation(code: str):
    """File a civil-society observation with a rating."""
    commitment = commitment_or_404(code)
    require(can_observe(current_user, commitment))
    form = ObservationForm()
    if not form.validate_on_submit():
        return _refused(commitment, "observe", form)
    try:
        file_observation(current_user, commitment, form.assessment.data, form.text.data,
                         form.links.data)
    except ObservationRefused as exc:
        return _refused(commitment, "observe", form, exc)
    return _done(_("The observation is published."), code)


@bp.post("/observations/<int:observation_id>/answers")
@login_required
def answer_commitment_observation(observation_id: int):
    """Answer an observation in the name of the government."""
    observation = _observation_or_404(observation_id)
    require(can_answer(current_user, observation))
    commitment, form = observation.commitment, answer_form(observation_id, submitted=True)
    if not form.validate_on_submit():
        return _refused(commitment, f"answer-{observation_id}", form)
    try:
        answer_observation(current_user, observation, form.text.data)
    except ObservationRefused as exc:
        return _refused(commitment, f"answer-{observation_id}", form, exc)
    return _done(_("The answer is published."), commitment.code)


@bp.post("/observations/<int:observation_id>/hide")
@login_required
def hide_commitment_observation(observation_id: int):
    """Hide an abusive observation, with a public reason."""
    observation = _observation_or_404(observation_id)
    require(can_hide(current_user))
    commitment, form = observation.commitment, hide_form(observation_id, submitted=True)
    if not form.validate_on_submit():
        return _refused(commitment, f"hide-{observation_id}", form)
    try:
        hide_observation(current_user, observation, form.reason.data)
    except ObservationRefused as exc:
        return _refused(commitment, f"hide-{observation_id}", form, exc)
    return _done(_("The observation is hidden."), commitment.code)
