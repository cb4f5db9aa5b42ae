"""The public ledger's endpoint and entries in the OpenAPI document (tracker.api.openapi)."""

from tracker.api.ledger_routes import MAX_LEDGER_PAGE
from tracker.api.openapi_common import ERRORS, obj, query, ref
from tracker.core.request_checks import MAX_ID

_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

SCHEMAS: dict[str, dict] = {
    "LedgerHead": obj({"seq": {"type": "integer", "minimum": 0,
                               "description": "0 while the ledger is empty"},
                       "hash": {**_HASH, "description": "The latest entry's hash: save it "
                                                        "to check later that nothing before "
                                                        "it changed"}}),
    "LedgerEntry": {"type": "object", "required": ["seq", "at", "kind", "prev_hash", "hash",
                                                    "payload"], "properties": {
        "seq": {"type": "integer", "minimum": 1}, "at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string", "description": "What happened: commitment_created, "
                 "status_change, evidence_added, observation, answer, observation_hidden, "
                 "indicator_report, entries_withheld..."},
        "prev_hash": _HASH,
        "hash": {**_HASH, "description": "sha256 of prev_hash and the payload as stored"},
        "payload": {"type": ["object", "null"], "additionalProperties": True,
                    "description": "The event exactly as hashed (canonical JSON); null when "
                                   "withheld"},
        "withheld_by": {"type": "integer", "description": "The entry announcing that this "
                        "one's payload is withheld (withdrawn evidence or text)"},
        "opening": {"type": "object", "required": ["salt", "text"], "properties": {
            "salt": {"type": "string"}, "text": {"type": "string"},
            "links": {"type": "array", "items": {"type": "string"}}},
            "description": "An observation's or answer's text and salt, which the payload "
                           "holds only as a commitment (sha256 of salt and text)"}}},
    "LedgerPage": obj({"head": ref("LedgerHead"),
                       "items": {"type": "array", "items": ref("LedgerEntry")}}),
}


def ledger_paths() -> dict:
    """GET /ledger: never cached nor answered 304 (tracker.api.ledger_routes says why)."""
    return {"/ledger": {"get": {
        "operationId": "listLedgerEntries", "tags": ["ledger"],
        "summary": "The public ledger's entries after a sequence number, and its head",
        "description": "Every change to the public record, hash-chained, oldest first: "
                       "page with after (the last seq read), verify each hash from the one "
                       "before (tools/verify_ledger.py does it). Read from the database on "
                       "every request, so no ETag.",
        "parameters": [
            query("after", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                  "The sequence number after which to start (0: from the first entry)."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LEDGER_PAGE},
                  f"Entries at most (default and maximum {MAX_LEDGER_PAGE})."),
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {
                "schema": ref("LedgerPage")}}},
            "400": ERRORS["400"]}}}}
