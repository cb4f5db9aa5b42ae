"""Read-side queries for the public pages, in a fixed number of SQL statements."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.extensions import db
from tracker.models import Commitment, Recommendation, Status


@dataclass(frozen=True)
class CommitmentsOverview:
    commitments: list[Commitment]
    totals: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def commitments_overview() -> CommitmentsOverview:
    """Every commitment with its country and recommendation, and the totals by status."""
    commitments = list(db.session.scalars(
        sa.select(Commitment)
        .options(
            joinedload(Commitment.country),
            joinedload(Commitment.recommendation).joinedload(Recommendation.working_table),
        )
        .order_by(Commitment.code)
    ))
    counts = dict(db.session.execute(
        sa.select(Commitment.status, sa.func.count()).group_by(Commitment.status)
    ).all())
    totals = {status: counts.get(status, 0) for status in Status}
    return CommitmentsOverview(commitments=commitments, totals=totals)
