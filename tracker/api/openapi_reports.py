"""The report listing's endpoint and records in the OpenAPI document (tracker.api.openapi)."""

from tracker.api.openapi_common import read

_URL = {"type": "string", "format": "uri"}
_FORMATS = {"type": "object", "properties": {"pdf": _URL, "docx": _URL},
            "required": ["pdf", "docx"], "additionalProperties": False}
_LANGS = {"type": "object", "properties": {"es": _FORMATS, "en": _FORMATS},
          "required": ["es", "en"], "additionalProperties": False,
          "description": "per language, per format: the report's URL (202 while it is being "
                         "prepared, with Retry-After; then the file)"}

SCHEMAS: dict[str, dict] = {
    "ReportUrls": _LANGS,
    "ReportList": {"type": "object", "properties": {
        "as_of": {"type": "string", "format": "date", "description": "today"},
        "summary": {"$ref": "#/components/schemas/ReportUrls"},
        "meetings": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "urls": {"$ref": "#/components/schemas/ReportUrls"}},
            "required": ["code", "urls"]}},
        "countries": {"type": "array", "items": {"type": "object", "properties": {
            "iso3": {"type": "string"}, "urls": {"$ref": "#/components/schemas/ReportUrls"}},
            "required": ["iso3", "urls"]}}},
        "required": ["as_of", "summary", "meetings", "countries"]},
}


def report_paths() -> dict:
    """The listing."""
    return {"/reports": read(
        "listReports", "reports", "The follow-up reports as PDF and DOCX, as of today",
        "The regional summary, one report per meeting and one per country, in Spanish and "
        "English; add as_of=YYYY-MM-DD (today or earlier, not before the day of the ledger's "
        "first entry) to a URL for the report as of the end of that day. A report not made "
        "yet answers 202 with Retry-After; reload the address it gives.",
        {"$ref": "#/components/schemas/ReportList"}, errors=())}
