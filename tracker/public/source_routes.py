"""The uploaded original of a set of minutes, as a download (its text is on /sources/<code>)."""

from flask import abort
from flask_login import current_user

from tracker.core.forms import one_or_404
from tracker.evidence.downloads import send_stored_file
from tracker.models import SourceDocument
from tracker.permissions import can_view_source, can_view_source_original, require
from tracker.public import bp


@bp.get("/sources/<code>/original")
def source_original(code: str):
    """Serve a document's stored original file, unless it is restricted and the reader is not
    the secretariat (answered like restricted evidence: log in first, or 403)."""
    document = one_or_404(SourceDocument, code=code)
    # The seed's text files have no other original; unpublished minutes are not there yet.
    if not document.is_file or not can_view_source(current_user, document):
        abort(404)
    require(can_view_source_original(current_user, document))
    return send_stored_file(document, filename=document.original_filename or document.code,
                            content_type=document.content_type,
                            public=not document.restricted)
