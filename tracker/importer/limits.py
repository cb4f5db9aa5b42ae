"""Bounds on what ``flask seed`` reads, checked before anything is parsed.

The seed directory is written by people (tens of kilobytes today); these limits are far
above that and far below what would exhaust a host's memory or a database row.
"""

from pathlib import Path

from tracker.importer.errors import SeedError, SeedProblem

MAX_FILE_BYTES = 5 * 1024 * 1024      # one YAML file or one set of minutes
MAX_TOTAL_BYTES = 20 * 1024 * 1024    # every file under the seed directory together
MAX_DEPTH = 20                        # nesting of YAML lists and mappings (the seed uses 7)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def directory_problems(root: Path) -> list[SeedProblem]:
    """The whole directory too large to read, as a problem (or none)."""
    total = 0
    try:
        for path in root.rglob("*"):
            if path.is_file():
                total += path.stat().st_size
    except OSError as exc:
        return [SeedProblem(str(root), None, f"cannot read the directory: {exc}")]
    if total > MAX_TOTAL_BYTES:
        return [SeedProblem(str(root), None, f"the seed directory holds {_mib(total)}, "
                            f"more than the {_mib(MAX_TOTAL_BYTES)} the loader reads")]
    return []


def read_bounded(path: Path, shown_as: str) -> bytes:
    """A file's bytes, refused (SeedError) past MAX_FILE_BYTES without reading further."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SeedError([SeedProblem(shown_as, None, f"cannot read the file: {exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise SeedError([SeedProblem(shown_as, None, f"the file is larger than "
                                     f"{_mib(MAX_FILE_BYTES)}, the most the loader reads")])
    return data
