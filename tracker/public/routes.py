"""Public views."""

from flask import abort, render_template
from flask_babel import get_locale

from tracker.public import bp
from tracker.public.commitment_page import render_commitment_page
from tracker.services.commitment_view import load_commitment
from tracker.services.listing import commitments_overview


@bp.get("/")
def index():
    """List every commitment with its country and status (the dashboard comes later)."""
    overview = commitments_overview()
    return render_template("public/index.html", overview=overview, locale=str(get_locale()))


@bp.get("/commitments/<code>")
def commitment(code: str):
    """A commitment: its recommendation and source, status, history, evidence, siblings."""
    commitment = load_commitment(code)
    if commitment is None:
        abort(404)
    return render_commitment_page(commitment)
