"""iCalendar (RFC 5545) text written by hand: escaped, folded, CRLF, one event at a time."""

import datetime as dt
import re

from tracker.core.time import as_utc

LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded
# TEXT may hold no control character but HTAB (newlines are escaped first).
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
PRODID = "-//CRM commitment tracker//Open data//EN"


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


def all_day_event(*, uid: str, stamp: dt.datetime, day: dt.date, summary: str,
                  description: str, url: str) -> str:
    """One all-day VEVENT, its lines folded."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{utc_stamp(stamp)}",
             f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
             f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
             f"SUMMARY:{escape_text(summary)}", f"DESCRIPTION:{escape_text(description)}",
             f"URL:{url}", "END:VEVENT"]
    return "".join(fold(line) for line in lines)


def calendar(name: str, events):
    """A VCALENDAR, yielded piece by piece: header, each event's text as it comes, footer."""
    yield "".join(fold(line) for line in (
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"))
    yield from events
    yield fold("END:VCALENDAR")
