"""One error renderer: JSON for clients that ask for it, an HTML page for people; and the one
answer to a database that does not answer (503, Retry-After, one log line)."""

import logging

import sqlalchemy as sa
from flask import current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from tracker.extensions import db

log = logging.getLogger(__name__)
# What a client is told to wait before trying again: a restarting PostgreSQL is back within
# seconds, and every request during an outage costs the server little (it fails fast).
RETRY_AFTER_SECONDS = 10
# The database is down, unreachable, too slow (statement timeout) or out of connections:
# what may succeed if the request is sent again. Not a programming error, never a traceback.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError,
                        sa.exc.DisconnectionError)


# Every status the app answers, as the reader reads it: a title and what to do. Werkzeug's
# names and descriptions ("Not Found", "The requested URL was not found on the server...")
# are English, and a Spanish page must not show them.
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The address or the form sent could not be understood. Check "
                                "it and try again.")),
    401: (_l("Log in required"), _l("This page is for people with an account. Log in and try "
                                    "again.")),
    403: (_l("Not allowed"), _l("Your account may not see or do this. If you think it should, "
                                "write to the CRM secretariat.")),
    404: (_l("Page not found"), _l("There is nothing at this address. It may be mistyped, or "
                                   "what it showed was removed.")),
    405: (_l("Method not allowed"), _l("This address does not take this kind of request. Open "
                                       "it from a link or a form of the site.")),
    409: (_l("Conflict"), _l("Someone changed this meanwhile. Reload the page, check what "
                             "changed and send it again.")),
    410: (_l("No longer here"), _l("What this address showed was removed for good.")),
    411: (_l("Length required"), _l("Send this form with its length, as browsers do.")),
    413: (_l("Too large"), _l("What was sent is larger than this site accepts. Send a smaller "
                             "file or a shorter text.")),
    415: (_l("Unsupported format"), _l("This address does not take content of this type.")),
    422: (_l("Cannot be recorded"), _l("What was sent is well formed but cannot be recorded. "
                                       "Check each field and send it again.")),
    429: (_l("Too many requests"), _l("Too many requests in a short time. Wait a minute, then "
                                      "try again.")),
    500: (_l("Something went wrong"), _l("The tracker could not answer this request. The error "
                                         "was logged; try again later.")),
    503: (_l("Service unavailable"), _l("The tracker cannot answer just now. Try again in a "
                                        "few seconds.")),
}
CSRF_TITLE = _l("Form expired")


API_METHOD_NOT_ALLOWED = _l("This address does not take this method: its Allow header lists "
                            "the ones it takes.")


def error_texts(error: HTTPException) -> tuple[str, str]:
    """The title and explanation for the reader: our own description when our code gave one
    (already translated), else ours for the status, never Werkzeug's English."""
    code = error.code or 500
    title, explanation = ERROR_TEXTS.get(code) or ERROR_TEXTS[400 if code < 500 else 500]
    if isinstance(error, CSRFError):
        title = CSRF_TITLE
    return str(title), own_description(error) or str(explanation)


def own_description(error: HTTPException) -> str | None:
    """What abort(..., description=...) or a subclass of ours said; None for a class's
    default (Werkzeug's English) and for Flask-Limiter's "5 per 1 minute"."""
    if isinstance(error, RateLimitExceeded) and not error.limit.error_message:
        return None
    given = vars(error).get("description")  # Werkzeug sets it only when one was given
    return str(given) if given else None


def wants_json() -> bool:
    accept = request.accept_mimetypes
    return request.path.startswith("/api/") or (accept.accept_json and not accept.accept_html)


def render_error(error: HTTPException):
    """Answer an HTTP error in the client's format, never with a traceback."""
    original = getattr(error, "original_exception", None)
    if isinstance(error, InternalServerError) and original is not None and \
            is_database_unavailable(original):
        return render_database_unavailable(original)  # raised after the view (a hook)
    code = error.code or 500
    title, explanation = error_texts(error)
    if wants_json():  # the title is the standard reason phrase, as remote_writes.error gives
        if code == 405 and not own_description(error):  # a program, not a reader of the site
            explanation = str(API_METHOD_NOT_ALLOWED)
        response = jsonify(error={"status": code, "title": error.name, "detail": explanation})
    else:
        response = make_response(render_template("error.html", code=code, title=title,
                                                 explanation=explanation))
    response.status_code = code
    # The headers the status itself requires (405: Allow, RFC 9110; 401: WWW-Authenticate)
    # come with the error; its Content-Type is Werkzeug's HTML page's, replaced by ours.
    response.headers.update({name: value for name, value in error.get_headers()
                             if name.lower() != "content-type"})
    return response


def render_csrf_error(error: CSRFError):
    """A form sent without a valid token: say what to do, in the reader's language (Flask-WTF
    says "The CSRF session token is missing.", in English, to someone who did nothing)."""
    error.description = _(
        "This form has expired, or your browser did not send this site's cookie. Go back, "
        "reload the page and send the form again. If it happens again, use the site's "
        "https:// address and allow its cookies.")
    return render_error(error)


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer; the same request may succeed in a few seconds."""

    @property
    def name(self) -> str:
        return _("Service unavailable")


def is_database_unavailable(error: BaseException | None) -> bool:
    if isinstance(error, DATABASE_UNAVAILABLE):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def render_database_unavailable(error: BaseException):
    """503 with Retry-After, in the client's format; one log line, no traceback. Nothing
    here asks the database anything: the session is rolled back (its connection goes back to
    the pool, which pings it before the next use) and the reader is answered as anonymous."""
    log.warning("database unavailable: %s %s: %s id=%s", request.method, request.path,
                one_line(error), g.get("request_id", "-"))
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        pass  # the connection is gone already: nothing to roll back
    answer_as_anonymous()
    response = make_response(render_error(DatabaseUnavailable(_(
        "The tracker cannot reach its database just now. Try again in a few seconds. If you "
        "were sending a form, check afterwards whether it was saved."))))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def answer_as_anonymous() -> None:
    """Treat this request's reader as anonymous: the page and the after-request hooks would
    otherwise look the session's user up again, in the database that just failed (Flask-Login
    keeps no user when its loader raised)."""
    current_app.login_manager._update_request_context_with_user()  # type: ignore[attr-defined]


def close_database_session(_exc: BaseException | None) -> None:
    """End the context's database session before Flask-SQLAlchemy's own teardown does: a
    connection lost after the view answered fails the closing rollback, and that error,
    raised after the answer was made, would reach gunicorn and replace it with a bare 500.
    The view has committed what it wrote; what is left is logged and let go."""
    try:
        db.session.remove()
    except DATABASE_UNAVAILABLE as error:
        log.warning("database connection lost while closing the session: %s id=%s",
                    one_line(error), g.get("request_id", "-"))
        try:
            db.session.remove()  # the connection is invalidated now: this closes cleanly
        except sa.exc.SQLAlchemyError:
            pass


def one_line(error: BaseException) -> str:
    """The driver's own message, first line only (for a log): never the statement or its parameters
    (a login's e-mail address), which SQLAlchemy's message carries."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")
