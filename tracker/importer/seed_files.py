"""Writes a SeedBundle as a seed directory (countries.yaml, themes.yaml, meetings/<code>.yaml,
sources/<document>.txt) in the layout of ``seed_data/``, all at once: the files are written
beside the target, read back with the seed loader, and only then renamed into place."""

import dataclasses
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from tracker.core.refusals import Refused
from tracker.importer.bundle import MEMBER_STATES, ItemSeed, MeetingSeed, SeedBundle
from tracker.importer.errors import SeedError
from tracker.importer.reader import CODE, read_seed_directory

# What --force may replace: an earlier export or a seed directory, never a folder of other
# files. A README is carried over.
SEED_LAYOUT = {"countries.yaml", "themes.yaml", "meetings", "sources", "README.md"}
KEPT = ("README.md",)
HEADER = "# Written by `flask minutes export` from the tracker's database.\n"


class ExportRefused(Refused):
    """The meeting cannot be exported as asked; nothing was written."""


def section_key(item: ItemSeed) -> tuple[str, str, int | None]:
    """Items of one section share its kind, title and year."""
    return item.kind, item.section, item.year


def write_seed_directory(bundle: SeedBundle, target: Path, *, force: bool = False) -> list[Path]:
    """Write the bundle at ``target`` (a new or empty folder; with ``force``, an earlier
    seed directory, replaced); return the files written, relative to it. Nothing is left
    behind when it fails."""
    target = Path(target).resolve()
    _check_file_names(bundle)
    try:
        _check_target(target, force)
        return _write_beside(bundle, target)
    except OSError as exc:
        raise ExportRefused(_l("%(path)s could not be written (%(error)s); nothing was "
                               "written.", path=str(target), error=exc.strerror or exc)) from None


def _write_beside(bundle: SeedBundle, target: Path) -> list[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.export-", dir=target.parent))
    try:
        written = _write_files(bundle, staging)
        _check_loads_back(bundle, staging)
        for name in KEPT:
            if (target / name).is_file():
                shutil.copy2(target / name, staging / name)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise ExportRefused(_l("%(path)s is not a folder; nothing was written.",
                               path=str(target)))
    entries = {p.name for p in target.iterdir()} if target.is_dir() else set()
    if entries and not force:
        raise ExportRefused(_l("The folder %(path)s is not empty; nothing was written "
                               "(--force replaces an earlier export).", path=str(target)))
    if entries - SEED_LAYOUT:
        raise ExportRefused(_l("The folder %(path)s holds more than a seed directory; "
                               "nothing was written.", path=str(target)))


def _check_file_names(bundle: SeedBundle) -> None:
    """Meeting and document codes become file names: nothing that could leave the folder."""
    for meeting in bundle.meetings:
        for code in [meeting.code] + [d.code for d in meeting.documents]:
            if not CODE.match(code):
                raise ExportRefused(_l("The code %(code)s cannot be a file name; nothing "
                                       "was written.", code=code))


def _write_files(bundle: SeedBundle, root: Path) -> list[Path]:
    countries = [{"iso3": c.iso3, "name_es": c.name_es, "name_en": c.name_en}
                 | ({"regional": True} if c.regional else {})
                 for c in bundle.countries]
    themes = [{"code": t.code, "name_es": t.name_es, "name_en": t.name_en}
              for t in bundle.themes]
    files: dict[str, bytes] = {"countries.yaml": _yaml(countries),
                               "themes.yaml": _yaml(themes)}
    for meeting in bundle.meetings:
        files[f"meetings/{meeting.code}.yaml"] = _yaml(_meeting_file(meeting))
        for document in meeting.documents:
            files[document.filename] = document.text.encode("utf-8")  # bytes: no newline changes
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    return [Path(name) for name in files]


def _yaml(data: Any) -> bytes:
    # safe_dump quotes a text YAML would read as another type ("2015", "yes", "null").
    text = yaml.safe_dump(data, allow_unicode=True, width=float("inf"), sort_keys=False,
                          default_flow_style=False)
    return (HEADER + text).encode("utf-8")


def _meeting_file(meeting: MeetingSeed) -> dict:
    return {
        "meeting": {"code": meeting.code, "name": meeting.name, "held_on": meeting.held_on,
                    "city": meeting.city, "venue": meeting.venue, "notes": meeting.notes},
        "documents": [{"code": d.code, "title": d.title, "language": d.language,
                       "file": d.filename} for d in meeting.documents],
        "working_tables": [
            {"code": t.code, "name_es": t.name_es, "name_en": t.name_en}
            | ({"facilitators": t.facilitators} if t.facilitators else {})
            | {"sections": _sections(t.items)}
            for t in meeting.working_tables],
    }


def _sections(items: list[ItemSeed]) -> list[dict]:
    """Consecutive items of one kind, title and year make a section; its sources are its
    first item's documents, which the items quoting the same documents verbatim inherit."""
    sections: list[dict] = []
    for item in items:
        if not sections or section_key(sections[-1]["first"]) != section_key(item):
            section: dict[str, Any] = {"title": item.section, "kind": item.kind}
            if item.year is not None:
                section["year"] = item.year
            section |= {"sources": [q.document for q in item.quotes], "items": []}
            sections.append({"first": item, "section": section})
        sections[-1]["section"]["items"].append(
            _item(item, sections[-1]["section"]["sources"]))
    return [s["section"] for s in sections]


def _item(item: ItemSeed, section_sources: list[str]) -> dict:
    entry: dict[str, Any] = {"code": item.code, "text": item.text_es}
    if item.is_recommendation:
        if item.title_es != item.text_es:  # the loader's default title is the text
            entry["title_es"] = item.title_es
        entry |= {"title_en": item.title_en, "theme": item.theme}
        if item.owners != MEMBER_STATES:  # the loader's default
            entry["owners"] = item.owners
    if item.note:
        entry["note"] = item.note
    if item.note_es:
        entry["note_es"] = item.note_es
    quotes = [(q.document, q.quote) for q in item.quotes]
    if quotes != [(document, item.text_es) for document in section_sources]:
        entry["sources"] = [document if quote == item.text_es
                            else {"document": document, "quote": quote}
                            for document, quote in quotes]
    return entry


def _check_loads_back(bundle: SeedBundle, root: Path) -> None:
    """The seed loader must read the files back as the same bundle, or nothing is kept."""
    try:
        loaded = read_seed_directory(root)
    except SeedError as exc:
        problems = "; ".join(map(str, exc.problems))
        raise ExportRefused(_l("The export would not load back; nothing was written: "
                               "%(problems)s", problems=problems)) from None
    for what, wanted, got in _parts(bundle, loaded):
        if _plain(wanted) != _plain(got):
            raise ExportRefused(_l("The export would not load back as the database holds it "
                                   "(%(what)s); nothing was written.", what=what))


def _parts(wanted: SeedBundle, got: SeedBundle):
    yield "countries", wanted.countries, got.countries
    yield "themes", wanted.themes, got.themes
    yield "meetings", [m.code for m in wanted.meetings], [m.code for m in got.meetings]
    for mine, theirs in zip(wanted.meetings, got.meetings, strict=False):
        yield mine.code, dataclasses.replace(mine, working_tables=[]), \
            dataclasses.replace(theirs, working_tables=[])
        yield f"{mine.code}: working tables", [t.code for t in mine.working_tables], \
            [t.code for t in theirs.working_tables]
        for table, loaded in zip(mine.working_tables, theirs.working_tables, strict=False):
            yield table.code, dataclasses.replace(table, items=[]), \
                dataclasses.replace(loaded, items=[])
            yield f"{table.code}: items", [i.code for i in table.items], \
                [i.code for i in loaded.items]
            for item, read in zip(table.items, loaded.items, strict=False):
                yield item.code, item, read


def _plain(value: Any) -> Any:
    """Values as compared: without where they were read from, nor a document's digest (an
    uploaded original's, where the export holds its text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ("origin", "sha256")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _swap(staging: Path, target: Path) -> None:
    """Rename the written folder into place; an earlier one is removed only after."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
