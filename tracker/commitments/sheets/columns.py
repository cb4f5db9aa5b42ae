"""The sheet's columns: a stable key each, a label in the reader's language, and which
ones are filled in. A header is matched by key or by either language's label, whatever its
case, accents and spacing, so a sheet downloaded in Spanish can be uploaded in English."""

import unicodedata
from dataclasses import dataclass

from flask_babel import force_locale, lazy_gettext as _l
from flask_babel.speaklater import LazyString

from tracker.core.labels import STATUS_LABELS
from tracker.models import Status

LANGUAGES = ("es", "en")
NOTE_MAX = 5000  # as the status form


@dataclass(frozen=True)
class Column:
    """One column of the sheet. ``kind`` says how a value is read and written: text,
    integer, date or status; ``fill_in`` columns are the ones the reader types into."""

    key: str
    label: LazyString
    kind: str
    width: int
    fill_in: bool = False
    secretariat_only: bool = False


CODE = Column("code", _l("Code"), "text", 16)
VERSION = Column("version", _l("Version (do not change)"), "integer", 12)
NEW_STATUS = Column("new_status", _l("New status"), "status", 18, fill_in=True)
NEW_PROGRESS = Column("new_progress", _l("New progress"), "integer", 12, fill_in=True)
NOTE = Column("note", _l("Note"), "text", 50, fill_in=True)
NEW_DUE_DATE = Column("new_due_date", _l("New due date"), "date", 14, fill_in=True,
                      secretariat_only=True)
NEW_INSTITUTION = Column("new_institution", _l("New responsible institution"), "text", 30,
                         fill_in=True, secretariat_only=True)

COLUMNS = (
    CODE,
    Column("title", _l("Title"), "text", 50),
    Column("status", _l("Status"), "status", 16),
    Column("progress", _l("Progress"), "integer", 10),
    Column("due_date", _l("Due date"), "date", 13),
    Column("institution", _l("Responsible institution"), "text", 30),
    Column("last_update", _l("Last update"), "date", 14),
    VERSION,
    NEW_STATUS, NEW_PROGRESS, NOTE, NEW_DUE_DATE, NEW_INSTITUTION,
)
BY_KEY = {column.key: column for column in COLUMNS}
# What an upload is read for: the row's identity, the version it was downloaded at, and
# what was filled in. The current state is there to be read by people, never trusted.
READ_KEYS = ("code", "version") + tuple(c.key for c in COLUMNS if c.fill_in)
FILL_IN_KEYS = tuple(c.key for c in COLUMNS if c.fill_in)


def columns_for(*, secretariat: bool) -> list[Column]:
    """The columns of a sheet: the due date and institution to fill in only for the
    secretariat, who may change them."""
    return [c for c in COLUMNS if secretariat or not c.secretariat_only]


def folded(text: str) -> str:
    """Text compared without case, accents, spaces or punctuation: "Nuevo  estado" and
    "new_status" fold like "nuevoestado" and "newstatus"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def in_language(text: LazyString, locale: str) -> str:
    """A lazy text rendered in one language, whatever the request's."""
    with force_locale(locale):
        return str(text)


def header_keys() -> dict[str, str]:
    """Each accepted header, folded, to its column key: the keys and both languages'
    labels."""
    keys = {folded(c.key): c.key for c in COLUMNS}
    for locale in LANGUAGES:
        keys.update({folded(in_language(c.label, locale)): c.key for c in COLUMNS})
    return keys


def status_label(status: Status | str, locale: str) -> str:
    """A status as the reader of that language calls it."""
    return in_language(STATUS_LABELS[Status(status)], locale)


def status_labels(locale: str) -> list[str]:
    """Every status's label in one language, in the vocabulary's order (the drop-down)."""
    return [status_label(status, locale) for status in Status]


def status_codes() -> dict[str, Status]:
    """Each accepted way of writing a status, folded, to the status: its code and its
    label in either language."""
    codes: dict[str, Status] = {}
    for status in Status:
        codes[folded(status.value)] = status
        for locale in LANGUAGES:
            codes[folded(status_label(status, locale))] = status
    return codes
