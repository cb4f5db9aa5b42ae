"""Exports cached as files per data version, filters and language (tracker/exports/file_cache.py):
junk parameters share the file, a second download runs no query but the version's, a write
makes a new file, a disk that cannot take the file still gets the whole CSV, and every
client has a budget of exports (429 beyond)."""

import csv
import io
import logging
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from factories import make_user, report_status

from tracker.commitments.listing import Filters
from tracker.exports.file_cache import cache_dir, prune
from tracker.opendata.csv_stream import csv_chunks
from tracker.opendata.records import stream_history_records
from tracker.opendata.schema import HISTORY as HISTORY_TABLE

HISTORY = "/export/history.csv"


@pytest.fixture
def secretariat(seeded):
    return make_user("secretariat", country=None)


def files(app, pattern: str = "*") -> list[Path]:
    with app.app_context():
        folder = cache_dir()
    return sorted(folder.glob(pattern)) if folder.exists() else []


def fresh_history(app) -> bytes:
    """The history CSV as the database gives it now, without the cache."""
    with app.test_request_context():
        chunks = csv_chunks(stream_history_records(Filters()), HISTORY_TABLE.columns)
        return "".join(chunks).encode()


@contextmanager
def unwritable(folder: Path, size: str | None = None):
    """folder as a real file system that refuses writes: a read-only tmpfs, or (with size) a
    tmpfs of that many bytes; without root, a read-only mode (root writes through it)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        if size:
            pytest.skip("mounting a tmpfs needs root")
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    options = f"size={size},mode=0755" if size else "ro,size=64k"
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_junk_parameters_and_their_order_share_the_etag_and_the_file(app, client, seeded):
    first = client.get("/export/commitments.csv?country=MEX&status=not_reported")
    assert first.is_streamed  # from the database, while the file is written
    body = first.get_data()
    again = client.get("/export/commitments.csv?utm_source=mail&status=not_reported&page=4"
                       "&country=mex&x=%00")
    assert first.status_code == again.status_code == 200
    assert first.headers["ETag"] == again.headers["ETag"]
    assert again.get_data() == body
    assert "Content-Length" not in first.headers  # streamed; the file has a known length
    assert again.headers["Content-Length"] == str(len(body))
    rows = list(csv.DictReader(io.StringIO(again.get_data(as_text=True)[1:])))
    assert rows and {r["country"] for r in rows} == {"MEX"}
    assert len(files(app, "*.csv")) == 1
    other = client.get("/export/commitments.csv?country=GTM")
    assert other.headers["ETag"] != first.headers["ETag"]
    assert client.get("/export/commitments.csv?junk=1",
                      headers={"If-None-Match": client.get("/export/commitments.csv")
                               .headers["ETag"]}).status_code == 304


def test_the_second_download_is_the_file_and_runs_only_the_version_query(
        app, client, seeded, count_queries):
    first = client.get(HISTORY)
    body = first.get_data()
    (path,) = files(app, "*.csv")
    assert path.name == f"{path.stem}.csv" and len(path.stem) == 64
    assert path.read_bytes() == body == fresh_history(app)
    assert files(app, ".*") == []  # no temporary file left
    with count_queries() as statements:
        second = client.get(HISTORY)
        assert second.get_data() == body
    assert len(statements) == 1 and "data_version" in statements[0]
    assert second.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert second.headers["Content-Disposition"] == "attachment; filename=history.csv"
    assert second.headers["X-Ledger-Head"] == first.headers["X-Ledger-Head"]
    assert second.headers["Content-Length"] == str(len(body))
    part = client.get(HISTORY, headers={"Range": "bytes=3-99"})
    assert part.status_code == 206 and part.get_data() == body[3:100]


@pytest.mark.parametrize("path, mimetype", [("/calendar.ics", "text/calendar; method=PUBLISH"),
                                             ("/feed.atom", "application/atom+xml")])
def test_the_calendar_and_the_feed_are_kept_as_files_per_language(
        app, client, seeded, count_queries, path, mimetype):
    first = client.get(f"{path}?country=MEX")
    body = first.get_data()
    assert files(app, f"*{path[-4:]}")[0].read_bytes() == body
    with count_queries() as statements:
        again = client.get(f"{path}?utm_source=mail&country=mex")  # junk, another spelling
    assert len(statements) == 1 and "data_version" in statements[0]
    assert again.get_data() == body and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"] == \
        f"{mimetype}; charset=utf-8"
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in again.headers["Vary"].split(",")}
    assert again.headers["X-Ledger-Head"] == first.headers["X-Ledger-Head"]
    attachment = again.headers.get("Content-Disposition")  # a feed is read in place
    assert attachment is None if path == "/feed.atom" else attachment.startswith("attachment")
    english = client.get(f"{path}?country=MEX", headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != first.headers["ETag"] and english.get_data() != body
    assert len(files(app, f"*{path[-4:]}")) == 2


def test_a_write_makes_a_new_version_and_a_new_file_with_the_new_data(
        app, client, secretariat):
    before = client.get(HISTORY)
    assert "Nuevo avance publicado" not in before.get_data(as_text=True)
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 40, "Nuevo avance publicado")
    after = client.get(HISTORY)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["X-Ledger-Head"] != before.headers["X-Ledger-Head"]
    assert "Nuevo avance publicado" in after.get_data(as_text=True)
    assert after.get_data() == fresh_history(app)
    assert len(files(app, "*.csv")) == 2
    assert client.get(HISTORY).get_data() == after.get_data()  # the new file


def test_a_read_only_cache_folder_still_answers_the_whole_csv(app, client, seeded, caplog):
    with app.app_context():
        folder = cache_dir()
    with unwritable(folder), caplog.at_level(logging.WARNING):
        for _ in range(2):
            response = client.get(HISTORY)
            assert response.status_code == 200
            assert response.get_data() == fresh_history(app)
        assert list(folder.iterdir()) == []
    lines = [r for r in caplog.records if "export not cached" in r.getMessage()]
    assert len(lines) == 2  # one line per download, no traceback


def test_a_disk_that_fills_during_the_write_keeps_the_download_whole(app, client, seeded):
    with app.app_context():
        folder = cache_dir()
    with unwritable(folder, size="16k"):
        expected = fresh_history(app)
        assert len(expected) > 16 * 1024
        response = client.get(HISTORY)
        assert response.status_code == 200 and response.get_data() == expected
        assert list(folder.iterdir()) == []  # the partial file was removed


def test_an_interrupted_download_leaves_no_file(app, client, seeded):
    response = client.get(HISTORY, buffered=False)
    next(iter(response.response))
    response.close()
    assert files(app) == [] or all(p.suffix != ".csv" for p in files(app))
    assert files(app, ".*") == []


def test_old_exports_are_removed_and_at_most_keep_are_kept(tmp_path):
    now = time.time()
    for age, name in [(7200, "old.csv"), (7200, "old.head"), (7200, ".abandoned.tmp"),
                      (7200, "old.atom"), (30, "a.csv"), (25, "a.ics"), (20, "b.csv"),
                      (20, "b.head"), (10, "c.atom"), (7200, ".gitkeep")]:
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (now - age, now - age))
    (tmp_path / "lost+found").mkdir()  # the folder is a mount point: not ours to remove
    os.utime(tmp_path / "lost+found", (now - 7200, now - 7200))
    prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".gitkeep", "b.csv", "b.head", "c.atom", "lost+found"]


def test_exports_answer_429_past_the_clients_budget(app, client, seeded):
    app.config["EXPORT_RATE_LIMIT"] = "3 per minute"
    codes = [client.get(path).status_code
             for path in (HISTORY, "/export/commitments.csv", "/feed.atom", "/calendar.ics")]
    assert codes == [200, 200, 200, 429]
    refused = client.get(HISTORY)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/v1/countries").status_code == 200  # other reads are not counted


ACCEL = "/_exports/"


def test_with_accel_redirect_the_first_download_is_written_whole_and_handed_to_nginx(
        app, client, seeded):
    app.config["EXPORT_ACCEL_REDIRECT"] = ACCEL
    first = client.get(HISTORY)
    (path,) = files(app, "*.csv")
    assert first.get_data() == b""
    assert first.headers["X-Accel-Redirect"] == ACCEL + path.name
    assert path.read_bytes() == fresh_history(app)
    assert path.stat().st_mode & 0o777 == 0o644  # nginx reads it as another user
    assert files(app, ".*") == []
    second = client.get(HISTORY)
    assert second.get_data() == b"" and second.headers["X-Accel-Redirect"] == ACCEL + path.name
    app.config["EXPORT_ACCEL_REDIRECT"] = ""
    sent = client.get(HISTORY)  # the same answer send_file gives, but for the body
    for header in ("Content-Type", "Content-Disposition", "ETag", "Cache-Control",
                   "Last-Modified", "X-Ledger-Head"):
        assert first.headers[header] == second.headers[header] == sent.headers[header], header
    assert "X-Accel-Redirect" not in sent.headers and sent.get_data() == path.read_bytes()


def test_with_accel_redirect_the_clients_copy_still_answers_304(app, client, seeded):
    app.config["EXPORT_ACCEL_REDIRECT"] = ACCEL
    etag = client.get(HISTORY).headers["ETag"]
    again = client.get(HISTORY, headers={"If-None-Match": etag})
    assert again.status_code == 304 and "X-Accel-Redirect" not in again.headers


def test_with_accel_redirect_a_read_only_cache_folder_streams_the_csv(
        app, client, seeded, caplog):
    app.config["EXPORT_ACCEL_REDIRECT"] = ACCEL
    with app.app_context():
        folder = cache_dir()
    with unwritable(folder), caplog.at_level(logging.WARNING):
        response = client.get(HISTORY)
        assert response.status_code == 200 and "X-Accel-Redirect" not in response.headers
        assert response.get_data() == fresh_history(app)
        assert list(folder.iterdir()) == []
    assert len([r for r in caplog.records if "export not cached" in r.getMessage()]) == 1


def test_with_accel_redirect_a_disk_that_fills_streams_the_whole_csv(app, client, seeded):
    app.config["EXPORT_ACCEL_REDIRECT"] = ACCEL
    with app.app_context():
        folder = cache_dir()
    with unwritable(folder, size="16k"):
        response = client.get(HISTORY)
        assert "X-Accel-Redirect" not in response.headers
        assert response.get_data() == fresh_history(app)
        assert list(folder.iterdir()) == []


def test_the_accel_redirect_target_never_comes_from_the_request(app, client, seeded):
    app.config["EXPORT_ACCEL_REDIRECT"] = ACCEL
    target = client.get(HISTORY + "?q=../../etc/passwd&file=/etc/passwd").headers.get(
        "X-Accel-Redirect", "")
    name = target.removeprefix(ACCEL)
    assert target.startswith(ACCEL) and len(name) == 68 and name.endswith(".csv")
    assert all(c in "0123456789abcdef" for c in name[:-4])
