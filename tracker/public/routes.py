"""Public views: the dashboard, the list of commitments, a commitment, the language."""

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request
from flask_babel import get_locale

from tracker.models import Status
from tracker.public import bp
from tracker.public.commitment_page import render_commitment_page
from tracker.services.commitment_list import BadFilter, Filters, filter_choices, list_commitments
from tracker.services.commitment_view import load_commitment
from tracker.services.dashboard import compute_dashboard

LANGUAGE_COOKIE = "lang"


@bp.get("/")
def index():
    """The dashboard: totals, progress by country, theme and working table, overdue, recent."""
    return render_template("public/dashboard.html", dashboard=compute_dashboard(),
                           statuses=list(Status), locale=str(get_locale()))


@bp.get("/commitments")
def commitments():
    """Every commitment, filtered, searched, sorted and paged by the URL's arguments."""
    try:
        filters = Filters.from_args(request.args)
    except BadFilter as exc:
        abort(400, description=str(exc))
    return render_template("public/commitments.html", filters=filters,
                           page=list_commitments(filters), choices=filter_choices(),
                           statuses=list(Status), locale=str(get_locale()))


@bp.get("/commitments/<code>")
def commitment(code: str):
    """A commitment: its recommendation and source, status, history, evidence, siblings."""
    commitment = load_commitment(code)
    if commitment is None:
        abort(404)
    return render_commitment_page(commitment)


@bp.get("/language/<code>")
def set_language(code: str):
    """Remember the reader's language in a cookie and go back to the page they were on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = "/"
    response = redirect(target)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response
