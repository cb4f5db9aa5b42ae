"""manifest.json: what a backup holds, each file with its size and SHA-256.

The checksums catch a damaged or incomplete copy, not a forger: whoever can rewrite the files
can rewrite the manifest too, so keep backups where only operators can write.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from tracker.core.time import utcnow

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup that cannot be made or restored as asked; nothing was changed."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass
class Manifest:
    database: str  # "postgresql" or "sqlite"
    alembic_revision: str | None  # None: a schema made without migrations (the tests')
    ledger_head: dict  # {"seq": ..., "hash": ...} of the dumped database
    files: list[FileEntry] = field(default_factory=list)
    tools: dict = field(default_factory=dict)  # pg_dump's and the server's versions
    format: int = FORMAT
    tracker_version: str = field(default_factory=lambda: tracker_version())
    created_at: str = field(
        default_factory=lambda: utcnow().isoformat(timespec="seconds"))

    @property
    def head_text(self) -> str:
        return f"{self.ledger_head['seq']}:{self.ledger_head['hash']}"

    def write(self, folder: Path) -> None:
        text = json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True)
        (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise BackupError(f"{folder / MANIFEST} is in format {data.get('format')!r}; "
                                  f"this tracker reads format {FORMAT}.")
            data["files"] = [FileEntry(**entry) for entry in data["files"]]
            return cls(**data)
        except FileNotFoundError:
            raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}.") from None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise BackupError(f"{folder / MANIFEST} is not a readable manifest ({exc}).") from None


def tracker_version() -> str:
    try:
        return metadata.version("crm-tracker")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def describe(folder: Path, relative: str) -> FileEntry:
    path = folder / relative
    return FileEntry(relative, path.stat().st_size, sha256_of(path))


def inside(folder: Path, relative: str) -> Path:
    """The file a manifest names, refusing a name that would leave the backup folder."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise BackupError(f"The manifest names {relative!r}, which is outside the backup.")
    return folder.joinpath(*pure.parts)


def check_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there, with its size and checksum."""
    for entry in manifest.files:
        path = inside(folder, entry.path)
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {entry.path} is missing.")
        if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
            raise BackupError(f"The backup is damaged: {entry.path} does not match its "
                              "checksum in the manifest.")

