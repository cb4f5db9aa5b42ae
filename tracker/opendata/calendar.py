"""The due dates of matching commitments as iCalendar events, in the reader's language."""

import datetime as dt
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from tracker.commitments.listing import Filters
from tracker.core.time import utcnow
from tracker.opendata.ical import all_day_event, calendar
from tracker.opendata.records import stream_commitment_records
from tracker.opendata.texts import progress_text, status_label, with_filters


def _event(record: dict, host: str, locale: str, made: dt.datetime) -> str:
    """A commitment's due date as an all-day VEVENT; its UID is the commitment's code, so a
    calendar application updates the event instead of adding another."""
    title = record["title_en"] if locale == "en" else record["title_es"]
    description = [_("Status: %(status)s", status=status_label(record["status"])),
                   progress_text(record["progress"]), record["url"]]
    return all_day_event(
        uid=f"{record['code']}@{host}", stamp=made,
        modified=dt.datetime.fromisoformat(record["updated_at"]),
        day=dt.date.fromisoformat(record["due_date"]), summary=f"{record['code']}: {title}",
        description="\n".join(line for line in description if line), url=record["url"])


def due_dates_calendar(filters: Filters, locale: str):
    """The iCalendar text of the matching commitments that have a due date, streamed; every
    event is stamped with the moment the calendar was made (a kept file keeps its own)."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    made = utcnow()
    events = (_event(record, host, locale, made) for record in stream_commitment_records(filters)
              if record["due_date"])
    return calendar(with_filters(_("Due dates of the CRM commitments"), filters), events)
