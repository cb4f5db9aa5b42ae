"""The figures an indicator page shows, as plain dataclasses built from published cells only
(indicators.publication): the total per country over periods, the latest period broken down
by one dimension, every version of each country's period, baselines and targets; and the
latest published total of the indicators a country reports (the commitment and country pages).

Charts and tables are drawn from the same objects, so they cannot show different numbers.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.extensions import db
from tracker.indicators.publication import PublishedCell, hidden_cells_of, published_cells
from tracker.indicators.reporting import current_reports, is_current
from tracker.models import (
    Commitment,
    Country,
    Dimension,
    Evidence,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorTarget,
    IndicatorValue,
    Recommendation,
    Theme,
    Unit,
    Visibility,
)
from tracker.models.indicator import TOTAL

# Whether a reader may see a country's exact values (permissions.can_see_exact_values).
ExactFor = Callable[[Country], bool]


class UnknownBreakdown(ValueError):
    """``?by=`` names no dimension of the indicator; the message is for the reader."""


@dataclass(frozen=True)
class Point:
    """One number a chart draws: a value, or suppressed (no number), or not reported."""

    value: Decimal | None
    suppressed: bool = False

    @property
    def plain(self) -> str:
        """The value as data attributes carry it: 12, 12.5 (empty when there is none)."""
        return "" if self.value is None else format(self.value.normalize(), "f")


NOT_REPORTED = Point(None)


@dataclass(frozen=True)
class CountrySeries:
    """A country's total for each period of the page (NOT_REPORTED where it has none)."""

    country: Country
    points: list[Point]
    exact: bool  # drawn from exact values (the reader may see them)


@dataclass(frozen=True)
class TimeSeries:
    periods: list[str]
    countries: list[CountrySeries]

    @property
    def largest(self) -> Decimal:
        """The largest value drawn (the chart's scale), at least 1."""
        return max([p.value for s in self.countries for p in s.points if p.value is not None]
                   + [Decimal(1)])


@dataclass(frozen=True)
class BreakdownRow:
    """A country's values in its own latest period, one per value of the dimension."""

    country: Country
    points: list[Point]
    exact: bool
    period: str = ""


@dataclass(frozen=True)
class Breakdown:
    """Each country's latest period by one dimension (its codes and names); ``period`` is
    the one they all share, None when countries' latest periods differ (each row names its
    own)."""

    dimension: Dimension
    period: str | None
    codes: list[tuple[str, str, str]]  # (code, name_es, name_en), in the vocabulary's order
    rows: list[BreakdownRow]

    @property
    def largest(self) -> Decimal:
        return max([p.value for r in self.rows for p in r.points if p.value is not None]
                   + [Decimal(1)])


@dataclass(frozen=True)
class Version:
    """One version of a country's report for a period."""

    country: Country
    period: str
    number: int  # 1 for the first report, 2 for its first correction...
    report_id: int
    reported_at: dt.datetime
    replaces_id: int | None
    current: bool
    note: str | None = None
    source: str | None = None
    evidence: Evidence | None = None  # only public evidence: the page is the same for all


@dataclass(frozen=True)
class IndicatorFigures:
    indicator: Indicator
    series: TimeSeries
    breakdown: Breakdown | None
    versions: list[Version]
    targets: list[IndicatorTarget]
    owners: list[Commitment]  # the commitments the indicator is on (links)

    @property
    def exact_shown(self) -> bool:
        return any(s.exact for s in self.series.countries)


@dataclass(frozen=True)
class LatestTotal:
    """An indicator a country reports, with its latest published total."""

    indicator: Indicator
    period: str | None
    total: Point


def indicator_or_none(code: str) -> Indicator | None:
    """The indicator with what its page shows loaded (dimensions and their values, targets,
    subject, owners' commitments), in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Indicator).where(Indicator.code == code)
        .options(selectinload(Indicator.dimension_links).joinedload(IndicatorDimension.dimension)
                 .selectinload(Dimension.values),
                 selectinload(Indicator.targets).joinedload(IndicatorTarget.country),
                 joinedload(Indicator.recommendation).joinedload(Recommendation.theme),
                 joinedload(Indicator.commitment).options(
                     joinedload(Commitment.country), joinedload(Commitment.recommendation))))


def reporting_countries(indicator: Indicator) -> list[Country]:
    """The countries with at least one report of the indicator."""
    return list(db.session.scalars(
        sa.select(Country).where(Country.id.in_(
            sa.select(IndicatorReport.country_id).filter_by(indicator_id=indicator.id)))))


def indicator_figures(indicator: Indicator, by: str | None, exact_for: ExactFor,
                      ) -> IndicatorFigures:
    """Everything the page draws, from the current reports' published cells; UnknownBreakdown
    when ``by`` names no dimension of the indicator (None: the first one)."""
    dimension, place = _breakdown_dimension(indicator, by)
    reports = current_reports(indicator)
    exact = {r.country_id: exact_for(r.country) for r in reports}
    hidden = hidden_cells_of(r for r in reports if not exact[r.country_id])
    cells = {r.id: {(c.first, c.second): c for c in published_cells(
        r, exact=exact[r.country_id], hidden=hidden.get(r.id))} for r in reports}
    return IndicatorFigures(
        indicator=indicator, series=_series(reports, cells, exact),
        breakdown=None if dimension is None else _breakdown(dimension, place, reports, cells,
                                                            exact),
        versions=_versions(indicator), targets=sorted(indicator.targets,
                                                      key=lambda t: t.country.iso3),
        owners=_owners(indicator))


def latest_totals(country_id: int, *, commitment_id: int | None = None) -> list[LatestTotal]:
    """The indicators on a commitment and its recommendation (``commitment_id``), or on all of
    a country's commitments and their recommendations, each with the country's latest
    published total (never exact: these parts are the same for every reader)."""
    mine = sa.select(Commitment.id, Commitment.recommendation_id).where(
        Commitment.country_id == country_id)
    if commitment_id is not None:
        mine = mine.where(Commitment.id == commitment_id)
    subject = mine.subquery()
    on_them = sa.or_(Indicator.commitment_id.in_(sa.select(subject.c.id)),
                     Indicator.recommendation_id.in_(sa.select(subject.c.recommendation_id)))
    # Joined loads, not select-in ones: two queries whether there are indicators or not.
    indicators = list(db.session.scalars(
        sa.select(Indicator).where(on_them).order_by(Indicator.code)
        .options(joinedload(Indicator.dimension_links)
                 .joinedload(IndicatorDimension.dimension))).unique())
    latest = _latest_reports(country_id, sa.select(Indicator.id).where(on_them))
    hidden = hidden_cells_of(latest.values())
    found = []
    for indicator in indicators:
        report = latest.get(indicator.id)
        total = NOT_REPORTED if report is None \
            else _total(published_cells(report, hidden=hidden[report.id]))
        found.append(LatestTotal(indicator, None if report is None else report.period, total))
    return found


@dataclass(frozen=True)
class ListedIndicator:
    indicator: Indicator
    latest_period: str | None


def list_indicators(*, theme: str | None = None, country: str | None = None,
                    unit: Unit | None = None) -> list[ListedIndicator]:
    """Indicators by code, on a recommendation (or commitment) of ``theme``, reported by
    ``country`` (ISO3: an owner of the commitment or of one of the recommendation's), of
    ``unit``; each with the latest period anyone reported (three queries)."""
    subject = aliased(Commitment)
    recommendation_id = sa.func.coalesce(Indicator.recommendation_id,
                                         subject.recommendation_id)
    query = (sa.select(Indicator).outerjoin(subject, subject.id == Indicator.commitment_id)
             .order_by(Indicator.code)
             .options(selectinload(Indicator.dimension_links)
                      .joinedload(IndicatorDimension.dimension)))
    if theme is not None:
        query = query.where(recommendation_id.in_(
            sa.select(Recommendation.id).join(Recommendation.theme).where(Theme.code == theme)))
    if country is not None:
        owner = aliased(Commitment)
        query = query.where(sa.exists().where(
            owner.country_id == sa.select(Country.id).where(Country.iso3 == country)
            .scalar_subquery(),
            sa.or_(owner.id == Indicator.commitment_id,
                   owner.recommendation_id == Indicator.recommendation_id)))
    if unit is not None:
        query = query.where(Indicator.unit == unit)
    indicators = list(db.session.scalars(query))
    latest = dict(db.session.execute(
        sa.select(IndicatorReport.indicator_id, sa.func.max(IndicatorReport.period))
        .where(IndicatorReport.indicator_id.in_([i.id for i in indicators]))
        .group_by(IndicatorReport.indicator_id)).all()) if indicators else {}
    return [ListedIndicator(i, latest.get(i.id)) for i in indicators]


def _breakdown_dimension(indicator: Indicator, by: str | None) -> tuple[Dimension | None, int]:
    """The dimension ``?by=`` chooses and its place (first or second)."""
    dimensions = indicator.dimensions
    if by is None:
        return (dimensions[0], 0) if dimensions else (None, 0)
    for place, dimension in enumerate(dimensions):
        if dimension.code == by:
            return dimension, place
    if not dimensions:
        raise UnknownBreakdown(str(_l("This indicator has no breakdown.")))
    raise UnknownBreakdown(str(_l("Unknown breakdown: %(value)s. Choose one of: %(codes)s.",
                                  value=by, codes=", ".join(d.code for d in dimensions))))


Cells = dict[int, dict[tuple[str, str], PublishedCell]]


def _point(cell: PublishedCell | None) -> Point:
    if cell is None:
        return NOT_REPORTED
    return Point(cell.value, cell.suppressed)


def _total(cells: Iterable[PublishedCell]) -> Point:
    return _point(next((c for c in cells if (c.first, c.second) == (TOTAL, TOTAL)), None))


def _series(reports: list[IndicatorReport], cells: Cells, exact: dict[int, bool]) -> TimeSeries:
    """Each country's total over the periods any country reported."""
    periods = sorted({r.period for r in reports})
    by_country: dict[int, dict[str, IndicatorReport]] = {}
    for report in reports:  # by country ISO3, then period (current_reports' order)
        by_country.setdefault(report.country_id, {})[report.period] = report
    series = []
    for own in by_country.values():
        country = next(iter(own.values())).country
        points = [NOT_REPORTED if p not in own else
                  _point(cells[own[p].id].get((TOTAL, TOTAL))) for p in periods]
        series.append(CountrySeries(country, points, exact[country.id]))
    return TimeSeries(periods, series)


def _breakdown(dimension: Dimension, place: int, reports: list[IndicatorReport], cells: Cells,
               exact: dict[int, bool]) -> Breakdown:
    """Each country's latest period's cells by ``dimension`` (at the other dimension's
    total): one country reporting a newer period leaves the others' latest ones shown."""
    latest: dict[int, IndicatorReport] = {}
    for report in reports:  # by country ISO3, then period: a country's last is its latest
        latest[report.country_id] = report
    codes = [(v.code, v.name_es, v.name_en) for v in dimension.values]
    keys = [(code, TOTAL) if place == 0 else (TOTAL, code) for code, _es, _en in codes]
    rows = [BreakdownRow(report.country, [_point(cells[report.id].get(key)) for key in keys],
                         exact[report.country_id], report.period)
            for report in latest.values()]
    periods = {row.period for row in rows}
    return Breakdown(dimension, next(iter(periods)) if len(periods) == 1 else None, codes,
                     rows)


def _versions(indicator: Indicator) -> list[Version]:
    """Every report of the indicator, as versions of its country's period, with its public
    evidence (one query: restricted evidence is not even read)."""
    public = sa.and_(Evidence.id == IndicatorReport.evidence_id,
                     Evidence.visibility == Visibility.PUBLIC)
    rows = db.session.execute(
        sa.select(IndicatorReport, is_current(), Evidence)
        .join(IndicatorReport.country).outerjoin(Evidence, public)
        .where(IndicatorReport.indicator_id == indicator.id)
        .order_by(Country.iso3, IndicatorReport.period, IndicatorReport.id)
        .options(joinedload(IndicatorReport.country))).all()
    versions: list[Version] = []
    for report, current, evidence in rows:
        previous = versions[-1] if versions else None
        same = previous is not None and (previous.country.id, previous.period) == (
            report.country_id, report.period)
        versions.append(Version(report.country, report.period,
                                previous.number + 1 if same and previous else 1, report.id,
                                report.created_at, report.replaces_id, current,
                                report.note, report.source, evidence))
    return versions


def _owners(indicator: Indicator) -> list[Commitment]:
    """The commitments the indicator is on: its own, or every one of its recommendation."""
    if indicator.commitment is not None:
        return [indicator.commitment]
    return list(db.session.scalars(
        sa.select(Commitment).join(Commitment.country)
        .where(Commitment.recommendation_id == indicator.recommendation_id)
        .order_by(Country.iso3).options(joinedload(Commitment.country))))


def _latest_reports(country_id: int, indicator_ids: sa.Select) -> dict[int, IndicatorReport]:
    """The country's current report of each indicator's latest period, with its cells."""
    other = aliased(IndicatorReport)
    latest_period = (sa.select(sa.func.max(other.period))
                     .where(other.indicator_id == IndicatorReport.indicator_id,
                            other.country_id == country_id).scalar_subquery())
    reports = db.session.scalars(
        sa.select(IndicatorReport)
        .where(IndicatorReport.indicator_id.in_(indicator_ids),
               IndicatorReport.country_id == country_id,
               IndicatorReport.period == latest_period, is_current())
        .options(joinedload(IndicatorReport.values).options(
            joinedload(IndicatorValue.first_value), joinedload(IndicatorValue.second_value))))
    return {report.indicator_id: report for report in reports.unique()}
