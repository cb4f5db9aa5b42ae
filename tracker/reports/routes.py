"""The follow-up reports on the site: /reports lists them; a report's URL answers 202 (and
records a request for the scheduler) until its file is made, then sends the file the way
the exports are sent (send_file, or X-Accel-Redirect to nginx). Not under the exports'
per-client limit: Flask-Limiter's headers would replace the 202's own Retry-After, and the
work a crawler can cause is bounded by REPORT_MAX_PENDING instead."""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext as _
from werkzeug.exceptions import ServiceUnavailable

from tracker.core.dates import local_today
from tracker.core.errors import render_error, wants_json
from tracker.core.http_cache import client_holds
from tracker.exports.routes import file_answer, public
from tracker.extensions import db
from tracker.models import Country, Meeting, ReportRequest
from tracker.reports.as_of import ReportRefused, checked_day
from tracker.reports.requests import (
    LANGS,
    MIMETYPES,
    ReportSpec,
    UnknownScope,
    checked_spec,
    failed_recently,
    find,
    made_since,
    ready_file,
    record_request,
)

bp = Blueprint("reports", __name__)


def report_urls(scope: str, code: str = "", as_of: dt.date | None = None,
                lang: str | None = None, external: bool = False) -> dict[str, str]:
    """The report's URL per format (as of ``as_of``, today when None)."""
    args = {k: v for k, v in (("as_of", as_of.isoformat() if as_of else None),
                              ("lang", lang)) if v}
    endpoint = f"reports.{scope}"
    codes = {"meeting": {"code": code}, "country": {"iso3": code}, "summary": {}}[scope]
    return {fmt: url_for(endpoint, fmt=fmt, _external=external, **codes, **args)
            for fmt in MIMETYPES}


def listed_scopes() -> tuple[list[Meeting], list[Country]]:
    """The meetings (newest first) and the countries (members, then the CRM) reported on."""
    meetings = list(db.session.scalars(sa.select(Meeting).order_by(
        Meeting.held_on.desc().nulls_last(), Meeting.code)))
    countries = list(db.session.scalars(sa.select(Country).order_by(Country.regional,
                                                                    Country.iso3)))
    return meetings, countries


@bp.get("/reports")
def index():
    """Every report (summary, per meeting, per country) in both formats, as of a day."""
    try:
        day = checked_day(request.args.get("as_of") or None)
    except ReportRefused as exc:
        abort(400, description=str(exc))
    as_of = None if day == local_today() else day
    meetings, countries = listed_scopes()
    locale = str(get_locale())
    return render_template("reports/index.html", meetings=meetings, countries=countries,
                           day=day, as_of=as_of, locale=locale, today=local_today(),
                           urls=lambda scope, code="": report_urls(scope, code, as_of, locale))


@bp.get("/reports/meeting/<code>.<fmt>")
def meeting(code: str, fmt: str):
    """A meeting's regional report, as of ``as_of`` (today by default)."""
    return _report("meeting", code, fmt)


@bp.get("/reports/country/<iso3>.<fmt>")
def country(iso3: str, fmt: str):
    """A country's report across meetings."""
    return _report("country", iso3, fmt)


@bp.get("/reports/summary.<fmt>")
def summary(fmt: str):
    """The short regional summary."""
    return _report("summary", "", fmt)


def _report(scope: str, code: str, fmt: str) -> Response:
    """The file when made; else a request recorded and 202 (or 503 when too many wait).
    ``?request=ID`` is the 202's own reload: the reader who asked is sent the report made
    for them even if the data changed meanwhile (else steady writes would starve them)."""
    lang = request.args.get("lang")
    try:
        spec = checked_spec(scope, code, fmt, request.args.get("as_of") or None,
                            lang or _reader_lang())
    except UnknownScope as exc:
        abort(404, description=str(exc))
    except ReportRefused as exc:
        abort(400, description=str(exc))
    waiting = request.args.get("request", type=int)
    waited_for = made_since(spec, waiting) if waiting is not None else None
    row = waited_for or find(spec)
    path = ready_file(row)
    if failed_recently(row):
        return _unavailable(_("This report could not be prepared. The error has been logged "
                              "for the site's team; please try again later."), 3600)
    if path is not None:
        etag = path.stem[-32:]
        if client_holds(etag):
            return public(Response(status=304, mimetype=MIMETYPES[spec.fmt]), etag,
                          translated=not lang)
        response = file_answer(path, mimetype=MIMETYPES[spec.fmt], etag=etag,
                               download_name=spec.download_name())
        if waited_for is not None and waited_for.version != spec.version():
            response.cache_control.no_store = True  # for its reader only: data changed since
            return response
        return public(response, etag, translated=not lang)
    if request.method == "HEAD":  # a link checker asks nothing of the scheduler
        return _pending(spec, row)
    row = record_request(spec)
    if row is None:
        return _busy()
    return _pending(spec, row)


def _reader_lang() -> str:
    locale = str(get_locale())
    return locale if locale in LANGS else "es"


def _retry_after() -> str:
    return str(current_app.config["REPORT_INTERVAL_SECONDS"])


def _pending(spec: ReportSpec, row: ReportRequest | None) -> Response:
    """202: being made; the page reloads itself (a Refresh header, no script needed) at
    the address naming this request. A client that asks for JSON is answered in JSON."""
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    if row is not None and row.version:
        args["request"] = str(row.id)
    here = url_for(request.endpoint or "reports.index", **args)
    seconds = _retry_after()
    if wants_json():
        response = jsonify(status="pending", retry_after=int(seconds), url=here)
        response.status_code = 202
    else:
        response = Response(render_template("reports/pending.html", spec=spec, here=here,
                                            seconds=seconds), status=202)
    response.headers["Retry-After"] = seconds
    response.headers["Refresh"] = f"{seconds}; url={here}"
    response.cache_control.no_store = True
    return response


def _busy() -> Response:
    """503: REPORT_MAX_PENDING reports already wait to be made."""
    return _unavailable(_("Too many reports are being prepared right now. Please try again "
                          "in a few minutes."), 4 * int(_retry_after()))


def _unavailable(explanation: str, retry_after: int) -> Response:
    """503 with Retry-After, as every error page (HTML or JSON by the client)."""
    response = render_error(ServiceUnavailable(description=explanation))
    response.headers["Retry-After"] = str(retry_after)
    response.cache_control.no_store = True
    return response
