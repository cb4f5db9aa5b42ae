"""The JSON API, v1: public data only, open to any origin for GET (the records are
tracker.opendata's); and two writes for national systems with a bearer token
(tracker.api.write_routes)."""

from flask import Blueprint

from tracker.core.cors import allow_any_origin
from tracker.core.http_cache import answered_once_per_version, conditional_on_data

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def public_get(rule: str):
    """Register a read-only endpoint: 304 before any work when the data did not change,
    else the JSON built once per data version."""
    def register(view):
        return bp.get(rule)(conditional_on_data(answered_once_per_version(view)))
    return register


# Public, read-only, no credentials: a page on any site may read it.
bp.after_request(allow_any_origin("ETag"))


from tracker.api import (  # noqa: E402,F401
    indicator_routes,
    indicator_writes,
    ledger_routes,
    openapi,
    reference_routes,
    report_routes,
    routes,
    write_routes,
)
