"""Public views."""

from flask import render_template
from flask_babel import get_locale

from tracker.public import bp
from tracker.services.listing import commitments_overview


@bp.get("/")
def index():
    """List every commitment with its country and status (the dashboard comes later)."""
    overview = commitments_overview()
    return render_template("public/index.html", overview=overview, locale=str(get_locale()))
