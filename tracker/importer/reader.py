"""Reads and checks ``seed_data/``; every problem is collected, named by file and line."""

import hashlib
import re
from pathlib import Path

from tracker.importer import schema
from tracker.importer.bundle import (
    CONTEXT_KINDS,
    MEMBER_STATES,
    RECOMMENDATION_KINDS,
    CountrySeed,
    DocumentSeed,
    ItemSeed,
    MeetingSeed,
    QuoteSeed,
    SeedBundle,
    ThemeSeed,
    WorkingTableSeed,
)
from tracker.importer.errors import SeedError, SeedProblem
from tracker.importer.limits import directory_problems, read_bounded
from tracker.importer.yaml_source import LINE_KEY, read_yaml

ISO3 = re.compile(r"^[A-Z]{3}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def normalize_space(text: str) -> str:
    """Collapse every run of white space, so quotes match the minutes modulo line breaks."""
    return " ".join(text.split())


class SeedReader:
    """Turns the YAML files of a seed directory into a SeedBundle, or raises SeedError."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.problems: list[SeedProblem] = []

    def read(self) -> SeedBundle:
        if problems := directory_problems(self.root):
            raise SeedError(problems)  # before parsing anything
        countries = self._read_list("countries.yaml", self._country)
        themes = self._read_list("themes.yaml", self._theme)
        meetings = []
        meeting_files = sorted((self.root / "meetings").glob("*.yaml"))
        if not meeting_files:
            self._problem("meetings/", None, "no meeting file (*.yaml) found")
        for path in meeting_files:
            meeting = self._meeting(path)
            if meeting:
                meetings.append(meeting)
        bundle = SeedBundle(countries, themes, meetings)
        if not self.problems:
            self._check_references(bundle)
        if self.problems:
            raise SeedError(self.problems)
        return bundle

    # -- helpers ---------------------------------------------------------------------

    def _problem(self, file: str, line: int | None, message: str) -> None:
        self.problems.append(SeedProblem(file, line, message))

    def _load(self, relative: str):
        path = self.root / relative
        if not path.is_file():
            self._problem(relative, None, "file not found")
            return None
        try:
            data = read_yaml(path, relative)
        except SeedError as exc:
            self.problems.extend(exc.problems)
            return None
        if data is None or data == []:
            self._problem(relative, None, "the file is empty")
            return None
        return data

    def _fields(self, value, file: str, line: int | None,
                record: schema.Record) -> dict | None:
        """Check a mapping against its schema; return it without the line marker, or None."""
        what = record.what
        if not isinstance(value, dict):
            self._problem(file, line, f"{what} must be a mapping of fields")
            return None
        line = value.get(LINE_KEY, line)
        fields = {k: v.strip() if isinstance(v, str) else v
                  for k, v in value.items() if k != LINE_KEY}
        ok = True
        for key, val in fields.items():
            spec = record.spec(key)
            if spec is None:
                self._problem(file, line, f"{what}: unknown field {key!r}")
                ok = False
            elif val is not None and (problem := spec.problem(val)):
                self._problem(file, line, f"{what}: field {key!r} {problem}")
                ok = False
        for key in record.required:
            if fields.get(key) in (None, ""):
                self._problem(file, line, f"{what}: missing field {key!r}")
                ok = False
        return fields if ok else None

    def _read_list(self, relative: str, build):
        data = self._load(relative)
        if data is None:
            return []
        if not isinstance(data, list):
            self._problem(relative, None, "expected a list of entries")
            return []
        return [item for entry in data if (item := build(entry, relative)) is not None]

    # -- reference data --------------------------------------------------------------

    def _country(self, entry, file: str) -> CountrySeed | None:
        fields = self._fields(entry, file, None, schema.COUNTRY)
        if fields is None:
            return None
        if not ISO3.match(str(fields["iso3"])):
            self._problem(file, entry[LINE_KEY],
                          f"country {fields['iso3']!r}: iso3 must be three capital letters")
            return None
        return CountrySeed(**fields, origin=(file, entry[LINE_KEY]))

    def _theme(self, entry, file: str) -> ThemeSeed | None:
        fields = self._fields(entry, file, None, schema.THEME)
        return ThemeSeed(**fields, origin=(file, entry[LINE_KEY])) if fields else None

    # -- meetings --------------------------------------------------------------------

    def _meeting(self, path: Path) -> MeetingSeed | None:
        file = f"meetings/{path.name}"
        data = self._load(file)
        if data is None:
            return None
        top = self._fields(data, file, 1, schema.MEETING_FILE)
        if top is None:
            return None
        info = self._fields(top["meeting"], file, None, schema.MEETING)
        if info is None:
            return None
        held_on = info.get("held_on")
        documents = [d for entry in self._as_list(top["documents"], file, "documents")
                     if (d := self._document(entry, file))]
        tables = [t for entry in self._as_list(top["working_tables"], file, "working_tables")
                  if (t := self._working_table(entry, file, documents))]
        return MeetingSeed(code=info["code"], name=info.get("name"), held_on=held_on,
                           city=info.get("city"), venue=info.get("venue"),
                           notes=info.get("notes"), documents=documents,
                           working_tables=tables)

    def _as_list(self, value, file: str, what: str) -> list:
        if not isinstance(value, list):
            self._problem(file, None, f"{what} must be a list")
            return []
        return value

    def _document(self, entry, file: str) -> DocumentSeed | None:
        fields = self._fields(entry, file, None, schema.DOCUMENT)
        if fields is None:
            return None
        source = (self.root / fields["file"]).resolve()
        if self.root.resolve() not in source.parents or not source.is_file():
            self._problem(file, entry[LINE_KEY],
                          f"document {fields['code']!r}: file {fields['file']!r} not found "
                          "inside the seed directory")
            return None
        try:
            raw = read_bounded(source, fields["file"])
            text = raw.decode("utf-8")
        except SeedError as exc:
            self.problems.extend(exc.problems)
            return None
        except UnicodeDecodeError:
            self._problem(file, entry[LINE_KEY], f"document {fields['code']!r}: not UTF-8")
            return None
        if "\x00" in text:  # PostgreSQL text cannot hold it
            self._problem(file, entry[LINE_KEY], f"document {fields['code']!r}: holds NUL bytes")
            return None
        return DocumentSeed(code=fields["code"], title=fields["title"],
                            language=fields.get("language", "es"), filename=fields["file"],
                            text=text, sha256=hashlib.sha256(raw).hexdigest())

    def _working_table(self, entry, file: str, documents) -> WorkingTableSeed | None:
        fields = self._fields(entry, file, None, schema.WORKING_TABLE)
        if fields is None:
            return None
        items = []
        for section in self._as_list(fields["sections"], file, f"{fields['code']}: sections"):
            items.extend(self._section(section, file, documents))
        return WorkingTableSeed(code=fields["code"], name_es=fields["name_es"],
                                name_en=fields["name_en"],
                                facilitators=fields.get("facilitators"), items=items)

    def _section(self, entry, file: str, documents) -> list[ItemSeed]:
        fields = self._fields(entry, file, None, schema.SECTION)
        if fields is None:
            return []
        line = entry[LINE_KEY]
        if fields["kind"] not in RECOMMENDATION_KINDS + CONTEXT_KINDS:
            kinds = ", ".join(RECOMMENDATION_KINDS + CONTEXT_KINDS)
            self._problem(file, line, f"section {fields['title']!r}: unknown kind "
                          f"{fields['kind']!r} (one of {kinds})")
            return []
        return [item for raw in self._as_list(fields["items"], file, "items")
                if (item := self._item(raw, file, fields, documents))]

    def _item(self, entry, file: str, section: dict, documents) -> ItemSeed | None:
        is_rec = section["kind"] in RECOMMENDATION_KINDS
        fields = self._fields(entry, file, None,
                              schema.RECOMMENDATION_ITEM if is_rec else schema.CONTEXT_ITEM)
        if fields is None:
            return None
        line = entry[LINE_KEY]
        code = str(fields["code"])
        if not CODE.match(code):
            self._problem(file, line, f"item {code!r}: a code has letters, digits, '-', '_' or '.'")
        quotes = self._quotes(fields.get("sources", section["sources"]), fields["text"],
                              file, line, code, documents)
        owners = fields.get("owners", MEMBER_STATES) if is_rec else []
        if owners != MEMBER_STATES and not (isinstance(owners, list)
                                            and all(isinstance(o, str) for o in owners)):
            self._problem(file, line, f"item {code}: owners must be {MEMBER_STATES!r} "
                          "or a list of ISO3 codes")
            owners = []
        if is_rec and not fields.get("title_es") and len(fields["text"]) > schema.TITLE_ES.limit:
            self._problem(file, line, f"item {code}: the text is longer than a title may be "
                          f"({schema.TITLE_ES.limit} characters): give a shorter title_es")
        return ItemSeed(code=code, kind=section["kind"], section=section["title"],
                        text_es=fields["text"], quotes=quotes, year=section.get("year"),
                        title_es=fields.get("title_es") or (fields["text"] if is_rec else None),
                        title_en=fields.get("title_en"), theme=fields.get("theme"),
                        owners=owners, note=fields.get("note"),
                        note_es=fields.get("note_es"), origin=(file, line))

    def _quotes(self, sources, text: str, file: str, line: int, code: str,
                documents) -> list[QuoteSeed]:
        """Each source is a document code (quoting the item's text) or {document, quote}."""
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not sources:
            self._problem(file, line, f"item {code}: no source document")
            return []
        by_code = {d.code: d for d in documents}
        quotes = []
        for source in sources:
            if isinstance(source, str):
                document, quote = source, text
            elif isinstance(source, dict):
                if (given := self._fields(source, file, line, schema.QUOTE)) is None:
                    continue
                document, quote = given["document"], given["quote"]
            else:
                self._problem(file, line, f"item {code}: a source is a document code or "
                              "{document: CODE, quote: TEXT}")
                continue
            if document not in by_code:
                self._problem(file, line, f"item {code}: unknown document {document!r}")
            elif normalize_space(quote) not in normalize_space(by_code[document].text):
                self._problem(file, line, f"item {code}: quote not found verbatim in "
                              f"document {document!r}: {quote[:60]!r}")
            else:
                quotes.append(QuoteSeed(document=document, quote=quote))
        return quotes

    # -- cross-file checks -----------------------------------------------------------

    def _check_references(self, bundle: SeedBundle) -> None:
        """Unique codes everywhere; every theme and owner country known; no item twice."""
        self._unique([(c.iso3, c.origin) for c in bundle.countries], "country")
        self._unique([(t.code, t.origin) for t in bundle.themes], "theme")
        self._unique([(m.code, ("meetings/", None)) for m in bundle.meetings], "meeting")
        self._unique([(d.code, ("meetings/", None)) for m in bundle.meetings
                      for d in m.documents], "document")
        countries = {c.iso3 for c in bundle.countries}
        themes = {t.code for t in bundle.themes}
        items = [item for m in bundle.meetings for t in m.working_tables for item in t.items]
        self._unique([(item.code, item.origin) for item in items], "item")
        for meeting in bundle.meetings:
            self._unique([(t.code, (f"meeting {meeting.code}", None))
                          for t in meeting.working_tables], "working table")
            texts: dict[str, str] = {}
            for table in meeting.working_tables:
                for item in table.items:
                    key = normalize_space(item.text_es).lower()
                    if key in texts:
                        self._problem(*item.origin, f"item {item.code} repeats the text of "
                                      f"{texts[key]}: list both sources on one item instead")
                    texts[key] = item.code
        for item in items:
            if item.is_recommendation and item.theme not in themes:
                self._problem(*item.origin, f"item {item.code}: unknown theme {item.theme!r}")
            if item.owners != MEMBER_STATES:
                for iso3 in item.owners:
                    if iso3 not in countries:
                        self._problem(*item.origin, f"item {item.code}: unknown country "
                                      f"code {iso3!r}")

    def _unique(self, coded: list[tuple[str, tuple[str, int | None]]], what: str) -> None:
        first: dict[str, tuple[str, int | None]] = {}
        for code, origin in coded:
            if code in first:
                earlier = ":".join(str(part) for part in first[code] if part)
                self._problem(*origin, f"duplicate {what} code {code!r} (first at {earlier})")
            else:
                first[code] = origin


def read_seed_directory(root: Path) -> SeedBundle:
    """Read and check a seed directory; raise SeedError listing every problem."""
    return SeedReader(Path(root)).read()
