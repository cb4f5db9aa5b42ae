"""Reading the bodies of the API's writes: a JSON status update, a multipart evidence form.

Only the body's own shape is checked here (415, or 400 naming the field); the rules (note
required, progress range, file types) are the services'. Each reader also returns the bytes
a retry is recognised by: retry_identity (tracker.api.idempotency.fingerprint)."""

import datetime as dt
import hashlib
import json
import re

from flask import Request
from flask_babel import lazy_gettext as _l

from tracker.core.forms import has_control_character
from tracker.evidence.storage import Upload
from tracker.models import Status, Visibility

NOTE_MAX, TITLE_MAX, URL_MAX = 5000, 300, 2000  # as the web forms
UPDATE_FIELDS = {"status", "progress", "note", "version"}
EVIDENCE_FIELDS = {"title", "dated", "visibility", "url"}
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class BodyRefused(Exception):
    """The body is not what the operation takes: 400 (or 415 for another media type)."""

    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def _integer(value) -> bool:
    """A JSON integer; 58.0 is one too (JSON Schema's rule: no fractional part)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or \
        (isinstance(value, float) and value.is_integer())


def retry_identity(request: Request) -> bytes:
    """What a retry of this request sends again: the body's bytes; for a multipart form,
    whose boundary changes from one sending to the next, its fields and files' contents."""
    if request.mimetype != "multipart/form-data":
        return request.get_data(cache=True)
    files = []
    for name, sent in sorted(request.files.items(multi=True)):
        files.append([name, sent.filename, hashlib.sha256(sent.read()).hexdigest()])
        sent.seek(0)
    return json.dumps([sorted(request.form.items(multi=True)), files]).encode()


def update_body(request: Request) -> dict:
    """The arguments of update_status from ``{"status", "progress", "note", "version"}``."""
    if request.mimetype != "application/json":
        raise BodyRefused(_l("Send the update as JSON (Content-Type: application/json)."),
                          status=415)
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # also bytes that are not UTF-8; [[[[...]]]]
        raise BodyRefused(_l("The body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise BodyRefused(_l("The body is a JSON object: status, progress, note, version."))
    unknown = sorted(set(body) - UPDATE_FIELDS)
    if unknown:
        raise BodyRefused(_l("Unknown field: %(field)s.", field=unknown[0]), unknown[0])
    status, progress, note = body.get("status"), body.get("progress"), body.get("note")
    if not isinstance(status, str) or status not in {s.value for s in Status}:
        raise BodyRefused(_l("status is one of: %(values)s.",
                             values=", ".join(s.value for s in Status)), "status")
    if progress is not None and not _integer(progress):
        raise BodyRefused(_l("progress is a whole number from 0 to 100, or null."), "progress")
    if note is not None and (not isinstance(note, str) or len(note) > NOTE_MAX):
        raise BodyRefused(_l("note is a text of at most %(max)d characters, or null.",
                             max=NOTE_MAX), "note")
    if not _integer(body.get("version")):
        raise BodyRefused(_l("version is the commitment's version you last read (a whole "
                             "number, in GET /commitments/{code})."), "version")
    return {"status": status, "progress": None if progress is None else int(progress),
            "note": note, "seen_version": int(body["version"])}


def evidence_body(request: Request) -> dict:
    """The arguments of add_evidence from a multipart form (title, dated, visibility, and a
    file or a url)."""
    if request.mimetype != "multipart/form-data":
        raise BodyRefused(_l("Send the evidence as multipart/form-data."), status=415)
    form = request.form
    unknown = sorted(set(form) - EVIDENCE_FIELDS) or sorted(set(request.files) - {"file"})
    if unknown:
        raise BodyRefused(_l("Unknown field: %(field)s.", field=unknown[0]), unknown[0])
    title = " ".join(form.get("title", "").split())
    if not title or len(title) > TITLE_MAX or has_control_character(title, multiline=False):
        raise BodyRefused(_l("title is required, at most %(max)d characters, without control "
                             "characters.", max=TITLE_MAX), "title")
    dated = form.get("dated", "")
    try:
        day = dt.date.fromisoformat(dated) if DATE.fullmatch(dated) else None
    except ValueError:
        day = None
    if day is None:
        raise BodyRefused(_l("dated is the document's date, YYYY-MM-DD."), "dated")
    if form.get("visibility") not in {v.value for v in Visibility}:
        raise BodyRefused(_l("visibility is public or restricted."), "visibility")
    url = form.get("url") or None
    if url is not None and len(url) > URL_MAX:
        raise BodyRefused(_l("url is at most %(max)d characters.", max=URL_MAX), "url")
    sent = request.files.get("file")
    if sent is not None and url is not None:  # even an empty file part: one of the two
        raise BodyRefused(_l("Send a file or a url, not both."), "file")
    upload = Upload(sent.filename or "", sent.read()) if sent is not None else None
    return {"title": title, "dated": day, "visibility": form["visibility"],
            "upload": upload, "url": url}
