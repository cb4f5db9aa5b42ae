"""API: the public ledger, page by page, for anyone to verify."""

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _

from tracker.api import bp
from tracker.core.data_version import remember
from tracker.core.request_checks import MAX_ID
from tracker.ledger.chain import current_head, ledger_page, page_fingerprint

MAX_LEDGER_PAGE = 1000


# Never answered 304 from the data version alone: a verifier must see the rows as they are
# now, also when someone changed them behind the application's back (which does not move the
# version). The page's rows are read on every request, as a digest; the JSON built from them
# is kept while the digest, the head and the data version (hidden texts) stay the same.
@bp.get("/ledger")
def ledger():
    """Entries after ``after`` (a sequence number), oldest first, and the current head."""
    after, limit = request.args.get("after", "0"), request.args.get("limit", str(MAX_LEDGER_PAGE))
    if not (after.isascii() and after.isdigit() and limit.isascii() and limit.isdigit()) \
            or not 1 <= int(limit) <= MAX_LEDGER_PAGE or int(after) > MAX_ID:
        abort(400, description=_("after must be a sequence number and limit from 1 to %(max)d.",
                                 max=MAX_LEDGER_PAGE))
    head, fingerprint = current_head(), page_fingerprint(int(after), int(limit))

    def build() -> bytes:
        return jsonify(items=ledger_page(int(after), int(limit)), head=head).get_data()
    body = build() if fingerprint is None else \
        remember("ledger", build, int(after), int(limit), head["hash"], fingerprint)
    return current_app.response_class(body, mimetype="application/json")
