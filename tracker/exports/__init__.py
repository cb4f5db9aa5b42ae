"""Open data downloads: CSV files, an Atom feed and an iCalendar file, readable by anyone.
Views only; the records and formats are tracker.opendata's."""

from flask import Blueprint

from tracker.core.cors import allow_any_origin
from tracker.ledger.chain import current_head

bp = Blueprint("exports", __name__)
# Open data: a page on any site may fetch it, and read which version and ledger head it got.
bp.after_request(allow_any_origin("ETag", "X-Ledger-Head", "Content-Disposition", "Retry-After"))


@bp.after_request
def publish_ledger_head(response):
    """Every export names the ledger head it was made at: an auditor saves it and checks
    later that the ledger still contains it (tools/verify_ledger.py --checkpoint). A 304 or
    an error carries no export, so no head (and no query).
    A CSV export sets its own: the head it was made at, kept beside its cached file."""
    if response.status_code != 200 or "X-Ledger-Head" in response.headers:
        return response
    head = current_head()
    response.headers["X-Ledger-Head"] = f"{head['seq']}:{head['hash']}"
    return response

from tracker.exports import package_routes, routes  # noqa: E402,F401
