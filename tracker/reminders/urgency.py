"""What needs action, counted and ranked in SQL, so a digest reads a few rows however many
commitments a country holds: the counts per reason by aggregate, the most urgent by
ORDER BY ... LIMIT (per country: a window's row number).

Most urgent: overdue first, the longest overdue first; then due soonest; then stalest.
Completed commitments never need action."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from tracker.commitments.overdue import overdue_clause
from tracker.core.time import start_of_day
from tracker.extensions import db
from tracker.models import Commitment, ReminderSettings, Status


@dataclass
class Counts:
    """Commitments per reason (one may have two: overdue and stale), and in all."""

    overdue: int = 0
    due_soon: int = 0
    stale: int = 0
    escalated: int = 0  # overdue for longer than the escalation time
    total: int = 0      # needing action for at least one reason

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(vars(self).values(), vars(other).values(),
                                              strict=True)))


def max_items() -> int:
    """How many commitments a digest lists (DIGEST_MAX_ITEMS, at least one)."""
    return max(1, int(current_app.config.get("DIGEST_MAX_ITEMS", 20)))


def stale_before(today: dt.date, settings: ReminderSettings) -> dt.datetime:
    """Updated before this instant = no update for stale_days (counted in whole days)."""
    return start_of_day(today - dt.timedelta(days=settings.stale_days - 1))


def _clauses(today: dt.date, settings: ReminderSettings) -> dict[str, sa.ColumnElement[bool]]:
    """Each reason as SQL, the same rules as rules._reasons in Python."""
    open_ = Commitment.status != Status.COMPLETED
    due_soon: sa.ColumnElement[bool] = sa.false()
    if settings.due_soon:
        horizon = today + dt.timedelta(days=max(settings.due_soon))
        due_soon = sa.and_(open_, Commitment.due_date >= today, Commitment.due_date <= horizon)
    late = today - dt.timedelta(days=settings.escalate_after_days)
    clauses = {"overdue": overdue_clause(today), "due_soon": due_soon,
               "stale": sa.and_(open_, Commitment.updated_at < stale_before(today, settings)),
               "escalated": sa.and_(open_, Commitment.due_date < late)}
    clauses["total"] = sa.or_(clauses["overdue"], due_soon, clauses["stale"])
    return clauses


def counts_by_country(today: dt.date, settings: ReminderSettings) -> dict[int, Counts]:
    """Counts per reason of every country with something needing action (one query)."""
    clauses = _clauses(today, settings)
    names = list(vars(Counts()))
    rows = db.session.execute(
        sa.select(Commitment.country_id,
                  *(sa.func.sum(sa.case((clauses[name], 1), else_=0)) for name in names))
        .where(clauses["total"]).group_by(Commitment.country_id))
    return {row[0]: Counts(*(int(n or 0) for n in row[1:])) for row in rows}


def _order(clauses) -> tuple:
    bucket = sa.case((clauses["overdue"], 0), (clauses["due_soon"], 1), else_=2)
    dated = sa.case((sa.or_(clauses["overdue"], clauses["due_soon"]), Commitment.due_date))
    return bucket, dated, Commitment.updated_at, Commitment.code


def most_urgent(today: dt.date, settings: ReminderSettings, limit: int) -> list[Commitment]:
    """The `limit` most urgent commitments of all countries, in order (one query)."""
    clauses = _clauses(today, settings)
    return list(db.session.scalars(
        sa.select(Commitment).where(clauses["total"]).order_by(*_order(clauses)).limit(limit)
        .options(joinedload(Commitment.recommendation))))


def most_urgent_by_country(today: dt.date, settings: ReminderSettings,
                           limit: int) -> dict[int, list[Commitment]]:
    """The `limit` most urgent commitments of each country, in order (one query)."""
    clauses = _clauses(today, settings)
    rank = sa.func.row_number().over(partition_by=Commitment.country_id,
                                     order_by=_order(clauses)).label("rank")
    ranked = sa.select(Commitment.id, rank).where(clauses["total"]).subquery()
    rows = db.session.scalars(
        sa.select(Commitment).join(ranked, ranked.c.id == Commitment.id)
        .where(ranked.c.rank <= limit).order_by(Commitment.country_id, ranked.c.rank)
        .options(joinedload(Commitment.recommendation)))
    by_country: dict[int, list[Commitment]] = {}
    for c in rows:
        by_country.setdefault(c.country_id, []).append(c)
    return by_country
