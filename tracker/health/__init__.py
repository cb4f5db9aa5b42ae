"""Health probes for load balancers and service managers: ``/healthz`` (the process
answers) and ``/readyz`` (the database answers and its schema is the latest migration).
Views only; never rate-limited, never cached."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from tracker.health import routes  # noqa: E402,F401
