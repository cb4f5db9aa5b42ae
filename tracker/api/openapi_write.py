"""The OpenAPI description of the two writes (tracker.api.write_routes), merged into the
document by tracker.api.openapi; the bearer scheme applies to them only."""

from tracker.api.idempotency import KEY_MAX
from tracker.api.indicator_writes import CELLS_MAX, CODE_MAX
from tracker.api.write_bodies import NOTE_MAX, TITLE_MAX, URL_MAX
from tracker.core.request_checks import MAX_ID
from tracker.indicators.reporting import (
    NOTE_MAX as REPORT_NOTE_MAX,
    SOURCE_MAX as REPORT_SOURCE_MAX,
)
from tracker.models import Status

STATUSES = [s.value for s in Status]
SECURITY_SCHEMES = {"bearerAuth": {
    "type": "http", "scheme": "bearer",
    "description": "A personal API token (crm_...), made on the account page or with "
                   "`flask tokens create`; scoped to status:write, evidence:write and/or "
                   "indicator:write and to its holder's country."}}

# tracker.core.forms.has_control_character, as a JSON Schema character class.
NO_CONTROL = "[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]"
VISIBLE = "[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]"  # at least one


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str, headers: dict | None = None) -> dict:
    return {"description": description, **({"headers": headers} if headers else {}),
            "content": {"application/json": {"schema": _ref(schema)}}}


def _header(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


STATE = {"code": {"type": "string"}, "status": {"type": "string", "enum": STATUSES},
         "progress": {"type": ["integer", "null"]}, "version": {"type": "integer"},
         "updated_at": {"type": "string", "format": "date-time"}}
SCHEMAS = {
    "WriteError": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "title", "detail"], "properties": {
            "status": {"type": "integer"}, "title": {"type": "string"},
            "detail": {"type": "string", "description": "What is wrong, in the reader's "
                       "language (Accept-Language: en or es)"},
            "field": {"type": ["string", "null"], "description": "The body field or header "
                      "it is about"}}}}},
    "CommitmentState": {"type": "object", "required": list(STATE), "properties": STATE},
    "StatusUpdate": {
        "type": "object", "additionalProperties": False, "required": ["status", "version"],
        "properties": {
            "status": {"type": "string", "enum": STATUSES},
            "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "note": {"type": ["string", "null"], "maxLength": NOTE_MAX,
                     "description": "Required when the status becomes stalled or completed"},
            "version": {"type": "integer", "description": "The commitment's version the "
                        "update is based on (from GET /commitments/{code}); another one "
                        "answers 409 with the current state"}}},
    "EvidenceForm": {
        "type": "object", "additionalProperties": False,
        "required": ["title", "dated", "visibility"], "properties": {
            "title": {"type": "string", "maxLength": TITLE_MAX,
                      "description": "Without control characters",
                      "pattern": f"^{NO_CONTROL}*{VISIBLE}{NO_CONTROL}*$"},
            "dated": {"type": "string", "format": "date", "description": "YYYY-MM-DD"},
            "visibility": {"type": "string", "enum": ["public", "restricted"]},
            "file": {"type": "string", "contentMediaType": "application/octet-stream",
                     "description": "A PDF, office document, image or CSV; or give url"},
            "url": {"type": "string", "maxLength": URL_MAX,
                    "pattern": "^https?://[^\\s/?#]+[^\\s]*$",
                    "description": "An http(s) address; or send file"}},
        "oneOf": [{"required": ["file"], "not": {"required": ["url"]}},
                  {"required": ["url"], "not": {"required": ["file"]}}]},
}
SCHEMAS["UpdateRecorded"] = {"allOf": [_ref("CommitmentState"), {
    "type": "object", "required": ["event"], "properties": {"event": _ref("Event")}}]}
SCHEMAS["Conflict"] = {"allOf": [_ref("WriteError"), {"type": "object", "properties": {
    "current": _ref("CommitmentState")}}]}
SCHEMAS["EvidenceRecorded"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "commitment": {"type": "string"}, "title": {"type": "string"},
    "dated": {"type": "string", "format": "date"},
    "added_at": {"type": "string", "format": "date-time"},
    "kind": {"type": "string", "enum": ["file", "link"]},
    "visibility": {"type": "string", "enum": ["public", "restricted"]},
    "url": {"type": "string"}, "content_type": {"type": ["string", "null"]},
    "size": {"type": ["integer", "null"]}, "sha256": {"type": ["string", "null"]}},
    "required": ["id", "commitment", "title", "dated", "added_at", "kind", "visibility",
                 "url"]}
# The indicator report (tracker.api.indicator_writes): a cell names a code of each of the
# indicator's dimensions, which differ from one indicator to the next (a 422, not a 400).
CELL = {"type": "object", "required": ["value"], "properties": {"value": {"type": "number"}},
        "additionalProperties": {"type": "string", "maxLength": CODE_MAX},
        "description": "One property per dimension of the indicator (SEX, AGE...) with the "
                       "value's code, _T for the total over it; and value"}
SCHEMAS["IndicatorReport"] = {
    "type": "object", "additionalProperties": False, "required": ["period", "cells"],
    "properties": {
        "country": {"type": ["string", "null"], "maxLength": 3,
                    "description": "ISO3; a country's token "
                    "reports for its own (may be left out), a secretariat token names it"},
        "period": {"type": "string", "description": "2025, 2025-H1 or 2025-Q3, as the "
                   "indicator's frequency; a period that has ended"},
        "cells": {"type": "array", "minItems": 1, "maxItems": CELLS_MAX, "items": CELL},
        "note": {"type": ["string", "null"], "maxLength": REPORT_NOTE_MAX,
                 "description": "Required when a complete breakdown does not add up, or "
                                "parts add up to more than their total; published as "
                                "written (no personal data, no small counts)"},
        "source": {"type": ["string", "null"], "maxLength": REPORT_SOURCE_MAX},
        "replaces": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID,
                     "description": "The report it corrects (report in GET "
                                    "/indicators/{code}): required once the period has one, "
                                    "the current one (409 otherwise)"},
        "evidence": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID,
                     "description": "Evidence already stored on the country's commitment "
                                    "the indicator concerns (added there first, with "
                                    "evidence:write); 422 otherwise"}}}
SCHEMAS["IndicatorReportRecorded"] = {
    "type": "object", "required": ["indicator", "country", "period", "report", "replaces",
                                   "cells"],
    "properties": {"indicator": {"type": "string"}, "country": {"type": "string"},
                   "period": {"type": "string"}, "report": {"type": "integer"},
                   "replaces": {"type": ["integer", "null"]},
                   "evidence": {"type": ["integer", "null"],
                                "description": "the evidence id sent, or null"},
                   "cells": {"type": "array", "items": {**CELL, "description": "As sent, "
                             "exact (GET suppresses small counts)"}}}}
SCHEMAS["IndicatorConflict"] = {"allOf": [_ref("WriteError"), {"type": "object", "properties": {
    "current": _ref("IndicatorReportRecorded")}}]}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX,
               # printable ASCII; no space at either end (HTTP drops it)
               "pattern": f"^[!-~]([ -~]{{0,{KEY_MAX - 2}}}[!-~])?$"},
    "description": "A key of your choice, new for each request (a UUID): a retry with the "
                   "same key and the same body gets the first answer again, with "
                   "Idempotent-Replayed: true, and records nothing. Kept 24 hours."}
REPLAYED = _header("true when this is the kept answer to an earlier request with the key")
RETRY_AFTER = _header("Seconds to wait", {"type": "integer"})


def _responses(created: str, created_text: str, conflict: str) -> dict:
    error = lambda text: _json(text, "WriteError")  # noqa: E731
    return {
        "201": _json(created_text, created, {"Location": _header(
            "The commitment in the read API"), "Idempotent-Replayed": REPLAYED}),
        "400": error("The body or the Idempotency-Key is malformed (field says which)"),
        "401": {**error("No live token: missing, unknown, revoked or expired"),
                "headers": {"WWW-Authenticate": _header(
                    'Bearer realm="crm-tracker", error="invalid_token"')}},
        "403": error("The token lacks the scope, or the commitment is another country's"),
        "404": error("No commitment has this code"),
        "409": _json(conflict, "Conflict"),
        "413": error("The request is larger than MAX_CONTENT_LENGTH"),
        "415": error("The body is not of the media type the operation takes"),
        "422": error("Well formed but refused by the rules, or the Idempotency-Key was used "
                     "for another request (field says which)"),
        "429": {**error("Too many writes with this token"),
                "headers": {"Retry-After": RETRY_AFTER}},
    }


def _indicator_report_path(security: list[dict]) -> dict:
    """POST /indicators/{code}/reports: an indicator's value for a country and period."""
    responses = _responses("IndicatorReportRecorded", "Recorded: the report, its exact "
                           "values", "")
    return {"post": {
        "operationId": "reportIndicatorValue", "tags": ["writing"], "security": security,
        "summary": "Report an indicator's value for a country and period (scope "
                   "indicator:write)",
        "description": "The rules of reporting on the site: the token's country only "
                       "(a secretariat token names one that reports the indicator), a code "
                       "of each dimension in every cell, whole non-negative counts, "
                       "percentages 0 to 100, a complete breakdown adding up to its total "
                       "and parts never more than it unless a note explains it, evidence "
                       "stored on the commitment the indicator concerns. A period's report "
                       "is never changed: a correction is a new report naming the current "
                       "one in replaces.",
        "parameters": [{"name": "code", "in": "path", "required": True,
                        "schema": {"type": "string"}, "description": "Indicator code",
                        "example": "DEMO-VICTIMAS-TRATA"}, IDEMPOTENCY_KEY],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _ref("IndicatorReport")}}},
        "responses": {
            **responses,
            "201": _json("Recorded: the report, its exact values", "IndicatorReportRecorded",
                         {"Location": _header("The indicator in the read API"),
                          "Idempotent-Replayed": REPLAYED}),
            "403": _json("The token lacks the scope, names another country, or its account "
                         "may not report the indicator", "WriteError"),
            "404": _json("No indicator has this code", "WriteError"),
            "409": _json("The period already has a report and replaces does not name the "
                         "current one (current holds it), or a request with this key is "
                         "still being answered", "IndicatorConflict")}}}


def write_paths() -> dict:
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
            "description": "e.g. MT1-R03-MEX", "example": "MT1-R03-MEX"}
    security: list[dict] = [{"bearerAuth": []}]
    return {
        "/commitments/{code}/updates": {"post": {
            "operationId": "recordStatusUpdate", "tags": ["writing"], "security": security,
            "summary": "Report a commitment's status and progress (scope status:write)",
            "description": "The same rules as the focal point's form: the token's country "
                           "only, a note when the status becomes stalled or completed, and "
                           "the version read last (409 with the current state otherwise). "
                           "Recorded in the history and the public ledger.",
            "parameters": [code, IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("StatusUpdate")}}},
            "responses": _responses("UpdateRecorded", "Recorded: the new state and its event",
                                    "The version is not the current one (current holds the "
                                    "state now), or a request with this key is still being "
                                    "answered")}},
        "/commitments/{code}/evidence": {"post": {
            "operationId": "addEvidence", "tags": ["writing"], "security": security,
            "summary": "Attach a file or a link as evidence (scope evidence:write)",
            "description": "Exactly one of file or url. A file is checked by its content. "
                           "Restricted evidence is seen only by the secretariat and the "
                           "country's focal points, never in the read API.",
            "parameters": [code, IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": _ref("EvidenceForm")}}},
            "responses": {**_responses("EvidenceRecorded", "Attached", "A request with this "
                                       "key is still being answered"),
                          "503": _json("The server could not store the file; retry later",
                                       "WriteError")}}},
        "/indicators/{code}/reports": _indicator_report_path(security),
    }
