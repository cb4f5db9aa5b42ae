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
from tracker.core.language import language_in_url

PUBLIC_MAX_AGE = 60  # seconds: updates show within a minute


def held_tag(etag: str) -> str | None:
    """The form of ``etag`` the client holds, by If-None-Match's weak comparison (RFC 9110
    13.1.2): the plain body's, a compressed body's ``<etag>:<algorithm>``
    (tracker.core.compression), or nginx's ``W/`` of either; None if it holds none."""
    algorithms = {*current_app.config["COMPRESS_ALGORITHM"],
                  *current_app.config["COMPRESS_ALGORITHM_STREAMING"]}
    for tag in (etag, *(f"{etag}:{algorithm}" for algorithm in sorted(algorithms))):
        if request.if_none_match.contains_weak(tag):
            return tag
    return None


def client_holds(etag: str) -> bool:
    """The client's copy is current: answer 304 before doing any work. Not on "*", which
    names no copy: before the work nobody knows the URL is not a 400 or a 404."""
    return not request.if_none_match.star_tag and held_tag(etag) is not None


def vary_on_language(response: Response) -> None:
    """A translated answer varies with the reader's language, which comes from their cookie
    or their browser, unless its URL names it (``?lang=``)."""
    if language_in_url() is None:
        response.vary.update({"Cookie", "Accept-Language"})


def cache_public_page(response: Response) -> Response:
    """Validators and Cache-Control of a public page, the same for HEAD as for GET. A file,
    or an answer whose view set its own Cache-Control (robots.txt), is left as it is."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 \
            or response.direct_passthrough or "Cache-Control" in response.headers:
        return response
    response.vary.add("Cookie")  # a logged-in reader gets a page of their own
    vary_on_language(response)
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
    """Answer If-None-Match with 304 before doing any work, for API answers: they depend
    only on the public data, the day and the URL (the JSON is the same in every language;
    only errors are translated, and they are not cached), so their ETag is made of those
    and they vary on nothing else."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        etag = hashlib.sha256(repr((data_token(), local_today(), request.full_path))
                              .encode()).hexdigest()[:32]
        if client_holds(etag):
            response = Response(status=304, mimetype="application/json")
        else:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config.get("PUBLIC_MAX_AGE", PUBLIC_MAX_AGE)
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
