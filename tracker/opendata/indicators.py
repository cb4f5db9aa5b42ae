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
from tracker.indicators.publication import hidden_cells_of, published_cells, small_figure
from tracker.indicators.reporting import current_reports
from tracker.indicators.suppression import Cell
from tracker.models import (
    Evidence,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorTarget,
    Visibility,
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


def public_evidence(reports: list[IndicatorReport]) -> dict[int, Evidence]:
    """The public evidence these reports rest on, by id, in one query (none if no report
    has any). Restricted evidence is left out: what the reports show is the same for every
    reader, so not even its id or title may appear."""
    ids = {r.evidence_id for r in reports if r.evidence_id is not None}
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(
        sa.select(Evidence).where(Evidence.id.in_(ids),
                                  Evidence.visibility == Visibility.PUBLIC))}


def evidence_link(evidence: Evidence) -> str:
    """Where public evidence is read: its file's download, or its link."""
    return public_url("manage.download_evidence", evidence_id=evidence.id) \
        if evidence.is_file else str(evidence.url)


def _evidence_record(evidence: Evidence | None) -> dict | None:
    if evidence is None:
        return None
    return {"title": evidence.title, "dated": evidence.dated.isoformat(),
            "kind": "file" if evidence.is_file else "link", "url": evidence_link(evidence)}


def report_record(report: IndicatorReport, evidence: dict[int, Evidence],
                  hidden: frozenset[Cell] | None = None) -> dict:
    """A country's current value for a period, its cells as the public may see them, and
    its evidence if public (``evidence``: public_evidence of the reports; ``hidden``: its
    hidden cells, from hidden_cells_of the reports)."""
    dimensions = [d.code for d in report.indicator.dimensions]
    return {
        "country": report.country.iso3, "period": report.period, "report": report.id,
        "replaces": report.replaces_id, "reported_at": isoformat_utc(report.created_at),
        "note": report.note, "source": report.source,
        "evidence": _evidence_record(evidence.get(report.evidence_id or 0)),
        "cells": [{**dict(zip(dimensions, (cell.first, cell.second), strict=False)),
                   "value": plain_number(cell.value),
                   "status": SUPPRESSED if cell.suppressed else "published"}
                  for cell in published_cells(report, hidden=hidden)],
    }


def indicator_detail(code: str) -> dict | None:
    """An indicator with its owners' baselines and targets and every current value."""
    found = _indicators(code)
    if not found:
        return None
    indicator = found[0]
    reports = current_reports(indicator)
    evidence = public_evidence(reports)
    hidden = hidden_cells_of(reports)
    return {**indicator_record(indicator),
            "targets": [_target_record(indicator, t) for t in indicator.targets],
            "values": [report_record(r, evidence, hidden[r.id]) for r in reports]}


def _target_record(indicator: Indicator, target: IndicatorTarget) -> dict:
    """An owner's baseline and target; a small count of either null, named in suppressed."""
    hidden = [name for name in ("baseline", "target")
              if small_figure(indicator, getattr(target, name))]
    return {"country": target.country.iso3,
            "baseline": None if "baseline" in hidden else plain_number(target.baseline),
            "baseline_period": target.baseline_period,
            "target": None if "target" in hidden else plain_number(target.target),
            "target_period": target.target_period, "suppressed": hidden}


def tidy_records() -> Iterator[dict]:
    """One row per published cell of every current report, by indicator code (a fixed number
    of queries): the dimensions an indicator is not broken down by, and the totals, are
    ``_T``; a suppressed value is empty, flagged. Its columns: schema.indicators_table."""
    from tracker.opendata.schema import indicators_table  # it imports SUPPRESSED from here

    dimension_columns = [column.name for column in indicators_table().columns[4:-4]]
    reports: dict[int, list[IndicatorReport]] = {}
    for report in current_reports(None):  # every indicator's, in two queries
        reports.setdefault(report.indicator_id, []).append(report)
    indicators = _indicators()  # before hidden_cells_of, which reads each report's unit
    hidden = hidden_cells_of(r for own in reports.values() for r in own)
    for indicator in indicators:
        own = [d.code for d in indicator.dimensions]
        for report in reports.get(indicator.id, []):
            for cell in published_cells(report, hidden=hidden[report.id]):
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
