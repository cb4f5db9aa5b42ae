"""API: indicators and their current values, small counts suppressed (as everywhere public)."""

from flask import jsonify

from tracker.api import public_get
from tracker.api.replies import found, paged
from tracker.opendata.indicators import indicator_detail, indicator_records


@public_get("/indicators")
def indicators():
    """Every indicator: what it measures, its unit, frequency and dimensions."""
    items = indicator_records()
    return paged(items, len(items), 1, len(items))


@public_get("/indicators/<code>")
def indicator(code: str):
    """One indicator with its baselines, targets and every country's current values."""
    return jsonify(found(indicator_detail(code), code))
