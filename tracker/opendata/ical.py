"""iCalendar (RFC 5545) text written by hand: escaped, folded, CRLF, one event at a time."""

import datetime as dt
import re

from tracker.core.time import as_utc

LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded
# TEXT may hold no control character but HTAB (newlines are escaped first).
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
PRODID = "-//CRM commitment tracker//Open data//EN"
# The calendar says METHOD:PUBLISH, so its media type must say it too (RFC 5545 3.7.2).
MEDIA_TYPE = "text/calendar; method=PUBLISH"
# RFC 5545 3.4 wants at least one component in a calendar: one with no due date holds this
# time zone (referenced by nothing, so calendar applications show an empty calendar).
UTC_TIMEZONE = ("BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "DTSTART:19700101T000000",
                "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000", "TZNAME:UTC", "END:STANDARD",
                "END:VTIMEZONE")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return CONTROL.sub("", value.replace("\n", "\\n"))


def fold(line: str) -> str:
    """The content line, CRLF-ended, folded at 75 octets without splitting a character."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def utc_stamp(value: dt.datetime) -> str:
    """A DATE-TIME in UTC form, 20261123T115700Z."""
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def all_day_event(*, uid: str, stamp: dt.datetime, modified: dt.datetime, day: dt.date,
                  summary: str, description: str, url: str) -> str:
    """One all-day VEVENT, its lines folded. With METHOD, ``stamp`` (DTSTAMP) is when the
    calendar was made and ``modified`` (LAST-MODIFIED) when the data last changed (RFC 5545
    3.8.7.2)."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{utc_stamp(stamp)}",
             f"LAST-MODIFIED:{utc_stamp(modified)}", f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
             f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
             f"SUMMARY:{escape_text(summary)}", f"DESCRIPTION:{escape_text(description)}",
             f"URL:{url}", "END:VEVENT"]
    return "".join(fold(line) for line in lines)


def calendar(name: str, events):
    """A VCALENDAR, yielded piece by piece: header, each event's text as it comes, footer."""
    yield "".join(fold(line) for line in (
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"))
    empty = True
    for event in events:
        empty = False
        yield event
    if empty:  # known only once the records are read: components may come in any order
        yield "".join(fold(line) for line in UTC_TIMEZONE)
    yield fold("END:VCALENDAR")
