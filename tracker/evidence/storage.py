"""Adding evidence: files checked by their content, stored under a server-chosen name."""

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker.core.refusals import Refused
from tracker.core.urls import is_web_address
from tracker.extensions import db
from tracker.models import Commitment, Evidence, Visibility
from tracker.permissions import can_add_evidence, ensure, is_system

# Accepted kinds, by what the content is (the extension must agree).
ACCEPTED = {
    "application/pdf": {"pdf"},
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
    "application/vnd.oasis.opendocument.text": {"odt"},
    "application/vnd.oasis.opendocument.spreadsheet": {"ods"},
    "application/vnd.oasis.opendocument.presentation": {"odp"},
    "application/msword": {"doc"},
    "application/vnd.ms-excel": {"xls"},
    "application/vnd.ms-powerpoint": {"ppt"},
    "text/csv": {"csv"},
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office files share this container


class EvidenceRefused(Refused):
    """The evidence is not accepted."""

    default_field = "file"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _extension(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def detect_type(filename: str, data: bytes) -> str | None:
    """The accepted MIME type the content really is, if its extension agrees; else None."""
    extension = _extension(filename)
    if data.startswith(OLE2):
        kind = {"doc": "application/msword", "xls": "application/vnd.ms-excel",
                "ppt": "application/vnd.ms-powerpoint"}.get(extension)
    elif extension == "csv":
        kind = "text/csv" if _is_text(data) else None
    else:
        guess = filetype.guess(data)
        kind = guess.mime if guess else None
    if kind in ACCEPTED and extension in ACCEPTED[kind]:
        return kind
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def safe_filename(filename: str) -> str:
    """The base name only, for display and the download's suggested name."""
    name = Path(filename.replace("\\", "/")).name.strip().lstrip(".")
    return "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')[:200] or "file"


def add_evidence(actor, commitment: Commitment, *, title: str, dated, visibility: str,
                 upload: Upload | None = None, url: str | None = None) -> Evidence:
    """Attach a file or a link (exactly one) to a commitment."""
    ensure(can_add_evidence(actor, commitment))
    try:
        visibility = Visibility(visibility)
    except ValueError:
        raise EvidenceRefused(_l("Choose public or restricted."), "visibility") from None
    url = (url or "").strip() or None
    has_file = upload is not None and upload.data
    if bool(has_file) == bool(url):
        raise EvidenceRefused(_l("Attach a file or give a link (one of the two)."), "file")
    evidence = Evidence(commitment=commitment, title=title.strip(), dated=dated,
                        visibility=visibility,
                        added_by_id=None if is_system(actor) else actor.id)
    if url:
        if not is_web_address(url):
            raise EvidenceRefused(_l("A link must start with http:// or https://."), "url")
        evidence.url = url
    else:
        _store(evidence, upload)
    db.session.add(evidence)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if evidence.stored_name:
            _path(evidence.stored_name).unlink(missing_ok=True)
        raise
    return evidence


def _store(evidence: Evidence, upload: Upload) -> None:
    kind = detect_type(upload.filename, upload.data)
    if kind is None:
        raise EvidenceRefused(_l("This file is not an accepted PDF, office document, image "
                                 "or CSV, or its content does not match its name."), "file")
    evidence.stored_name = uuid.uuid4().hex
    evidence.original_filename = safe_filename(upload.filename)
    evidence.content_type = kind
    evidence.size = len(upload.data)
    evidence.sha256 = hashlib.sha256(upload.data).hexdigest()
    path = _path(evidence.stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(upload.data)


def _path(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / stored_name


def evidence_path(evidence: Evidence) -> Path:
    return _path(evidence.stored_name)
