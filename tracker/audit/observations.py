"""Civil-society observations: filing one (the country's focal points are told), the
government's answer, the secretariat's hiding, and reading a commitment's observations."""


import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from tracker.core.outbox import idempotency_key, queue
from tracker.core.refusals import Refused
from tracker.core.urls import is_web_address, public_url
from tracker.extensions import db
from tracker.models import (
    Assessment,
    Commitment,
    MessageKind,
    Observation,
    ObservationAnswer,
    ObservationHiding,
    Role,
    User,
)
from tracker.permissions import can_answer, can_hide, can_moderate, can_observe, ensure

TEXT_MAX = 5000
REASON_MAX = 500
LINKS_MAX = 5
LINK_MAX = 2000


class ObservationRefused(Refused):
    """The observation, answer or hiding is not valid (about its text unless it says)."""

    default_field = "text"


def _text(value: str | None, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise ObservationRefused(_l("Write the text."))
    if len(text) > limit:
        raise ObservationRefused(_l("At most %(num)d characters.", num=limit))
    return text


def _links(value: str | None) -> str | None:
    links = [line.strip() for line in (value or "").splitlines() if line.strip()]
    if len(links) > LINKS_MAX:
        raise ObservationRefused(_l("At most %(num)d links.", num=LINKS_MAX), "links")
    for link in links:
        if len(link) > LINK_MAX or not is_web_address(link):
            raise ObservationRefused(_l("Links must be http:// or https:// addresses."), "links")
    return "\n".join(links) or None


def file_observation(actor: User, commitment: Commitment, assessment: str, text: str,
                     links: str | None) -> Observation:
    """An auditor rates a commitment; the country's focal points are notified."""
    ensure(can_observe(actor, commitment))
    try:
        assessment = Assessment(assessment)
    except ValueError:
        raise ObservationRefused(_l("Unknown assessment."), "assessment") from None
    observation = Observation(
        commitment_id=commitment.id, author_id=actor.id, organisation=actor.organisation,
        organisation_kind=actor.organisation_kind, assessment=assessment, text=_text(text),
        links=_links(links))
    db.session.add(observation)
    db.session.flush()
    queue_observation_notices(observation)
    db.session.commit()
    return observation


def answer_observation(actor: User, observation: Observation, text: str) -> ObservationAnswer:
    """A focal point of the commitment's country answers, in the country's name (the
    secretariat, for the CRM's own commitments)."""
    ensure(can_answer(actor, observation))
    # Set by id, not through the relationship: the observation row itself stays untouched.
    answer = ObservationAnswer(observation_id=observation.id, text=_text(text),
                               author_id=actor.id,
                               country_id=observation.commitment.country_id)
    db.session.add(answer)
    db.session.commit()
    return answer


def hide_observation(actor: User, observation: Observation, reason: str) -> ObservationHiding:
    """The secretariat hides an abusive observation; the hiding and its reason are public."""
    ensure(can_moderate(actor))
    if not can_hide(actor, observation):  # hidden by someone else since the page was opened
        raise ObservationRefused(_l("This observation is already hidden."), "reason")
    try:
        reason = _text(reason, REASON_MAX)
    except ObservationRefused as exc:
        raise ObservationRefused(str(exc), "reason") from None
    hiding = ObservationHiding(observation_id=observation.id, reason=reason, by_id=actor.id)
    db.session.add(hiding)
    db.session.commit()
    return hiding


def queue_observation_notices(observation: Observation) -> None:
    """Tell each active focal point of the owner country, in their language; for the CRM's
    own commitments, the secretariat, which answers for it (caller commits)."""
    commitment = db.session.get_one(Commitment, observation.commitment_id)
    answering = (User.role == Role.SECRETARIAT if commitment.country.regional
                 else sa.and_(User.role == Role.FOCAL_POINT,
                              User.country_id == commitment.country_id))
    recipients = db.session.scalars(
        sa.select(User).where(answering, User.active.is_(True)).order_by(User.id))
    url = public_url("public.commitment", code=commitment.code)
    period = observation.created_at.strftime("%Y-%m-%d")
    for user in recipients:
        with force_locale(user.language):
            subject = _("New civil-society observation on %(code)s", code=commitment.code)
            body = render_template("mail/observation.txt", observation=observation,
                                   commitment=commitment, url=url)
        queue(idempotency_key("observation", observation.id, user.email),
              kind=MessageKind.OBSERVATION, period=period, recipient=user.email,
              subject=subject, body=body, language=user.language, user_id=user.id)


def observations_of(commitment_id: int) -> list[Observation]:
    """A commitment's observations, oldest first, with answers and hiding (2 queries)."""
    with db.session.no_autoflush:  # a refused form may leave a pending row behind: read only
        return list(db.session.scalars(
            sa.select(Observation).where(Observation.commitment_id == commitment_id)
            .options(selectinload(Observation.answers).joinedload(ObservationAnswer.country),
                     joinedload(Observation.hiding))
            .order_by(Observation.created_at, Observation.id)))
