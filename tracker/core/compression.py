"""Compressed answers: pages, JSON, CSV, Atom and iCalendar in Brotli or gzip, through
Flask-Compress, with the validators kept right.

- A compressed body gets Flask-Compress's own strong ETag ``"<tag>:<algorithm>"``; the
  app's early 304s (http_cache.client_holds) take it, or nginx's weak ``W/"<tag>"``, as the
  client's copy of the same data, and a 304 sends back the tag the client holds. Two gzip
  compressions of one body can differ in bytes (gzip's header holds the time): harmless, as
  a compressed answer offers no ranges, so no client joins parts of two of them.
- A streamed export stays streamed, compressed chunk by chunk (memory stays constant).
- ``Vary: Accept-Encoding`` only where a body could be compressed: not on a PNG, a ZIP-based
  workbook or a body too small to compress, but on a 304 of a compressible answer and on an
  empty X-Accel-Redirect answer, whose file nginx compresses (deploy/nginx.conf).
- A range of bytes is never compressed (its Content-Range counts the plain file), and a
  compressed answer does not offer ranges.
"""

from flask import Flask, Response, current_app, request

from tracker.core.http_cache import held_tag
from tracker.extensions import compress


def init_app(app: Flask) -> None:
    """Bind Flask-Compress without its own hook (COMPRESS_REGISTER is off in config) and
    register ours; registered first, it runs after every other after-request hook."""
    compress.init_app(app)
    app.after_request(compressed)


def compressed(response: Response) -> Response:
    """The answer compressed for the client's Accept-Encoding where that is worth it."""
    if "Content-Encoding" in response.headers or \
            response.mimetype not in compress.compress_mimetypes_set:
        return response
    if response.status_code == 304:
        response.vary.add("Accept-Encoding")
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(held_tag(etag) or etag)
        return response
    if "X-Accel-Redirect" in response.headers:
        response.vary.add("Accept-Encoding")
        return response
    if response.status_code != 200 or _too_small(response):
        return response
    a_file = response.direct_passthrough  # send_file: streamed from disk
    response = compress.after_request(response)
    if "Content-Encoding" in response.headers:
        response.headers.pop("Accept-Ranges", None)
        # Its compressed ETag is known only now. Not make_conditional: it would read the
        # whole stream to count its length.
        etag, _weak = response.get_etag()
        if a_file and etag and request.if_none_match.contains_weak(etag):
            return _not_modified(response)
    return response


def _not_modified(response: Response) -> Response:
    """A 304 for a file the client holds, with the headers its 200 has; the file closed."""
    response.close()
    return current_app.response_class(status=304, headers=response.headers)


def _too_small(response: Response) -> bool:
    """Below COMPRESS_MIN_SIZE, compression saves nothing; a stream's size is unknown."""
    size = response.content_length if response.is_streamed else len(response.get_data())
    return size is not None and size < current_app.config["COMPRESS_MIN_SIZE"]
