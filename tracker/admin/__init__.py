"""Secretariat administration pages: meetings, recommendations and their owners, commitments'
dates and institutions, accounts. Views and forms only; the rules are in
tracker.commitments.administration and tracker.accounts."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from tracker.admin import recommendation_routes, routes, user_routes  # noqa: E402,F401
