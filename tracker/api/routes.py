"""API: commitments (the list's filters, paged), one commitment with history, the stats."""

from flask import jsonify, request

from tracker.api import bp
from tracker.api.replies import found, list_args, paged
from tracker.public.caching import conditional_on_data
from tracker.services.commitment_list import count_commitments
from tracker.services.open_data import (
    commitment_record, commitment_records, history_records, observation_records,
    public_evidence_records,
)
from tracker.services.stats import public_stats


@bp.get("/commitments")
@conditional_on_data
def commitments():
    """Commitments matching the filters of /commitments, one page at a time."""
    filters, per_page = list_args(request.args)
    return paged(commitment_records(filters, per_page), count_commitments(filters),
                 filters.page, per_page)


@bp.get("/commitments/<code>")
@conditional_on_data
def commitment(code: str):
    """A commitment with its history (actors as role and country), public evidence and
    civil-society observations (organisations, never persons)."""
    record = found(commitment_record(code), code)
    record["history"] = history_records(code)
    record["evidence"] = public_evidence_records(code)
    record["observations"] = observation_records(code)
    return jsonify(record)


@bp.get("/stats")
@conditional_on_data
def stats():
    """Counts by status overall, per country and per theme."""
    return jsonify(public_stats())
