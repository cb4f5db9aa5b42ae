"""The public dashboard's figures in a fixed number of queries, read from the tallies the
database keeps with every write (tracker.models.tally): a few hundred rows whatever the
number of commitments, so even the first reader after a write pays little.

Progress of a group is the mean of its commitments' effective progress: the reported
percentage, 100 for a completed commitment, 0 when nothing was reported.
"""

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from tracker.audit.ratings import ratings_for
from tracker.commitments.matrix import latest_meeting_first
from tracker.commitments.overdue import overdue_clause, overdue_count
from tracker.core.dates import local_today
from tracker.extensions import db
from tracker.models import (
    Commitment,
    CommitmentTally,
    Country,
    Meeting,
    Status,
    StatusEvent,
    Theme,
    WorkingTable,
)


@dataclass
class Group:
    """One row of a breakdown: a country, a theme or a working table."""

    key: str
    name_es: str
    name_en: str
    counts: dict[Status, int] = field(default_factory=lambda: {s: 0 for s in Status})
    progress_sum: int = 0
    regional: bool = False  # an owner that is no country (the CRM)

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def progress(self) -> float:
        return round(self.progress_sum / self.total, 1) if self.total else 0.0


@dataclass
class Dashboard:
    totals: dict[Status, int]
    progress: float
    by_country: list[Group]
    by_theme: list[Group]
    by_table: list[Group]
    latest_meeting: Meeting | None
    overdue: list[Commitment]
    overdue_count: int
    recent: list[StatusEvent]
    contested: list[Commitment]
    contested_count: int
    # The progress each recent event started from (the commitment's previous event), so an
    # update that keeps the status still says what changed.
    progress_before: dict[int, int | None] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def _breakdown(scope: str, key, name_es, name_en, target, *, country_id: int | None = None,
               where=None, first=()) -> list[Group]:
    """Groups of one tally scope joined to ``target`` (a country, theme or working table),
    ordered by ``first`` (columns, grouped on too), then by key; with ``first``, a group
    is regional when its first column is true (the countries' ``regional``)."""
    on = (target.id == (CommitmentTally.country_id if scope == "all"
                        else CommitmentTally.scope_id))
    query = (sa.select(*first, key, name_es, name_en, CommitmentTally.status,
                       sa.func.sum(CommitmentTally.count),
                       sa.func.sum(CommitmentTally.progress_sum))
             .select_from(CommitmentTally).join(target, on)
             .where(CommitmentTally.scope == scope, CommitmentTally.count > 0))
    if country_id is not None:
        query = query.where(CommitmentTally.country_id == country_id)
    if where is not None:
        query = query.where(where)
    groups: dict[str, Group] = {}
    for *head, k, es, en, status, count, progress in db.session.execute(
            query.group_by(*first, key, name_es, name_en, CommitmentTally.status)
            .order_by(*first, key)):
        group = groups.setdefault(k, Group(k, es, en, regional=bool(head and head[0])))
        group.counts[Status(status)] = count
        group.progress_sum += progress or 0
    return list(groups.values())


def compute_dashboard(today: dt.date | None = None, recent_limit: int = 10,
                      overdue_limit: int = 20) -> Dashboard:
    """Every figure of the dashboard: 10 queries, whatever the number of commitments."""
    today = today or local_today()
    by_country = country_breakdown()
    by_theme = theme_breakdown()
    # Working tables of the latest meeting only: hundreds of meetings would make a table
    # nobody reads (the matrix shows any other meeting).
    latest = db.session.scalar(sa.select(Meeting).order_by(*latest_meeting_first()).limit(1))
    by_table = _breakdown("table", WorkingTable.code, WorkingTable.name_es,
                          WorkingTable.name_en, WorkingTable,
                          where=WorkingTable.meeting_id == (latest.id if latest else None))
    totals = {s: 0 for s in Status}
    progress_sum = 0
    for group in by_country:
        progress_sum += group.progress_sum
        for status, count in group.counts.items():
            totals[status] += count
    total = sum(totals.values())
    overdue_total = overdue_count(today)
    overdue = list(db.session.scalars(
        sa.select(Commitment).where(overdue_clause(today))
        .options(joinedload(Commitment.country), joinedload(Commitment.recommendation))
        .order_by(Commitment.due_date, Commitment.code).limit(overdue_limit)))
    recent_rows = db.session.execute(
        sa.select(StatusEvent, _progress_before()).where(StatusEvent.from_status.is_not(None))
        .options(joinedload(StatusEvent.commitment).joinedload(Commitment.recommendation),
                 joinedload(StatusEvent.commitment).joinedload(Commitment.country))
        .order_by(StatusEvent.at.desc(), StatusEvent.id.desc()).limit(recent_limit)).all()
    recent = [event for event, _before in recent_rows]
    contested_ids = [i for i, rating in ratings_for().items() if rating.contested]
    contested = list(db.session.scalars(
        sa.select(Commitment).where(Commitment.id.in_(contested_ids))
        .options(joinedload(Commitment.country), joinedload(Commitment.recommendation))
        .order_by(Commitment.code).limit(overdue_limit)))
    return Dashboard(contested=contested, contested_count=len(contested_ids), totals=totals,
                     progress=round(progress_sum / total, 1) if total else 0.0,
                     by_country=by_country, by_theme=by_theme, by_table=by_table,
                     latest_meeting=latest,
                     overdue=overdue, overdue_count=overdue_total, recent=recent,
                     progress_before={event.id: before for event, before in recent_rows})


def _progress_before():
    """The progress of the commitment's event just before this one (in the same query)."""
    earlier = aliased(StatusEvent)
    return (sa.select(earlier.progress)
            .where(earlier.commitment_id == StatusEvent.commitment_id,
                   sa.or_(earlier.at < StatusEvent.at,
                          sa.and_(earlier.at == StatusEvent.at, earlier.id < StatusEvent.id)))
            .order_by(earlier.at.desc(), earlier.id.desc()).limit(1)
            .correlate(StatusEvent).scalar_subquery())


def _folded(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def by_name(groups: Iterable[Group], locale: str) -> list[Group]:
    """Groups as the map and the matrix list them: by name in the reader's language
    (accents aside), regional owners (the CRM) last."""
    return sorted(groups, key=lambda g: (g.regional, _folded(g.name(locale))))


def theme_breakdown(country_id: int | None = None) -> list[Group]:
    """Commitments by theme and status (optionally of one owner only)."""
    return _breakdown("theme", Theme.code, Theme.name_es, Theme.name_en, Theme,
                      country_id=country_id)


def country_breakdown(country_id: int | None = None) -> list[Group]:
    """Commitments by owner and status: the member states, then the CRM (regional)."""
    return _breakdown("all", Country.iso3, Country.name_es, Country.name_en, Country,
                      country_id=country_id, first=(Country.regional,))
