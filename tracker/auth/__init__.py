"""Login, logout, invitations, password reset and change, and the Flask-Login session check.
Views and forms only; accounts are tracker.accounts."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from tracker.auth import routes, token_routes  # noqa: E402,F401
