"""Indicators as open data: the API's records and the tidy CSV (one row per published cell,
one column per dimension), both from indicators.publication, so a small count is suppressed
the same way everywhere."""

from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.core.time import isoformat_utc
from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.indicators.publication import published_cells, small_figure
from tracker.indicators.reporting import current_reports
from tracker.models import (
    Dimension,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorTarget,
)

SUPPRESSED = "suppressed"  # the CSV's flag, and the API's status, of a cell not published


def _indicators(code: str | None = None) -> list[Indicator]:
    query = (sa.select(Indicator).order_by(Indicator.code)
             .options(selectinload(Indicator.dimension_links)
                      .joinedload(IndicatorDimension.dimension),
                      selectinload(Indicator.targets).joinedload(IndicatorTarget.country),
                      joinedload(Indicator.recommendation), joinedload(Indicator.commitment)))
    if code is not None:
        query = query.where(Indicator.code == code)
    return list(db.session.scalars(query))


def indicator_record(indicator: Indicator) -> dict:
    """What the indicator is: names, definition, unit, frequency, what it is reported on and
    by which dimensions."""
    return {
        "code": indicator.code, "name_es": indicator.name_es, "name_en": indicator.name_en,
        "definition_es": indicator.definition_es, "definition_en": indicator.definition_en,
        "unit": indicator.unit.value, "currency": indicator.currency,
        "frequency": indicator.frequency.value, "source": indicator.source,
        "recommendation": indicator.recommendation.code if indicator.recommendation else None,
        "commitment": indicator.commitment.code if indicator.commitment else None,
        "dimensions": [d.code for d in indicator.dimensions],
        "url": public_url("api.indicator", code=indicator.code),
    }


def indicator_records() -> list[dict]:
    """Every indicator, by code (two queries)."""
    return [indicator_record(i) for i in _indicators()]


def report_record(report: IndicatorReport) -> dict:
    """A country's current value for a period, its cells as the public may see them."""
    dimensions = [d.code for d in report.indicator.dimensions]
    return {
        "country": report.country.iso3, "period": report.period, "report": report.id,
        "replaces": report.replaces_id, "reported_at": isoformat_utc(report.created_at),
        "note": report.note, "source": report.source,
        "cells": [{**dict(zip(dimensions, (cell.first, cell.second), strict=False)),
                   "value": plain_number(cell.value),
                   "status": SUPPRESSED if cell.suppressed else "published"}
                  for cell in published_cells(report)],
    }


def indicator_detail(code: str) -> dict | None:
    """An indicator with its owners' baselines and targets and every current value."""
    found = _indicators(code)
    if not found:
        return None
    indicator = found[0]
    return {**indicator_record(indicator),
            "targets": [_target_record(indicator, t) for t in indicator.targets],
            "values": [report_record(r) for r in current_reports(indicator)]}


def _target_record(indicator: Indicator, target: IndicatorTarget) -> dict:
    """An owner's baseline and target; a small count of either null, named in suppressed."""
    hidden = [name for name in ("baseline", "target")
              if small_figure(indicator, getattr(target, name))]
    return {"country": target.country.iso3,
            "baseline": None if "baseline" in hidden else plain_number(target.baseline),
            "baseline_period": target.baseline_period,
            "target": None if "target" in hidden else plain_number(target.target),
            "target_period": target.target_period, "suppressed": hidden}


def tidy_columns() -> list[str]:
    """The CSV's header: one column per dimension, whichever indicator uses it."""
    codes = db.session.scalars(sa.select(Dimension.code).order_by(Dimension.position))
    return ["indicator", "country", "period", "report", *codes, "value", "unit", "currency",
            "flags"]


def tidy_records() -> Iterator[dict]:
    """One row per published cell of every current report, by indicator code (a fixed number
    of queries): the dimensions an indicator is not broken down by, and the totals, are
    ``_T``; a suppressed value is empty, flagged."""
    columns = tidy_columns()
    dimension_columns = columns[4:-4]
    reports: dict[int, list[IndicatorReport]] = {}
    for report in current_reports(None):  # every indicator's, in two queries
        reports.setdefault(report.indicator_id, []).append(report)
    for indicator in _indicators():
        own = [d.code for d in indicator.dimensions]
        for report in reports.get(indicator.id, []):
            for cell in published_cells(report):
                codes = dict(zip(own, (cell.first, cell.second), strict=False))
                yield {"indicator": indicator.code, "country": report.country.iso3,
                       "period": report.period, "report": report.id,
                       **{d: codes.get(d, "_T") for d in dimension_columns},
                       "value": "" if cell.value is None else plain_number(cell.value),
                       "unit": indicator.unit.value, "currency": indicator.currency or "",
                       "flags": SUPPRESSED if cell.suppressed else ""}


def plain_number(value: Decimal | None) -> int | float | None:
    """A Decimal as the plainest number: 12 not 12.0000, 12.5 not 12.5000."""
    if value is None:
        return None
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)
