"""Open data downloads: the list's commitments and history as CSV, an Atom feed of updates,
an iCalendar file of due dates. Public records only (no evidence, no people), any reader."""

import datetime as dt
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import get_locale

from tracker.commitments.listing import BadFilter, Filters, check_known
from tracker.core.http_cache import PUBLIC_MAX_AGE, conditional_on_data
from tracker.exports import bp
from tracker.exports.file_cache import cached, export_key, written_while_sent, written_whole
from tracker.extensions import limiter
from tracker.ledger.chain import current_head
from tracker.opendata.atom import feed_context
from tracker.opendata.calendar import due_dates_calendar
from tracker.opendata.csv_stream import csv_chunks
from tracker.opendata.records import (
    COMMITMENT_COLUMNS,
    HISTORY_COLUMNS,
    RATING_FIELDS,
    stream_commitment_records,
    stream_history_records,
)

# One budget per client for all four exports, whichever it asks for (429 and Retry-After).
per_client = limiter.shared_limit(lambda: current_app.config["EXPORT_RATE_LIMIT"],
                                  scope="exports")


def request_filters() -> Filters:
    """The /commitments filters of the request (page ignored: an export has every row);
    a value that cannot be right answers 400."""
    try:
        return Filters.from_args({k: v for k, v in request.args.items() if k != "page"})
    except BadFilter as exc:
        abort(400, description=str(exc))


def checked(filters: Filters) -> Filters:
    """The filters, once the codes they name are known to exist (one query), else 400."""
    try:
        check_known(filters)
    except BadFilter as exc:
        abort(400, description=str(exc))
    return filters


def export_filters() -> Filters:
    return checked(request_filters())


def streamed(chunks, content_type: str, filename: str | None = None) -> Response:
    """A response written while the records are read; the request's context, and so its
    database session, stays open until the last chunk."""
    response = Response(stream_with_context(chunks), content_type=content_type)
    if filename:
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def csv_file(name: str, records, columns) -> Response:
    """A CSV export: 304 for the client's copy, else the file cached for this data version
    and these filters, else streamed from the database while the file is written."""
    filters = request_filters()  # the codes are checked only to make a file
    digest = export_key(name, filters)
    etag = digest[:32]
    if etag in request.if_none_match:
        return public(Response(status=304), etag)
    hit = cached(digest)
    if hit is not None:
        try:  # send_file lets Range and If-Range work, and the server copy from disk
            response = file_answer(hit[0], name, etag)
            response.headers["X-Ledger-Head"] = hit[1] or ledger_head()
            return public(response, etag)
        except FileNotFoundError:  # pruned by another worker just now: make it again
            pass
    head = ledger_head()
    if current_app.config["EXPORT_ACCEL_REDIRECT"]:
        # Written whole first (the worker waits on the database, never on the client), then
        # handed to nginx like a cached file; a disk that refuses falls back to streaming.
        path = written_whole(csv_chunks(records(checked(filters)), columns), digest, head)
        if path is not None:
            response = accel_redirect(path, name)
            response.headers["X-Ledger-Head"] = head
            return public(response, etag)
        chunks = csv_chunks(records(filters), columns)  # the disk refused: stream only
    else:
        chunks = written_while_sent(csv_chunks(records(checked(filters)), columns), digest,
                                    head)
    response = streamed(chunks, "text/csv; charset=utf-8", name)
    response.headers["X-Ledger-Head"] = head
    return public(response, etag)


def file_answer(path: Path, name: str, etag: str) -> Response:
    """A cached file: handed to nginx with EXPORT_ACCEL_REDIRECT, else sent by the worker."""
    if current_app.config["EXPORT_ACCEL_REDIRECT"]:
        return accel_redirect(path, name)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name,
                     conditional=True, etag=etag, max_age=max_age())


def accel_redirect(path: Path, name: str) -> Response:
    """An empty answer telling nginx to send the file itself, so a slow client holds an
    nginx connection, not a worker. The target is the app's own file name (a digest),
    never anything from the request. nginx keeps Content-Type, Content-Disposition and
    Cache-Control from this answer, takes Last-Modified from the file, and the ETag and
    X-Ledger-Head through add_header (deploy/nginx.conf)."""
    response = Response(status=200, content_type="text/csv; charset=utf-8")
    response.headers["X-Accel-Redirect"] = current_app.config["EXPORT_ACCEL_REDIRECT"] + path.name
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.last_modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    return response


def ledger_head() -> str:
    head = current_head()
    return f"{head['seq']}:{head['hash']}"


def public(response: Response, etag: str) -> Response:
    """The validators and Cache-Control every reader may share (as conditional_on_data)."""
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age()
    return response


def max_age() -> int:
    return current_app.config.get("PUBLIC_MAX_AGE", PUBLIC_MAX_AGE)


@bp.get("/export/commitments.csv")
@per_client
def commitments_csv():
    """The matching commitments as CSV, in the list's sort order."""
    return csv_file("commitments.csv", stream_commitment_records,
                    [*COMMITMENT_COLUMNS, "url", *RATING_FIELDS])


@bp.get("/export/history.csv")
@per_client
def history_csv():
    """Every status event of the matching commitments as CSV, commitment by commitment."""
    return csv_file("history.csv", stream_history_records, HISTORY_COLUMNS)


@bp.get("/feed.atom")
@per_client
@conditional_on_data
def feed():
    """An Atom feed of the latest status changes of the matching commitments."""
    context = feed_context(export_filters(), str(get_locale()))
    return Response(render_template("exports/feed.atom.xml", feed=context),
                    content_type="application/atom+xml; charset=utf-8")


@bp.get("/calendar.ics")
@per_client
@conditional_on_data
def calendar():
    """An iCalendar file of the due dates of the matching commitments."""
    chunks = due_dates_calendar(export_filters(), str(get_locale()))
    return streamed(chunks, "text/calendar; charset=utf-8", "crm-due-dates.ics")
