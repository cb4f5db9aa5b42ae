"""Cross-origin reading of the public data: the API, the exports, the feed and the calendar
answer any origin, never with credentials (no cookie is sent or honoured), so a page on another
site can fetch them; the pre-flight allows only GET, HEAD and OPTIONS and no Authorization
header, so a browser on another site cannot make the API's token-authenticated writes. One
header and a pre-flight answer need no library."""

from collections.abc import Callable

from flask import Response, request

# What a script may send: content negotiation and revalidation, nothing else.
ALLOWED_REQUEST_HEADERS = "Accept, Accept-Language, If-None-Match"


def allow_any_origin(*exposed: str) -> Callable[[Response], Response]:
    """An after-request hook opening the answers to any origin, letting a script read the
    ``exposed`` headers (beyond the few the browser always shows)."""
    def open_to_any_origin(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = ", ".join(exposed)
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
    return open_to_any_origin
