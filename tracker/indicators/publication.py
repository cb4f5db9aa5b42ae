"""A report's cells as a reader may see them: small counts, and the cells they could be
recovered from, suppressed for the public; exact for the country's focal points and the
secretariat (permissions.can_see_exact_values).

Every public surface (pages, charts, API, CSV) goes through ``published_cells``, so the rule
is decided once; a page or a file of many reports passes ``hidden_cells_of`` all of them.

A correction is suppressed beside the versions it replaces: what they published is in readers'
hands (an earlier CSV), so a cell it keeps unchanged is a known number.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.indicators.suppression import Cell, equations, suppressed
from tracker.models import DimensionValue, Indicator, IndicatorReport, IndicatorValue, Unit
from tracker.models.indicator import TOTAL

# (report id, its ledger salt, threshold) -> its hidden cells. Reports are append-only (the
# database's triggers refuse changes), and so is the chain of versions a report replaces, so
# a result holds for the process's life; the salt tells apart reports of a database made anew
# that reuse an id.
_HIDDEN: dict[tuple[int, str, int], frozenset[Cell]] = {}


@dataclass(frozen=True)
class PublishedCell:
    """One cell: its codes (``_T`` for a total), the value or None when suppressed."""

    first: str
    second: str
    value: Decimal | None
    suppressed: bool


def cells_of(report: IndicatorReport) -> dict[Cell, Decimal]:
    """The report's exact cells, keyed (first code or None, second code or None)."""
    return {(v.first_value.code if v.first_value else None,
             v.second_value.code if v.second_value else None): v.value
            for v in report.values}


@dataclass(frozen=True)
class _Version:
    """What suppression needs of one version of a report."""

    id: int
    salt: str
    replaces_id: int | None
    cells: dict[Cell, Decimal]


def hidden_cells(report: IndicatorReport) -> frozenset[Cell]:
    """The cells the public may not see: none for a percentage, an amount or days, which
    count nobody; for counts, those below INDICATOR_SMALL_COUNT and enough others."""
    return hidden_cells_of([report])[report.id]


def hidden_cells_of(reports: Iterable[IndicatorReport]) -> dict[int, frozenset[Cell]]:
    """``hidden_cells`` of each report, by id, the versions they replace read in one query
    (whenever one is a correction, computed before or not: a page's queries stay the same)."""
    threshold = current_app.config["INDICATOR_SMALL_COUNT"]
    reports = list(reports)
    counts = [r for r in reports if r.indicator.unit == Unit.COUNT]
    earlier = _earlier_versions([r for r in counts if r.replaces_id is not None])
    found = {r.id: frozenset[Cell]() for r in reports}
    for r in counts:
        version = _Version(r.id, r.ledger_salt, r.replaces_id, cells_of(r))
        found[r.id] = _hidden(_chain(version, earlier), threshold)
    return found


def _chain(version: _Version, earlier: dict[int, _Version]) -> list[_Version]:
    """The version and those it replaces, oldest first."""
    chain = [version]
    while (replaces := chain[-1].replaces_id) is not None:
        chain.append(earlier[replaces])
    return chain[::-1]


def _hidden(chain: list[_Version], threshold: int) -> frozenset[Cell]:
    """The last version's hidden cells, each version's computed (once) after those before it,
    with the cells they published and it keeps unchanged known to the reader."""
    for index, version in enumerate(chain):
        key = (version.id, version.salt, threshold)
        if key not in _HIDDEN:
            known = {cell for before in chain[:index] for cell, value in before.cells.items()
                     if version.cells.get(cell) == value
                     and cell not in _HIDDEN[before.id, before.salt, threshold]}
            _HIDDEN[key] = suppressed(version.cells, threshold, known,
                                      _known_sums(version, chain[:index], threshold))
    last = chain[-1]
    return _HIDDEN[last.id, last.salt, threshold]


def _known_sums(version: _Version, before: list[_Version],
                threshold: int) -> list[tuple[list[Cell], Decimal]]:
    """The totals earlier versions published whose parts this version keeps unchanged: a
    reader holding the old CSV knows those parts still add up to them."""
    sums = []
    for earlier in before:
        hidden = _HIDDEN[earlier.id, earlier.salt, threshold]
        for total, *parts in equations(earlier.cells):
            if total not in hidden and parts and all(
                    version.cells.get(part) == earlier.cells[part] for part in parts):
                sums.append((parts, earlier.cells[total]))
    return sums


def _earlier_versions(corrections: list[IndicatorReport]) -> dict[int, _Version]:
    """Every version of the corrections' periods, by id, with its cells, in one query (none
    without corrections): a period's versions share its indicator, country and period."""
    if not corrections:
        return {}
    first, second = aliased(DimensionValue), aliased(DimensionValue)
    periods = {(r.indicator_id, r.country_id, r.period) for r in corrections}
    rows = db.session.execute(
        sa.select(IndicatorReport.id, IndicatorReport.ledger_salt, IndicatorReport.replaces_id,
                  first.code, second.code, IndicatorValue.value)
        .outerjoin(IndicatorValue, IndicatorValue.report_id == IndicatorReport.id)
        .outerjoin(first, first.id == IndicatorValue.first_value_id)
        .outerjoin(second, second.id == IndicatorValue.second_value_id)
        .where(sa.tuple_(IndicatorReport.indicator_id, IndicatorReport.country_id,
                         IndicatorReport.period).in_(periods)))
    versions: dict[int, _Version] = {}
    for report_id, salt, replaces_id, first_code, second_code, value in rows:
        version = versions.setdefault(report_id, _Version(report_id, salt, replaces_id, {}))
        if value is not None:
            version.cells[first_code, second_code] = value
    return versions


def small_figure(indicator: Indicator, value: Decimal | None) -> bool:
    """Whether a baseline or a target may not be published: of a count, it counts people too
    (often the very total of its period)."""
    return indicator.unit == Unit.COUNT and value is not None \
        and value < current_app.config["INDICATOR_SMALL_COUNT"]


def published_cells(report: IndicatorReport, *, exact: bool = False,
                    hidden: frozenset[Cell] | None = None) -> list[PublishedCell]:
    """The report's cells in a fixed order (total first, then the first dimension's values,
    then crosses), suppressed unless ``exact`` (a reader allowed to see them); ``hidden``:
    its hidden cells when the caller has them (``hidden_cells_of`` a page's reports)."""
    if exact:
        hidden = frozenset()
    elif hidden is None:
        hidden = hidden_cells(report)
    cells = []
    for (first, second), value in sorted(cells_of(report).items(), key=_order(report)):
        cell = (first, second)
        cells.append(PublishedCell(first or TOTAL, second or TOTAL,
                                   None if cell in hidden else value, cell in hidden))
    return cells


def _order(report: IndicatorReport):
    """Totals before values, values in their vocabulary's order."""
    positions = {}
    for v in report.values:
        for value in (v.first_value, v.second_value):
            if value is not None:
                positions[value.code, value.dimension_id] = value.position

    def key(item):
        (first, second), _value = item
        return (first is not None, second is not None,
                _position(report, 0, first), _position(report, 1, second))

    def _position(report, place, code):
        if code is None:
            return -1
        dimensions = report.indicator.dimensions
        return positions.get((code, dimensions[place].id), 0) if place < len(dimensions) else 0
    return key
