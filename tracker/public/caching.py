"""HTTP caching of public pages: validators and Cache-Control for anonymous readers only.

A focal point on a slow link gets 304 answers for pages that did not change; a page for a
logged-in user, or one that sets a cookie, is never stored by a shared cache.
"""

from flask import Response, current_app, request
from flask_login import current_user

PUBLIC_MAX_AGE = 60  # seconds: updates show within a minute


def cache_public_page(response: Response) -> Response:
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    response.vary.update({"Cookie", "Accept-Language"})
    if current_user.is_authenticated or "Set-Cookie" in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config.get("PUBLIC_MAX_AGE", PUBLIC_MAX_AGE)
    response.add_etag()
    return response.make_conditional(request)


def no_store_for_users(response: Response) -> Response:
    """Anything answered to a logged-in user stays private to their browser."""
    if current_user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response
