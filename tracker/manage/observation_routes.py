"""Observation views: an auditor files, a focal point answers, the secretariat hides."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.audit.observations import (
    ObservationRefused,
    answer_observation,
    file_observation,
    hide_observation,
)
from tracker.core.forms import refuse
from tracker.extensions import db
from tracker.manage import bp
from tracker.manage.commitment_page import commitment_or_404, render_commitment_page
from tracker.manage.observation_forms import ObservationForm, observation_form
from tracker.models import Commitment, Observation
from tracker.permissions import can_answer, can_moderate, can_observe, require


def _observation_or_404(observation_id: int) -> Observation:
    observation = db.session.get(Observation, observation_id)
    if observation is None:
        abort(404)
    return observation


def _refused(commitment: Commitment, key: str, form, exc: ObservationRefused | None = None):
    """The commitment page again, the failed form with its messages; nothing was written."""
    db.session.rollback()
    if exc is not None:
        refuse(form, exc)
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


def _act_on(observation_id: int, kind: str, allowed, act, message: str):
    """Answer or hide: check, validate the observation's form, let the service act."""
    observation = _observation_or_404(observation_id)
    require(allowed(current_user, observation))
    key, commitment = f"{kind}-{observation_id}", observation.commitment
    form = observation_form(key, submitted=True)
    if not form.validate_on_submit():
        return _refused(commitment, key, form)
    try:
        act(observation, form)
    except ObservationRefused as exc:
        return _refused(commitment, key, form, exc)
    return _done(message, commitment.code)


@bp.post("/observations/<int:observation_id>/answers")
@login_required
def answer_commitment_observation(observation_id: int):
    """Answer an observation in the name of the government."""
    return _act_on(observation_id, "answer", can_answer,
                   lambda observation, form: answer_observation(current_user, observation,
                                                                form.text.data),
                   _("The answer is published."))


@bp.post("/observations/<int:observation_id>/hide")
@login_required
def hide_commitment_observation(observation_id: int):
    """Hide an abusive observation, with a public reason."""
    return _act_on(observation_id, "hide", lambda user, _observation: can_moderate(user),
                   lambda observation, form: hide_observation(current_user, observation,
                                                              form.reason.data),
                   _("The observation is hidden."))
