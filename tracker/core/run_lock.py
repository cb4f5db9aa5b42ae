"""One holder at a time, across processes and hosts, for work that must not run twice at once
(outbox delivery): a PostgreSQL advisory lock on a connection of its own, or on SQLite (one
host) a file lock in the instance folder. Either dies with its holder, so a killed process
never leaves it taken."""

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from tracker.extensions import db


def lock_key(name: str) -> int:
    """The advisory lock key every tracker process derives from the name (signed 64 bits)."""
    return int.from_bytes(hashlib.sha256(f"tracker.{name}".encode()).digest()[:8], "big",
                          signed=True)


@contextmanager
def held_alone(name: str) -> Iterator[bool]:
    """Hold the lock called name for the block if nobody else holds it; yields whether it is
    held. Never waits: the caller decides what to do when another process has it."""
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(lock_key(name)) as held:
            yield held
    else:
        with _file_lock(Path(current_app.instance_path) / f"{name}.lock") as held:
            yield held


@contextmanager
def _advisory_lock(key: int) -> Iterator[bool]:
    # A session-level lock on a connection apart from the session's, because the holder
    # commits many times; AUTOCOMMIT, so that connection never sits idle in a transaction.
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        held = bool(conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield held
        finally:
            if held:
                try:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                except sa.exc.DBAPIError:
                    conn.invalidate()  # never back to the pool still holding the lock


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:  # closing it (or the process ending) frees the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        yield held
