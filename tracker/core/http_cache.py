"""HTTP caching of public pages: validators and Cache-Control for anonymous readers only.

A focal point on a slow link gets 304 answers for pages that did not change; a page for a
logged-in user, or one that sets a cookie, is never stored by a shared cache.
"""

import functools
import hashlib
from collections.abc import Callable
from typing import cast

from flask import Response, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from tracker.core.data_version import data_token, remember
from tracker.core.dates import local_today

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
    return cast(Response, response.make_conditional(request))


def no_store_for_users(response: Response) -> Response:
    """Anything answered to a logged-in user stays private to their browser."""
    if current_user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _request_parts() -> tuple:
    """What a public answer depends on besides the data: the language, the day (overdue
    counts change at midnight) and the URL."""
    return str(get_locale()), local_today(), request.full_path


def conditional_on_data(view):
    """Answer If-None-Match with 304 before doing any work, for responses that depend only
    on the public data and the request (API, exports, feeds): the ETag is the data version
    with the request's parts."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        etag = hashlib.sha256(repr((data_token(), *_request_parts())).encode()).hexdigest()[:32]
        if etag in request.if_none_match:
            response = Response(status=304)
        else:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config.get("PUBLIC_MAX_AGE", PUBLIC_MAX_AGE)
        response.vary.add("Accept-Language")
        return response
    return wrapper


def shared_content(template: str, context, *parts) -> Markup:
    """A page's public part, the same for every reader, logged in or not, of a language on a
    day and URL (and ``parts``: e.g. the reader's country): rendered once per data version,
    so a logged-in reader's page costs only its own header. ``context()`` gives the
    template's variables; it may abort (nothing is kept then)."""
    return Markup(remember("content", lambda: render_template(template, **context()),
                           template, *_request_parts(), *parts))


def answered_once_per_version(view):
    """An API answer is the same for everyone (nobody sees more through the API), so its JSON
    is built once per version of the data, URL, language and day. The views answer 200 or
    abort; an abort raises through here, so an error is never kept."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        body = remember("api", lambda: current_app.make_response(view(*args, **kwargs))
                        .get_data(), *_request_parts())
        return current_app.response_class(body, mimetype="application/json")
    return wrapper


def rendered_once_per_version(view=None, *, parts: Callable[[], tuple] = tuple):
    """A public page is the same for every anonymous reader of a language on a day, so it
    is rendered once per version of the data (and of ``parts()``, what else it depends on:
    ``@rendered_once_per_version(parts=...)``). A logged-in reader, or one with something
    in the session (a flashed message), always gets a fresh page."""
    if view is None:
        return functools.partial(rendered_once_per_version, parts=parts)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated or session:
            return view(*args, **kwargs)
        return remember("page", lambda: view(*args, **kwargs), *_request_parts(), *parts())
    return wrapper
