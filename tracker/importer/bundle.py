"""The seed data as plain values, checked and ready to be written."""

import datetime as dt
from dataclasses import dataclass, field

MEMBER_STATES = "member_states"  # every country that is not regional (not the CRM itself)
RECOMMENDATION_KINDS = ("recommendation", "earlier_agreement")
CONTEXT_KINDS = ("experience", "good_practice", "approach", "obstacle", "common_element")


@dataclass
class CountrySeed:
    iso3: str
    name_es: str
    name_en: str
    regional: bool = False  # the Conference itself as an owner, reported by the secretariat
    origin: tuple[str, int | None] = ("", None)


@dataclass
class ThemeSeed:
    code: str
    name_es: str
    name_en: str
    origin: tuple[str, int | None] = ("", None)


@dataclass
class DocumentSeed:
    code: str
    title: str
    language: str
    filename: str
    text: str
    sha256: str


@dataclass
class QuoteSeed:
    document: str
    quote: str


@dataclass
class ItemSeed:
    """A recommendation, earlier agreement or context item, in the order of the minutes."""

    code: str
    kind: str
    section: str
    text_es: str
    quotes: list[QuoteSeed]
    year: int | None = None
    title_es: str | None = None
    title_en: str | None = None
    theme: str | None = None
    owners: list[str] | str = field(default_factory=list)  # or MEMBER_STATES
    note: str | None = None  # the editorial note in English
    note_es: str | None = None
    origin: tuple[str, int | None] = ("", None)  # file and line, for error messages

    @property
    def is_recommendation(self) -> bool:
        return self.kind in RECOMMENDATION_KINDS


@dataclass
class WorkingTableSeed:
    code: str
    name_es: str
    name_en: str
    facilitators: str | None
    items: list[ItemSeed]


@dataclass
class MeetingSeed:
    code: str
    name: str | None
    held_on: dt.date | None
    city: str | None
    venue: str | None
    notes: str | None
    documents: list[DocumentSeed]
    working_tables: list[WorkingTableSeed]


@dataclass
class SeedBundle:
    countries: list[CountrySeed]
    themes: list[ThemeSeed]
    meetings: list[MeetingSeed]
