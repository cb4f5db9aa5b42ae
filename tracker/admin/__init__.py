"""Secretariat administration: meetings, recommendations, commitments, users."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from tracker.admin import recommendation_routes, routes, user_routes  # noqa: E402,F401
