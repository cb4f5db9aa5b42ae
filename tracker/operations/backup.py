"""``create_backup`` and ``restore_backup``: the database (on SQLite, with the evidence files
beside it; on PostgreSQL they are inside it) and a manifest of checksums; a restore goes into
an empty database only and ends with the ledger's own verification."""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.ledger.chain import head, verify_database
from tracker.operations import dumps
from tracker.operations.manifest import BackupError, Manifest, check_files, describe, inside

POSTGRES_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
UPLOADS = "uploads"


@dataclass(frozen=True)
class Site:
    """Where a deployment keeps its data: the database, and the evidence folder."""

    database_url: str
    upload_folder: Path

    @classmethod
    def of(cls, config) -> "Site":
        """From a Flask app's config."""
        return cls(config["SQLALCHEMY_DATABASE_URI"], Path(config["UPLOAD_FOLDER"]))

    @property
    def kind(self) -> str:
        return dumps.database_kind(self.database_url)


@dataclass(frozen=True)
class RestoreReport:
    """The restored ledger: its head, the backup's, and what verification found wrong."""

    head: str
    expected_head: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.head == self.expected_head


def create_backup(site: Site, directory: Path) -> Manifest:
    """Back up into ``directory`` (new, or empty); a failure leaves nothing behind."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} already exists and is not empty: choose a new folder.")
    if not directory.parent.is_dir():
        raise BackupError(f"{directory.parent} does not exist: create it first.")
    # A hidden sibling (same file system, so the final rename is atomic), readable by its
    # owner only: a backup holds accounts and restricted evidence.
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}.partial-", dir=directory.parent))
    try:
        manifest = _write(site, partial)
        manifest.write(partial)
        os.replace(partial, directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _write(site: Site, folder: Path) -> Manifest:
    if site.kind == "postgresql":
        snapshot = dumps.dump_postgres(site.database_url, folder / POSTGRES_DUMP)
        names = [POSTGRES_DUMP]
    else:
        snapshot = dumps.dump_sqlite(site.database_url, folder / SQLITE_COPY)
        # After the database: a file is written before its row commits, so every file the
        # copied rows name is already there.
        names = [SQLITE_COPY, *_copy_tree(site.upload_folder, folder / UPLOADS, UPLOADS)]
    seq, digest = snapshot.head
    return Manifest(database=site.kind, alembic_revision=snapshot.revision,
                    ledger_head={"seq": seq, "hash": digest},
                    files=[describe(folder, name) for name in names], tools=snapshot.tools)


def _copy_tree(source: Path, target: Path, prefix: str) -> list[str]:
    """Copy every file under source; their names relative to the backup folder."""
    names = []
    for path in (sorted(source.rglob("*")) if source.is_dir() else []):
        if path.is_file():
            relative = path.relative_to(source)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            names.append(f"{prefix}/{relative.as_posix()}")
    return names


def restore_backup(site: Site, directory: Path) -> RestoreReport:
    """Check the whole backup and the target first (a refusal changes nothing), restore,
    then verify the ledger against the history and the backup's head."""
    directory = Path(directory)
    manifest = Manifest.read(directory)
    if manifest.database != site.kind:
        raise BackupError(f"This is a backup of a {manifest.database} database; the configured "
                          f"database is {site.kind}.")
    dump = POSTGRES_DUMP if site.kind == "postgresql" else SQLITE_COPY
    if dump not in {entry.path for entry in manifest.files}:
        raise BackupError(f"The manifest does not list the database copy {dump}.")
    check_files(directory, manifest)
    dumps.ensure_empty(site.database_url)
    uploads = [entry.path for entry in manifest.files if entry.path.startswith(f"{UPLOADS}/")]
    if uploads and any(path.is_file() for path in site.upload_folder.rglob("*")):
        raise BackupError(f"{site.upload_folder} already holds files: restore needs an empty "
                          "uploads folder.")

    if site.kind == "postgresql":
        dumps.restore_postgres(site.database_url, directory / dump, manifest.tools)
    else:
        dumps.restore_sqlite(site.database_url, directory / dump)
    for name in uploads:
        target = inside(site.upload_folder, name.removeprefix(f"{UPLOADS}/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(inside(directory, name), target)
    return _verified(site.database_url, manifest.head_text)


def _verified(url: str, expected: str) -> RestoreReport:
    """The ledger's verification (tracker.ledger.chain), on the restored database."""
    with dumps.connected(url) as engine, Session(engine) as session:
        problem = verify_database(session)
        seq, digest = head(session.connection())
    return RestoreReport(f"{seq}:{digest}", expected, problem)
