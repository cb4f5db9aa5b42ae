"""The tests' databases: which one a run uses, one per pytest-xdist worker on PostgreSQL, and
images of filled databases, copied into a test's empty database instead of filling it again.

SQLite in memory by default. With TEST_DATABASE_URL (postgresql://.../tracker_ci), a run
without xdist uses that database as given; under xdist each worker creates its own,
``tracker_ci_gw0``, ``tracker_ci_gw1``..., and drops it at the end, so workers never share
tables, sequences or advisory locks.
"""

import os
import sqlite3
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BASE_URL = os.environ.get("TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1"... set by pytest-xdist
ON_POSTGRES = bool(BASE_URL)


def _postgres(url: str) -> sa.URL:
    """The URL with the driver we install (postgres:// and postgresql:// both accepted)."""
    return make_url(url).set(drivername="postgresql+psycopg")


def _database_url() -> str:
    if not ON_POSTGRES:
        return "sqlite://"
    url = _postgres(BASE_URL)
    if WORKER:
        url = url.set(database=f"{url.database}_{WORKER}")
    return url.render_as_string(hide_password=False)


# What every test app uses (config.TestingConfig reads TEST_DATABASE_URL too, never
# DATABASE_URL; conftest passes this one explicitly).
DATABASE_URL = _database_url()


@contextmanager
def worker_database():
    """This worker's own PostgreSQL database, new for the run and dropped after it."""
    if not (ON_POSTGRES and WORKER):
        yield
        return
    name = make_url(DATABASE_URL).database
    admin = sa.create_engine(_postgres(BASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a run killed half-way leaves one behind
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class DatabaseImage:
    """Every row of a filled database (and, on PostgreSQL, its sequences), taken once and
    written into a test's empty database on demand: a copy, so the ids, timestamps and
    hashes are the ones the filling wrote. ``value`` is what the filling returned."""

    def __init__(self, engine: sa.Engine, tables: list[sa.Table], value=None):
        self.value = value
        self._tables = tables
        if engine.dialect.name == "sqlite":
            self._copy = _sqlite_copy(engine)
        else:
            self._copy = _postgres_copy(engine, tables)

    def restore(self, engine: sa.Engine):
        """Write the image into ``engine``'s database, which must have the schema and no
        rows; return the filling's value."""
        raw = engine.raw_connection()
        try:
            if engine.dialect.name == "sqlite":
                self._copy.backup(raw.driver_connection)  # the whole file, page by page
            else:
                _postgres_restore(raw, engine, self._copy, self._tables)
        finally:
            raw.close()
        return self.value

    def close(self) -> None:
        if isinstance(self._copy, sqlite3.Connection):
            self._copy.close()


def _sqlite_copy(engine: sa.Engine) -> sqlite3.Connection:
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(copy)
    finally:
        raw.close()
    return copy


SEQUENCES = ("SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
             "WHERE schemaname = current_schema() AND last_value IS NOT NULL")


def _postgres_copy(engine: sa.Engine, tables: list[sa.Table]) -> dict:
    """COPY ... TO STDOUT of every table: the rows exactly as stored, whatever their types."""
    quote = engine.dialect.identifier_preparer.format_table
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            rows = {}
            for table in tables:
                with cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                    rows[table.name] = b"".join(bytes(block) for block in copy)
            sequences = cursor.execute(SEQUENCES).fetchall()
    finally:
        raw.close()
    return {"rows": rows, "sequences": sequences}


def _postgres_restore(raw, engine: sa.Engine, image: dict, tables: list[sa.Table]) -> None:
    quote = engine.dialect.identifier_preparer.format_table
    with raw.driver_connection.cursor() as cursor:
        # The copy is exact, tallies included: the triggers that count commitments as they
        # are inserted would count them twice (replica mode runs no ordinary trigger).
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in tables:  # parents before children: the foreign keys hold row by row
            data = image["rows"][table.name]
            if data:
                with cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                    copy.write(data)
        for name, value in image["sequences"]:
            cursor.execute("SELECT setval(%s, %s)", (name, value))
    raw.driver_connection.commit()
