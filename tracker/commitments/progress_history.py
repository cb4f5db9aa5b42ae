"""Progress over time, replayed from the append-only status history: a group's progress as
it stood at the end of each month (each quarter over a long history), by the dashboard's
rule (tracker.models.tally.EFFECTIVE: 100 when completed, else the reported figure or 0).

One aggregate query whatever the size of the history: each event moves its commitment's
effective progress from the previous event's figure (none before its creation) to its own,
so the changes summed by month, then accumulated, give every month's total; the first event
of each commitment counts it in. A commitment counts for its owner as it is now, as in the
tallies.

Cost: that query reads the whole history (about 0.3-0.6 s at 100,000 commitments), and the
pages it is drawn on are rendered again after every write. So only the months before this one
come from it, kept for an hour per month (the history is append-only: they change only when
history is imported with past dates, by `flask demo-data` or a seed); this month's point, the
state now, comes from the tallies the dashboard reads, in one cheap query.
"""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from babel.dates import format_date

from tracker.commitments.dashboard import country_breakdown
from tracker.core.dates import DATE_LOCALES
from tracker.extensions import cache, db
from tracker.models import Commitment, StatusEvent
from tracker.models.tally import EFFECTIVE

MONTHLY_UP_TO = 36  # periods: beyond three years of history, quarters keep the chart legible
PAST_MONTHS_KEPT = 3600  # seconds


@dataclass(frozen=True)
class Point:
    """The state at the end of one period (today, for the current one)."""

    end: dt.date
    commitments: int
    progress_sum: int

    @property
    def progress(self) -> float:
        """The mean effective progress, rounded as the dashboard rounds it."""
        return round(self.progress_sum / self.commitments, 1) if self.commitments else 0.0


@dataclass(frozen=True)
class History:
    """Points oldest first, each a month or each a quarter."""

    points: list[Point]
    quarterly: bool

    def label(self, point: Point, locale: str = "es") -> str:
        """The period a point ends, as people write it: mar 2025 / Mar 2025, T1 2025 / Q1 2025."""
        pattern = "QQQ y" if self.quarterly else "MMM y"
        return format_date(point.end, pattern, locale=DATE_LOCALES.get(locale, locale))


def _month_key(column, dialect: str) -> sa.ColumnElement[int]:
    """The UTC month of a timestamp as YYYYMM (SQLite keeps UTC wall time as text)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.to_char(sa.func.timezone("UTC", column), "YYYYMM"), sa.Integer)
    return sa.cast(sa.func.strftime("%Y%m", column), sa.Integer)


def monthly_changes(country_id: int | None = None,
                    before: dt.date | None = None) -> list[tuple[int, int, int]]:
    """(YYYYMM, change of the effective progress sum, commitments created) for every month
    with an event (before the date, if given), oldest first: one query, one pass."""
    events = sa.select(StatusEvent.commitment_id, StatusEvent.id, StatusEvent.at,
                       StatusEvent.to_status.label("status"), StatusEvent.progress)
    if before is not None:
        events = events.where(StatusEvent.at < dt.datetime.combine(before, dt.time()))
    if country_id is not None:
        events = (events.join(Commitment, Commitment.id == StatusEvent.commitment_id)
                  .where(Commitment.country_id == country_id))
    c = events.subquery("c")  # EFFECTIVE reads c.status and c.progress
    effective: sa.ColumnElement[int] = sa.literal_column(EFFECTIVE, sa.Integer)
    steps = sa.select(
        _month_key(c.c.at, db.engine.dialect.name).label("month"), effective.label("now"),
        sa.func.lag(effective).over(partition_by=c.c.commitment_id,
                                    order_by=(c.c.at, c.c.id)).label("before"),
    ).subquery("steps")
    query = (sa.select(steps.c.month,
                       sa.func.sum(steps.c.now - sa.func.coalesce(steps.c.before, 0)),
                       sa.func.sum(sa.case((steps.c.before.is_(None), 1), else_=0)))
             .group_by(steps.c.month).order_by(steps.c.month))
    return [(int(month), int(change), int(created))
            for month, change, created in db.session.execute(query)]


def _months(first: int, last: int) -> list[int]:
    """Every YYYYMM from first to last."""
    months, year, month = [], first // 100, first % 100
    while year * 100 + month <= last:
        months.append(year * 100 + month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_end(month: int) -> dt.date:
    year, number = divmod(month, 100)
    following = dt.date(year + 1, 1, 1) if number == 12 else dt.date(year, number + 1, 1)
    return following - dt.timedelta(days=1)


def progress_history(today: dt.date | None = None, country_id: int | None = None) -> History:
    """Regional progress (or one owner's) at the end of every month from the first event to
    today; every quarter's end instead when that is more than MONTHLY_UP_TO months."""
    today = today or dt.date.today()
    this_month = today.year * 100 + today.month
    key = f"progress-history:{country_id}:{this_month}"
    changes = cache.get(key)
    if changes is None:
        changes = monthly_changes(country_id, before=today.replace(day=1))
        cache.set(key, changes, timeout=PAST_MONTHS_KEPT)
    now = country_breakdown(country_id)
    commitments, progress_sum = sum(g.total for g in now), sum(g.progress_sum for g in now)
    if not commitments:
        return History(points=[], quarterly=False)
    by_month = {month: (change, created) for month, change, created in changes}
    months = _months(changes[0][0] if changes else this_month, this_month)
    quarterly = len(months) > MONTHLY_UP_TO
    points, total, count = [], 0, 0
    for index, month in enumerate(months):
        change, created = by_month.get(month, (0, 0))
        total, count = total + change, count + created
        if quarterly and month % 100 % 3 and index < len(months) - 1:
            continue  # a quarter's state is its last month's
        if month == this_month:  # the state now, from the tallies
            points.append(Point(end=today, commitments=commitments, progress_sum=progress_sum))
        else:
            points.append(Point(end=_month_end(month), commitments=count, progress_sum=total))
    return History(points=points, quarterly=quarterly)
