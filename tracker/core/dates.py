"""The one way to write a date or an instant for people (pages, e-mails, text in feeds).

"2/12/26, 1:01" reads as 2 December in Mexico and as February 12 in the United States, and
says nothing of the zone. So a day is written "2 dic 2026" / "2 Dec 2026" and an instant
"2 dic 2026, 01:01 UTC-6", in the configured zone (TRACKER_TIMEZONE); beside it, the
``datetime=`` attribute of its ``<time>`` (``html_datetime``). Machine formats (CSV, JSON,
iCalendar) stay in tracker.core.time.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import current_app
from flask_babel import get_locale, to_user_timezone

from tracker.core.time import as_utc

# Day, abbreviated month, four-digit year: CLDR's "es" abbreviates without a dot ("dic").
DAY_PATTERN = "d MMM y"
# The site's Spanish is Latin-American: CLDR's "es" (Spain) writes September "sept", "es_419"
# "sep"; every other month is the same in both.
DATE_LOCALES = {"es": "es_419"}


def local_zone() -> ZoneInfo:
    """The configured zone (TRACKER_TIMEZONE, as BABEL_DEFAULT_TIMEZONE)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> dt.date:
    """Today in the configured zone: the server's own date is another day for hours."""
    return dt.datetime.now(local_zone()).date()


def format_day(value: dt.date | dt.datetime) -> str:
    """A day in the reader's language: 2 dic 2026 / 2 Dec 2026. An instant is first moved
    to the configured zone, so an event at 03:00 UTC is on the previous day in Mexico."""
    if isinstance(value, dt.datetime):
        value = to_user_timezone(value)
    locale = str(get_locale())
    return babel_format_date(value, DAY_PATTERN, locale=DATE_LOCALES.get(locale, locale))


def format_moment(value: dt.datetime) -> str:
    """An instant in the configured zone, with its offset: 2 dic 2026, 01:01 UTC-6."""
    local = to_user_timezone(value)  # a naive value is taken as UTC, as every column stores
    return f"{format_day(local)}, {local:%H:%M} {utc_offset(local)}"


def utc_offset(local: dt.datetime) -> str:
    """The offset as people write it: UTC, UTC-6, UTC+5:30."""
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def dateformat(value: dt.date | dt.datetime | None, format: str | None = None) -> str:
    """The ``dateformat`` template filter, replacing Flask-Babel's: one form whatever
    ``format`` a template asks for ("short" was the ambiguous 2/12/26)."""
    return "" if value is None else format_day(value)


def datetimeformat(value: dt.datetime | None, format: str | None = None) -> str:
    """The ``datetimeformat`` template filter, replacing Flask-Babel's (see dateformat)."""
    return "" if value is None else format_moment(value)


def html_datetime(value: dt.date | dt.datetime | None) -> str:
    """The ``html_datetime`` template filter: a ``<time datetime>`` value valid in HTML, a
    day as 2026-12-02 and an instant in UTC to the second, 2026-12-02T07:01:00Z (HTML allows
    at most three digits of a second: a column's microseconds are not a valid value)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()
