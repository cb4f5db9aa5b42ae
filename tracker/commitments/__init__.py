"""Commitments: opening them (one per owner of a recommendation), reporting status and
progress (the one path that changes them and appends their history), the secretariat's
editing of meetings, recommendations and commitments, listing and filters, search, and the
figures of the dashboard, the matrix, country scorecards and stats."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commitments' ORM hooks (folded search columns)."""
    from tracker.commitments.search import register_hooks

    register_hooks()
