"""Secretariat administration pages: meetings, recommendations and their owners, commitments'
dates and institutions, accounts. Views and forms only; the rules are in
tracker.commitments.administration and tracker.accounts."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from tracker.admin import (  # noqa: E402,F401
    indicator_routes,
    minutes_routes,
    recommendation_routes,
    routes,
    structure_routes,
    token_routes,
    user_routes,
)
