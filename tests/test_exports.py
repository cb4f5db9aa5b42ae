"""Open data exports over real HTTP: the CSV files say what the API says, the Atom feed and
the calendar parse with real parsers, nothing private leaks, 304s, a fixed number of queries."""

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import icalendar
import pytest
import sqlalchemy as sa
from factories import commitment, make_user, report_status
from workflow_helpers import SECRETS, add_restricted_evidence

from tracker.commitments.listing import Filters
from tracker.extensions import db
from tracker.models import Commitment, Country, Recommendation, Status, StatusEvent
from tracker.opendata.records import stream_commitment_records, stream_history_records

ATOM = {"a": "http://www.w3.org/2005/Atom"}
EXPORTS = ("/export/commitments.csv", "/export/history.csv", "/feed.atom", "/calendar.ics")
# (code, status, progress, note), applied in this order.
UPDATES = [
    ("MT1-R01-MEX", "in_progress", 30, "Reunión técnica con niñez migrante; señalización"),
    ("MT1-R03-MEX", "in_progress", 10, "=SUM(A1)"),
    ("MT1-R01-GTM", "stalled", None, "-sin fondos, año fiscal cerrado"),
    ("MT2-R02-CRM", "completed", 100, 'Informe final "publicado"\nsegunda línea'),
    ("MT1-R01-MEX", "completed", 100, "Concluido según el acta"),
]
SCRIPT_NOTE = '<script>alert("x")</script> & más'


@pytest.fixture
def secretariat(seeded):
    return make_user("secretariat", country=None)


@pytest.fixture
def updated(secretariat):
    """The seed plus the UPDATES, reported by the secretariat."""
    for update in UPDATES:
        report_status(secretariat, *update)
    return sorted({code for code, *_ in UPDATES})


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def cell(value, key: str = "") -> str:
    """What a CSV cell holds for an API value: text, '' for null, an instant in UTC as
    spreadsheets read it, true/false, a ' before a formula."""
    if value is None:
        return ""
    if key in ("updated_at", "at"):
        instant = dt.datetime.fromisoformat(value)
        assert instant.utcoffset() == dt.timedelta(0)
        return f"{instant:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


def api_items(client, query: str = "") -> list[dict]:
    items, page = [], 1
    while True:
        body = client.get(f"/api/v1/commitments?per_page=100&page={page}&{query}").get_json()
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


# -- CSV -----------------------------------------------------------------------------

def test_commitments_csv_equals_the_api(client, updated):
    response = client.get("/export/commitments.csv")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=commitments.csv"
    rows = csv_rows(response)
    assert list(rows[0]) == list(next(stream_commitment_records(Filters())))
    items = api_items(client)
    assert len(rows) == len(items) == 277  # 25 * 11 member-state commitments + 2 of the CRM
    assert rows == [{key: cell(item[key], key) for key in rows[0]} for item in items]
    assert rows[0]["updated_at"][10] == " " and rows[0]["contested"] == "false"


def test_history_csv_equals_the_api(client, updated):
    response = client.get("/export/history.csv")
    assert response.is_streamed
    rows = csv_rows(response)
    assert list(rows[0]) == list(next(stream_history_records(Filters())))
    assert len(rows) == 277 + len(UPDATES)
    for code in updated:
        history = client.get(f"/api/v1/commitments/{code}").get_json()["history"]
        assert len(history) > 1
        assert [r for r in rows if r["commitment"] == code] == [
            {key: cell(event[key], key) for key in rows[0]} for event in history]
    notes = {r["note"] for r in rows}
    assert "Reunión técnica con niñez migrante; señalización" in notes
    assert "'=SUM(A1)" in notes and "'-sin fondos, año fiscal cerrado" in notes
    assert 'Informe final "publicado"\nsegunda línea' in notes


def test_csv_honours_filters_sort_and_ignores_page(client, updated):
    expected = set(db.session.scalars(
        sa.select(Commitment.code).join(Country).where(Country.iso3 == "MEX",
                                                       Commitment.status == Status.IN_PROGRESS)))
    assert expected == {"MT1-R03-MEX"}
    rows = csv_rows(client.get("/export/commitments.csv?country=MEX&status=in_progress&page=7"))
    assert {r["code"] for r in rows} == expected
    assert rows == [{k: cell(v, k) for k, v in item.items() if k in rows[0]}
                    for item in api_items(client, "country=MEX&status=in_progress")]
    history = csv_rows(client.get("/export/history.csv?country=MEX&status=in_progress"))
    assert {r["commitment"] for r in history} == expected and len(history) == 2
    by_update = csv_rows(client.get("/export/commitments.csv?sort=updated"))
    assert [r["code"] for r in by_update] == [i["code"] for i in api_items(client, "sort=updated")]
    assert by_update[0]["code"] == "MT1-R01-MEX"  # the latest update


@pytest.mark.parametrize("path", EXPORTS)
def test_unknown_filter_values_get_a_400_and_no_file(client, seeded, path):
    response = client.get(f"{path}?country=XXX")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    assert "code,recommendation_code" not in response.get_data(as_text=True)
    assert client.get(f"{path}?status=lost").status_code == 400


# -- Atom ----------------------------------------------------------------------------

def feed_entries(response) -> list[ET.Element]:
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.get_data()).findall("a:entry", ATOM)


def text(element: ET.Element, name: str) -> str:
    return element.find(name, ATOM).text


def test_feed_lists_the_status_changes_newest_first(client, updated):
    entries = feed_entries(client.get("/feed.atom", headers={"Accept-Language": "en"}))
    changes = db.session.scalars(sa.select(StatusEvent.id).where(
        StatusEvent.from_status.is_not(None)).order_by(StatusEvent.id.desc())).all()
    assert [int(text(e, "a:id").rsplit("#event-", 1)[1]) for e in entries] == changes
    assert len(entries) == len(UPDATES)
    newest = entries[0]
    assert text(newest, "a:title") == "MT1-R01-MEX: In progress → Completed"
    assert newest.find("a:link", ATOM).get("href") == "http://127.0.0.1:5000/commitments/MT1-R01-MEX"
    content = text(newest, "a:content")
    assert "Progress: 100 %" in content and "Reported by: Secretariat" in content
    assert content.endswith("Concluido según el acta")
    times = [dt.datetime.fromisoformat(text(e, "a:updated")) for e in entries]
    assert times == sorted(times, reverse=True) and times[0].tzinfo is not None
    spanish = feed_entries(client.get("/feed.atom"))
    assert text(spanish[0], "a:title") == "MT1-R01-MEX: En curso → Cumplido"


def test_feed_honours_filters(client, updated):
    response = client.get("/feed.atom?country=GTM")
    feed = ET.fromstring(response.get_data())
    entries = feed.findall("a:entry", ATOM)
    assert [text(e, "a:title").split(":")[0] for e in entries] == ["MT1-R01-GTM"]
    assert "GTM" in text(feed, "a:title")
    self_link = [link for link in feed.findall("a:link", ATOM) if link.get("rel") == "self"]
    # Its language too: a subscription keeps the feed the reader subscribed to.
    assert self_link[0].get("href") == "http://127.0.0.1:5000/feed.atom?country=GTM&lang=es"
    empty = ET.fromstring(client.get("/feed.atom?country=BLZ").get_data())
    assert empty.findall("a:entry", ATOM) == [] and text(empty, "a:updated")


def test_feed_escapes_notes_and_links_only_to_the_public_address(app, client, secretariat):
    app.config["PUBLIC_BASE_URL"] = "https://tracker.example.org"
    report_status(secretariat, "MT1-R03-MEX", "in_progress", 5, SCRIPT_NOTE)
    response = client.get("/feed.atom", headers={"Host": "evil.example"})
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "evil.example" not in body
    (entry,) = feed_entries(response)
    assert text(entry, "a:content").endswith(SCRIPT_NOTE)
    feed = ET.fromstring(response.get_data())
    links = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    ids = [element.text for element in feed.iter("{http://www.w3.org/2005/Atom}id")]
    assert len(links) == 3 and len(ids) == 2
    assert all(value.startswith("https://tracker.example.org/") for value in links + ids)


# -- iCalendar -----------------------------------------------------------------------

LONG_TITLE = ("Garantizar la protección integral de niñas, niños y adolescentes migrantes "
              "no acompañados, con énfasis en la reunificación familiar y el acceso a "
              "educación, salud y asesoría jurídica gratuita en su idioma; ñandú")
DUE = {"MT1-R01-MEX": dt.date(2027, 3, 31), "MT1-R03-MEX": dt.date(2026, 12, 1),
       "MT1-R01-GTM": dt.date(2027, 6, 30)}


@pytest.fixture
def due_dates(seeded):
    for code, due in DUE.items():
        commitment(code).due_date = due
    commitment("MT1-R01-MEX").recommendation.title_es = LONG_TITLE
    db.session.commit()


def events_of(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.get_data())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_calendar_has_one_all_day_event_per_due_date(client, due_dates):
    response = client.get("/calendar.ics")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/calendar; method=PUBLISH; charset=utf-8"
    events = events_of(response)
    assert set(events) == {f"{code}@127.0.0.1" for code in DUE}
    for code, due in DUE.items():
        event = events[f"{code}@127.0.0.1"]
        c = commitment(code)
        assert event["DTSTART"].dt == due and event["DTEND"].dt == due + dt.timedelta(days=1)
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        assert str(event["SUMMARY"]) == f"{code}: {c.recommendation.title_es}"
        assert str(event["URL"]) == f"http://127.0.0.1:5000/commitments/{code}"
        assert "Estado: Sin informe" in str(event["DESCRIPTION"])
        assert event["LAST-MODIFIED"].dt == c.updated_at.replace(microsecond=0)
    assert len({event["DTSTAMP"].dt for event in events.values()}) == 1  # the file's making
    english = events_of(client.get("/calendar.ics", headers={"Accept-Language": "en"}))
    assert str(english["MT1-R03-MEX@127.0.0.1"]["SUMMARY"]).startswith("MT1-R03-MEX: ")
    assert "Status: Not reported" in str(english["MT1-R03-MEX@127.0.0.1"]["DESCRIPTION"])


def test_calendar_honours_filters(client, due_dates):
    assert set(events_of(client.get("/calendar.ics?country=MEX"))) == {
        "MT1-R01-MEX@127.0.0.1", "MT1-R03-MEX@127.0.0.1"}
    assert events_of(client.get("/calendar.ics?country=BLZ")) == {}


def test_calendar_lines_are_crlf_and_folded_at_75_octets(client, due_dates):
    body = client.get("/calendar.ics").get_data()
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert all(line.decode("utf-8") for line in lines)  # no character cut in two
    start = next(i for i, line in enumerate(lines) if line.startswith(b"SUMMARY:MT1-R01-MEX"))
    assert lines[start + 1].startswith(b" ")  # the long Spanish title was folded
    unfolded = body.replace(b"\r\n ", b"").decode("utf-8")
    expected = "MT1-R01-MEX: " + LONG_TITLE.replace(",", "\\,").replace(";", "\\;")
    assert f"SUMMARY:{expected}\r\n" in unfolded


# -- privacy, HTTP caching, queries --------------------------------------------------

SECRETS = SECRETS + ("Enlace interno",)  # the restricted link evidence of this test


def test_exports_show_no_restricted_evidence_and_no_person(client, seeded):
    focal = make_user("focal_point", country="MEX", email="persona.privada@example.org",
                      name="Nombre Privado")
    commitment("MT3-R01-MEX").due_date = dt.date(2027, 1, 15)
    db.session.commit()
    mex = commitment("MT3-R01-MEX")
    report_status(focal, "MT3-R01-MEX", "in_progress", 20, "Avance público")
    add_restricted_evidence(focal, mex)
    for path in EXPORTS:
        for query in ("", "?country=MEX", "?q=secreta"):
            for language in ("es", "en"):
                response = client.get(path + query, headers={"Accept-Language": language})
                assert response.status_code == 200
                body = response.get_data(as_text=True)
                for secret in SECRETS:
                    assert secret not in body, f"{secret!r} in {path}{query}"
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert "Avance público" in feed and "Punto focal gubernamental (MEX)" in feed
    assert "Avance público" in client.get("/export/history.csv").get_data(as_text=True)


@pytest.mark.parametrize("path", [*EXPORTS, "/feed.atom?country=MEX", "/calendar.ics?country=MEX"])
def test_exports_answer_304_until_the_data_change(client, secretariat, path):
    first = client.get(path)
    etag = first.headers["ETag"].strip('"')
    assert first.status_code == 200 and etag and first.get_data()
    again = client.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 40, "Nuevo avance")
    changed = client.get(path, headers={"If-None-Match": f'"{etag}"'})
    assert changed.status_code == 200 and changed.headers["ETag"].strip('"') != etag
    assert changed.get_data()  # a streamed body is read to its end, as a server does


def test_exports_run_a_fixed_number_of_queries(client, seeded, count_queries):
    paths = [*EXPORTS, *(f"{p}?country=MEX&q=informe" for p in EXPORTS)]

    def queries_per_export():
        counts = []
        for path in paths:
            with count_queries() as statements:
                response = client.get(path)
                assert response.status_code == 200 and response.get_data()
            counts.append(len(statements))
        return counts

    small = queries_per_export()
    for c in db.session.scalars(sa.select(Commitment)):
        for step in range(3):
            c.events.append(StatusEvent(from_status=c.status, to_status=Status.IN_PROGRESS,
                                        progress=step, note="Informe de avance"))
        c.status, c.progress = Status.IN_PROGRESS, 2
        c.due_date = dt.date(2027, 1, 1)
    db.session.scalars(sa.select(Recommendation)).first().title_es += " (revisado)"
    db.session.commit()
    assert queries_per_export() == small
    body = client.get("/calendar.ics").get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 277
    # A key not cached yet (sort changes the key, not the history's order) streams from the
    # database: 1,144 rows, 500 a chunk.
    chunks = list(client.get("/export/history.csv?sort=country").response)
    assert len(chunks) == 3 and chunks[0].startswith("\ufeffcommitment,".encode())
