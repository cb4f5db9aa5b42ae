"""The follow-up reports on the site: a first request records one request and answers 202,
the scheduler's job makes the file, the next request sends it; a write makes today's report
stale, a past day's stays; bad input records nothing; the pending requests are bounded; the
API lists the reports as its OpenAPI document says."""

import datetime as dt
import os
import time

import pytest
import sqlalchemy as sa
import time_machine
from factories import make_observation, report_status
from jsonschema import Draft202012Validator
from test_reports import MEETING, api_figures, docx_figures, pdf_figures, pdf_text

from tracker.audit.observations import hide_observation
from tracker.exports.file_cache import cache_dir
from tracker.extensions import db
from tracker.models import ReportRequest, Status
from tracker.reminders import scheduler
from tracker.reports.as_of import local_today
from tracker.reports.requests import make_pending_reports

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def requests_recorded() -> list[ReportRequest]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ReportRequest).order_by(ReportRequest.id)))


def test_a_report_is_asked_for_made_by_the_job_then_sent(app, client, seeded, people,
                                                         monkeypatch):
    report_status(people["focal_point"], "MT1-R02-MEX", "completed")
    first = client.get("/reports/summary.pdf?lang=en", headers={"Accept-Language": "en"})
    assert first.status_code == 202 and first.headers["Retry-After"] == "30"
    assert first.headers["Refresh"].startswith("30; url=/reports/summary.pdf?")
    assert "no-store" in first.headers["Cache-Control"]
    page = first.get_data(as_text=True)
    assert "being prepared" in page and 'href="/reports/summary.pdf?lang=en&amp;request=' in page
    spanish = client.get("/reports/summary.pdf?lang=en").get_data(as_text=True)
    assert "Este informe se está preparando" in spanish  # the page: the reader's language
    [row] = requests_recorded()
    assert (row.scope, row.code, row.as_of, row.lang, row.format, row.status) == (
        "summary", "", local_today(), "en", "pdf", "pending") and row.version

    monkeypatch.setattr(scheduler, "_app", app)
    assert scheduler.reports_job() is True  # the scheduler's own job, called directly
    [row] = requests_recorded()
    assert row.status == "done" and row.finished_at and (cache_dir() / row.file_path).is_file()
    sent = client.get("/reports/summary.pdf?lang=en")
    assert sent.status_code == 200 and sent.mimetype == "application/pdf"
    assert sent.headers["Content-Disposition"] == \
        f"attachment; filename=report-crm-summary-{local_today().isoformat()}-en.pdf"
    stats = client.get("/api/v1/stats").get_json()
    assert pdf_figures(pdf_text(sent.data), "en") == api_figures(stats)
    assert not list(cache_dir().glob(".report-*"))  # no temporary file left


def test_a_write_makes_todays_report_stale_and_a_past_days_stays(client, seeded, people):
    """Two days on, so that yesterday has a public record (the seed's, made today)."""
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)):
        url = f"/reports/meeting/{MEETING}.docx?lang=es"
        yesterday = (local_today() - dt.timedelta(days=1)).isoformat()
        past = f"/reports/meeting/{MEETING}.docx?lang=es&as_of={yesterday}"
        assert client.get(url).status_code == client.get(past).status_code == 202
        assert make_pending_reports() == {"done": 2}
        today_file, past_file = client.get(url), client.get(past)
        assert today_file.status_code == past_file.status_code == 200
        assert today_file.mimetype == DOCX
        assert today_file.headers["Content-Disposition"].endswith(
            f"filename=informe-{MEETING}-{local_today().isoformat()}-es.docx")
        assert past_file.headers["Content-Disposition"].endswith(f"-{yesterday}-es.docx")
        before = docx_figures(today_file.data, "es")

        report_status(people["focal_point"], "MT1-R02-MEX", "completed")
        assert client.get(url).status_code == 202  # the data changed: a new request
        again = client.get(past)
        assert again.status_code == 200 and again.data == past_file.data  # kept as it was
        rows = requests_recorded()
        assert [(r.as_of.isoformat() == yesterday, r.status) for r in rows] == [
            (False, "done"), (True, "done"), (False, "pending")]
        assert make_pending_reports() == {"done": 1}
        after = docx_figures(client.get(url).data, "es")
        assert after[Status.COMPLETED] == before[Status.COMPLETED] + 1
        old = requests_recorded()[0]
        assert old.status == "superseded" and old.file_path is None  # its file removed
        assert len(list(cache_dir().glob("report-*.docx"))) == 2


def test_a_todays_report_whose_data_changed_while_it_waited_is_still_sent_to_its_reader(
        client, seeded, people):
    """Under steady writes a report is never of the current data by the time it is made:
    the reader who asked is sent the one made for them; a new reader asks afresh."""
    asked = client.get("/reports/country/MEX.pdf")
    assert asked.status_code == 202
    seconds, reload = asked.headers["Refresh"].split("; url=")
    assert seconds == asked.headers["Retry-After"] and "request=" in reload
    report_status(people["focal_point"], "MT1-R02-MEX", "completed")
    assert make_pending_reports() == {"done": 1}
    sent = client.get(reload)
    assert sent.status_code == 200 and sent.mimetype == "application/pdf"
    assert pdf_figures(pdf_text(sent.data), "es")[Status.COMPLETED] == 1  # the data of then
    assert "no-store" in sent.headers["Cache-Control"]  # for its reader, not to be shared
    assert client.get("/reports/country/mex.pdf").status_code == 202  # asked for afresh
    assert [r.status for r in requests_recorded()] == ["done", "pending"]
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=11)):
        assert client.get(reload).status_code == 202  # too old to send on by then


def test_a_waited_for_report_is_not_sent_once_something_in_it_was_withdrawn(
        client, seeded, people):
    observation = make_observation(people["auditor"], "MT1-R01-MEX", assessment="limited")
    asked = client.get("/reports/country/MEX.pdf")
    reload = asked.headers["Refresh"].split("; url=")[1]
    make_pending_reports()
    assert client.get(reload).status_code == 200
    hide_observation(people["secretariat"], observation, "Lenguaje ofensivo")
    assert client.get(reload).status_code == 202  # made again, without the hidden text


def test_a_head_request_or_a_json_client_is_answered_without_a_page(client, seeded):
    assert client.head("/reports/summary.pdf").status_code == 202
    assert requests_recorded() == []  # a link checker asks nothing of the scheduler
    answer = client.get("/reports/summary.pdf", headers={"Accept": "application/json"})
    assert answer.status_code == 202 and answer.json["status"] == "pending"
    assert answer.json["url"].startswith("/reports/summary.pdf?request=")


def test_a_sent_report_answers_304_to_the_copy_its_reader_holds(app, client, seeded):
    app.config["EXPORT_ACCEL_REDIRECT"] = "/_exports/"
    client.get("/reports/summary.docx")
    make_pending_reports()
    sent = client.get("/reports/summary.docx")
    assert sent.headers["X-Accel-Redirect"] and sent.headers["ETag"]
    again = client.get("/reports/summary.docx", headers={"If-None-Match": sent.headers["ETag"]})
    assert again.status_code == 304 and "X-Accel-Redirect" not in again.headers


def test_a_report_kept_from_an_earlier_layout_is_made_again(client, seeded, monkeypatch):
    from tracker.reports import requests as report_requests

    client.get("/reports/summary.docx")
    make_pending_reports()
    old = cache_dir() / requests_recorded()[0].file_path
    assert client.get("/reports/summary.docx").status_code == 200
    monkeypatch.setattr(report_requests, "layout_version", lambda: "after-an-upgrade")
    assert client.get("/reports/summary.docx").status_code == 202
    assert not old.exists()
    assert make_pending_reports() == {"done": 1}
    assert client.get("/reports/summary.docx").status_code == 200


@pytest.mark.parametrize(("url", "code", "says"), [
    ("/reports/meeting/no-such-meeting.pdf", 404, "No hay ninguna reunión con este código."),
    ("/reports/country/XYZ.pdf", 404, "XYZ"),
    ("/reports/summary.xls", 404, None),
    ("/reports/summary.pdf?as_of=2026-13-01", 400, "AAAA-MM-DD"),
    ("/reports/summary.pdf?as_of=30/11/2026", 400, "AAAA-MM-DD"),
    ("/reports/summary.pdf?as_of=2999-01-01", 400, None),
    ("/reports/summary.pdf?as_of=2001-01-01", 400, "El registro público comienza el"),
    ("/reports/summary.pdf?as_of=0001-01-01", 400, "El registro público comienza el"),
    ("/reports/summary.pdf?as_of=2026-W49-1", 400, "AAAA-MM-DD"),
    ("/reports/summary.pdf?lang=fr", 400, "es o en"),
    ("/reports?as_of=yesterday", 400, "AAAA-MM-DD"),
])
def test_bad_input_is_refused_in_the_readers_language_and_records_nothing(
        client, seeded, url, code, says):
    response = client.get(url, headers={"Accept-Language": "es"})
    assert response.status_code == code
    if says:
        assert says in response.get_data(as_text=True)
    assert requests_recorded() == []


def test_the_pending_requests_are_bounded(app, client, seeded):
    app.config["REPORT_MAX_PENDING"] = 2
    assert client.get("/reports/summary.pdf").status_code == 202
    assert client.get("/reports/summary.docx").status_code == 202
    busy = client.get("/reports/country/MEX.pdf", headers={"Accept-Language": "en"})
    assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
    assert "Too many reports" in busy.get_data(as_text=True)
    assert client.get("/reports/summary.pdf").status_code == 202  # already waiting: fine
    assert len(requests_recorded()) == 2
    make_pending_reports()
    assert client.get("/reports/country/MEX.pdf").status_code == 202


def test_a_made_report_is_handed_to_nginx_with_accel_redirect(app, client, seeded):
    client.get("/reports/summary.pdf")
    make_pending_reports()
    app.config["EXPORT_ACCEL_REDIRECT"] = "/_exports/"
    response = client.get("/reports/summary.pdf")
    [row] = requests_recorded()
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/_exports/{row.file_path}"
    assert response.mimetype == "application/pdf" and "Accept-Language" in response.headers["Vary"]


def test_the_api_lists_the_reports_as_its_document_says(client, seeded):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = client.get("/api/v1/reports").get_json()
    Draft202012Validator({"$ref": "#/components/schemas/ReportList",
                          "components": document["components"]}).validate(listing)
    assert "/reports" in document["paths"]
    base = "http://127.0.0.1:5000"
    meeting = next(m for m in listing["meetings"] if m["code"] == MEETING)
    assert meeting["urls"]["es"]["pdf"] == f"{base}/reports/meeting/{MEETING}.pdf?lang=es"
    assert {c["iso3"] for c in listing["countries"]} >= {"MEX", "GTM", "CRM"}
    assert listing["summary"]["en"]["docx"] == f"{base}/reports/summary.docx?lang=en"
    assert listing["as_of"] == local_today().isoformat()
    assert client.get(meeting["urls"]["en"]["pdf"][len(base):]).status_code == 202
    assert requests_recorded()[0].lang == "en"


def test_the_reports_are_linked_from_the_public_pages(client, seeded):
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)):
        day = (local_today() - dt.timedelta(days=1)).isoformat()  # the seed's day, or later
        index = client.get(f"/reports?as_of={day}").get_data(as_text=True)
    assert f"/reports/meeting/{MEETING}.pdf?as_of={day}" in index
    assert f"/reports/country/MEX.docx?as_of={day}" in index
    assert f"/reports/summary.pdf?as_of={day}" in index and 'type="date"' in index
    assert f"/reports/meeting/{MEETING}.pdf" in client.get(
        f"/matrix?meeting={MEETING}").get_data(as_text=True)
    assert "/reports/country/MEX.docx" in client.get("/countries/MEX").get_data(as_text=True)
    assert "/reports/summary.pdf" in client.get("/").get_data(as_text=True)
    assert requests_recorded() == []  # a link asks for nothing


def test_a_report_that_failed_is_not_asked_for_again_for_a_while(app, client, seeded, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    app.config["EXPORT_CACHE_DIR"] = str(tmp_path / "not-a-folder")  # the disk refuses
    assert client.get("/reports/summary.docx").status_code == 202
    assert make_pending_reports() == {"failed": 1}
    refused = client.get("/reports/summary.docx", headers={"Accept-Language": "es"})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "3600"
    assert "No se pudo preparar este informe" in refused.get_data(as_text=True)
    assert [r.status for r in requests_recorded()] == ["failed"]  # not queued again
    assert make_pending_reports() == {}


def test_a_writer_killed_mid_report_leaves_no_file_behind_for_long(app, seeded):
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    abandoned, writing, other = (folder / ".report-dead.part", folder / ".report-live.part",
                                 folder / "notes.part")
    for path in (abandoned, writing, other):
        path.write_bytes(b"%PDF-1.7 half")
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    make_pending_reports()
    assert (abandoned.exists(), writing.exists(), other.exists()) == (False, True, True)


def test_past_days_reports_beyond_the_bound_lose_their_files_and_are_made_again(
        client, seeded, monkeypatch):
    from tracker.reports import requests as report_requests

    monkeypatch.setattr(report_requests, "KEEP_PAST_DAYS", 1)
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)):
        days = [(local_today() - dt.timedelta(days=n)).isoformat() for n in (2, 1)]
        for day in days:
            assert client.get(f"/reports/summary.docx?as_of={day}").status_code == 202
            make_pending_reports()
        first, second = requests_recorded()
        assert (first.status, first.file_path, second.status) == ("superseded", None, "done")
        assert len(list(cache_dir().glob("report-*.docx"))) == 1
        assert client.get(f"/reports/summary.docx?as_of={days[0]}").status_code == 202
        assert client.get(f"/reports/summary.docx?as_of={days[1]}").status_code == 200
