"""The uploaded original of a set of minutes, as a download (its text is on /sources/<code>)."""

import os

from flask import Response, abort, current_app, request, send_file
from flask_login import current_user

from tracker.core.forms import one_or_404
from tracker.evidence.files import MissingFile, file_store
from tracker.models import SourceDocument
from tracker.permissions import can_view_source_original, require
from tracker.public import bp


@bp.get("/sources/<code>/original")
def source_original(code: str):
    """Serve a document's stored original file, unless it is restricted and the reader is not
    the secretariat (answered like restricted evidence: log in first, or 403)."""
    document = one_or_404(SourceDocument, code=code)
    if not document.is_file:  # the seed's text files: their text is the original
        abort(404)
    require(can_view_source_original(current_user, document))
    try:
        content = file_store().open(document)
    except MissingFile:
        current_app.logger.error("source document %s: its file %s is missing", document.code,
                                 document.stored_name)
        abort(404)
    return _download(document, content)


def _download(document: SourceDocument, content) -> Response:
    """The same answer as an evidence file's: an attachment (never shown inline), its real
    type with nosniff, a known size and a strong validator for resumed downloads."""
    size = content.seek(0, os.SEEK_END)
    content.seek(0)
    response = send_file(content, mimetype=document.content_type or "application/octet-stream",
                         as_attachment=True,
                         download_name=document.original_filename or f"{document.code}.bin",
                         conditional=False, etag=False, max_age=0)
    response.content_length = size
    response.set_etag(document.sha256 or "")
    response.make_conditional(request, accept_ranges=True, complete_length=size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store" if document.restricted \
        else "public, max-age=3600"
    return response
