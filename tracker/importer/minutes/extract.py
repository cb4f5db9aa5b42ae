"""Draft items from a document's blocks, in document order, each with the kind its heading
or lead-in names and that reason in words. Nothing is proposed that the document does not
say: a paragraph outside any named list is left out, a list under a heading that names no
kind is proposed as "other", and every text is found verbatim in the document."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from tracker.importer.minutes import headings as h
from tracker.importer.minutes.document import Block, DocumentText
from tracker.importer.minutes.keywords import Found, find_kind, working_table_name
from tracker.importer.minutes.refusals import MinutesRefused
from tracker.importer.reader import normalize_space

REASONS = {
    "heading": _l("under the heading «%(detail)s»"),
    "lead_in": _l("after the sentence «%(detail)s»"),
    "year": _l("recalled under the year %(detail)s"),
    "paragraph": _l("the paragraph itself speaks of «%(detail)s»"),
    "unnamed_heading": _l("under «%(detail)s», which names no kind of item"),
    "no_heading": _l("no heading or sentence before it names a kind of item"),
}
LINE_FORMATS = ("text", "markdown", "pdf")  # where a paragraph may wrap over lines


@dataclass
class ProposedItem:
    """A draft item: its text is the document's, white space collapsed, marker removed."""

    kind: str
    text: str
    section: str
    working_table: str
    reason: str
    reason_detail: str
    year: int | None = None


def describe_reason(reason: str, detail: str) -> str:
    """Why the item got its kind, as a sentence in the current locale."""
    return str(REASONS[reason]) % {"detail": detail} if reason in REASONS else detail


@dataclass
class Section:
    title: str = ""
    kind: str | None = None
    reason: str = "no_heading"
    detail: str = ""
    year: int | None = None
    mode: str | None = None  # "list" once it holds marked items, "paragraphs" for paragraphs


@dataclass
class Unit:
    """A logical line: a block, or in text and PDF the lines of one wrapped paragraph."""

    text: str
    block: Block


def units(document: DocumentText) -> list[Unit]:
    """Blocks, with wrapped lines joined where the format wraps; blank ones kept as breaks."""
    found: list[Unit] = []
    wraps = document.format in LINE_FORMATS
    for block in document.blocks:
        text = block.text.strip()
        previous = found[-1] if found else None
        if wraps and previous and previous.text and previous.block.heading_level is None \
                and block.heading_level is None and not block.list_item \
                and not (block.in_table and not previous.block.in_table) \
                and h.goes_on(previous.text, text):
            previous.text = f"{previous.text} {text}"
        elif not h.JUNK.match(text):
            found.append(Unit(text, block))
    return found


@dataclass
class Extractor:
    units: list[Unit]
    language: str
    items: list[ProposedItem] = field(default_factory=list)
    section: Section = field(default_factory=Section)
    working_table: str = ""
    table_head: bool = False  # at the top of a table, where column titles are

    def run(self) -> list[ProposedItem]:
        previous_in_table = False
        for index, unit in enumerate(self.units):
            if not unit.text:
                continue
            in_table = unit.block.in_table
            self.table_head = in_table and (not previous_in_table or self.table_head)
            self.line(index, unit)
            previous_in_table = in_table
        return self.items

    def line(self, index: int, unit: Unit) -> None:
        text, block, language = unit.text, unit.block, self.language
        if block.heading_level is not None:
            return self.heading(text, block.heading_level)
        marker, rest = h.split_marker(text)
        if marker is None and (name := working_table_name(text)):
            return self.new_table(name)
        if (year := h.year_label(text)) is not None:
            self.section.year, self.section.kind = year, "earlier_agreement"
            self.section.reason, self.section.detail = "year", str(year)
            return None
        if found := h.numbered_heading(text, language):
            return self.open(h.clean_title(text), found, "heading")
        if marker or block.list_item:
            self.table_head = False
            return self.add(rest, "list") if rest else None  # a stray "· " alone
        if labelled := h.label_heading(text, language):
            return self.open(labelled[0], labelled[1], "heading")
        if announced := h.lead_in(text, language):
            return self.open(announced[0], announced[1], "lead_in")
        if found := h.short_heading(text, language):
            return self.open(h.clean_title(text), found, "heading")
        if self.table_head and h.column_label(text, language):
            return None
        self.table_head = False
        return self.paragraph(index, text)

    def paragraph(self, index: int, text: str) -> None:
        if self.section.mode != "paragraphs" and h.looks_like_title(text) \
                and not self.list_follows(index):
            return self.new_table(text.strip(" ."))
        if found := h.paragraph_kind(text, self.language):
            if self.list_follows(index):  # "Dentro de este tema se abordó experiencias..."
                return self.open(h.clean_title(text), found, "lead_in")
            # "Cabe mencionar que muchos de los obstáculos...": the paragraph is the item.
            title = found.words[:1].upper() + found.words[1:]
            self.section = Section(title, found.kind, "paragraph", found.words)
            self.add(text, "paragraphs")
            self.section = Section()
            return None
        if self.section.mode == "list":  # prose after a list ends it
            self.section = Section()
        elif self.section.kind:
            self.add(text, "paragraphs")
        return None

    def list_follows(self, index: int) -> bool:
        """Whether the next non-blank line is a list item or the start of a table."""
        here = self.units[index].block
        for unit in self.units[index + 1:]:
            if unit.text:
                return unit.block.list_item or h.split_marker(unit.text)[0] is not None \
                    or (unit.block.in_table and not here.in_table)
        return False

    def heading(self, text: str, level: int) -> None:
        title = h.clean_title(text)
        if name := working_table_name(title):
            return self.new_table(name)
        found = find_kind(title, self.language)
        if found is None and level == 1:
            return self.new_table(title)
        return self.open(title, found, "heading")

    def open(self, title: str, found: Found | None, reason: str) -> None:
        if found is None:
            self.section = Section(title, None, "unnamed_heading", title)
        else:
            self.section = Section(title, found.kind, reason, title)

    def new_table(self, name: str) -> None:
        self.working_table, self.section = name, Section()

    def add(self, text: str, mode: str) -> None:
        section = self.section
        section.mode = section.mode or mode
        self.items.append(ProposedItem(
            kind=section.kind or "other", text=normalize_space(text), section=section.title,
            working_table=self.working_table, reason=section.reason,
            reason_detail=section.detail, year=section.year))


def extract_items(document: DocumentText, *, language: str = "es") -> list[ProposedItem]:
    """The draft items of the document, in order; MinutesRefused when it holds no list."""
    whole = normalize_space(document.text)
    items = [item for item in Extractor(units(document), language).run()
             if item.text and normalize_space(item.text) in whole]
    if not items:
        raise MinutesRefused(_l("No recognisable list was found in this document: no "
                                "bullets, numbered items or paragraphs under a heading."))
    return items
