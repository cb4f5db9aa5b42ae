"""A report's cells as a reader may see them: small counts, and the cells they could be
recovered from, suppressed for the public; exact for the country's focal points and the
secretariat (permissions.can_see_exact_values).

Every public surface (pages, charts, API, CSV) goes through ``published_cells``, so the rule
is decided once.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app

from tracker.indicators.suppression import Cell, suppressed
from tracker.models import Indicator, IndicatorReport, Unit
from tracker.models.indicator import TOTAL


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


def hidden_cells(report: IndicatorReport) -> frozenset[Cell]:
    """The cells the public may not see: none for a percentage, an amount or days, which
    count nobody; for counts, those below INDICATOR_SMALL_COUNT and enough others."""
    if report.indicator.unit != Unit.COUNT:
        return frozenset()
    return suppressed(cells_of(report), current_app.config["INDICATOR_SMALL_COUNT"])


def small_figure(indicator: Indicator, value: Decimal | None) -> bool:
    """Whether a baseline or a target may not be published: of a count, it counts people too
    (often the very total of its period)."""
    return indicator.unit == Unit.COUNT and value is not None \
        and value < current_app.config["INDICATOR_SMALL_COUNT"]


def published_cells(report: IndicatorReport, *, exact: bool = False) -> list[PublishedCell]:
    """The report's cells in a fixed order (total first, then the first dimension's values,
    then crosses), suppressed unless ``exact`` (a reader allowed to see them)."""
    hidden = frozenset() if exact else hidden_cells(report)
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
