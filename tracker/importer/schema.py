"""What each record of ``seed_data/`` may hold: its fields, their types and their sizes.

A record is checked against its schema before anything is built from it, so a wrong type,
an unknown field or an overlong text is a problem named by file and line, never a traceback
in the writer. Text limits are the database columns' own lengths, read from the models.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from tracker.core.forms import has_control_character
from tracker.models import Country, Meeting, Recommendation, SourceDocument, Theme, WorkingTable

LONG_TEXT = 20_000  # a recommendation's text, a quote, a note: paragraphs, not documents


class Spec(Protocol):
    def problem(self, value: Any) -> str | None:
        """Why the value does not fit, or None."""


@dataclass(frozen=True)
class Text:
    limit: int
    multiline: bool = False

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, str):
            hint = "" if isinstance(value, list | dict) else " (put it in quotes)"
            return f"must be text, not {_kind(value)}{hint}"
        if len(value) > self.limit:
            return f"is {len(value)} characters long, more than the {self.limit} allowed"
        if has_control_character(value, self.multiline):
            return "holds control characters" + ("" if self.multiline else " or line breaks")
        return None


def column_text(column: Any) -> Text:
    """As long as the column allows (LONG_TEXT for an unbounded one)."""
    length = column.type.length
    return Text(length) if length else Text(LONG_TEXT, multiline=True)


@dataclass(frozen=True)
class Year:
    def problem(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
            return "must be a year (a number such as 2015)"
        return None


@dataclass(frozen=True)
class Day:
    def problem(self, value: Any) -> str | None:
        if type(value) is not dt.date:  # a datetime is no meeting day
            return "must be a date written YYYY-MM-DD"
        return None


@dataclass(frozen=True)
class YesNo:
    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, bool) else "must be true or false"


@dataclass(frozen=True)
class Mapping:
    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, dict) else "must be a mapping of fields"


@dataclass(frozen=True)
class Sequence:
    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, list) else "must be a list"


@dataclass(frozen=True)
class CheckedByReader:
    """A field of several shapes (owners, sources) that the reader checks itself."""

    def problem(self, value: Any) -> str | None:
        return None


@dataclass(frozen=True)
class Record:
    what: str
    required: dict[str, Spec]
    optional: dict[str, Spec] = field(default_factory=dict)

    def spec(self, key: Any) -> Spec | None:
        return self.required.get(key, self.optional.get(key))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no"
    return {int: "a number", float: "a number", list: "a list", dict: "a mapping",
            dt.date: "a date", dt.datetime: "a date and time"}.get(type(value), "another value")


COUNTRY = Record("country", {"iso3": column_text(Country.iso3),
                             "name_es": column_text(Country.name_es),
                             "name_en": column_text(Country.name_en)},
                 {"regional": YesNo()})  # the CRM itself, not a member state
THEME = Record("theme", {"code": column_text(Theme.code), "name_es": column_text(Theme.name_es),
                         "name_en": column_text(Theme.name_en)})
MEETING_FILE = Record("meeting file", {"meeting": Mapping(), "documents": Sequence(),
                                       "working_tables": Sequence()})
MEETING = Record("meeting", {"code": column_text(Meeting.code)},
                 {"name": column_text(Meeting.name), "held_on": Day(),
                  "city": column_text(Meeting.city), "venue": column_text(Meeting.venue),
                  "notes": column_text(Meeting.notes)})
DOCUMENT = Record("document", {"code": column_text(SourceDocument.code),
                               "title": column_text(SourceDocument.title),
                               "file": column_text(SourceDocument.filename)},
                  {"language": column_text(SourceDocument.language)})
WORKING_TABLE = Record("working table", {"code": column_text(WorkingTable.code),
                                         "name_es": column_text(WorkingTable.name_es),
                                         "name_en": column_text(WorkingTable.name_en),
                                         "sections": Sequence()},
                       {"facilitators": column_text(WorkingTable.facilitators)})
SECTION = Record("section", {"title": column_text(Recommendation.section), "kind": Text(40),
                             "sources": CheckedByReader(), "items": Sequence()},
                 {"year": Year()})
TITLE_ES = column_text(Recommendation.title_es)  # defaults to the text: it must fit
_ITEM_COMMON: dict[str, Spec] = {"code": column_text(Recommendation.code),
                "text": column_text(Recommendation.text_es)}
CONTEXT_ITEM = Record("item", _ITEM_COMMON,
                      {"sources": CheckedByReader(), "note": Text(LONG_TEXT, multiline=True),
                       "note_es": Text(LONG_TEXT, multiline=True)})
RECOMMENDATION_ITEM = Record(
    "item", {**_ITEM_COMMON, "title_en": column_text(Recommendation.title_en),
             "theme": column_text(Theme.code)},
    {**CONTEXT_ITEM.optional, "title_es": TITLE_ES,
     "owners": CheckedByReader()})
QUOTE = Record("source", {"document": column_text(SourceDocument.code),
                          "quote": Text(LONG_TEXT, multiline=True)})
