"""The OpenAPI 3 document of API v1, served at /api/v1/openapi.json.

Written by hand next to the code it describes; tests/test_api_schema.py validates it and
runs schemathesis against it, so a drift between the two fails the suite."""

from flask import current_app, jsonify

from tracker.api import bp
from tracker.api.openapi_indicators import SCHEMAS as INDICATOR_SCHEMAS, indicator_paths
from tracker.api.openapi_reports import SCHEMAS as REPORT_SCHEMAS, report_paths
from tracker.api.openapi_write import SCHEMAS as WRITE_SCHEMAS, SECURITY_SCHEMES, write_paths
from tracker.api.replies import MAX_PER_PAGE
from tracker.commitments.listing import MAX_PAGE, SORTS, filter_codes
from tracker.models import Assessment, OrganisationKind, Status

STATUSES = [s.value for s in Status]
ASSESSMENTS = [a.value for a in Assessment]
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": required if required is not None else list(properties)}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            "description": description}


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
           "Items per page (default 50)."),
]


def _filters(codes: dict[str, list[str]]) -> list[dict]:
    """The list's filters; the codes a filter accepts are listed, so clients and generated
    tests know an unknown one is an error (400). Empty means no filter, as in the HTML form."""
    enum = lambda values: {"type": "string", "enum": ["", *values]}  # noqa: E731
    return [
        _query("country", enum(codes["country"]), "ISO 3166 alpha-3 code of the owner country, "
                                                   "or CRM for the Conference itself."),
        _query("theme", enum(codes["theme"]), "Theme code."),
        _query("status", enum(STATUSES), "Government-reported status."),
        _query("meeting", enum(codes["meeting"]), "Meeting code."),
        _query("table", enum(codes["table"]), "Working table code (MT1...)."),
        _query("overdue", {"type": "boolean"}, "Only commitments past their due date."),
        _query("q", {"type": "string"}, "Words in titles, text or notes (accents and case "
                                         "ignored; the first 200 characters count)."),
        _query("sort", enum(SORTS), "Order of the items."),
    ]
ERRORS = {str(code): {"description": text, "content": {"application/json": {
    "schema": _ref("Error")}}} for code, text in ((400, "Bad argument"), (404, "Not found"))}
DATE = {"type": ["string", "null"], "format": "date"}
COUNTS = {"total": {"type": "integer"}, "progress": {"type": "number"},
          "by_status": {"type": "object", "additionalProperties": {"type": "integer"}}}

SCHEMAS = {
    "Error": _obj({"error": _obj({"status": {"type": "integer"}, "title": {"type": "string"},
                                  "detail": {"type": "string"}})}),
    "Commitment": _obj({
        "code": {"type": "string"}, "recommendation_code": {"type": "string"},
        "country": {"type": "string"}, "theme": {"type": "string"},
        "meeting": {"type": "string"}, "working_table": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
        "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "due_date": DATE, "responsible_institution": NULLABLE_STRING,
        "updated_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer", "description": "Changes with every update; send it "
                    "back with yours (POST /commitments/{code}/updates)"},
        "title_es": {"type": "string"}, "title_en": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "assessment": {"type": ["string", "null"], "enum": ASSESSMENTS + [None],
                       "description": "Latest visible civil-society rating (OGP scale)"},
        "contested": {"type": "boolean", "description": "The latest rating is below what the "
                      "government claims and newer than its latest update"}}),
    "Event": _obj({
        "commitment": {"type": "string"}, "country": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "from_status": {"type": ["string", "null"], "enum": STATUSES + [None]},
        "to_status": {"type": "string", "enum": STATUSES}, "progress": NULLABLE_INT,
        "note": NULLABLE_STRING,
        "actor_role": {"type": "string", "description": "system, focal_point or secretariat"},
        "actor_country": NULLABLE_STRING}),
    "Evidence": _obj({
        "title": {"type": "string"}, "dated": {"type": "string", "format": "date"},
        "added_at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string", "enum": ["file", "link"]}, "url": {"type": "string"},
        "content_type": NULLABLE_STRING, "size": NULLABLE_INT, "sha256": NULLABLE_STRING}),
    "Observation": _obj({
        "id": {"type": "integer"}, "organisation": {"type": "string"},
        "organisation_kind": {"type": ["string", "null"],
                              "enum": [k.value for k in OrganisationKind] + [None]},
        "assessment": {"type": "string", "enum": ASSESSMENTS},
        "text": {"type": ["string", "null"], "description": "null when hidden"},
        "links": {"type": "array", "items": {"type": "string"}},
        "at": {"type": "string", "format": "date-time"}, "hidden": {"type": "boolean"},
        "hidden_reason": NULLABLE_STRING,
        "answers": {"type": "array", "description": "empty when hidden", "items": _obj({
            "at": {"type": "string", "format": "date-time"}, "country": {"type": "string"},
            "text": {"type": "string"}})}}),
    "Group": {"type": "object", "properties": {
        "country": {"type": "string"}, "theme": {"type": "string"},
        "name_es": {"type": "string"}, "name_en": {"type": "string"}, **COUNTS},
        "required": ["name_es", "name_en", *COUNTS]},
    "Stats": _obj({"total": {"type": "integer"}, "overdue": {"type": "integer"},
                   "progress": {"type": "number"},
                   "by_status": _obj({s: {"type": "integer"} for s in STATUSES}),
                   "by_country": {"type": "array", "items": _ref("Group")},
                   "by_theme": {"type": "array", "items": _ref("Group")}}),
    "Recommendation": _obj({
        "code": {"type": "string"},
        "kind": {"type": "string", "enum": ["recommendation", "earlier_agreement"]},
        "year": NULLABLE_INT, "meeting": {"type": "string"},
        "working_table": {"type": "string"}, "theme": {"type": "string"},
        "section": {"type": "string"}, "position": {"type": "integer"},
        "title_es": {"type": "string"}, "title_en": {"type": "string"},
        "text_es": {"type": "string"},
        "editorial_note": {**NULLABLE_STRING, "description": "the editorial note in English"},
        "editorial_note_es": {**NULLABLE_STRING,
                              "description": "the editorial note in Spanish"}}),
    "Country": _obj({"iso3": {"type": "string"}, "name_es": {"type": "string"},
                     "name_en": {"type": "string"},
                     "regional": {"type": "boolean", "description": "true for the CRM itself "
                                  "(iso3 CRM, a regional body reported by the secretariat), "
                                  "false for a member state"},
                     "url": {"type": "string"}, **COUNTS}),
    "Theme": _obj({"code": {"type": "string"}, "name_es": {"type": "string"},
                   "name_en": {"type": "string"}, **COUNTS}),
    "Meeting": _obj({"code": {"type": "string"}, "name": NULLABLE_STRING, "held_on": DATE,
                     "city": NULLABLE_STRING, "venue": NULLABLE_STRING,
                     "url": {"type": "string"},
                     "working_tables": {"type": "array", "items": _obj({
                         "code": {"type": "string"}, "name_es": {"type": "string"},
                         "name_en": {"type": "string"}})}}),
}
SCHEMAS["CommitmentDetail"] = {"allOf": [_ref("Commitment"), _obj({
    "history": {"type": "array", "items": _ref("Event")},
    "evidence": {"type": "array", "items": _ref("Evidence")},
    "observations": {"type": "array", "items": _ref("Observation")}})]}
SCHEMAS["RecommendationDetail"] = {"allOf": [_ref("Recommendation"), _obj({
    "commitments": {"type": "array", "items": _obj({
        "code": {"type": "string"}, "country": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES}, "progress": NULLABLE_INT,
        "due_date": DATE, "url": {"type": "string"}})},
    "sources": {"type": "array", "items": _obj({
        "document": {"type": "string"}, "quote": {"type": "string"},
        "url": {"type": "string"}})}})]}


def _page_of(name: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(name)},
                 "total": {"type": "integer", "minimum": 0},
                 "page": {"type": "integer", "minimum": 1},
                 "per_page": {"type": "integer", "minimum": 0}})


def _get(summary: str, schema: dict, parameters: list | None = None,
         errors: tuple = ("400",)) -> dict:
    return {"get": {"summary": summary, "parameters": parameters or [], "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "304": {"description": "Not modified since the ETag given in If-None-Match"},
        **{code: ERRORS[code] for code in errors}}}}


def _paths(filters: list[dict]) -> dict:
    return {
        "/commitments": _get("Commitments matching the filters, paged", _page_of("Commitment"),
                             filters + PAGING),
        "/commitments/{code}": _get(
            "A commitment with its history, public evidence and observations",
            _ref("CommitmentDetail"), [_path("code", "e.g. MT1-R03-MEX")], ("404",)),
        "/stats": _get("Counts by status overall, per country and per theme", _ref("Stats"),
                       errors=()),
        "/recommendations": _get("Recommendations, paged", _page_of("Recommendation"),
                                 [p for p in filters if p["name"] in ("meeting", "theme", "table")]
                                 + PAGING),
        "/recommendations/{code}": _get(
            "A recommendation, its commitments and sources",
            _ref("RecommendationDetail"), [_path("code", "e.g. MT1-R03")], ("404",)),
        "/countries": _get("The member states, then the CRM (regional), with counts",
                           _page_of("Country"), errors=()),
        "/countries/{iso3}": _get("A member state or the CRM (regional) with counts",
                                  _ref("Country"),
                                  [_path("iso3", "ISO 3166 alpha-3, or CRM")], ("404",)),
        "/themes": _get("The themes with counts", _page_of("Theme"), errors=()),
        "/themes/{code}": _get("A theme with counts", _ref("Theme"), [_path("code", "Theme code")],
                               ("404",)),
        "/meetings": _get("Meetings, newest first, paged", _page_of("Meeting"), PAGING),
        "/meetings/{code}": _get("A meeting and its working tables", _ref("Meeting"),
                                 [_path("code", "Meeting code")], ("404",)),
    }


def openapi_document() -> dict:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "openapi": "3.1.0",
        "info": {"title": "CRM commitment tracker API", "version": "1.0.0",
                 "description": "Public data: commitments of the Regional Conference on "
                                "Migration, their history and evidence, read by anyone; "
                                "read answers carry an ETag (send If-None-Match to get "
                                "304). Three writes (tag writing) for national systems, "
                                "with a bearer token."},
        "servers": [{"url": f"{base}/api/v1"}],
        "tags": [{"name": "writing", "description": "Reporting by national systems: a "
                  "bearer token, rate-limited per token, idempotent with Idempotency-Key"}],
        "paths": {**_paths(_filters(filter_codes())),
                  **indicator_paths(_get, _page_of, _path), **report_paths(_get),
                  **write_paths()},
        "components": {"schemas": {**SCHEMAS, **INDICATOR_SCHEMAS, **REPORT_SCHEMAS,
                                   **WRITE_SCHEMAS},
                       "securitySchemes": SECURITY_SCHEMES},
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi_document())
