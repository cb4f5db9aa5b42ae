"""Pages for people with an account: a focal point's commitments, status updates and
evidence, observations with their answers and hiding, an auditor's own page and follows, and
the commitment page that holds their forms. Views and forms only."""

from flask import Blueprint

bp = Blueprint("manage", __name__)

from tracker.manage import (  # noqa: E402,F401
    auditor_routes,
    indicator_routes,
    indicator_sheet_routes,
    observation_routes,
    routes,
    sheet_import_routes,
    sheet_routes,
)
