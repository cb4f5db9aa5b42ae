"""Where evidence files live: one small interface, two places.

On PostgreSQL the content goes into the database (``evidence_blob``, in pieces), inside the
same transaction as its Evidence row, so every app host serves every file and a backup of
the database holds them. On SQLite, the zero-set-up default of a single host, files stay in
UPLOAD_FOLDER under their server-chosen name.
"""

import io
import logging
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert

from tracker.extensions import db
from tracker.models import EvidenceBlob, EvidenceBlobChunk

# A piece per row and per query: big enough for few round trips, small enough to stream.
CHUNK_SIZE = 1024 * 1024
log = logging.getLogger(__name__)


class MissingFile(LookupError):
    """The evidence names a file whose content is not there."""


class StoredFile(Protocol):
    """What a stored file is known by: an evidence file or a source document's original."""

    @property
    def stored_name(self) -> str | None: ...

    @property
    def sha256(self) -> str | None: ...


class FileStore(Protocol):
    def save(self, evidence: StoredFile, data: bytes) -> None:
        """Keep a file's content; on the database, inside the caller's transaction. On disk,
        all of it or nothing: an OSError (disk full, read-only...) leaves no file behind."""

    def discard(self, evidence: StoredFile) -> None:
        """Undo ``save`` after the transaction that saved it failed."""

    def open(self, evidence: StoredFile) -> BinaryIO:
        """The content, readable and seekable; MissingFile if it is not there."""

    def remove(self, row: StoredFile) -> None:
        """Delete the file of a row deleted in this transaction (just before its commit):
        on the database, its blob unless another row holds the same content."""


class DiskFiles:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def save(self, evidence: StoredFile, data: bytes) -> None:
        # Written under a temporary name, flushed to the disk, then renamed: the stored name
        # only ever holds a whole file, and a failed write removes what it had written (a
        # partial file would keep a full disk full).
        target = self._path(evidence)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{target.name}.",
                                         suffix=".tmp")
        renamed = False
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
            renamed = True
            _sync_folder(self.folder)
        except BaseException:
            _remove_quietly(target if renamed else Path(temporary))
            raise

    def discard(self, evidence: StoredFile) -> None:
        _remove_quietly(self._path(evidence))

    def remove(self, row: StoredFile) -> None:
        _remove_quietly(self._path(row))

    def open(self, evidence: StoredFile) -> BinaryIO:
        try:
            return self._path(evidence).open("rb")
        except FileNotFoundError:
            raise MissingFile(evidence.stored_name) from None

    def _path(self, evidence: StoredFile) -> Path:
        assert evidence.stored_name, "a link has no file"
        return self.folder / evidence.stored_name


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: a crash right after it must not lose the file."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    """Remove a file if it is there; a disk that refuses even that is logged, not raised
    (the name is random and no row names it: it is only wasted space)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.error("could not remove %s: %s", path, exc)


class DatabaseFiles:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def save(self, evidence: StoredFile, data: bytes) -> None:
        # Content-addressed: the same file attached twice is stored once. Two uploads of it
        # at the same moment: the second waits on the first's row, then inserts nothing.
        created = db.session.execute(
            insert(EvidenceBlob).values(sha256=evidence.sha256, size=len(data))
            .on_conflict_do_nothing().returning(EvidenceBlob.sha256)).first()
        if created is None:
            return
        view = memoryview(data)  # pieces are slices of the upload, not copies of it
        for seq, start in enumerate(range(0, len(data), CHUNK_SIZE)):
            db.session.execute(sa.insert(EvidenceBlobChunk).values(
                sha256=evidence.sha256, seq=seq, data=view[start:start + CHUNK_SIZE]))

    def discard(self, evidence: StoredFile) -> None:
        """Nothing to do: the rolled-back transaction took the content with it."""

    def remove(self, row: StoredFile) -> None:
        from tracker.models import Evidence, SourceDocument

        db.session.flush()  # the row's own DELETE first: it no longer holds the content
        held = sa.union_all(sa.select(Evidence.id).where(Evidence.sha256 == row.sha256),
                            sa.select(SourceDocument.id)
                            .where(SourceDocument.sha256 == row.sha256,
                                   SourceDocument.stored_name.is_not(None)))
        if db.session.execute(held.limit(1)).first() is None:
            db.session.execute(sa.delete(EvidenceBlobChunk).filter_by(sha256=row.sha256))
            db.session.execute(sa.delete(EvidenceBlob).filter_by(sha256=row.sha256))

    def open(self, evidence: StoredFile) -> BinaryIO:
        with self.engine.connect() as conn:
            size = conn.scalar(sa.select(EvidenceBlob.size)
                               .where(EvidenceBlob.sha256 == evidence.sha256))
        if size is None:
            raise MissingFile(evidence.sha256)
        return io.BufferedReader(_BlobReader(self.engine, evidence.sha256 or "", size),
                                 buffer_size=CHUNK_SIZE)


class _BlobReader(io.RawIOBase):
    """Reads a blob piece by piece, each piece with a connection taken from the pool and
    given back at once: the response may be read long after the request has ended."""

    def __init__(self, engine: sa.Engine, sha256: str, size: int):
        self.engine, self.sha256, self.size = engine, sha256, size
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.size:
            return 0
        seq, skip = divmod(self.position, CHUNK_SIZE)
        with self.engine.connect() as conn:
            piece = conn.scalar(sa.select(EvidenceBlobChunk.data).where(
                EvidenceBlobChunk.sha256 == self.sha256, EvidenceBlobChunk.seq == seq))
        if piece is None:
            raise OSError(f"evidence blob {self.sha256} lacks piece {seq}")
        count = min(len(buffer), len(piece) - skip)
        buffer[:count] = piece[skip:skip + count]
        self.position += count
        return count


def file_store() -> FileStore:
    """The database on PostgreSQL, the disk otherwise (see the module's docstring)."""
    if db.engine.dialect.name == "postgresql":
        return DatabaseFiles(db.engine)
    return DiskFiles(current_app.config["UPLOAD_FOLDER"])


class NotStored(Exception):
    """The server could not keep a file (its disk is full or read-only); nothing was kept,
    neither the file nor its row. A fault of the server, which may pass."""


def commit_with_file(row: StoredFile, data: bytes | None) -> None:
    """Commit the session with ``row``'s file (None: no file) kept: both, or neither."""
    store = file_store()
    saved = False
    try:
        if data is not None:
            store.save(row, data)  # all or nothing, even when it raises
            saved = True
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if saved:
            store.discard(row)
        if isinstance(exc, OSError):  # only the disk store raises it
            log.error("file %s not stored: %s", row.stored_name, exc)
            raise NotStored(str(exc)) from None
        raise
