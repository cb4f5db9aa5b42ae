"""Opening a commitment: the one way one is created, by the seed loader or the secretariat."""

from tracker.extensions import db
from tracker.models import Commitment, Country, Recommendation, Status, StatusEvent
from tracker.permissions import Actor, is_system


def open_commitment(actor: Actor, recommendation: Recommendation, country: Country) -> Commitment:
    """A new commitment, not reported, whose history starts with its creation.

    Adds to the session; the calling use case checks permission and commits."""
    commitment = Commitment(code=f"{recommendation.code}-{country.iso3}",
                            recommendation=recommendation, country=country,
                            status=Status.NOT_REPORTED)
    commitment.events.append(StatusEvent(
        from_status=None, to_status=Status.NOT_REPORTED,
        actor_id=None if is_system(actor) else actor.id, actor_role=str(actor.role)))
    db.session.add(commitment)
    return commitment
