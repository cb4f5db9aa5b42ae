"""API: a national system reports an indicator's value for a country and period with a
bearer token holding indicator:write, through the service the web form uses (report_value).

The body reader checks only the shape the OpenAPI document states (415, or 400 naming the
field); what depends on the indicator (its dimensions, codes, unit, frequency) and on the
reports already there is refused with 422 or 409. report_value commits the report itself,
then idempotency.answer_once keeps the answer: a worker killed in between leaves the claim
pending, and its one retry is answered 409 (the period is reported), never recorded twice."""

import json
import math
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Request
from flask_babel import lazy_gettext as _l

from tracker.api import bp
from tracker.api.idempotency import Answer
from tracker.api.remote_writes import error, refused
from tracker.api.write_bodies import BodyRefused
from tracker.api.write_routes import answer_write, per_token
from tracker.core.request_checks import MAX_ID, takes_json
from tracker.core.urls import public_url
from tracker.extensions import csrf, db
from tracker.indicators.periods import IndicatorRefused, parse_period
from tracker.indicators.publication import published_cells
from tracker.indicators.reporting import (
    NOTE_MAX,
    SOURCE_MAX,
    Cell,
    current_report,
    evidence_refused,
    report_value,
)
from tracker.models import ApiToken, Country, Evidence, Indicator, IndicatorReport
from tracker.models.indicator import TOTAL
from tracker.opendata.indicators import plain_number  # the GET side's numbers
from tracker.permissions import (
    PermissionDenied,
    reports_indicator,
    token_covers_report,
    token_grants,
)

INDICATOR_WRITE = "indicator:write"
REPORT_FIELDS = {"country", "period", "cells", "note", "source", "replaces", "evidence"}
CELLS_MAX = 10_000  # beyond any cross of two vocabularies; bounds the work of one request
CODE_MAX = 30  # DimensionValue.code's length: a refusal never echoes a longer one
ISO3 = re.compile(r"[A-Z]{3}", re.ASCII)
NOT_ALLOWED = _l("The token's account may not report this indicator for this country.")


@dataclass(frozen=True)
class ReportBody:
    """A report as sent: each cell's codes by dimension code (``_T``: the total) and value."""

    country: str | None
    period: str
    cells: list[tuple[dict[str, str], int | float]]
    note: str | None
    source: str | None
    replaces: int | None
    evidence: int | None = None  # the id of evidence on one of the country's commitments


def _whole(value: object) -> bool:
    """A JSON integer; 5.0 is one too (JSON Schema's rule: no fractional part)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or \
        (isinstance(value, float) and value.is_integer())


def _text_or_none(body: dict, field: str, limit: int) -> str | None:
    """An optional text field within its limit; BodyRefused naming it otherwise."""
    value = body.get(field)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise BodyRefused(_l("%(field)s is a text of at most %(max)d characters, or null.",
                             field=field, max=limit), field)
    return value


def _finite(value: int | float) -> bool:
    """A float that is a number, or an int a float can hold (1 followed by 400 zeros cannot:
    math.isfinite would raise; the service refuses what is too large for the column)."""
    return math.isfinite(value) if isinstance(value, float) else abs(value) < 10 ** 300


def _cell(number: int, cell: object) -> tuple[dict[str, str], int | float]:
    """One cell's codes and value; BodyRefused (on cells) unless it has the documented shape."""
    value = cell.get("value") if isinstance(cell, dict) else None
    if not isinstance(cell, dict) or isinstance(value, bool) \
            or not isinstance(value, (int, float)) or not _finite(value) \
            or not all(isinstance(code, str) and len(code) <= CODE_MAX
                       for name, code in cell.items() if name != "value"):
        raise BodyRefused(_l("Cell %(number)d: an object with a code (a text of at most "
                             "%(max)d characters) for each dimension and its value (a "
                             "number).", number=number, max=CODE_MAX), "cells")
    return {name: code for name, code in cell.items() if name != "value"}, value


def report_body(request: Request) -> ReportBody:
    """The report from ``{"country", "period", "cells", "note", "source", "replaces",
    "evidence"}``."""
    if request.mimetype != "application/json":
        raise BodyRefused(_l("Send the report as JSON (Content-Type: application/json)."),
                          status=415)
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):  # also bytes that are not UTF-8; [[[[...]]]]
        raise BodyRefused(_l("The body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise BodyRefused(_l("The body is a JSON object: country, period, cells, note, source, "
                             "replaces, evidence."))
    unknown = sorted(set(body) - REPORT_FIELDS)
    if unknown:
        raise BodyRefused(_l("Unknown field: %(field)s.", field=unknown[0]), unknown[0])
    country, period, cells = body.get("country"), body.get("period"), body.get("cells")
    if country is not None and not (isinstance(country, str) and len(country) <= 3):
        raise BodyRefused(_l("country is an ISO 3166 alpha-3 code (MEX), or null."), "country")
    if not isinstance(period, str):
        raise BodyRefused(_l("period is the period reported: 2025, 2025-H1 or 2025-Q3."),
                          "period")
    if not isinstance(cells, list) or not 1 <= len(cells) <= CELLS_MAX:
        raise BodyRefused(_l("cells is a list of 1 to %(max)d cells.", max=CELLS_MAX), "cells")
    replaces = body.get("replaces")
    if replaces is not None and not (_whole(replaces) and 1 <= replaces <= MAX_ID):
        raise BodyRefused(_l("replaces is the id of the report it corrects (report in GET "
                             "/indicators/{code}), or null."), "replaces")
    evidence = body.get("evidence")
    if evidence is not None and not (_whole(evidence) and 1 <= evidence <= MAX_ID):
        raise BodyRefused(_l("evidence is the id of evidence stored on the country's "
                             "commitment, or null."), "evidence")
    return ReportBody(country=country, period=period,
                      cells=[_cell(number, cell) for number, cell in enumerate(cells, 1)],
                      note=_text_or_none(body, "note", NOTE_MAX),
                      source=_text_or_none(body, "source", SOURCE_MAX),
                      replaces=None if replaces is None else int(replaces),
                      evidence=None if evidence is None else int(evidence))


def _service_cells(indicator: Indicator, sent: list[tuple[dict[str, str], int | float]]
                   ) -> dict[Cell, object] | Answer:
    """The cells as report_value takes them, keyed by (first code, second code), None for
    ``_T``; 422 unless each cell names exactly the indicator's dimensions, once."""
    dimensions = [d.code for d in indicator.dimensions]
    cells: dict[Cell, object] = {}
    for codes, value in sent:
        if set(codes) != set(dimensions):
            return error(422, _l("Each cell of %(code)s has exactly these properties: "
                                 "%(names)s (_T for the total over a dimension).",
                                 code=indicator.code, names=", ".join([*dimensions, "value"])),
                         "cells")
        named = [None if codes[d] == TOTAL else codes[d] for d in dimensions]
        key: Cell = (named[0] if named else None, named[1] if len(named) > 1 else None)
        if key in cells:
            return error(422, _l("The cell %(cell)s is sent twice.", cell=", ".join(
                f"{d}={codes[d]}" for d in dimensions) or TOTAL), "cells")
        cells[key] = value
    return cells


def _country(token: ApiToken, indicator: Indicator, sent: str | None) -> Country | Answer:
    """The country reported for: the token's own (403 for another), or the one a secretariat
    token names (422 unless it exists and reports the indicator)."""
    code = None if sent is None else sent.upper()
    if token.country is not None:
        if code is not None and code != token.country.iso3:
            return error(403, _l("This token reports for %(own)s only, not for %(country)s.",
                                 own=token.country.iso3, country=code))
        return _reporting(indicator, token.country)
    if code is None:
        return error(422, _l("A secretariat token reports for any country: name it in "
                             "country."), "country")
    found = db.session.scalar(sa.select(Country).filter_by(iso3=code)) \
        if ISO3.fullmatch(code) else None
    if found is None:
        return error(422, _l("Unknown country: %(country)s.", country=code), "country")
    return _reporting(indicator, found)


def _reporting(indicator: Indicator, country: Country) -> Country | Answer:
    """The country, if it reports the indicator (owns its commitment, or one of its
    recommendation's); 422 otherwise."""
    if not reports_indicator(indicator, country):
        return error(422, _l("%(country)s does not report %(code)s.", country=country.iso3,
                             code=indicator.code), "country")
    return country


def report_record(report: IndicatorReport) -> dict:
    """The report as recorded, its exact values (the reporter's own) in GET's form."""
    dimensions = [d.code for d in report.indicator.dimensions]
    return {"indicator": report.indicator.code, "country": report.country.iso3,
            "period": report.period, "report": report.id, "replaces": report.replaces_id,
            "evidence": report.evidence_id,
            "cells": [{**dict(zip(dimensions, (cell.first, cell.second), strict=False)),
                       "value": plain_number(cell.value)}
                      for cell in published_cells(report, exact=True)]}


def _current(indicator: Indicator, country: Country, period: str) -> dict:
    """The current report of the period, for a 409 (a client corrects that one)."""
    found = current_report(indicator, country, period)
    return {"current": report_record(found)} if found else {}


def post_report(token: ApiToken, code: str, request: Request) -> Answer:
    """Record (or correct) a country's value of an indicator; 201 with the report."""
    if not token_grants(token, INDICATOR_WRITE):
        return error(403, _l("This token may not do this: it lacks the %(scope)s scope.",
                             scope=INDICATOR_WRITE))
    indicator = db.session.scalar(sa.select(Indicator).filter_by(code=code))
    if indicator is None:
        return error(404, _l("Nothing is known by the code %(code)s.", code=code))
    try:
        body = report_body(request)
    except BodyRefused as exc:
        return error(exc.status, exc.message, exc.field)
    country = _country(token, indicator, body.country)
    if isinstance(country, Answer):
        return country
    if not token_covers_report(token, indicator, country):
        return error(403, NOT_ALLOWED)
    cells = _service_cells(indicator, body.cells)
    if isinstance(cells, Answer):
        return cells
    try:
        period = parse_period(body.period, indicator.frequency).text
    except IndicatorRefused as exc:
        return error(422, exc.args[0], exc.field)
    replaces = None if body.replaces is None else _replaced(indicator, country, period,
                                                            body.replaces)
    if isinstance(replaces, Answer):
        return replaces
    evidence = None if body.evidence is None else db.session.get(Evidence, body.evidence)
    if body.evidence is not None and evidence is None:
        # The service's words for evidence stored elsewhere: an id says nothing of
        # whether restricted evidence exists.
        wrong = evidence_refused(indicator, country)
        return error(422, wrong.args[0], wrong.field)
    try:
        report = report_value(token.user, indicator, country, period=period, cells=cells,
                              note=body.note, source=body.source, evidence=evidence,
                              replaces=replaces)
    except IndicatorRefused as exc:
        if exc.field == "replaces":  # the period's current report is another one now
            return refused(409, exc.args[0], exc.field, **_current(indicator, country, period))
        return refused(422, exc.args[0], exc.field)
    except PermissionDenied:
        return refused(403, NOT_ALLOWED)
    return Answer(201, report_record(report))


def _replaced(indicator: Indicator, country: Country, period: str,
              report_id: int) -> IndicatorReport | Answer:
    """The report a correction names; 422 unless it is one of this indicator, country and
    period (whether it is still the current one is the service's to refuse: 409)."""
    report = db.session.get(IndicatorReport, report_id)
    if report is None or (report.indicator_id, report.country_id, report.period) \
            != (indicator.id, country.id, period):
        return error(422, _l("Report %(report)d is not a report of this indicator, country "
                             "and period.", report=report_id), "replaces")
    return report


@bp.post("/indicators/<code>/reports")
@takes_json
@csrf.exempt
@per_token
def indicator_report(code: str):
    """Report an indicator's value (JSON) with a token holding indicator:write."""
    response = answer_write(code, post_report)
    if response.status_code == 201:
        response.headers["Location"] = public_url("api.indicator", code=code)
    return response
