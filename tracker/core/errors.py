"""One error renderer: JSON for clients that ask for it, an HTML page for people."""

from flask import jsonify, render_template, request
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
