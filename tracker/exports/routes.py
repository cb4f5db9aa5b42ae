"""Open data downloads: the list's commitments and history as CSV, an Atom feed of updates,
an iCalendar file of due dates. Public records only (no evidence, no people), any reader."""

from flask import Response, abort, render_template, request, stream_with_context
from flask_babel import get_locale

from tracker.commitments.listing import BadFilter, Filters, check_known
from tracker.core.http_cache import conditional_on_data
from tracker.exports import bp
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


def export_filters() -> Filters:
    """The /commitments filters of the request (page ignored: an export has every row)."""
    try:
        filters = Filters.from_args({k: v for k, v in request.args.items() if k != "page"})
        check_known(filters)
    except BadFilter as exc:
        abort(400, description=str(exc))
    return filters


def streamed(chunks, content_type: str, filename: str | None = None) -> Response:
    """A response written while the records are read; the request's context, and so its
    database session, stays open until the last chunk."""
    response = Response(stream_with_context(chunks), content_type=content_type)
    if filename:
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@bp.get("/export/commitments.csv")
@conditional_on_data
def commitments_csv():
    """The matching commitments as CSV, in the list's sort order."""
    chunks = csv_chunks(stream_commitment_records(export_filters()),
                        [*COMMITMENT_COLUMNS, "url", *RATING_FIELDS])
    return streamed(chunks, "text/csv; charset=utf-8", "commitments.csv")


@bp.get("/export/history.csv")
@conditional_on_data
def history_csv():
    """Every status event of the matching commitments as CSV, commitment by commitment."""
    chunks = csv_chunks(stream_history_records(export_filters()), HISTORY_COLUMNS)
    return streamed(chunks, "text/csv; charset=utf-8", "history.csv")


@bp.get("/feed.atom")
@conditional_on_data
def feed():
    """An Atom feed of the latest status changes of the matching commitments."""
    context = feed_context(export_filters(), str(get_locale()))
    return Response(render_template("exports/feed.atom.xml", feed=context),
                    content_type="application/atom+xml; charset=utf-8")


@bp.get("/calendar.ics")
@conditional_on_data
def calendar():
    """An iCalendar file of the due dates of the matching commitments."""
    chunks = due_dates_calendar(export_filters(), str(get_locale()))
    return streamed(chunks, "text/calendar; charset=utf-8", "crm-due-dates.ics")
