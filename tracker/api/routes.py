"""API: commitments (the list's filters, paged), one commitment with history, the stats."""

from flask import jsonify, request

from tracker.api import public_get
from tracker.api.replies import found, list_args, paged
from tracker.commitments.listing import count_commitments
from tracker.commitments.stats import public_stats
from tracker.opendata.records import (
    commitment_record,
    commitment_records,
    history_records,
    observation_records,
    public_evidence_records,
)


@public_get("/commitments")
def commitments():
    """Commitments matching the filters of /commitments, one page at a time."""
    filters, per_page = list_args(request.args)
    return paged(commitment_records(filters, per_page), count_commitments(filters),
                 filters.page, per_page)


@public_get("/commitments/<code>")
def commitment(code: str):
    """A commitment with its history (actors as role and country), public evidence and
    civil-society observations (organisations, never persons)."""
    record = found(commitment_record(code), code)
    record["history"] = history_records(code)
    record["evidence"] = public_evidence_records(code)
    record["observations"] = observation_records(code)
    return jsonify(record)


@public_get("/stats")
def stats():
    """Counts by status overall, per country and per theme."""
    return jsonify(public_stats())
