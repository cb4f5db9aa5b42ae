"""Adding evidence: files checked by their content, stored under a server-chosen name."""

import hashlib
import logging
import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from tracker.core.archives import ArchiveRefused
from tracker.core.refusals import Refused
from tracker.core.urls import is_web_address
from tracker.evidence.checks import detect_type, safe_filename
from tracker.evidence.files import NotStored, commit_with_file
from tracker.extensions import db
from tracker.models import Commitment, Evidence, Visibility
from tracker.permissions import Actor, can_add_evidence, ensure, is_system

log = logging.getLogger(__name__)


class EvidenceRefused(Refused):
    """The evidence is not accepted."""

    default_field = "file"


class EvidenceNotStored(EvidenceRefused):
    """The server could not keep the file (its disk is full or read-only): a fault of the
    server, not of the request, which may succeed later. Nothing was written. Shown on the
    file field: the browser has forgotten the chosen file, the other fields are kept."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def add_evidence(actor: Actor, commitment: Commitment, *, title: str, dated, visibility: str,
                 upload: Upload | None = None, url: str | None = None) -> Evidence:
    """Attach a file or a link (exactly one) to a commitment."""
    ensure(can_add_evidence(actor, commitment))
    try:
        visibility = Visibility(visibility)
    except ValueError:
        raise EvidenceRefused(_l("Choose public or restricted."), "visibility") from None
    url = (url or "").strip() or None
    file = upload if upload is not None and upload.data else None
    if (file is None) == (url is None):
        raise EvidenceRefused(_l("Attach a file or give a link (one of the two)."), "file")
    evidence = Evidence(commitment=commitment, title=title.strip(), dated=dated,
                        visibility=visibility,
                        added_by_id=None if is_system(actor) else actor.id)
    if url:
        if not is_web_address(url):
            raise EvidenceRefused(_l("A link must start with http:// or https://."), "url")
        evidence.url = url
    elif file is not None:
        _describe(evidence, file)
    db.session.add(evidence)
    try:
        commit_with_file(evidence, file.data if file is not None else None)
    except NotStored:
        log.error("evidence for %s not stored", commitment.code)
        raise EvidenceNotStored(_l(
            "The server could not store the file just now: its disk is full or cannot "
            "be written. Nothing was saved. Choose the file again and retry later; if it "
            "happens again, tell the secretariat.")) from None
    return evidence


def _describe(evidence: Evidence, upload: Upload) -> None:
    try:
        kind = detect_type(upload.filename, upload.data)
    except ArchiveRefused as refused:
        raise EvidenceRefused(refused.args[0], "file") from None
    if kind is None:
        raise EvidenceRefused(_l("This file is not an accepted PDF, office document, image "
                                 "or CSV, or its content does not match its name."), "file")
    evidence.stored_name = uuid.uuid4().hex
    evidence.original_filename = safe_filename(upload.filename)
    evidence.content_type = kind
    evidence.size = len(upload.data)
    evidence.sha256 = hashlib.sha256(upload.data).hexdigest()
