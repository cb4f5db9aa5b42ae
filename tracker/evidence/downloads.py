"""A stored file (evidence, a source document's original) answered as a download."""

import os

from flask import Response, abort, current_app, request, send_file

from tracker.evidence.files import MissingFile, StoredFile, file_store


def send_stored_file(row: StoredFile, *, filename: str, content_type: str | None,
                     public: bool) -> Response:
    """An attachment (never shown inline), its real type with nosniff, a known size and a
    strong validator: resumable downloads (Range) for a slow link, and no body for a reader
    who already has it. 404 when the file is missing (logged)."""
    try:
        content = file_store().open(row)
    except MissingFile:
        current_app.logger.error("stored file %s is missing", row.stored_name)
        abort(404)
    size = content.seek(0, os.SEEK_END)
    content.seek(0)
    response = send_file(content, mimetype=content_type or "application/octet-stream",
                         as_attachment=True, download_name=filename, conditional=False,
                         etag=False, max_age=0)
    response.content_length = size
    response.set_etag(row.sha256 or "")
    response.make_conditional(request, accept_ranges=True, complete_length=size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=3600" if public \
        else "private, no-store"
    return response
