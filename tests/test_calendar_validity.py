"""The calendar of due dates is valid RFC 5545 in every state, as two parsers read it:
icalendar (with its validation) and ical (strict). Empty, it still holds a component; every
event is stamped with the moment the calendar was made, and keeps its UID."""

import datetime as dt
import re

import icalendar
import pytest
import sqlalchemy as sa
import time_machine
from factories import commitment
from ical.calendar_stream import IcsCalendarStream
from ical.exceptions import CalendarParseError

from tracker.extensions import db
from tracker.models import Commitment

# Titles that need escaping and folding, with characters of 2 and 4 octets at the folds.
LONG_TITLES = {
    "es": "Protección integral de niñas, niños y adolescentes migrantes no acompañados; "
          "reunificación familiar, educación y salud\\asesoría jurídica 💡 " + "ñ" * 60,
    "en": "Comprehensive protection of unaccompanied migrant children, family reunification, "
          "education; health and legal aid 💡 " + "é" * 60,
}


def calendar_problems(body: bytes) -> list[str]:
    """What RFC 5545's line rules, icalendar (parse and validate) and ical (strict) find."""
    problems = []
    if not body.endswith(b"\r\n") or b"\n" in body.replace(b"\r\n", b""):
        problems.append("lines are not CRLF-ended")
    for number, line in enumerate(body.split(b"\r\n")[:-1], 1):
        if len(line) > 75:
            problems.append(f"line {number} is longer than 75 octets")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number} cuts a character in two")
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = icalendar.Calendar.from_ical(text)
        parsed.validate()
        for component in parsed.walk():
            problems += [f"icalendar {component.name}: {e}" for e in component_problems(component)]
    except (ValueError, icalendar.IncompleteComponent) as exc:
        problems.append(f"icalendar: {exc}")
    try:
        IcsCalendarStream.calendar_from_ics(text)
    except CalendarParseError as exc:
        problems.append(f"ical: {exc} {exc.detailed_error}")
    return problems


def component_problems(component) -> list:
    """Its parse errors, and the properties RFC 5545 requires once, allows once, or allows
    only one of (icalendar knows them per component but checks them only for VCALENDAR)."""
    problems = list(component.errors)
    problems += [f"no {name}" for name in component.required if name not in component]
    problems += [f"{name} more than once" for name in component.singletons
                 if isinstance(component.get(name), list)]
    if all(name in component for name in component.exclusive) and component.exclusive:
        problems.append(f"both of {component.exclusive}")
    return problems


def valid_calendar(client, path: str = "/calendar.ics", language: str = "es"):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    body = response.get_data()
    assert calendar_problems(body) == []
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["METHOD"]) == "PUBLISH"  # as the media type says (RFC 5545 3.7.2)
    return calendar


def events_of(calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def set_due_dates(codes, day=dt.date(2027, 3, 31)) -> None:
    for code in codes:
        commitment(code).due_date = day
    db.session.commit()


def test_the_checks_find_what_rfc_5545_forbids(client, seeded):
    """The checks are not idle: each broken calendar is refused by one of them."""
    empty = client.get("/calendar.ics").get_data()
    bare = re.sub(rb"BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n", b"", empty, flags=re.S)
    assert any("at least one component" in p for p in calendar_problems(bare))
    set_due_dates(["MT1-R01-MEX"])
    full = client.get("/calendar.ics").get_data()
    assert calendar_problems(full) == []
    assert "icalendar VEVENT: no DTSTAMP" in calendar_problems(
        re.sub(rb"DTSTAMP:[^\r]*\r\n", b"", full))
    assert any(p.startswith("ical:") for p in calendar_problems(
        full.replace(b"DTSTART;VALUE=DATE:2027", b"DTSTART;VALUE=DATE:27")))
    assert any("75 octets" in p for p in calendar_problems(full.replace(b"\r\n ", b"")))
    assert any("CRLF" in p for p in calendar_problems(full.replace(b"\r\n", b"\n")))


def test_a_database_never_written_to_has_a_valid_empty_calendar(empty):
    with empty.app_context():
        calendar = valid_calendar(empty.test_client())
    assert events_of(calendar) == {}
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_calendar_with_no_due_date_is_valid(client, seeded, language):
    """The seed sets no due date; a filter can match none: no event, still one component."""
    for path in ("/calendar.ics", "/calendar.ics?country=BLZ"):
        calendar = valid_calendar(client, path, language)
        assert events_of(calendar) == {}
        assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]


def test_one_event_is_valid_and_stamped_when_the_calendar_was_made(client, seeded):
    set_due_dates(["MT1-R03-MEX"], dt.date(2026, 12, 1))
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    calendar = valid_calendar(client)
    after = dt.datetime.now(dt.timezone.utc)
    (event,) = calendar.walk("VEVENT")  # the time zone goes only into an empty calendar
    assert [c.name for c in calendar.subcomponents] == ["VEVENT"]
    assert before <= event["DTSTAMP"].dt <= after
    updated = commitment("MT1-R03-MEX").updated_at
    assert event["LAST-MODIFIED"].dt == updated.replace(microsecond=0)
    assert event["DTSTART"].dt == dt.date(2026, 12, 1)


@pytest.mark.parametrize("language", ["es", "en"])
def test_many_events_with_long_non_ascii_titles_are_valid(client, seeded, language):
    codes = db.session.scalars(sa.select(Commitment.code)).all()
    set_due_dates(codes)
    mex = commitment("MT1-R01-MEX").recommendation
    mex.title_es, mex.title_en = LONG_TITLES["es"], LONG_TITLES["en"]
    db.session.commit()
    calendar = valid_calendar(client, language=language)
    events = events_of(calendar)
    assert len(events) == len(codes) == 277
    assert {event["DTSTAMP"].dt for event in events.values()} == {
        next(iter(events.values()))["DTSTAMP"].dt}  # one moment: when the file was made
    assert str(events["MT1-R01-MEX@127.0.0.1"]["SUMMARY"]) == \
        f"MT1-R01-MEX: {LONG_TITLES[language]}"
    strict = IcsCalendarStream.calendar_from_ics(client.get(
        "/calendar.ics", headers={"Accept-Language": language}).get_data(as_text=True))
    assert len(strict.events) == 277
    assert {e.summary for e in strict.events} >= {f"MT1-R01-MEX: {LONG_TITLES[language]}"}


def test_a_kept_calendar_keeps_its_stamp_and_every_calendar_the_uids(client, seeded):
    """A file kept for unchanged data is the calendar made then: same bytes, same DTSTAMP,
    later. The UID is the commitment's in every language and data version, so a subscribed
    application updates its events."""
    set_due_dates(["MT1-R01-MEX", "MT1-R01-GTM"])
    first = client.get("/calendar.ics").get_data()
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=20)):
        assert client.get("/calendar.ics").get_data() == first
    uids = set(events_of(icalendar.Calendar.from_ical(first)))
    assert uids == {"MT1-R01-MEX@127.0.0.1", "MT1-R01-GTM@127.0.0.1"}
    assert set(events_of(valid_calendar(client, language="en"))) == uids
    set_due_dates(["MT1-R01-MEX"], dt.date(2027, 6, 30))
    changed = valid_calendar(client)
    assert set(events_of(changed)) == uids
    assert events_of(changed)["MT1-R01-MEX@127.0.0.1"]["DTSTART"].dt == dt.date(2027, 6, 30)
