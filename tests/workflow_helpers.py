"""Shared helpers for the workflow tests: snapshots of the database and form values."""

import datetime as dt
import hashlib
import re
import uuid

import sqlalchemy as sa

from tracker.evidence.files import file_store
from tracker.evidence.storage import Upload, add_evidence
from tracker.extensions import db
from tracker.models import Commitment, SourceDocument

# A focal point's e-mail and name, and restricted evidence (title, file, link): the privacy
# tests put them in the database and search every public surface for them.
SECRETS = ("persona.privada@example.org", "Nombre Privado", "Lista secreta de víctimas",
           "lista-secreta.pdf", "https://intranet.example/secreto")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def add_restricted_evidence(focal, commitment) -> None:
    """The restricted file and link whose title, file name and address are in SECRETS."""
    add_evidence(focal, commitment, title="Lista secreta de víctimas",
                 dated=dt.date(2026, 11, 1), visibility="restricted",
                 upload=Upload("lista-secreta.pdf", PDF))
    add_evidence(focal, commitment, title="Enlace interno", dated=dt.date(2026, 11, 1),
                 visibility="restricted", url="https://intranet.example/secreto")


def store_original(code: str, data: bytes, filename: str, *, restricted: bool = False,
                   content_type: str = "application/pdf"):
    """Keep an uploaded original for a source document, as the minutes upload does."""
    document = db.session.scalar(sa.select(SourceDocument).filter_by(code=code))
    document.stored_name, document.original_filename = uuid.uuid4().hex, filename
    document.content_type, document.size, document.restricted = content_type, len(data), restricted
    document.sha256 = hashlib.sha256(data).hexdigest()
    file_store().save(document, data)
    db.session.commit()
    return document


def assert_refused(response, role: str) -> None:
    """Anonymous and deactivated users are sent to log in; any other role gets 403."""
    if role in ("anonymous", "deactivated_secretariat"):  # no valid session: log in first
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403
VERSION_FIELD = re.compile(r'name="version" type="hidden" value="(\d+)"|'
                           r'type="hidden" name="version" value="(\d+)"|'
                           r'id="version" name="version" type="hidden" value="(\d+)"')


def snapshot(code: str = "MT1-R03-MEX") -> dict:
    """Row counts of every table and the commitment's state: equal before and after a
    refused request means it changed nothing."""
    db.session.expire_all()
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
              for t in db.metadata.sorted_tables}
    c = db.session.scalar(sa.select(Commitment).filter_by(code=code))
    return {"counts": counts, "commitment": (c.status, c.progress, c.version, c.updated_at)}


def version_on(page: str) -> str:
    match = re.search(r'<input[^>]*name="version"[^>]*>', page)
    assert match, "no version field on the page"
    return re.search(r'value="(\d+)"', match.group(0)).group(1)
