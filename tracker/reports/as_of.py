"""The public record as it stood at the end of a day, replayed from the append-only history.

The end of a day is the next midnight in TRACKER_TIMEZONE: a report "as of 2 Dec 2026" for
Mexico City holds what was written before 06:00 UTC on 3 December. Everything counted is what
existed strictly before that instant: each commitment's latest status event (its status and
progress then, by the dashboard's rule of effective progress), public evidence (restricted
evidence is never read), observations not hidden by then (a text hidden at any time, even
after that day, is never read: it was withdrawn), the indicator reports current then, and
the ledger head. Each reader is one bulk query over the scope, whatever its size.

What the history does not keep is read as it is now: recommendations' texts, due dates and
owners (administrative edits are logged in admin_action, not replayed).
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.core.dates import format_day, local_today, local_zone
from tracker.core.refusals import Refused
from tracker.core.time import UTC
from tracker.extensions import db
from tracker.indicators.publication import PublishedCell, hidden_cells_of, published_cells
from tracker.ledger.chain import GENESIS
from tracker.models import (
    Assessment,
    Commitment,
    Dimension,
    Evidence,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorValue,
    LedgerEntry,
    Observation,
    ObservationHiding,
    Recommendation,
    Status,
    StatusEvent,
    Visibility,
)
from tracker.models.indicator import TOTAL


class ReportRefused(Refused):
    """A report that cannot be made as asked (an unknown scope, a bad date)."""


def end_of(day: dt.date) -> dt.datetime:
    """The instant a day ends in TRACKER_TIMEZONE (the next local midnight), in UTC."""
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=local_zone())
    return following.astimezone(UTC)


DAY_FORM = re.compile(r"\d{4}-\d{2}-\d{2}")  # fromisoformat alone takes 2026-W49-1 too


def checked_day(text: str | None, field: str = "as_of") -> dt.date:
    """The as-of day from YYYY-MM-DD (today when not given); refuse another form, a future
    day (nothing is known of it) and a day before the first public record (nothing was)."""
    if not text:
        return local_today()
    try:
        day = dt.date.fromisoformat(text) if DAY_FORM.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise ReportRefused(_l("The date must be written YYYY-MM-DD, for example 2026-11-30."),
                            field)
    if day > local_today():
        raise ReportRefused(_l("A report can be made as of today or an earlier day, "
                               "not as of a future one."), field)
    first = first_record_day()
    if day < first:
        raise ReportRefused(_l("The public record begins on %(day)s: a report can be made as "
                               "of that day or a later one.", day=LazyString(
                                   lambda: format_day(first))), field)
    return day


def first_record_day() -> dt.date:
    """The day, in the tracker's zone, of the ledger's first entry (today when empty)."""
    first = db.session.scalar(sa.select(sa.func.min(LedgerEntry.at)))
    if first is None:
        return local_today()
    return (first if first.tzinfo else first.replace(tzinfo=UTC)).astimezone(local_zone()).date()


@dataclass(frozen=True)
class State:
    """A commitment as it stood: what it is now, and its status then."""

    id: int
    code: str
    recommendation_id: int
    country_id: int
    theme_id: int
    working_table_id: int
    due_date: dt.date | None
    status: Status
    progress: int | None
    updated_at: dt.datetime  # its latest event then

    @property
    def effective(self) -> int:
        """As the tallies count it: 100 when completed, the reported figure, or 0."""
        return 100 if self.status == Status.COMPLETED else (self.progress or 0)

    def overdue(self, day: dt.date) -> bool:
        """The one overdue rule (commitments.overdue), on the state of that day."""
        return self.due_date is not None and self.due_date < day \
            and self.status != Status.COMPLETED


Scope = sa.ColumnElement[bool] | None  # a condition on Commitment; None: every commitment


def _in_scope(column, scope: Scope):
    """``column`` (a commitment id) names a commitment of the scope."""
    if scope is None:
        return sa.true()
    return column.in_(sa.select(Commitment.id).where(scope))


def _latest(scope: Scope, end: dt.datetime):
    """Each commitment of the scope that existed before ``end``, with its latest event then
    (the events ranked per commitment by a window function), as a subquery."""
    ranked = (sa.select(StatusEvent.commitment_id, StatusEvent.to_status, StatusEvent.progress,
                        StatusEvent.at, sa.func.row_number().over(
                            partition_by=StatusEvent.commitment_id,
                            order_by=(StatusEvent.at.desc(), StatusEvent.id.desc()))
                        .label("rank"))
              .where(StatusEvent.at < end, _in_scope(StatusEvent.commitment_id, scope))
              .subquery("ranked"))
    query = (sa.select(Commitment.id, Commitment.code, Commitment.recommendation_id,
                       Commitment.country_id, Recommendation.theme_id,
                       Recommendation.working_table_id, Commitment.due_date,
                       ranked.c.to_status.label("status"), ranked.c.progress, ranked.c.at)
             .join(ranked, ranked.c.commitment_id == Commitment.id)
             .join(Recommendation, Recommendation.id == Commitment.recommendation_id)
             .where(ranked.c.rank == 1))
    return query.where(scope) if scope is not None else query


def states(scope: Scope, end: dt.datetime) -> list[State]:
    """Every commitment of the scope as it stood before ``end``, by code (one query)."""
    latest = _latest(scope, end).subquery("latest")
    return [State(row.id, row.code, row.recommendation_id, row.country_id, row.theme_id,
                  row.working_table_id, row.due_date, Status(row.status), row.progress,
                  row.at) for row in db.session.execute(
                      sa.select(latest).order_by(latest.c.code))]


@dataclass(frozen=True)
class Tally:
    """How many commitments of one owner and theme had one status then."""

    country_id: int
    theme_id: int
    status: Status
    count: int
    progress_sum: int
    overdue: int


def tallies(scope: Scope, end: dt.datetime, day: dt.date) -> list[Tally]:
    """The states counted in the database (a few hundred rows, not one per commitment):
    what a summary of every commitment reads."""
    latest = _latest(scope, end).subquery("latest")
    effective = sa.case((latest.c.status == Status.COMPLETED.value, 100),
                        else_=sa.func.coalesce(latest.c.progress, 0))
    overdue = sa.case((sa.and_(latest.c.due_date < day,
                               latest.c.status != Status.COMPLETED.value), 1), else_=0)
    query = (sa.select(latest.c.country_id, latest.c.theme_id, latest.c.status,
                       sa.func.count(), sa.func.sum(effective), sa.func.sum(overdue))
             .group_by(latest.c.country_id, latest.c.theme_id, latest.c.status))
    return [Tally(country, theme, Status(status), count, int(progress or 0), int(late or 0))
            for country, theme, status, count, progress, late in db.session.execute(query)]


@dataclass(frozen=True)
class Change:
    """One status change of the history (creations are not highlights)."""

    commitment_id: int
    at: dt.datetime
    from_status: Status
    to_status: Status
    progress: int | None


def status_changes(scope: Scope, end: dt.datetime,
                   start: dt.datetime | None = None) -> list[Change]:
    """The scope's status changes before ``end`` (from ``start``), oldest first; no note,
    no actor: a report names no person."""
    query = (sa.select(StatusEvent.commitment_id, StatusEvent.at, StatusEvent.from_status,
                       StatusEvent.to_status, StatusEvent.progress)
             .where(StatusEvent.at < end, StatusEvent.from_status.is_not(None),
                    StatusEvent.from_status != StatusEvent.to_status,
                    _in_scope(StatusEvent.commitment_id, scope))
             .order_by(StatusEvent.at, StatusEvent.id))
    if start is not None:
        query = query.where(StatusEvent.at >= start)
    return [Change(r.commitment_id, r.at, Status(r.from_status), Status(r.to_status),
                   r.progress) for r in db.session.execute(query)]


@dataclass(frozen=True)
class PublicEvidence:
    """A public file or link, as its public page lists it."""

    commitment_id: int
    title: str
    dated: dt.date
    url: str | None
    filename: str | None
    created_at: dt.datetime


def public_evidence(scope: Scope, end: dt.datetime,
                    start: dt.datetime | None = None) -> list[PublicEvidence]:
    """The scope's public evidence added before ``end`` (from ``start``); restricted evidence
    is filtered out in the query, so it never reaches a report."""
    query = (sa.select(Evidence.commitment_id, Evidence.title, Evidence.dated, Evidence.url,
                       Evidence.original_filename, Evidence.created_at)
             .where(Evidence.visibility == Visibility.PUBLIC, Evidence.created_at < end,
                    _in_scope(Evidence.commitment_id, scope))
             .order_by(Evidence.commitment_id, Evidence.dated, Evidence.id))
    if start is not None:
        query = query.where(Evidence.created_at >= start)
    return [PublicEvidence(*row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class Rating:
    """A civil-society observation visible then; ``text`` is None once it was hidden (at
    any time: withdrawn text is never shown again)."""

    id: int
    commitment_id: int
    organisation: str
    assessment: Assessment
    created_at: dt.datetime
    text: str | None


def visible_ratings(scope: Scope, end: dt.datetime,
                    start: dt.datetime | None = None) -> list[Rating]:
    """Observations on the scope filed before ``end`` (from ``start``) and not hidden by
    then, oldest first; the organisation only, never the author."""
    hiding = aliased(ObservationHiding)
    query = (sa.select(Observation.id, Observation.commitment_id, Observation.organisation,
                       Observation.assessment, Observation.created_at,
                       sa.case((hiding.id.is_(None), Observation.text), else_=None))
             .outerjoin(hiding, hiding.observation_id == Observation.id)
             .where(Observation.created_at < end,
                    sa.or_(hiding.id.is_(None), hiding.at >= end),
                    _in_scope(Observation.commitment_id, scope))
             .order_by(Observation.created_at, Observation.id))
    if start is not None:
        query = query.where(Observation.created_at >= start)
    return [Rating(r[0], r[1], r[2], Assessment(r[3]), r[4], r[5])
            for r in db.session.execute(query)]


def latest_ratings(ratings: Iterable[Rating]) -> dict[int, Rating]:
    """Each commitment's latest visible rating (ratings oldest first)."""
    return {rating.commitment_id: rating for rating in ratings}


@dataclass(frozen=True)
class Head:
    """The ledger's head at an instant: what a reader checks with the public verifier."""

    seq: int
    hash: str


def ledger_head(end: dt.datetime) -> Head:
    """The last entry written before ``end`` (the genesis hash, 0, for none)."""
    row = db.session.execute(sa.select(LedgerEntry.seq, LedgerEntry.hash)
                             .where(LedgerEntry.at < end)
                             .order_by(LedgerEntry.seq.desc()).limit(1)).first()
    return Head(row.seq, row.hash) if row else Head(0, GENESIS)


@dataclass(frozen=True)
class IndicatorFigure:
    """One country's current report of an indicator for a period, as published then."""

    indicator: Indicator
    country_id: int
    period: str
    cells: list[PublishedCell]

    def label(self, cell: PublishedCell, locale: str) -> str:
        """What a cell counts in the reader's language ("Mujeres, 18-29"), or Total."""
        names = {value.code: value.name(locale)
                 for dimension in self.indicator.dimensions for value in dimension.values}
        parts = [names.get(code, code) for code in (cell.first, cell.second) if code != TOTAL]
        return ", ".join(parts) if parts else str(_l("Total"))


def indicator_figures(end: dt.datetime, *, recommendation_ids: Iterable[int] = (),
                      commitment_ids: Iterable[int] = (),
                      country_id: int | None = None) -> list[IndicatorFigure]:
    """The published cells of the reports current before ``end`` of the indicators on those
    recommendations or commitments (or of every indicator, for one country): a report is
    current if it was made by then and no report made by then replaces it."""
    on = sa.or_(Indicator.recommendation_id.in_(list(recommendation_ids)),
                Indicator.commitment_id.in_(list(commitment_ids)))
    later = aliased(IndicatorReport)
    replaced = sa.exists().where(later.replaces_id == IndicatorReport.id, later.created_at < end)
    query = (sa.select(IndicatorReport)
             .join(Indicator, Indicator.id == IndicatorReport.indicator_id)
             .where(IndicatorReport.created_at < end, ~replaced)
             .options(joinedload(IndicatorReport.indicator).selectinload(Indicator.dimension_links)
                      .joinedload(IndicatorDimension.dimension).selectinload(Dimension.values),
                      selectinload(IndicatorReport.values).joinedload(IndicatorValue.first_value),
                      selectinload(IndicatorReport.values).joinedload(IndicatorValue.second_value))
             .order_by(Indicator.code, IndicatorReport.country_id, IndicatorReport.period))
    if country_id is not None:
        query = query.where(IndicatorReport.country_id == country_id)
    else:
        query = query.where(on)
    reports = list(db.session.scalars(query))
    hidden = hidden_cells_of(reports)
    return [IndicatorFigure(r.indicator, r.country_id, r.period,
                            published_cells(r, hidden=hidden[r.id])) for r in reports]
