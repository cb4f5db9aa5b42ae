"""Requests no person sends, refused before any view sees them (400, 404, 413 or 415, never
a 500): ids beyond the database's integers, JSON posted to a web form, a form body far larger
than any form of the tracker."""

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# PostgreSQL's integer: a larger id cannot name a row, and asking for one is a DataError.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number the database can hold, else no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_argument(name: str) -> int | None:
    """A query argument naming a row (``?quote=12``): None when absent or out of range."""
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def takes_json(view):
    """Mark a view that reads a JSON body (the token API's writes): the check below lets
    JSON through to it, and to no other."""
    view.takes_json = True
    return view


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_nul_in_paths() -> None:
        # No code or id holds a NUL, and PostgreSQL refuses it in any text (a 500 from the
        # first query that used it): the address names nothing here. (Arguments are each
        # checked where they are read: a search ignores control characters.)
        if "\x00" in request.path:
            abort(404)

    @app.before_request
    def _refuse_what_no_form_sends() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.routing_exception:
            return  # (a wrong method or address is answered 405 or 404 by the routing)
        # Every form is sent as a web form; Flask-WTF would turn a JSON array into a 500.
        if request.is_json and not getattr(app.view_functions.get(request.endpoint or ""),
                                           "takes_json", False):
            abort(415, description=_("This address takes a web form, not JSON."))
        # Werkzeug bounds multipart fields (MAX_FORM_MEMORY_SIZE) but not a url-encoded body:
        # without this, a megabyte typed into a note comes back whole in the refusal page.
        limit = app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000
        if request.mimetype == "application/x-www-form-urlencoded":
            if request.content_length is None:  # chunked: its size is known only once read
                abort(411, description=_("Send this form with its length, as browsers do."))
            if request.content_length > limit:
                abort(413, description=_("This form is far larger than any form here accepts."))
