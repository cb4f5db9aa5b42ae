"""The indicator endpoints and records of the OpenAPI document (tracker.api.openapi)."""

from tracker.api.openapi_common import page_of, path_param, read
from tracker.models import Frequency, Unit

_NULLABLE_STRING = {"type": ["string", "null"]}
_NUMBER = {"type": ["number", "null"]}
_PERIOD = {"type": ["string", "null"], "description": "2025, 2025-H1 or 2025-Q3"}

SCHEMAS: dict[str, dict] = {
    "Indicator": {"type": "object", "properties": {
        "code": {"type": "string"}, "name_es": {"type": "string"},
        "name_en": {"type": "string"}, "definition_es": {"type": "string"},
        "definition_en": {"type": "string"},
        "unit": {"type": "string", "enum": [u.value for u in Unit]},
        "currency": {**_NULLABLE_STRING, "description": "ISO 4217, when unit is currency"},
        "frequency": {"type": "string", "enum": [f.value for f in Frequency]},
        "source": {"type": "string"},
        "recommendation": {**_NULLABLE_STRING, "description": "reported by each owner of it"},
        "commitment": {**_NULLABLE_STRING, "description": "reported by its owner"},
        "dimensions": {"type": "array", "items": {"type": "string"},
                       "description": "dimension codes (SEX, AGE, MIGRATORY_STATUS, "
                                      "NATIONALITY...), at most two"},
        "url": {"type": "string", "format": "uri"}},
        "required": ["code", "name_es", "name_en", "unit", "frequency", "dimensions", "url"]},
    "IndicatorValue": {"type": "object", "properties": {
        "country": {"type": "string"}, "period": {"type": "string"},
        "report": {"type": "integer"},
        "replaces": {"type": ["integer", "null"], "description": "the report it corrects"},
        "reported_at": {"type": "string", "format": "date-time"},
        "note": _NULLABLE_STRING, "source": _NULLABLE_STRING,
        "evidence": {"type": ["object", "null"],
                     "description": "the public evidence the report rests on; null when "
                                    "none or restricted",
                     "properties": {"title": {"type": "string"},
                                    "dated": {"type": "string", "format": "date"},
                                    "kind": {"type": "string", "enum": ["file", "link"]},
                                    "url": {"type": "string"}},
                     "required": ["title", "dated", "kind", "url"]},
        "cells": {"type": "array", "items": {
            "type": "object", "additionalProperties": True,
            "description": "one property per dimension of the indicator with the value's "
                           "code (_T: the total over it), then value and status",
            "properties": {"value": {**_NUMBER, "description": "null when suppressed"},
                           "status": {"type": "string", "enum": ["published", "suppressed"],
                                      "description": "suppressed: a small count, or one it "
                                                     "could be worked out from"}},
            "required": ["value", "status"]}}},
        "required": ["country", "period", "report", "cells"]},
}
SCHEMAS["IndicatorDetail"] = {"allOf": [{"$ref": "#/components/schemas/Indicator"}, {
    "type": "object", "properties": {
        "targets": {"type": "array", "items": {"type": "object", "properties": {
            "country": {"type": "string"}, "baseline": _NUMBER, "baseline_period": _PERIOD,
            "target": _NUMBER, "target_period": _PERIOD,
            "suppressed": {"type": "array", "items": {"enum": ["baseline", "target"]},
                           "description": "a baseline or target of a count below the "
                                          "small-count threshold: null above"}}}},
        "values": {"type": "array", "items": {"$ref": "#/components/schemas/IndicatorValue"}}},
    "required": ["targets", "values"]}]}


def indicator_paths() -> dict:
    """The two read endpoints."""
    return {
        "/indicators": read(
            "listIndicators", "indicators",
            "Every indicator: what it measures, unit, frequency, dimensions",
            "All on one page; each is reported per country and period by the owners of its "
            "recommendation or commitment.", page_of("Indicator"), errors=()),
        "/indicators/{code}": read(
            "getIndicator", "indicators",
            "An indicator with baselines, targets and every country's current values",
            "A count below the small-count threshold, and any cell it could be worked out "
            "from, is suppressed (value null, status suppressed).",
            {"$ref": "#/components/schemas/IndicatorDetail"},
            [path_param("code", "Indicator code")], ("404",)),
    }
