"""Each database's own copying tools: pg_dump and pg_restore for PostgreSQL, the online
backup API for SQLite. What the manifest says about the copy (Alembic revision, ledger head)
is read from the same snapshot the copy is made of, so the two always agree."""

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tracker.ledger.chain import head
from tracker.operations.manifest import BackupError

CLIENT_PACKAGE = "postgresql-client"


@dataclass(frozen=True)
class Snapshot:
    """What the copied database held: its migration and its ledger head."""

    revision: str | None
    head: tuple[int, str]
    tools: dict = field(default_factory=dict)


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {backend}.")
    return backend


@contextmanager
def connected(url: str) -> Iterator[sa.Engine]:
    """An engine of its own (no pool: nothing stays open), failures said in one line."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        yield engine
    except sa.exc.OperationalError as exc:
        where = make_url(url).render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[-1] if exc.orig else str(exc)
        raise BackupError(f"The database {where} does not answer: {reason}") from None
    finally:
        engine.dispose()


def revision(connection: sa.Connection) -> str | None:
    return ",".join(sorted(MigrationContext.configure(connection).get_current_heads())) or None


def ensure_empty(url: str) -> None:
    """Restoring over tables would mix two databases: refuse any."""
    if database_kind(url) == "sqlite" and not sqlite_path(url).exists():
        return  # the restore creates the file; connecting here would too
    with connected(url) as engine:
        tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(f"The configured database already has {len(tables)} tables: restore "
                          "needs an empty database (create a new one, or drop this one's "
                          "tables).")


# -- PostgreSQL -----------------------------------------------------------------------

def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq address without the password, and the environment that carries it: a
    password on a command line is visible to every user of the machine (ps)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    # URL.set() keeps a value given as None: build the address without the password.
    address = sa.URL.create("postgresql", parsed.username, None, parsed.host, parsed.port,
                            parsed.database, parsed.query)
    return address.render_as_string(hide_password=False), env


def _tool(name: str) -> tuple[str, int]:
    """The program's path and major version."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the package {CLIENT_PACKAGE}, "
                          "of the server's major version or newer.")
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    if match is None:
        raise BackupError(f"{path} --version said {out.strip()!r}, not a PostgreSQL version.")
    return path, int(match.group(1))


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")


def dump_postgres(url: str, target: Path) -> Snapshot:
    """pg_dump of a snapshot this transaction exports and reads the manifest's facts from."""
    pg_dump, dump_major = _tool("pg_dump")
    address, env = libpq(url)
    with connected(url) as engine, engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True) as connection:
        server_major = int((connection.dialect.server_version_info or (0,))[0])
        if dump_major < server_major:
            raise BackupError(f"pg_dump {dump_major} is older than the server "
                              f"(PostgreSQL {server_major}): install {CLIENT_PACKAGE} "
                              f"{server_major} or newer.")
        snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
        facts = Snapshot(revision(connection), head(connection),
                         {"pg_dump": dump_major, "server": server_major})
        # The snapshot lives as long as this transaction: pg_dump runs inside it.
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", f"--file={target}", f"--dbname={address}"], env)
    return facts


def restore_postgres(url: str, source: Path, tools: dict) -> None:
    """pg_restore in one transaction: an error leaves the database as empty as it was."""
    pg_restore, major = _tool("pg_restore")
    made_by = int(tools.get("pg_dump", 0))
    if major < made_by:  # an older pg_restore cannot read a newer archive
        raise BackupError(f"pg_restore {major} cannot read a dump made by pg_dump {made_by}: "
                          f"install {CLIENT_PACKAGE} {made_by} or newer.")
    address, env = libpq(url)
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={address}", str(source)], env)


# -- SQLite ---------------------------------------------------------------------------

def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("The configured SQLite database is in memory: there is nothing on "
                          "disk to back up or restore into.")
    return Path(database)


def dump_sqlite(url: str, target: Path) -> Snapshot:
    """SQLite's online backup: a consistent copy while the tracker keeps running."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
    with connected(f"sqlite:///{target}") as engine, engine.connect() as connection:
        return Snapshot(revision(connection), head(connection))


def restore_sqlite(url: str, source: Path) -> None:
    """Written page by page through SQLite (not a file copy), in one transaction."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as saved, closing(sqlite3.connect(target)) as live:
        saved.backup(live)
