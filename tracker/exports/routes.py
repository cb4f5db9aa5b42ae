"""Open data downloads: the list's commitments, history and recommendations and the
indicator values as CSV and XLSX, an Atom feed of updates, an iCalendar file of due dates.
Public records only (no evidence, no people), any reader."""

import datetime as dt
import functools
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
from tracker.core.http_cache import PUBLIC_MAX_AGE, client_holds, vary_on_language
from tracker.exports import bp
from tracker.exports.file_cache import cached, export_key, written_while_sent, written_whole
from tracker.extensions import limiter
from tracker.ledger.chain import current_head
from tracker.opendata.atom import feed_context
from tracker.opendata.calendar import due_dates_calendar
from tracker.opendata.csv_stream import csv_chunks
from tracker.opendata.feeds import last_change
from tracker.opendata.ical import MEDIA_TYPE as ICALENDAR
from tracker.opendata.indicators import tidy_records
from tracker.opendata.records import stream_commitment_records, stream_history_records
from tracker.opendata.reference import stream_recommendation_records
from tracker.opendata.schema import COMMITMENTS, HISTORY, RECOMMENDATIONS, indicators_table
from tracker.opendata.xlsx import XLSX, xlsx_chunks

CSV = "text/csv"  # mimetypes: Werkzeug adds "; charset=utf-8" to each
# One budget per client for all the exports, whichever it asks for (429 and Retry-After).
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


def streamed(chunks, mimetype: str, filename: str | None = None) -> Response:
    """A response written while the records are read; the request's context, and so its
    database session, stays open until the last chunk."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def export_file(name: str, mimetype: str, chunks_of, *, download_name: str | None = None,
                locale: str = "", filtered: bool = True) -> Response:
    """An export: 304 for the client's copy, else the file kept for this data version,
    filters and ``locale``, else ``chunks_of(filters)`` written to that file (whole first
    when nginx sends the files, else while streamed). ``download_name``: sent as an
    attachment of that name; None: shown in place (the feed). ``filtered=False``: an export
    the list's filters do not apply to, one file whatever the query string."""
    # The codes are checked only to make a file.
    filters = request_filters() if filtered else Filters()
    filename = export_key(name, filters, locale)
    etag = filename[:32]
    share = functools.partial(public, etag=etag, translated=bool(locale))
    if client_holds(etag):  # its plain or compressed copy
        return share(Response(status=304, mimetype=mimetype))
    answer = functools.partial(file_answer, mimetype=mimetype, etag=etag,
                               download_name=download_name)
    hit = cached(filename)
    if hit is not None:
        try:  # send_file lets Range and If-Range work, and the server copy from disk
            response = answer(hit[0])
            response.headers["X-Ledger-Head"] = hit[1] or ledger_head()
            return share(response)
        except FileNotFoundError:  # pruned by another worker just now: make it again
            pass
    head = ledger_head()
    if current_app.config["EXPORT_ACCEL_REDIRECT"]:
        # Written whole first (the worker waits on the database, never on the client), then
        # handed to nginx like a cached file; a disk that refuses falls back to streaming.
        path = written_whole(chunks_of(checked(filters)), filename, head)
        if path is not None:
            response = answer(path)
            response.headers["X-Ledger-Head"] = head
            return share(response)
        chunks = chunks_of(filters)  # the disk refused: stream only
    else:
        chunks = written_while_sent(chunks_of(checked(filters)), filename, head)
    response = streamed(chunks, mimetype, download_name)
    response.headers["X-Ledger-Head"] = head
    return share(response)


def file_answer(path: Path, *, mimetype: str, etag: str,
                download_name: str | None) -> Response:
    """A kept file: handed to nginx with EXPORT_ACCEL_REDIRECT, else sent by the worker."""
    if current_app.config["EXPORT_ACCEL_REDIRECT"]:
        return accel_redirect(path, mimetype, download_name)
    response = send_file(path, mimetype=mimetype, as_attachment=download_name is not None,
                         download_name=download_name, conditional=True, etag=etag,
                         max_age=max_age())
    if download_name is None:  # read in place, as when streamed: not "inline; <digest>"
        del response.headers["Content-Disposition"]
    return response


def accel_redirect(path: Path, mimetype: str, download_name: str | None) -> Response:
    """An empty answer telling nginx to send the file itself, so a slow client holds an
    nginx connection, not a worker. The target is the app's own file name (a digest),
    never anything from the request. nginx keeps Content-Type, Content-Disposition and
    Cache-Control from this answer, takes Last-Modified from the file, and the ETag and
    X-Ledger-Head through add_header (deploy/nginx.conf)."""
    response = Response(status=200, mimetype=mimetype)
    response.headers["X-Accel-Redirect"] = current_app.config["EXPORT_ACCEL_REDIRECT"] + path.name
    if download_name:
        response.headers["Content-Disposition"] = f"attachment; filename={download_name}"
    response.last_modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    return response


def ledger_head() -> str:
    head = current_head()
    return f"{head['seq']}:{head['hash']}"


def public(response: Response, etag: str, translated: bool = False) -> Response:
    """The validators and Cache-Control every reader may share (as conditional_on_data);
    a translated export varies with the reader's language: their browser's, or the one they
    chose (a cookie), as pages do, unless its URL names it (?lang=)."""
    if translated:
        vary_on_language(response)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age()
    return response


def max_age() -> int:
    return current_app.config.get("PUBLIC_MAX_AGE", PUBLIC_MAX_AGE)


# Each table's two formats: the same records, filters, cache and columns.
WRITERS = {
    "csv": (CSV, lambda table, records: csv_chunks(records, table.columns)),
    "xlsx": (XLSX, lambda table, records: xlsx_chunks(records, table.columns, table.name,
                                                      last_change())),
}


def table_file(name: str, suffix: str, contents, *, filtered: bool = True) -> Response:
    """The table ``name`` as CSV or XLSX; ``contents(filters)``: its Table and records,
    asked for only when a file is made."""
    mimetype, write = WRITERS[suffix]
    return export_file(f"{name}.{suffix}", mimetype,
                       lambda filters: write(*contents(filters)),
                       download_name=f"{name}.{suffix}", filtered=filtered)


@bp.get("/export/commitments.csv")
@per_client
def commitments_csv():
    """The matching commitments as CSV, in the list's sort order."""
    return table_file("commitments", "csv",
                      lambda filters: (COMMITMENTS, stream_commitment_records(filters)))


@bp.get("/export/commitments.xlsx")
@per_client
def commitments_xlsx():
    """The matching commitments as an XLSX workbook, as the CSV."""
    return table_file("commitments", "xlsx",
                      lambda filters: (COMMITMENTS, stream_commitment_records(filters)))


@bp.get("/export/history.csv")
@per_client
def history_csv():
    """Every status event of the matching commitments as CSV, commitment by commitment."""
    return table_file("history", "csv",
                      lambda filters: (HISTORY, stream_history_records(filters)))


@bp.get("/export/history.xlsx")
@per_client
def history_xlsx():
    """Every status event of the matching commitments as an XLSX workbook."""
    return table_file("history", "xlsx",
                      lambda filters: (HISTORY, stream_history_records(filters)))


@bp.get("/export/recommendations.csv")
@per_client
def recommendations_csv():
    """The recommendations of the matching meeting, theme or table (or of the matching
    commitments) as CSV."""
    return table_file("recommendations", "csv", lambda filters: (
        RECOMMENDATIONS, stream_recommendation_records(filters)))


@bp.get("/export/recommendations.xlsx")
@per_client
def recommendations_xlsx():
    """The same recommendations as an XLSX workbook."""
    return table_file("recommendations", "xlsx", lambda filters: (
        RECOMMENDATIONS, stream_recommendation_records(filters)))


@bp.get("/export/indicators.csv")
@per_client
def indicators_csv():
    """Every current indicator value as tidy CSV: one row per published cell, one column per
    dimension (``_T``: all of it), a suppressed value empty and flagged."""
    return table_file("indicators", "csv", lambda _: (indicators_table(), tidy_records()),
                      filtered=False)


@bp.get("/export/indicators.xlsx")
@per_client
def indicators_xlsx():
    """The indicator values as an XLSX workbook, as the CSV."""
    return table_file("indicators", "xlsx", lambda _: (indicators_table(), tidy_records()),
                      filtered=False)


@bp.get("/feed.atom")
@per_client
def feed():
    """An Atom feed of the latest status changes of the matching commitments."""
    locale = str(get_locale())
    return export_file("feed.atom", "application/atom+xml", lambda filters: [
        render_template("exports/feed.atom.xml", feed=feed_context(filters, locale))],
        locale=locale)


@bp.get("/calendar.ics")
@per_client
def calendar():
    """An iCalendar file of the due dates of the matching commitments."""
    locale = str(get_locale())
    return export_file("calendar.ics", ICALENDAR,
                       lambda filters: due_dates_calendar(filters, locale),
                       download_name="crm-due-dates.ics", locale=locale)
