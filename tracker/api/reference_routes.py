"""API: recommendations, countries, themes and meetings."""

from flask import jsonify, request

from tracker.api import public_get
from tracker.api.replies import found, list_args, paged
from tracker.opendata.reference import (
    country_records,
    meeting_detail,
    meeting_page,
    recommendation_detail,
    recommendation_page,
    theme_records,
)


def _one(items: list[dict], key: str, value: str):
    return jsonify(found(next((i for i in items if i[key] == value), None), value))


@public_get("/recommendations")
def recommendations():
    """Recommendations, filtered by meeting, theme or working table, one page at a time."""
    filters, per_page = list_args(request.args)
    items, total = recommendation_page(filters, per_page)
    return paged(items, total, filters.page, per_page)


@public_get("/recommendations/<code>")
def recommendation(code: str):
    """A recommendation with its commitments and its source passages."""
    return jsonify(found(recommendation_detail(code), code))


@public_get("/countries")
def countries():
    """The member states, then the CRM (regional), with their commitments by status."""
    items = country_records()
    return paged(items, len(items), 1, len(items))


@public_get("/countries/<iso3>")
def country(iso3: str):
    """One member state, or the CRM (regional), with its counts."""
    return _one(country_records(), "iso3", iso3.upper())


@public_get("/themes")
def themes():
    """The themes with their commitments counted by status."""
    items = theme_records()
    return paged(items, len(items), 1, len(items))


@public_get("/themes/<code>")
def theme(code: str):
    """One theme with its counts."""
    return _one(theme_records(), "code", code)


@public_get("/meetings")
def meetings():
    """Meetings with their working tables, newest first, one page at a time."""
    filters, per_page = list_args(request.args)
    items, total = meeting_page(filters.page, per_page)
    return paged(items, total, filters.page, per_page)


@public_get("/meetings/<code>")
def meeting(code: str):
    """One meeting with its working tables."""
    return jsonify(found(meeting_detail(code), code))
