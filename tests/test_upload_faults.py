"""Uploads on a full or read-only disk: a real tiny tmpfs under UPLOAD_FOLDER (and under the
temporary folder Werkzeug spools large uploads to). The answer is a 503 with a translated
message and the typed form kept; no Evidence row, no file left behind; once there is room
again, uploads work."""

import io
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES, make_config, running_app
from factories import make_user
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from workflow_helpers import PDF

from tracker.extensions import db
from tracker.models import Evidence

CODE = "MT1-R03-MEX"
URL = f"/commitments/{CODE}/evidence"
KIB = 1024
NOT_STORED = {
    "es": "El servidor no pudo guardar el archivo en este momento: su disco está lleno",
    "en": "The server could not store the file just now: its disk is full",
}
NOT_RECEIVED = {
    "es": "El servidor no tiene espacio para recibir este archivo en este momento.",
    "en": "The server has no room to receive this file just now.",
}
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
on_disk_only = pytest.mark.skipif(ON_POSTGRES, reason="on PostgreSQL files go to the database")


def sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@contextmanager
def tiny_disk(folder: Path, size: str = "64k"):
    """A real filesystem of ``size`` bytes mounted on folder, unmounted whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    sh("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        sh("umount", "-l", str(folder))


def pdf(size: int) -> bytes:
    """A PDF (by content and name) of about ``size`` bytes."""
    return PDF + b"%" + b"x" * max(0, size - len(PDF) - 2) + b"\n"


def form(csrf: str, data: bytes, filename: str = "informe.pdf") -> dict:
    return {"csrf_token": csrf, "title": "Informe de avance del consulado",
            "dated": "2026-11-20", "visibility": "restricted", "url": "",
            "file": (io.BytesIO(data), filename)}


def evidence_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(Evidence.id)))


def assert_form_kept(page: str) -> None:
    assert 'value="Informe de avance del consulado"' in page
    assert 'value="2026-11-20"' in page
    restricted = re.search(r'<input[^>]*value="restricted"[^>]*>', page).group(0)
    assert "checked" in restricted


@pytest.fixture
def uploads_size() -> str:
    return "64k"


@pytest.fixture
def uploads(tmp_path, uploads_size):
    with tiny_disk(tmp_path / "uploads", uploads_size) as folder:
        yield folder


@pytest.fixture
def app(tmp_path, uploads):
    """The suite's app, with its UPLOAD_FOLDER on the tiny disk."""
    with running_app(make_config(tmp_path, UPLOAD_FOLDER=str(uploads))) as app:
        yield app


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    auth.login(user.email)
    return user


def attach(client, auth, data: bytes, language: str = "es"):
    return client.post(URL, data=form(auth.csrf(f"/commitments/{CODE}"), data),
                       content_type="multipart/form-data",
                       headers={"Accept-Language": language})


@on_disk_only
def test_a_full_disk_answers_503_keeps_the_form_and_leaves_no_file(client, auth, focal, uploads,
                                                                  caplog):
    for language in ("es", "en"):
        response = attach(client, auth, pdf(100 * KIB), language)
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert NOT_STORED[language] in page
        assert_form_kept(page)
        assert evidence_rows() == 0
        assert list(uploads.iterdir()) == []  # no partial file, no temporary one
    assert "No space left on device" in caplog.text
    # What the failed uploads wrote was freed: a small file now fits on the same 64 KiB.
    small = pdf(20 * KIB)
    response = attach(client, auth, small)
    assert response.status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert [p.name for p in uploads.iterdir()] == [evidence.stored_name]
    assert (uploads / evidence.stored_name).read_bytes() == small


@on_disk_only
def test_a_read_only_disk_answers_503_and_works_again_once_writable(client, auth, focal,
                                                                   uploads, caplog):
    sh("mount", "-o", "remount,ro", str(uploads))
    try:
        response = attach(client, auth, pdf(4 * KIB), "en")
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert NOT_STORED["en"] in page
        assert_form_kept(page)
        assert evidence_rows() == 0
        assert "Read-only file system" in caplog.text
    finally:
        sh("mount", "-o", "remount,rw", str(uploads))
    assert list(uploads.iterdir()) == []
    assert attach(client, auth, pdf(4 * KIB)).status_code == 302
    assert evidence_rows() == 1


@pytest.mark.parametrize("uploads_size", ["2m"])  # room for the file once it is received
def test_a_full_temporary_folder_answers_503_not_500(client, auth, focal, tmp_path,
                                                     monkeypatch):
    # Werkzeug spools an uploaded file past 500 KiB to tempfile's folder (TMPDIR); the body is
    # encoded here in memory, so only the server's side of the request uses that folder.
    csrf = auth.csrf(f"/commitments/{CODE}")
    fields = form(csrf, b"")
    fields["file"] = FileStorage(io.BytesIO(pdf(600 * KIB)), "informe.pdf")
    boundary, body = encode_multipart(fields)
    post = dict(data=body, content_type=f"multipart/form-data; boundary={boundary}")
    with tiny_disk(tmp_path / "tmp") as spool:
        monkeypatch.setattr(tempfile, "tempdir", str(spool))
        response = client.post(URL, headers={"Accept-Language": "es"}, **post)
        assert response.status_code == 503
        assert NOT_RECEIVED["es"] in response.get_data(as_text=True)
        assert evidence_rows() == 0
        assert shutil.disk_usage(spool).used < 64 * KIB  # the spooled part was freed
        response = client.post(URL, headers={"Accept-Language": "en"}, **post)
        assert response.status_code == 503
        assert NOT_RECEIVED["en"] in response.get_data(as_text=True)
        monkeypatch.undo()
    assert client.post(URL, **post).status_code == 302  # room again: the same upload works
    assert evidence_rows() == 1
