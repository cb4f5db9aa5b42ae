"""The one overdue rule: a due date in the past and not completed.

The same rule in SQL (lists, dashboard, stats, reminders' counts) and in Python (a
commitment already loaded: reminders' digests, the country table's highlight)."""

import datetime as dt

import sqlalchemy as sa

from tracker.models import Commitment, Status


def is_overdue(commitment: Commitment, today: dt.date) -> bool:
    return (commitment.due_date is not None and commitment.due_date < today
            and commitment.status != Status.COMPLETED)


def overdue_clause(today: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(Commitment.due_date < today, Commitment.status != Status.COMPLETED)
