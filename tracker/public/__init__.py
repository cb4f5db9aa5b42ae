"""Public pages: readable by anyone, without an account."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from tracker.public import routes  # noqa: E402,F401
