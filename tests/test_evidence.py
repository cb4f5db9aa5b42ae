"""Evidence: files checked by content, stored safely, restricted ones kept from the public."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import AuthActions
from factories import make_user
from workflow_helpers import PDF, snapshot

from tracker.evidence.files import file_store
from tracker.extensions import db
from tracker.models import Evidence

CODE = "MT1-R03-MEX"
PAGE = f"/commitments/{CODE}"
URL = f"/commitments/{CODE}/evidence"


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    auth.login(user.email)
    return user


def attach(auth, *, filename=None, data=PDF, url="", visibility="public", title="Informe"):
    fields = {"title": title, "dated": "2026-11-20", "visibility": visibility, "url": url}
    if filename is not None:
        fields["file"] = (io.BytesIO(data), filename)
    return auth.post(URL, fields, content_type="multipart/form-data")


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_public_pdf_is_stored_with_its_hash_and_served_as_a_download(app, client, auth, focal):
    response = attach(auth, filename="informe final.pdf")
    assert response.status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert file_store().open(evidence).read() == PDF and "informe" not in evidence.stored_name
    assert not str(app.config["UPLOAD_FOLDER"]).startswith(str(Path(app.static_folder)))
    auth.logout()
    download = client.get(f"/evidence/{evidence.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


def test_restricted_evidence_is_only_for_secretariat_and_the_country(app, client, auth, focal):
    attach(auth, filename="victimas.pdf", visibility="restricted", title="Lista de víctimas")
    evidence = db.session.scalar(sa.select(Evidence))
    download = f"/evidence/{evidence.id}/download"
    assert "Lista de víctimas" in client.get(PAGE).get_data(as_text=True)
    assert client.get(download).status_code == 200
    auth.logout()
    assert "Lista de víctimas" not in client.get(PAGE).get_data(as_text=True)
    assert client.get(download).status_code == 302  # anonymous: log in first
    for role, country in (("auditor", None), ("focal_point", "GTM")):
        other = app.test_client()
        AuthActions(other).login(make_user(role, country=country).email)
        assert "Lista de víctimas" not in other.get(PAGE).get_data(as_text=True)
        assert other.get(download).status_code == 403
    secretariat = app.test_client()
    AuthActions(secretariat).login(make_user("secretariat").email)
    assert secretariat.get(download).status_code == 200


def test_office_documents_images_and_csv_are_accepted(auth, focal):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    for name, data in (("acta.docx", docx()), ("foto.png", png),
                       ("datos.csv", "país,casos\nMéxico,3\n".encode())):
        assert attach(auth, filename=name, data=data).status_code == 302, name
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 3


@pytest.mark.parametrize("filename, data", [
    ("informe.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200),        # an executable renamed .pdf
    ("informe.pdf", docx()),                                      # content and name disagree
    ("../../etc/passwd", PDF),                                    # no accepted extension
    ("script.html", b"<html><script>alert(1)</script></html>"),
    ("datos.csv", b"\x00\x01binary"),
])
def test_files_are_checked_by_content(auth, focal, filename, data):
    before = snapshot()
    response = attach(auth, filename=filename, data=data)
    assert response.status_code == 400
    assert "does not match" in response.get_data(as_text=True) or \
        "no coincide" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_path_in_the_file_name_is_reduced_to_its_base_name(app, auth, focal):
    assert attach(auth, filename="../../etc/passwd.pdf").status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert evidence.original_filename == "passwd.pdf"
    assert file_store().open(evidence).read() == PDF
    assert not Path(app.config["UPLOAD_FOLDER"]).parent.joinpath("etc").exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "javascript://example.org/%0Aalert(1)",
                                 "data:text/html,<script>alert(1)</script>", "ftp://x.org/a"])
def test_only_web_links_are_accepted(auth, focal, url):
    before = snapshot()
    response = attach(auth, url=url)
    assert response.status_code == 400
    assert snapshot() == before


def test_a_link_is_evidence_too(client, auth, focal):
    assert attach(auth, url="https://www.gob.mx/informe-2026").status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert 'href="https://www.gob.mx/informe-2026"' in page


def test_a_file_and_a_link_together_or_neither_are_refused(auth, focal):
    assert attach(auth, filename="a.pdf", url="https://example.org/").status_code == 400
    assert attach(auth).status_code == 400


def test_an_oversized_file_gets_a_413_page(app, auth, focal):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = snapshot()
    response = attach(auth, filename="grande.pdf", data=PDF + b"0" * 8192)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<h1>413" in page and "Traceback" not in page
    assert snapshot() == before


def test_script_in_a_title_is_escaped(client, auth, focal):
    attach(auth, url="https://example.org/", title="<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(PAGE).get_data(as_text=True)
