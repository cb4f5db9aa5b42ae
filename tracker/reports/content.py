"""What each report says, as plain dataclasses: built once from the as-of readers, then
rendered alike as HTML (the PDF) and as DOCX, so both hold the same figures.

A report names no person: owners are countries, raters organisations, and no note or actor
of the history is read.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker.audit.ratings import contested
from tracker.commitments.dashboard import Group
from tracker.extensions import db
from tracker.models import Commitment, Country, Meeting, Recommendation, Status, Theme, WorkingTable
from tracker.reports import as_of
from tracker.reports.as_of import (
    Change,
    Head,
    IndicatorFigure,
    PublicEvidence,
    Rating,
    ReportRefused,
    State,
)


@dataclass
class Totals:
    """Counts by status, progress (the dashboard's mean of effective progress), overdue."""

    counts: dict[Status, int]
    progress: float
    overdue: int
    contested: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Line:
    """One commitment in a report."""

    state: State
    country: Country
    rating: Rating | None = None
    contested: bool = False
    changes: list[Change] = field(default_factory=list)
    evidence: list[PublicEvidence] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.state.code


@dataclass
class Section:
    """A recommendation with its commitments, by owner."""

    recommendation: Recommendation
    table: WorkingTable
    lines: list[Line]

    @property
    def progress(self) -> float:
        return _mean([line.state.effective for line in self.lines])


@dataclass
class Frame:
    """What every report carries: the day, the instant it ends, the ledger head then."""

    day: dt.date
    end: dt.datetime
    head: Head


@dataclass
class RegionalReport:
    frame: Frame
    meeting: Meeting
    totals: Totals
    by_country: list[Group]
    sections: list[Section]
    countries: list[Country]  # the matrix's columns
    overdue: list[Line]
    ratings: list[tuple[Line, Rating]]  # every visible rating then, oldest first
    contested: list[Line]
    indicators: list[IndicatorFigure]
    countries_by_id: dict[int, Country]
    changes: "Changes | None" = None

    def cell(self, section: Section, country: Country) -> Line | None:
        return next((line for line in section.lines if line.country.id == country.id), None)


@dataclass
class MeetingPart:
    meeting: Meeting
    lines: list[Line]


@dataclass
class CountryReport:
    frame: Frame
    country: Country
    totals: Totals
    by_theme: list[Group]
    parts: list[MeetingPart]
    ratings: list[tuple[Line, Rating]]
    indicators: list[IndicatorFigure]
    countries_by_id: dict[int, Country]
    changes: "Changes | None" = None


@dataclass
class Summary:
    frame: Frame
    totals: Totals
    by_country: list[Group]
    by_theme: list[Group]
    meetings: int
    changes: "Changes | None" = None


@dataclass
class Changes:
    """What changed from the end of ``since`` to the end of the report's day."""

    since: dt.date
    moved: list[tuple[Line, Status | None]]  # the line now, its status at ``since`` (None: new)
    evidence: list[tuple[Line, PublicEvidence]]
    ratings: list[tuple[Line, Rating]]


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


def frame(day: dt.date) -> Frame:
    end = as_of.end_of(day)
    return Frame(day, end, as_of.ledger_head(end))


def _countries() -> dict[int, Country]:
    return {c.id: c for c in db.session.scalars(
        sa.select(Country).order_by(Country.regional, Country.iso3))}


def _lines(states: list[State], countries: dict[int, Country], ratings: list[Rating],
           day: dt.date) -> dict[int, Line]:
    """Each state as a line with its latest rating then and whether it is contested."""
    latest = as_of.latest_ratings(ratings)
    lines = {}
    for s in states:
        rating = latest.get(s.id)
        disputed = rating is not None and contested(
            s.status, s.progress, rating.assessment, rated_at=rating.created_at,
            updated_at=s.updated_at)
        lines[s.id] = Line(s, countries[s.country_id], rating, disputed)
    return lines


def totals(lines: list[Line], day: dt.date) -> Totals:
    counts = {status: 0 for status in Status}
    for line in lines:
        counts[line.state.status] += 1
    return Totals(counts, _mean([line.state.effective for line in lines]),
                  sum(line.state.overdue(day) for line in lines),
                  sum(line.contested for line in lines))


def groups(lines: list[Line], key, names: dict[int, tuple[str, str, str]]) -> list[Group]:
    """Lines grouped as the dashboard groups them (``key`` of a state names the group)."""
    found: dict[int, Group] = {}
    for line in lines:
        group_id = key(line.state)
        code, es, en = names[group_id]
        group = found.setdefault(group_id, Group(code, es, en))
        group.counts[line.state.status] += 1
        group.progress_sum += line.state.effective
    return [found[i] for i in names if i in found]


def _country_names(countries: dict[int, Country]) -> dict[int, tuple[str, str, str]]:
    return {i: (c.iso3, c.name_es, c.name_en) for i, c in countries.items()}


def _theme_names() -> dict[int, tuple[str, str, str]]:
    return {t.id: (t.code, t.name_es, t.name_en)
            for t in db.session.scalars(sa.select(Theme).order_by(Theme.code))}


def regional_report(meeting_code: str, day: dt.date,
                    since: dt.date | None = None) -> RegionalReport:
    """A meeting's recommendations and their commitments as of the end of ``day``."""
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.code == meeting_code))
    if meeting is None:
        raise ReportRefused(_l("No meeting has the code %(code)s.", code=meeting_code), "meeting")
    when = frame(day)
    recommendations = list(db.session.execute(
        sa.select(Recommendation, WorkingTable).join(WorkingTable)
        .where(WorkingTable.meeting_id == meeting.id)
        .order_by(WorkingTable.position, Recommendation.position, Recommendation.code)))
    scope = Commitment.recommendation_id.in_([r.id for r, _ in recommendations])
    countries = _countries()
    ratings = as_of.visible_ratings(scope, when.end)
    lines = _lines(as_of.states(scope, when.end), countries, ratings, day)
    by_recommendation: dict[int, list[Line]] = defaultdict(list)
    for line in lines.values():
        by_recommendation[line.state.recommendation_id].append(line)
    order = list(countries)
    sections = [Section(r, t, sorted(by_recommendation[r.id],
                                     key=lambda line: order.index(line.country.id)))
                for r, t in recommendations if by_recommendation[r.id]]
    every = list(lines.values())
    owners = {line.country.id for line in every}
    return RegionalReport(
        frame=when, meeting=meeting, totals=totals(every, day),
        by_country=groups(every, lambda s: s.country_id, _country_names(countries)),
        sections=sections,
        countries=[c for c in countries.values() if not c.regional or c.id in owners],
        overdue=[line for line in every if line.state.overdue(day)],
        ratings=[(lines[r.commitment_id], r) for r in ratings if r.commitment_id in lines],
        contested=[line for line in every if line.contested],
        indicators=as_of.indicator_figures(
            when.end, recommendation_ids=[r.id for r, _ in recommendations],
            commitment_ids=list(lines)),
        countries_by_id=countries,
        changes=changes(scope, since, day, countries) if since else None)


def country_report(iso3: str, day: dt.date,
                   since: dt.date | None = None) -> CountryReport:
    """A country's commitments across meetings, with their status changes and public
    evidence, as of the end of ``day``."""
    countries = _countries()
    country = next((c for c in countries.values() if c.iso3 == iso3.upper()), None)
    if country is None:
        raise ReportRefused(_l("No member state or owner has the code %(code)s.", code=iso3),
                            "country")
    when = frame(day)
    scope = Commitment.country_id == country.id
    ratings = as_of.visible_ratings(scope, when.end)
    lines = _lines(as_of.states(scope, when.end), countries, ratings, day)
    for change in as_of.status_changes(scope, when.end):
        if change.commitment_id in lines:
            lines[change.commitment_id].changes.append(change)
    for evidence in as_of.public_evidence(scope, when.end):
        if evidence.commitment_id in lines:
            lines[evidence.commitment_id].evidence.append(evidence)
    every = list(lines.values())
    return CountryReport(
        frame=when, country=country, totals=totals(every, day),
        by_theme=groups(every, lambda s: s.theme_id, _theme_names()),
        parts=_by_meeting(every),
        ratings=[(lines[r.commitment_id], r) for r in ratings if r.commitment_id in lines],
        indicators=as_of.indicator_figures(when.end, country_id=country.id),
        countries_by_id=countries,
        changes=changes(scope, since, day, countries) if since else None)


def _by_meeting(lines: list[Line]) -> list[MeetingPart]:
    """Lines by meeting, the latest meeting first (one query for the meetings)."""
    tables = {line.state.working_table_id for line in lines}
    rows = db.session.execute(
        sa.select(WorkingTable.id, Meeting).join(Meeting, Meeting.id == WorkingTable.meeting_id)
        .where(WorkingTable.id.in_(tables))).all()
    meeting_of = {table_id: meeting for table_id, meeting in rows}
    parts: dict[int, MeetingPart] = {}
    for line in lines:
        meeting = meeting_of[line.state.working_table_id]
        parts.setdefault(meeting.id, MeetingPart(meeting, [])).lines.append(line)
    return sorted(parts.values(), key=lambda p: (p.meeting.held_on is None,
                                                 -(p.meeting.held_on or dt.date.min).toordinal(),
                                                 p.meeting.code))


def summary(day: dt.date, since: dt.date | None = None) -> Summary:
    """Regional totals, by country and by theme, as of the end of ``day``: counted in the
    database, so a summary of 100,000 commitments reads a few hundred rows."""
    when = frame(day)
    countries = _countries()
    rows = as_of.tallies(None, when.end, day)
    counts = {status: 0 for status in Status}
    for row in rows:
        counts[row.status] += row.count
    total = sum(counts.values())
    progress = sum(row.progress_sum for row in rows)
    meetings = db.session.scalar(sa.select(sa.func.count(Meeting.id))) or 0
    totals = Totals(counts, round(progress / total, 1) if total else 0.0,
                    sum(row.overdue for row in rows), _contested_count(when.end, day))
    return Summary(when, totals, _tally_groups(rows, "country_id", _country_names(countries)),
                   _tally_groups(rows, "theme_id", _theme_names()), meetings,
                   changes(None, since, day, countries) if since else None)


def _contested_count(end: dt.datetime, day: dt.date) -> int:
    """Contested commitments: only the rated ones are read (one query each way)."""
    latest = as_of.latest_ratings(as_of.visible_ratings(None, end))
    if not latest:
        return 0
    rated = as_of.states(Commitment.id.in_(list(latest)), end)
    return sum(contested(s.status, s.progress, latest[s.id].assessment,
                         rated_at=latest[s.id].created_at, updated_at=s.updated_at)
               for s in rated)


def _tally_groups(rows: list[as_of.Tally], key: str,
                  names: dict[int, tuple[str, str, str]]) -> list[Group]:
    found: dict[int, Group] = {}
    for row in rows:
        group_id = getattr(row, key)
        code, es, en = names[group_id]
        group = found.setdefault(group_id, Group(code, es, en))
        group.counts[row.status] += row.count
        group.progress_sum += row.progress_sum
    return [found[i] for i in names if i in found]


def changes(scope: as_of.Scope, since: dt.date, day: dt.date,
            countries: dict[int, Country]) -> Changes:
    """Commitments whose status moved from the end of ``since`` to the end of ``day`` (or
    that are new), the public evidence and the ratings added meanwhile."""
    if since >= day:
        raise ReportRefused(_l("The earlier date must come before the report's date."), "since")
    start, end = as_of.end_of(since), as_of.end_of(day)
    before = {s.id: s.status for s in as_of.states(scope, start)}
    ratings = as_of.visible_ratings(scope, end)
    lines = _lines(as_of.states(scope, end), countries, ratings, day)
    moved = [(line, before.get(i)) for i, line in lines.items()
             if before.get(i) != line.state.status]
    added = sorted((e for e in as_of.public_evidence(scope, end, start)
                    if e.commitment_id in lines),
                   key=lambda e: (e.dated, lines[e.commitment_id].code))  # oldest first
    return Changes(since, moved, [(lines[e.commitment_id], e) for e in added],
                   [(lines[r.commitment_id], r) for r in ratings
                    if r.created_at >= start and r.commitment_id in lines])

