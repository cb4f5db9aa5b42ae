"""The OpenAPI 3 document of API v1, served at /api/v1/openapi.json.

Written by hand next to the code it describes; tests/test_api_schema.py validates it
(openapi-spec-validator, Spectral) and runs schemathesis against it, so a drift between the
two fails the suite. It never reads the database: the contract is the code's, and a client
generated from it today still works after the secretariat adds a meeting."""

import functools
import hashlib
import json

from flask import current_app, request

from tracker.api import bp
from tracker.api.openapi_common import page_of, path_param, query, read, ref
from tracker.api.openapi_indicators import SCHEMAS as INDICATOR_SCHEMAS, indicator_paths
from tracker.api.openapi_ledger import SCHEMAS as LEDGER_SCHEMAS, ledger_paths
from tracker.api.openapi_records import SCHEMAS, STATUSES
from tracker.api.openapi_reports import SCHEMAS as REPORT_SCHEMAS, report_paths
from tracker.api.openapi_write import SCHEMAS as WRITE_SCHEMAS, SECURITY_SCHEMES, write_paths
from tracker.api.replies import MAX_PER_PAGE
from tracker.commitments.listing import MAX_PAGE, SORTS
from tracker.core.http_cache import PUBLIC_MAX_AGE

API_MAJOR = 1  # the /api/v1 of every URL: a change that breaks clients gets /api/v2
PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page, from 1."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
          "Items per page (default 50)."),
]
# A code is any text without control characters: which codes exist is data, not contract
# (an unknown one answers 400 and names it). Empty means no filter, as in the HTML form.
CODE = {"type": "string", "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"}
FILTERS = {
    "country": query("country", CODE, "ISO 3166 alpha-3 code of the owner country, or CRM "
                                      "for the Conference itself (GET /countries)."),
    "theme": query("theme", CODE, "Theme code (GET /themes)."),
    "status": query("status", {"type": "string", "enum": ["", *STATUSES]},
                    "Government-reported status."),
    "meeting": query("meeting", CODE, "Meeting code (GET /meetings)."),
    "table": query("table", CODE, "Working table code (MT1..., in GET /meetings)."),
    "overdue": query("overdue", {"type": "boolean"}, "Only commitments past their due date."),
    "q": query("q", {"type": "string"}, "Words in titles, text or notes (accents and case "
                                        "ignored; the first 200 characters count)."),
    "sort": query("sort", {"type": "string", "enum": ["", *SORTS]}, "Order of the items."),
}
TAGS = [
    {"name": "commitments", "description": "Each recommendation as a commitment per owner "
                                           "country: status, history, evidence, ratings"},
    {"name": "reference", "description": "Recommendations, countries, themes and meetings"},
    {"name": "indicators", "description": "What the commitments are measured by, and the "
                                          "values reported (small counts suppressed)"},
    {"name": "reports", "description": "The follow-up reports for the plenary"},
    {"name": "ledger", "description": "The hash-chained public record, for anyone to verify"},
    {"name": "writing", "description": "Reporting by national systems: a bearer token, "
                                       "rate-limited per token, idempotent with "
                                       "Idempotency-Key"},
    {"name": "contract", "description": "This document"},
]


def _read_paths() -> dict:
    code = path_param
    return {
        "/commitments": read(
            "listCommitments", "commitments", "Commitments matching the filters, paged",
            "The list of the site's /commitments page, with the same filters (combined with "
            "and). Each commitment is a recommendation's follow-up by one owner country.",
            page_of("Commitment"), [*FILTERS.values(), *PAGING]),
        "/commitments/{code}": read(
            "getCommitment", "commitments",
            "A commitment with its history, public evidence and observations",
            "The status history shows actors as a role and a country, never a person; "
            "restricted evidence and hidden observations' texts are left out.",
            ref("CommitmentDetail"), [code("code", "e.g. MT1-R03-MEX")], ("404",)),
        "/stats": read(
            "getStats", "commitments", "Counts by status overall, per country and per theme",
            "The dashboard's figures: how many commitments, how many overdue, mean progress.",
            ref("Stats"), errors=()),
        "/recommendations": read(
            "listRecommendations", "reference", "Recommendations, paged",
            "The recommendations and earlier agreements of the meetings' minutes, in their "
            "order, filtered by meeting, theme or working table.", page_of("Recommendation"),
            [FILTERS["meeting"], FILTERS["theme"], FILTERS["table"], *PAGING]),
        "/recommendations/{code}": read(
            "getRecommendation", "reference", "A recommendation, its commitments and sources",
            "Its text, one commitment per owner country, and the passages of the minutes it "
            "was read from.", ref("RecommendationDetail"), [code("code", "e.g. MT1-R03")],
            ("404",)),
        "/countries": read(
            "listCountries", "reference", "The member states, then the CRM, with counts",
            "All on one page: the eleven member states, then the CRM itself (regional), each "
            "with its commitments counted by status.", page_of("Country"), errors=()),
        "/countries/{iso3}": read(
            "getCountry", "reference", "A member state or the CRM (regional) with counts",
            "One country's record as in GET /countries; the code is case-insensitive.",
            ref("Country"), [code("iso3", "ISO 3166 alpha-3, or CRM")], ("404",)),
        "/themes": read(
            "listThemes", "reference", "The themes with counts",
            "All on one page, each with its commitments counted by status.",
            page_of("Theme"), errors=()),
        "/themes/{code}": read(
            "getTheme", "reference", "A theme with counts", "One theme's record as in GET "
            "/themes.", ref("Theme"), [code("code", "Theme code")], ("404",)),
        "/meetings": read(
            "listMeetings", "reference", "Meetings, newest first, paged",
            "The meetings whose minutes the recommendations come from, with their working "
            "tables.", page_of("Meeting"), PAGING),
        "/meetings/{code}": read(
            "getMeeting", "reference", "A meeting and its working tables",
            "One meeting's record as in GET /meetings.", ref("Meeting"),
            [code("code", "Meeting code")], ("404",)),
    }


def _document_path() -> dict:
    return {"/openapi.json": read(
        "getOpenApiDocument", "contract", "This OpenAPI document",
        "The contract of API v1; info.version changes whenever it does.",
        {"type": "object", "additionalProperties": True}, errors=(),
        etag="Changes with the document")}


@functools.cache
def contract() -> dict:
    """The document without what depends on the deployment (its servers and contact), with
    info.version derived from the rest: a contract cannot change and keep its version, since
    nobody has to remember to bump it."""
    document: dict = {
        "openapi": "3.1.0",
        "info": {"title": "CRM commitment tracker API",
                 "description": "Public data: commitments of the Regional Conference on "
                                "Migration, their history and evidence, read by anyone; "
                                "read answers carry an ETag (send If-None-Match to get "
                                "304). Three writes (tag writing) for national systems, "
                                "with a bearer token."},
        "tags": TAGS,
        "paths": {**_read_paths(), **indicator_paths(), **report_paths(), **ledger_paths(),
                  **_document_path(), **write_paths()},
        "components": {"schemas": {**SCHEMAS, **INDICATOR_SCHEMAS, **REPORT_SCHEMAS,
                                   **LEDGER_SCHEMAS, **WRITE_SCHEMAS},
                       "securitySchemes": SECURITY_SCHEMES},
    }
    document["info"]["version"] = contract_version(document)
    return document


def contract_version(document: dict) -> str:
    """API_MAJOR, then the first 12 hex digits of the sha256 of the document's canonical
    JSON without info.version, servers and contact."""
    info = {k: v for k, v in document["info"].items() if k not in ("version", "contact")}
    rest = {k: v for k, v in document.items() if k not in ("info", "servers")}
    text = json.dumps({**rest, "info": info}, sort_keys=True, separators=(",", ":"))
    return f"{API_MAJOR}+{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def openapi_document() -> dict:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    document = contract()
    return {**document, "servers": [{"url": f"{base}/api/v1"}],
            "info": {**document["info"], "contact": {"name": "CRM commitment tracker",
                                                     "url": f"{base}/"}}}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API, with an ETag of its own."""
    response = current_app.json.response(openapi_document())
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config.get("PUBLIC_MAX_AGE", PUBLIC_MAX_AGE)
    return response.make_conditional(request)
