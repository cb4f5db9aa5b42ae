"""The one overdue rule: a due date in the past and not completed.

The same rule in SQL (lists, dashboard, stats, reminders' counts) and in Python (a
commitment already loaded: reminders' digests, the country table's highlight)."""

import datetime as dt

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Commitment, CommitmentTally, Status


def is_overdue(commitment: Commitment, today: dt.date) -> bool:
    return (commitment.due_date is not None and commitment.due_date < today
            and commitment.status != Status.COMPLETED)


def overdue_clause(today: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(Commitment.due_date < today, Commitment.status != Status.COMPLETED)


def overdue_count(today: dt.date, *, country_id: int | None = None,
                  status: str | None = None) -> int:
    """How many commitments are overdue (of one owner, with one status), in one query that
    reads no more than a month of commitments: the tallies of past due months, plus this
    month's commitments due before today."""
    past = (sa.select(sa.func.coalesce(sa.func.sum(CommitmentTally.count), 0))
            .where(CommitmentTally.scope == "due",
                   CommitmentTally.scope_id < today.year * 100 + today.month,
                   CommitmentTally.status != Status.COMPLETED))
    this_month = (sa.select(sa.func.count()).select_from(Commitment)
                  .where(Commitment.due_date >= today.replace(day=1), overdue_clause(today)))
    if country_id is not None:
        past = past.where(CommitmentTally.country_id == country_id)
        this_month = this_month.where(Commitment.country_id == country_id)
    if status:
        past = past.where(CommitmentTally.status == status)
        this_month = this_month.where(Commitment.status == status)
    return db.session.scalar(sa.select(past.scalar_subquery() + this_month.scalar_subquery())) or 0
