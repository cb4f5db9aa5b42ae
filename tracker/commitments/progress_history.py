"""Progress over time, replayed from the append-only status history: a group's progress as
it stood at the end of each month (each quarter over a long history), by the dashboard's
rule (tracker.models.tally.EFFECTIVE: 100 when completed, else the reported figure or 0).

One aggregate query whatever the size of the history: each event moves its commitment's
effective progress from the previous event's figure (none before its creation) to its own,
so the changes summed by month, then accumulated, give every month's total; the first event
of each commitment counts it in. A commitment counts for its owner as it is now, as in the
tallies.

Months are the configured zone's (TRACKER_TIMEZONE): an update at 19:00 on 31 January in
Mexico City (01:00 UTC on 1 February) counts in January, and "this month" is the zone's.

Cost: that query reads the whole history (about 0.3-0.6 s at 100,000 commitments), and the
pages it is drawn on are rendered again after every write. So only the months before this one
come from it, computed at most once per window of PAST_MONTHS_KEPT seconds (windows cut on
the clock, the same for every worker) and kept for that window; this month's point, the state
now, comes from the tallies the page already has. The history is append-only, so past months
change only when history is imported with past dates (`flask demo-data`, a seed): they may
lag such an import by up to PAST_MONTHS_KEPT (an hour), never more, because the pages that
draw them are cached per window too (tracker.public.routes).
"""

import datetime as dt
import functools
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date

from tracker.commitments.dashboard import Group, country_breakdown
from tracker.core.dates import DATE_LOCALES, local_today, local_zone
from tracker.core.time import UTC
from tracker.extensions import cache, db
from tracker.models import Commitment, StatusEvent
from tracker.models.tally import EFFECTIVE

MONTHLY_UP_TO = 36  # periods: beyond three years of history, quarters keep the chart legible
PAST_MONTHS_KEPT = 3600  # seconds: how long past months may lag an import with past dates
OFFSETS_FROM = dt.datetime(1970, 1, 1, tzinfo=UTC)  # the zone's offsets are read from then on


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


def past_months_window() -> int:
    """The window of PAST_MONTHS_KEPT seconds we are in, cut on the clock: the key under
    which past months are kept, and a part of the keys of the pages that draw them."""
    return int(time.time() // PAST_MONTHS_KEPT)


@functools.lru_cache(maxsize=16)
def offset_changes(zone: str, until_year: int) -> tuple[tuple[dt.datetime, int], ...]:
    """(from this UTC instant, the zone's offset in minutes) from 1970 to the end of
    until_year, oldest first: sampled weekly, each change found to the minute."""
    info = ZoneInfo(zone)

    def offset(minute: int) -> int:
        instant = OFFSETS_FROM + dt.timedelta(minutes=minute)
        return int((instant.astimezone(info).utcoffset() or dt.timedelta()).total_seconds()) // 60

    week, end = 7 * 24 * 60, int((dt.datetime(until_year + 1, 1, 1, tzinfo=UTC)
                                  - OFFSETS_FROM).total_seconds()) // 60
    changes = [(OFFSETS_FROM, offset(0))]
    for start in range(0, end, week):
        low, high = start, start + week
        if offset(low) == offset(high):
            continue
        while high - low > 1:  # the first minute with the new offset
            middle = (low + high) // 2
            low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
        changes.append((OFFSETS_FROM + dt.timedelta(minutes=high), offset(high)))
    return tuple(changes)


def _month_key(column, dialect: str) -> sa.ColumnElement[int]:
    """The month of a timestamp in the configured zone, as YYYYMM. PostgreSQL converts by
    zone; SQLite keeps UTC wall time as text, so the zone's offset at that instant is
    picked from its changes (one CASE, newest first) and added before reading the month."""
    zone = str(local_zone())
    if dialect == "postgresql":
        return sa.cast(sa.func.to_char(sa.func.timezone(zone, column), "YYYYMM"), sa.Integer)
    (_first, oldest), *later = offset_changes(zone, local_today().year)
    modifier: sa.ColumnElement[str] = sa.literal(f"{oldest:+d} minutes")
    if later:
        modifier = sa.case(*((column >= start, f"{minutes:+d} minutes")
                             for start, minutes in reversed(later)),
                           else_=f"{oldest:+d} minutes")
    return sa.cast(sa.func.strftime("%Y%m", column, modifier), sa.Integer)


def monthly_changes(country_id: int | None = None,
                    before: dt.datetime | None = None) -> list[tuple[int, int, int]]:
    """(YYYYMM in the configured zone, change of the effective progress sum, commitments
    created) for every month with an event (before the instant, if given), oldest first:
    one query, one pass."""
    events = sa.select(StatusEvent.commitment_id, StatusEvent.id, StatusEvent.at,
                       StatusEvent.to_status.label("status"), StatusEvent.progress)
    if before is not None:
        events = events.where(StatusEvent.at < before)
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


def progress_history(today: dt.date | None = None, country_id: int | None = None,
                     groups: list[Group] | None = None) -> History:
    """Regional progress (or one owner's) at the end of every month from the first event to
    today (in the configured zone); every quarter's end instead when that is more than
    MONTHLY_UP_TO months. ``groups``: the owner's tallies now (country_breakdown), which the
    page already has; read here when not given. No commitments: no history, no query."""
    today = today or local_today()
    this_month = today.year * 100 + today.month
    now = country_breakdown(country_id) if groups is None else groups
    commitments, progress_sum = sum(g.total for g in now), sum(g.progress_sum for g in now)
    if not commitments:
        return History(points=[], quarterly=False)
    key = f"progress-history:{country_id}:{this_month}:{past_months_window()}"
    changes = cache.get(key)
    if changes is None:
        month_start = dt.datetime.combine(today.replace(day=1), dt.time(), tzinfo=local_zone())
        changes = monthly_changes(country_id, before=month_start.astimezone(UTC))
        cache.set(key, changes, timeout=PAST_MONTHS_KEPT)
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
