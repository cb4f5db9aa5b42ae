"""Logs on standard output, one line per event, and one access line per request with its
request id, status and duration: plain text by default, JSON with LOG_FORMAT=json (for a
log shipper). The request id comes from a proxy's X-Request-ID when it is sane, else is
made here, and is sent back in X-Request-ID so a user's report can be found in the log."""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request

ACCESS = logging.getLogger("tracker.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The tracker's own loggers and the scheduler library's: what an operator reads.
LOGGERS = ("tracker", "apscheduler")
_HANDLER_FLAG = "_tracker_stdout"


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is when a line is logged (a CLI runner or a test may
    replace it after the app was built)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        entry |= getattr(record, "request", {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str, level: str) -> None:
    """Send the tracker's logs to standard output once per process, however many apps."""
    handler = StdoutHandler()
    setattr(handler, _HANDLER_FLAG, True)
    handler.setFormatter(JSONFormatter() if log_format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if not getattr(h, _HANDLER_FLAG, False)]
        logger.addHandler(handler)
        logger.setLevel(level)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # "Running job" noise


def init_app(app: Flask) -> None:
    """Configure the logs and log every request."""
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.before_request(_start)
    app.after_request(_log_request)


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # the request failed before before_request ran
        return response
    fields = {"request_id": g.request_id, "method": request.method, "path": request.path,
              "status": response.status_code, "client": request.remote_addr,
              "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    response.headers["X-Request-ID"] = g.request_id
    ACCESS.info("%(method)s %(path)s %(status)s %(duration_ms)sms %(client)s id=%(request_id)s",
                fields, extra={"request": fields})
    return response
