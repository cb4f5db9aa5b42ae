"""The contested rule: an independent rating below what the government claims, until a
newer rating or a newer government update resolves it; and each commitment's latest
visible rating."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.models import Assessment, Commitment, Observation, ObservationHiding, Status


def claimed_assessment(status: Status | str, progress: int | None) -> Assessment:
    """What the government's report claims, on the OGP scale: completed = complete;
    in progress = limited below 50 %, substantial from 50 %; anything else = not started."""
    status = Status(status)
    if status == Status.COMPLETED:
        return Assessment.COMPLETE
    if status == Status.IN_PROGRESS:
        return Assessment.LIMITED if (progress or 0) < 50 else Assessment.SUBSTANTIAL
    return Assessment.NOT_STARTED


def contested(status, progress, latest_assessment, *, rated_at=None, updated_at=None) -> bool:
    """The latest visible rating is below the claim, and no government update came after
    it: it stays contested until a newer rating or a new government update resolves it."""
    claim = claimed_assessment(status, progress)
    # "No evidence" under a claim of "not started" disputes nothing: no progress is claimed.
    if latest_assessment is None or claim == Assessment.NOT_STARTED:
        return False
    below = Assessment(latest_assessment).rank < claim.rank
    if rated_at is None or updated_at is None:
        return below
    return below and rated_at > updated_at


def latest_visible_id(commitment_id):
    """Correlated subquery: the commitment's newest observation not hidden."""
    latest = aliased(Observation)
    return (sa.select(latest.id)
            .where(latest.commitment_id == commitment_id,
                   ~sa.exists().where(ObservationHiding.observation_id == latest.id))
            .order_by(latest.created_at.desc(), latest.id.desc())
            .limit(1).scalar_subquery())


@dataclass(frozen=True)
class Rating:
    assessment: Assessment
    at: dt.datetime
    contested: bool


def ratings_for(commitment_ids=None) -> dict[int, Rating]:
    """Each commitment's latest visible rating and whether it is contested (one query);
    every rated commitment when no ids are given."""
    query = (sa.select(Commitment.id, Commitment.status, Commitment.progress,
                       Commitment.updated_at, Observation.assessment, Observation.created_at)
             .join(Observation, Observation.id == latest_visible_id(Commitment.id)))
    if commitment_ids is not None:
        query = query.where(Commitment.id.in_(list(commitment_ids)))
    rows = db.session.execute(query)
    return {row.id: Rating(row.assessment, row.created_at, contested(
        row.status, row.progress, row.assessment, rated_at=row.created_at,
        updated_at=row.updated_at)) for row in rows}


def rating_of(commitment: Commitment, observations: list[Observation]) -> Rating | None:
    """The rating from observations already loaded (newest visible first wins)."""
    visible = [o for o in observations if o.hiding is None]
    if not visible:
        return None
    latest = max(visible, key=lambda o: (o.created_at, o.id))
    return Rating(latest.assessment, latest.created_at, contested(
        commitment.status, commitment.progress, latest.assessment,
        rated_at=latest.created_at, updated_at=commitment.updated_at))
