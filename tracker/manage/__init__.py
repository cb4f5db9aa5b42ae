"""Pages for focal points and the secretariat: updates, evidence, administration."""

from flask import Blueprint

bp = Blueprint("manage", __name__)

from tracker.manage import auditor_routes, observation_routes, routes  # noqa: E402,F401
