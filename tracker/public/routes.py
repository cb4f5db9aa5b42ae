"""Public views: the dashboard, the list of commitments, a commitment, the language."""

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request
from flask_babel import get_locale, gettext as _

from tracker.extensions import db
from tracker.models import Commitment, Country, SourceDocument, SourceQuote, Status
from tracker.public import bp
from tracker.public.commitment_page import render_commitment_page
from tracker.services.commitment_list import BadFilter, Filters, filter_choices, list_commitments
from tracker.services.commitment_view import commitments_of_country, load_commitment
from tracker.services.dashboard import compute_dashboard, country_breakdown, theme_breakdown
from tracker.services.matrix import build_matrix
from tracker.services.source_view import highlighted

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


@bp.get("/matrix")
def matrix():
    """The regional matrix: a meeting's recommendations by the 11 member states."""
    built = build_matrix(request.args.get("meeting") or None)
    if built is None:
        abort(404, description=_("There is no meeting with this code."))
    return render_template("public/matrix.html", matrix=built)


@bp.get("/countries/<iso3>")
def country(iso3: str):
    """A member state's scorecard: its commitments by status and theme, overdue first."""
    country = db.session.scalar(sa.select(Country).filter_by(iso3=iso3.upper()))
    if country is None:
        abort(404)
    mine = Commitment.country_id == country.id
    today = dt.date.today()
    return render_template(
        "public/country.html", country=country, statuses=list(Status),
        summary=(country_breakdown(where=mine) or [None])[0],
        by_theme=theme_breakdown(where=mine), today=today,
        commitments=commitments_of_country(country.id, today))


@bp.get("/sources/<code>")
def source_document(code: str):
    """The original minutes, with the passage a recommendation quotes highlighted."""
    document = db.session.scalar(sa.select(SourceDocument).filter_by(code=code))
    if document is None:
        abort(404)
    quote = db.session.get(SourceQuote, request.args.get("quote", type=int) or 0)
    if quote is not None and quote.source_document_id != document.id:
        quote = None
    return render_template("public/source_document.html", document=document, quote=quote,
                           text=highlighted(document.text, quote.quote if quote else None))
