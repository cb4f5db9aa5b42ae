"""Public views: the dashboard, the list of commitments, a commitment, the language."""

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from markupsafe import Markup

from tracker.audit.ratings import ratings_for
from tracker.commitments.dashboard import compute_dashboard, country_breakdown, theme_breakdown
from tracker.commitments.detail import COUNTRY_PER_PAGE, country_page
from tracker.commitments.listing import (
    BadFilter,
    Filters,
    check_known,
    filter_choices,
    list_commitments,
    page_argument,
)
from tracker.commitments.matrix import build_matrix
from tracker.commitments.progress_history import History, past_months_window, progress_history
from tracker.commitments.sources import highlighted
from tracker.core.data_version import remember
from tracker.core.dates import local_today
from tracker.core.http_cache import rendered_once_per_version, shared_content
from tracker.core.language import without_language
from tracker.core.request_checks import id_argument
from tracker.core.urls import local_target
from tracker.extensions import db
from tracker.ledger.chain import current_head
from tracker.manage.commitment_page import commitment_or_404, render_commitment_page
from tracker.models import Country, SourceDocument, SourceQuote, Status
from tracker.permissions import can_view_source
from tracker.public import bp

LANGUAGE_COOKIE = "lang"


def _history_window() -> tuple[int]:
    """Pages drawing the progress over time are kept no longer than its past months are
    (PAST_MONTHS_KEPT), so a page never makes them lag longer."""
    return (past_months_window(),)


@bp.get("/")
@rendered_once_per_version(parts=_history_window)
def index():
    """The dashboard: totals, progress by country, theme and working table, overdue, recent."""
    locale, today = str(get_locale()), local_today()

    def render() -> str:
        dashboard = compute_dashboard(today)
        return render_template(
            "public/_dashboard.html", dashboard=dashboard, statuses=list(Status), locale=locale,
            ledger_head=current_head(),
            history=progress_history(today, groups=dashboard.by_country))
    # The figures are the same for logged-in readers too: computed once per data version.
    content = remember("dashboard-html", render, locale, today, *_history_window())
    return render_template("public/dashboard.html", content=Markup(content))


@bp.get("/commitments")
@rendered_once_per_version
def commitments():
    """Every commitment, filtered, searched, sorted and paged by the URL's arguments."""
    def context():
        try:
            filters = Filters.from_args(request.args)
            check_known(filters)
        except BadFilter as exc:
            abort(400, description=str(exc))
        page = list_commitments(filters)
        return dict(filters=filters, page=page, ratings=ratings_for(c.id for c in page.items),
                    statuses=list(Status), locale=str(get_locale()))
    return render_template("public/commitments.html",
                           content=shared_content("public/_commitments.html", context))


@bp.get("/commitments/<code>")
@rendered_once_per_version
def commitment(code: str):
    """A commitment: its recommendation and source, status, history, evidence, siblings."""
    return render_commitment_page(commitment_or_404(code))


@bp.get("/language/<code>")
def set_language(code: str):
    """Remember the reader's language in a cookie and go back to the page they were on."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(without_language(local_target(request.args.get("next"), "/")))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.get("/matrix")
@rendered_once_per_version
def matrix():
    """The regional matrix: a meeting's recommendations by the 11 member states."""
    def context():
        built = build_matrix(request.args.get("meeting") or None, str(get_locale()))
        if built is None:
            abort(404, description=_("There is no meeting with this code."))
        ids = [cell.id for _rec, cells, _progress in built.rows for cell in cells.values()]
        return dict(matrix=built, ratings=ratings_for(ids), statuses=list(Status))
    return render_template("public/matrix.html",
                           content=shared_content("public/_matrix.html", context))


@bp.get("/countries/<iso3>")
@rendered_once_per_version(parts=_history_window)
def country(iso3: str):
    """A member state's scorecard: its commitments by status and theme, then page by page,
    overdue first."""
    locale, iso3 = str(get_locale()), iso3.upper()
    name = dict(filter_choices(locale)["countries"]).get(iso3)  # (cached: no query)
    if name is None:
        abort(404)
    try:
        number = page_argument(request.args)
    except BadFilter as exc:
        abort(400, description=str(exc))

    def context():
        country = db.session.scalar(sa.select(Country).filter_by(iso3=iso3))
        if country is None:  # gone since the choices were cached
            abort(404)
        summary = next(iter(country_breakdown(country.id)), None)
        today = local_today()
        page = country_page(country.id, summary.total if summary else 0, number, today)
        if page is None:
            abort(404)
        return dict(country=country, statuses=list(Status), locale=locale,
                    ratings=ratings_for(c.id for c in page.items), summary=summary,
                    by_theme=theme_breakdown(country.id), today=today,
                    commitments=page.items, list_limit=COUNTRY_PER_PAGE, page=page,
                    history=progress_history(today, country.id, [summary]) if summary
                    else History(points=[], quarterly=False))
    return render_template("public/country.html", title=name,
                           content=shared_content("public/_country.html", context,
                                                  *_history_window()))


@bp.get("/sources/<code>")
@rendered_once_per_version
def source_document(code: str):
    """The original minutes, with the passage a recommendation quotes highlighted."""
    document = db.session.scalar(sa.select(SourceDocument).filter_by(code=code))
    if document is None or not can_view_source(current_user, document):
        abort(404)  # unpublished minutes: as if they were not there
    quote_id = id_argument("quote")
    quote = db.session.get(SourceQuote, quote_id) if quote_id else None
    if quote is not None and quote.source_document_id != document.id:
        quote = None
    return render_template("public/source_document.html", document=document, quote=quote,
                           text=highlighted(document.text, quote.quote if quote else None))
