"""The scheduler's lock: only one scheduler acts at a time. A PostgreSQL advisory lock on a
connection of its own (it dies with the process or the connection), or a lock file on SQLite."""

import fcntl
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from tracker.core.errors import DATABASE_UNAVAILABLE, one_line
from tracker.core.run_lock import lock_key

log = logging.getLogger("tracker.reminders.scheduler")  # the scheduler's log, as before

# Every tracker scheduler agrees on this key; PostgreSQL advisory locks are per database.
# It must never change: a new key would let an old scheduler and a new one run side by side
# during an upgrade (it is the key of the first releases, sha256 of "tracker.scheduler").
LOCK_KEY = lock_key("scheduler")


class SchedulerLock:
    """Held by the one scheduler that acts; freed when its process (or connection) dies."""

    def __init__(self, database_url: str, instance_path: str | os.PathLike,
                 connect_args: dict | None = None):
        self.on_postgres = sa.make_url(database_url).get_backend_name() == "postgresql"
        self.database_url = database_url
        self.connect_args = connect_args or {}  # the app's timeouts (tracker.config)
        self.path = Path(instance_path) / "scheduler.lock"
        self.lost = False  # found lost by _check_lock since it was taken
        self._handle: IO[str] | sa.Connection | None = None  # the lock file, or the connection

    def acquire(self, blocking: bool = True, poll_seconds: float = 5,
                stop: Callable[[], bool] | None = None) -> bool:
        """Take the lock; while another scheduler holds it, or the database does not answer,
        wait (or return False; an unreachable database then raises). A waiting acquire
        returns False as soon as ``stop()`` is true."""
        said = None  # what the log last said about the wait: once, not at every poll
        while True:
            try:
                if self._try():
                    break
                state = "busy"
            except DATABASE_UNAVAILABLE as exc:
                if not blocking:
                    raise
                state = "unreachable"
                if said != state:
                    log.warning("database unreachable (%s): waiting for it to come back, "
                                "retrying every %g s", one_line(exc), poll_seconds)
            if not blocking:
                return False
            if state == "busy" and said != state:
                log.info("another scheduler holds the lock; waiting")
            said = state
            if not _sleep(poll_seconds, stop):
                return False
        self.lost = False
        log.info("scheduler lock acquired (%s)",
                 f"advisory lock {LOCK_KEY}" if self.on_postgres else self.path)
        return True

    def _try(self) -> bool:
        return self._try_advisory() if self.on_postgres else self._try_flock()

    def _try_advisory(self) -> bool:
        # AUTOCOMMIT: held open for the life of the process, never idle in a transaction.
        engine = sa.create_engine(self.database_url, poolclass=sa.NullPool,
                                  isolation_level="AUTOCOMMIT", connect_args=self.connect_args)
        conn = engine.connect()
        try:
            if conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
                self._handle = conn
                return True
        except BaseException:
            conn.close()  # the database went away between connecting and asking
            raise
        conn.close()
        return False

    def _try_flock(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")  # for whoever wonders which process holds it
        handle.flush()
        self._handle = handle
        return True

    def held(self) -> bool:
        """Whether the lock is still ours: the advisory lock dies with its connection."""
        if self._handle is None:
            return False
        if not isinstance(self._handle, sa.Connection):
            return True  # a lock file stays locked while it is open
        try:
            self._handle.execute(sa.text("SELECT 1"))
        except sa.exc.DBAPIError:
            return False
        return True

    def release(self) -> None:
        """Give the lock up: closing the connection or the file frees it."""
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except DATABASE_UNAVAILABLE:
                pass  # the connection is gone, and the lock with it


def _sleep(seconds: float, stop: Callable[[], bool] | None) -> bool:
    """Sleep, but wake up within half a second of ``stop()`` turning true (returns False)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if stop is not None and stop():
            return False
        time.sleep(min(left, 0.5))
    return stop is None or not stop()
