"""API: the public ledger, page by page, for anyone to verify."""

import json

from flask import abort, current_app, request
from flask_babel import gettext as _

from tracker.api import bp
from tracker.core.request_checks import MAX_ID
from tracker.ledger.chain import current_head, ledger_page

MAX_LEDGER_PAGE = 1000


# Read from the database on every request, neither cached nor answered 304 from the data
# version: a verifier must see the rows as they are now, also when someone changed them
# behind the application's back (which does not move the version).
@bp.get("/ledger")
def ledger():
    """Entries after ``after`` (a sequence number), oldest first, and the current head."""
    after, limit = request.args.get("after", "0"), request.args.get("limit", str(MAX_LEDGER_PAGE))
    if not (after.isascii() and after.isdigit() and limit.isascii() and limit.isdigit()) \
            or not 1 <= int(limit) <= MAX_LEDGER_PAGE or int(after) > MAX_ID:
        abort(400, description=_("after must be a sequence number and limit from 1 to %(max)d.",
                                 max=MAX_LEDGER_PAGE))
    items = ledger_page(int(after), int(limit))  # (then the head: never behind the items)
    body = f'{{"head":{json.dumps(current_head())},"items":{items}}}'
    return current_app.response_class(body, mimetype="application/json")
