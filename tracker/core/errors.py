"""One error renderer: JSON for clients that ask for it, an HTML page for people."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def wants_json() -> bool:
    accept = request.accept_mimetypes
    return request.path.startswith("/api/") or (accept.accept_json and not accept.accept_html)


def render_error(error: HTTPException):
    """Answer an HTTP error in the client's format, never with a traceback."""
    code = error.code or 500
    if wants_json():
        return jsonify(error={"status": code, "title": error.name,
                              "detail": error.description}), code
    return render_template("error.html", error=error), code


def render_csrf_error(error: CSRFError):
    """A form sent without a valid token: say what to do, in the reader's language (Flask-WTF
    says "The CSRF session token is missing.", in English, to someone who did nothing)."""
    error.description = _(
        "This form has expired, or your browser did not send this site's cookie. Go back, "
        "reload the page and send the form again. If it happens again, use the site's "
        "https:// address and allow its cookies.")
    return render_error(error)
