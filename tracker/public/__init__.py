"""Public pages, readable by anyone without an account: dashboard, matrix, lists,
commitments, country scorecards, sources. Views only; the figures come from
tracker.commitments."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from tracker.core.http_cache import cache_public_page  # noqa: E402

bp.after_request(cache_public_page)

from tracker.public import (  # noqa: E402,F401
    data_routes,
    indicator_routes,
    map_routes,
    routes,
    site_routes,
    source_routes,
    style_routes,
)
