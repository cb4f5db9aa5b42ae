"""Exports (CSV, XLSX, the data package, iCalendar, Atom) kept as files, one per data
version, filters and language, so an export is read from the database once per change and
then sent from disk.

A file is written under a temporary name while its first request streams it (or, when
nginx sends the files, before the answer), and renamed only once complete: a concurrent
reader finds a whole file or none. A disk that is full or
read-only only costs the cache: the export still streams, and one line is logged.
"""

import hashlib
import os
import tempfile
import time
from pathlib import Path

from flask import current_app

from tracker.commitments.listing import Filters
from tracker.core.data_version import data_token
from tracker.core.dates import local_today

MAX_AGE = 3600  # seconds: older files belong to earlier versions (or are rewritten)
KEEP = 64  # at most this many exports on disk (a search query makes its own file)
# What export_key names; nothing else is pruned.
EXPORT_SUFFIXES = (".csv", ".xlsx", ".json", ".ics", ".atom")


def cache_dir() -> Path:
    """EXPORT_CACHE_DIR, or export_cache/ in the instance folder."""
    configured = current_app.config.get("EXPORT_CACHE_DIR")
    return Path(configured or Path(current_app.instance_path) / "export_cache")


def export_key(name: str, filters: Filters, locale: str = "") -> str:
    """The export's file name: a digest of the data version, the normalised known filters
    (page left out) and the language of a translated export, with the export's own suffix.
    Unknown query parameters never reach Filters, so they are ignored here: refusing them
    would break links people already use, and counting them would let any junk parameter
    make the server read the database again."""
    args = sorted(filters.args(page=1).items())
    today = local_today().isoformat() if filters.overdue else ""  # overdue moves at midnight
    parts = (name, data_token(), args, today, locale, current_app.config["PUBLIC_BASE_URL"])
    return hashlib.sha256(repr(parts).encode()).hexdigest() + Path(name).suffix


def _head_path(filename: str) -> Path:
    return cache_dir() / Path(filename).with_suffix(".head")


def cached(filename: str) -> tuple[Path, str | None] | None:
    """The complete file of this name and the ledger head it was made at, or None."""
    path = cache_dir() / filename
    if not path.is_file():
        return None
    try:
        head = _head_path(filename).read_text().strip() or None
    except OSError:
        head = None
    return path, head


def written_while_sent(chunks, filename: str, head: str):
    """The chunks, as bytes, also written to the cache file; renamed into place only after
    the last one. A write error stops the writing, never the download."""
    directory = cache_dir()
    out = None
    try:
        _make_readable_dir(directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename[:16]}.", suffix=".tmp")
        out = os.fdopen(fd, "wb")
    except OSError as exc:
        _log_unwritable(directory, exc)
    complete = False
    try:
        for chunk in chunks:
            data = _bytes(chunk)
            if out is not None:
                try:
                    out.write(data)
                except OSError as exc:
                    _log_unwritable(directory, exc)
                    _discard(out, tmp)
                    out = None
            yield data
        complete = True
    finally:
        if out is not None:
            _finish(out, tmp, filename, head, complete)


def written_whole(chunks, filename: str, head: str) -> Path | None:
    """Write the whole export to its cache file, chunk by chunk (bounded memory), before any
    byte goes to the client, so a slow reader can be handed to the proxy; None when the disk
    refuses (logged), and the caller streams instead."""
    directory = cache_dir()
    try:
        _make_readable_dir(directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename[:16]}.", suffix=".tmp")
    except OSError as exc:
        _log_unwritable(directory, exc)
        return None
    out = os.fdopen(fd, "wb")
    try:
        for chunk in chunks:
            out.write(_bytes(chunk))
    except OSError as exc:
        _log_unwritable(directory, exc)
        _discard(out, tmp)
        return None
    except BaseException:  # the database failed: no half file kept
        _discard(out, tmp)
        raise
    _finish(out, tmp, filename, head, complete=True)
    hit = cached(filename)
    return hit[0] if hit is not None else None


def _bytes(chunk: str | bytes) -> bytes:
    """A text export's chunk in UTF-8; a workbook's as it is."""
    return chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")


def _make_readable_dir(directory: Path) -> None:
    """The folder, created readable by all: nginx serves the files as another user."""
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o755)


def _finish(out, tmp: str, filename: str, head: str, complete: bool) -> None:
    """Rename a complete file into place (its ledger head first); drop an interrupted one."""
    if not complete:  # the client went away, or the database failed: no half file kept
        _discard(out, tmp)
        return
    directory = cache_dir()
    try:
        out.close()
        os.chmod(tmp, 0o644)  # public data, read by nginx as another user (mkstemp: 0600)
        fd, head_tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename[:16]}.",
                                        suffix=".tmp")
        with os.fdopen(fd, "w") as head_file:
            head_file.write(head)
        os.replace(head_tmp, _head_path(filename))
        os.replace(tmp, directory / filename)
    except OSError as exc:
        _log_unwritable(directory, exc)
        _discard(out, tmp)
        return
    prune(directory)


def _discard(out, tmp: str) -> None:
    try:
        out.close()
    except OSError:
        pass
    Path(tmp).unlink(missing_ok=True)


def prune(directory: Path, keep: int = KEEP, max_age: float = MAX_AGE) -> None:
    """Bound the disk used: remove files older than max_age (earlier versions, abandoned
    temporary files) and all but the keep newest exports."""
    now, exports = time.time(), []
    for path in directory.iterdir():
        if path.suffix not in (*EXPORT_SUFFIXES, ".head", ".tmp"):
            continue  # not ours (a mount point's lost+found, a .gitkeep)
        try:
            mtime = path.stat().st_mtime
            if now - mtime > max_age:
                path.unlink(missing_ok=True)
            elif path.suffix in EXPORT_SUFFIXES:
                exports.append((mtime, path))
        except OSError:
            continue  # removed meanwhile by another worker
    for _, path in sorted(exports, reverse=True)[keep:]:
        try:
            path.unlink(missing_ok=True)
            path.with_suffix(".head").unlink(missing_ok=True)
        except OSError:
            continue


def _log_unwritable(directory: Path, exc: OSError) -> None:
    current_app.logger.warning("export not cached in %s, streamed directly: %s", directory, exc)
