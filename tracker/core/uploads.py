"""Receiving a request body when the server's temporary folder cannot hold it.

Werkzeug spools each uploaded file past 500 KiB to a temporary file (``tempfile``, so
``TMPDIR``). On a full or read-only temporary folder that write raises OSError while the form
is parsed, which is before any view, inside Flask-WTF's CSRF check: a 500 with a traceback.
This request class answers 503 with a message instead, and closes the spooled files (unlinked
temporary files) at once, which gives their space back.
"""

import logging

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import ServiceUnavailable

log = logging.getLogger(__name__)


class UploadNotReceived(ServiceUnavailable):
    """The server had no room to receive the request's files."""

    @property
    def name(self) -> str:
        return _("Service unavailable")


class SpoolingRequest(Request):
    """Flask's request, remembering the files it spools so that a failure can close them."""

    def _get_file_stream(self, *args, **kwargs):
        stream = super()._get_file_stream(*args, **kwargs)
        self.__dict__.setdefault("_spooled", []).append(stream)
        return stream

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
            return
        except (ConnectionError, TimeoutError):
            raise  # the client, not the disk: as before
        except OSError as exc:
            failure = str(exc)
        # Outside the except block: no traceback keeps the parser's files alive. Closing them
        # gives the space back now, not whenever the garbage collector runs.
        for stream in self.__dict__.pop("_spooled", []):
            stream.close()
        log.error("request body not received: the temporary folder refused it: %s", failure)
        # Parsed once: the error page and later hooks see an empty form, not a second try.
        empty: ImmutableMultiDict = ImmutableMultiDict()
        self.__dict__.update(form=empty, files=empty)
        raise UploadNotReceived(_(
            "The server has no room to receive this file just now. Nothing was saved: try "
            "again later, and if it happens again, tell the secretariat."))


def uploaded(field: str, limit: int) -> tuple[str, bytes]:
    """The file sent in ``field``: its name ("" when none was chosen) and at most limit + 1
    bytes of it, so the service that reads it can tell "too large" without holding more."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return "", b""
    return upload.filename, upload.stream.read(limit + 1)


def init_app(app: Flask) -> None:
    app.request_class = SpoolingRequest
