"""Where evidence files live: in PostgreSQL, so every app host serves every file; on disk
for SQLite. Either way a download is streamed, resumable and the same bytes."""

import io
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import AuthActions, FreshContextClient, make_config
from databases import ON_POSTGRES
from factories import make_evidence, make_user
from workflow_helpers import PDF

from tracker import create_app
from tracker.evidence.files import CHUNK_SIZE
from tracker.evidence.storage import Upload
from tracker.extensions import db
from tracker.models import Evidence, EvidenceBlob, EvidenceBlobChunk

only_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="files go to the database on PostgreSQL")

URL = "/commitments/MT1-R03-MEX/evidence"
# A valid PDF header, then enough bytes for three pieces in the database, none alike.
LARGE = PDF + bytes(i % 251 for i in range(2 * CHUNK_SIZE + 12345))


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    auth.login(user.email)
    return user


def attach(auth, data, title="Informe"):
    fields = {"title": title, "dated": "2026-11-20", "visibility": "public", "url": "",
              "file": (io.BytesIO(data), "informe.pdf")}
    response = auth.post(URL, fields, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Evidence).order_by(Evidence.id.desc())).first()


def files_on_disk(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]


def test_a_large_file_comes_back_whole_in_ranges_and_not_twice(app, client, auth, focal):
    evidence = attach(auth, LARGE)
    auth.logout()
    download = client.get(f"/evidence/{evidence.id}/download")
    assert download.status_code == 200 and download.data == LARGE
    assert int(download.headers["Content-Length"]) == len(LARGE)
    assert download.headers["Accept-Ranges"] == "bytes"
    # A slow link resumes across a piece boundary, and a reader who has it gets no body.
    start = CHUNK_SIZE - 10
    part = client.get(f"/evidence/{evidence.id}/download",
                      headers={"Range": f"bytes={start}-{start + 29}"})
    assert part.status_code == 206 and part.data == LARGE[start:start + 30]
    again = client.get(f"/evidence/{evidence.id}/download",
                       headers={"If-None-Match": download.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@only_postgres
def test_on_postgresql_the_content_is_in_the_database_once(app, auth, focal):
    first, second = attach(auth, LARGE), attach(auth, LARGE, title="Otra vez")
    assert first.sha256 == second.sha256 and first.stored_name != second.stored_name
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceBlob)) == 1
    pieces = db.session.scalars(sa.select(sa.func.length(EvidenceBlobChunk.data))
                                .order_by(EvidenceBlobChunk.seq)).all()
    assert pieces == [CHUNK_SIZE, CHUNK_SIZE, len(LARGE) - 2 * CHUNK_SIZE]
    assert files_on_disk(app) == []


def test_on_sqlite_the_content_is_a_file_in_the_upload_folder(app, auth, focal):
    if ON_POSTGRES:
        pytest.skip("SQLite keeps files on disk")
    evidence = attach(auth, PDF)
    assert files_on_disk(app) == [Path(app.config["UPLOAD_FOLDER"]) / evidence.stored_name]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceBlob)) == 0


def test_a_missing_file_is_a_404_page_not_an_error(app, client, auth, focal):
    if ON_POSTGRES:
        evidence = attach(auth, PDF)
        with db.engine.begin() as conn:  # as if a restore had lost it
            conn.execute(sa.delete(EvidenceBlobChunk))
            conn.execute(sa.delete(EvidenceBlob))
    else:
        evidence = attach(auth, PDF)
        (Path(app.config["UPLOAD_FOLDER"]) / evidence.stored_name).unlink()
    assert client.get(f"/evidence/{evidence.id}/download").status_code == 404


@only_postgres
def test_two_instances_on_one_database_serve_each_others_files(app, tmp_path, auth, focal):
    """Two app hosts: separate instance folders, one PostgreSQL database."""
    other = create_app(make_config(tmp_path / "host-b"))
    other.test_client_class = FreshContextClient
    try:
        evidence = attach(auth, LARGE)  # uploaded through host A
        download = other.test_client().get(f"/evidence/{evidence.id}/download")
        assert download.status_code == 200 and download.data == LARGE
        with other.app_context():
            assert files_on_disk(other) == []
        # ...and the other way round, by a focal point logged in on host B.
        auth_b = AuthActions(other.test_client())
        auth_b.login(focal.email)
        evidence_b = attach(auth_b, PDF + b"from B")
        assert app.test_client().get(f"/evidence/{evidence_b.id}/download").data == \
            PDF + b"from B"
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_20_mb_file_is_saved_and_served_without_a_second_copy_in_memory(app, client, seeded):
    """The upload's bytes are the only whole copy: saving writes slices of them, and a
    download holds one piece at a time (measured with tracemalloc, not timed)."""
    data = PDF + bytes(range(256)) * (20 * 1024 * 1024 // 256 - 64)
    focal_point = make_user("focal_point", country="MEX")
    tracemalloc.start()
    try:
        evidence = make_evidence(focal_point, "MT1-R03-MEX", upload=Upload("grande.pdf", data))
        saving = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        download = client.get(f"/evidence/{evidence.id}/download", buffered=False)
        served = sum(len(piece) for piece in download.response)
        serving = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert served == len(data)
    assert saving < 4 * CHUNK_SIZE, f"saving held {saving / 2**20:.1f} MiB beyond the upload"
    assert serving < 4 * CHUNK_SIZE, f"serving held {serving / 2**20:.1f} MiB"
