"""A filled-in sheet read back into checked plain rows, without the database: each row's
code, version and filled-in values, with its problems (row number, column, message). What
stops the whole file is a SheetRefused. Comparing with the commitments is the preview's."""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from flask_babel import get_locale, lazy_gettext as _l
from flask_babel.speaklater import LazyString

from tracker.commitments.administration import INSTITUTION_MAX
from tracker.commitments.sheets.columns import (
    BY_KEY,
    FILL_IN_KEYS,
    NOTE_MAX,
    READ_KEYS,
    folded,
    header_keys,
    status_codes,
    status_labels,
)
from tracker.commitments.sheets.formats import Formula, SheetRefused, cells_of
from tracker.core.forms import has_control_character

__all__ = ["Sheet", "SheetRefused", "SheetRow", "read_sheet"]

MAX_ROWS = 10_000
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's and LibreOffice's day 0 (right from 1900-03-01)
SERIALS = range(1, 100_001)
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
SERIAL_TEXT = re.compile(r"\d+(?:[.,]\d+)?")
NUMBER = re.compile(r"[+-]?\d+(?:[.,]0+)?")
SHOWN = 40  # characters of a refused value repeated in its message
SHOWN_ROWS = 5  # row numbers named in a message about repeated rows
SHOWN_COLUMNS = 10  # unknown headers named in the warning
LIMITS = {"note": NOTE_MAX, "new_institution": INSTITUTION_MAX}


@dataclass
class SheetRow:
    """One row as its reader numbers it: the values read (by column key: text, integers,
    a status code, dates, None when empty) and what is wrong with it."""

    row_number: int
    values: dict[str, object]
    errors: list[tuple[str, LazyString]] = field(default_factory=list)


@dataclass
class Sheet:
    """The rows read, the columns found (keys), and what was ignored (warnings)."""

    format: str
    columns: list[str]
    rows: list[SheetRow]
    warnings: list[LazyString] = field(default_factory=list)


def read_sheet(data: bytes, filename: str, *, max_rows: int = MAX_ROWS) -> Sheet:
    """Read an uploaded XLSX or CSV sheet, in either language; SheetRefused for a file that
    cannot be read as the sheet (nothing in it, missing columns, more than max_rows rows)."""
    if not data.strip():
        raise SheetRefused(_nothing())
    kind, cells = cells_of(data, filename)
    header = next((row for _, row in cells if _filled(row)), [])
    if not header:
        raise SheetRefused(_nothing())
    positions, warnings = _columns(header)
    sheet = Sheet(kind, list(positions), [], warnings)
    readers = _readers()
    for number, row in cells:
        raw = {key: row[index] if index < len(row) else None for key, index in positions.items()}
        if not _filled(raw.values()):
            continue  # an empty row, or one with text only where nothing is read
        if len(sheet.rows) == max_rows:
            raise SheetRefused(_l("This file has more than %(count)d rows: split it into "
                                  "smaller files.", count=max_rows))
        sheet.rows.append(_row(number, raw, readers))
    if not sheet.rows:
        raise SheetRefused(_nothing())
    _mark_repeated_codes(sheet.rows)
    return sheet


def _nothing() -> LazyString:
    return _l("There is nothing to read in this file: fill in the rows of the downloaded "
              "sheet and upload it.")


def _filled(values) -> bool:
    return any(not (v is None or (isinstance(v, str) and not v.strip())) for v in values)


def _columns(header: list) -> tuple[dict[str, int], list[LazyString]]:
    """Where each column is; the file refused without the code, the version and something
    to fill in, and the columns it does not know named in a warning."""
    known = header_keys()
    positions: dict[str, int] = {}
    extra: list[str] = []
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell.text if isinstance(cell, Formula) else cell)
        if not text.strip():
            continue
        key = known.get(folded(text))
        if key is None:
            extra.append(text.strip()[:SHOWN])
        elif key in positions:
            raise SheetRefused(_l("The column “%(column)s” appears twice: keep one.",
                                  column=text.strip()))
        elif key in READ_KEYS:
            positions[key] = index
    if not positions and not any(known.get(folded(str(c or ""))) for c in header):
        raise SheetRefused(_l("This file has none of the sheet's columns: upload the sheet "
                              "downloaded from “My commitments”, with its first row."))
    missing = [BY_KEY[key].label for key in ("code", "version") if key not in positions]
    if missing:
        raise SheetRefused(_l("These columns are missing: %(columns)s. Download the sheet "
                              "again and fill it in without removing columns.",
                              columns=_joined(missing)))
    if not any(key in positions for key in FILL_IN_KEYS):
        raise SheetRefused(_l("None of the columns to fill in is there (%(columns)s): "
                              "download the sheet again.",
                              columns=_joined([BY_KEY[k].label for k in FILL_IN_KEYS])))
    warnings = []
    if extra:
        named = ", ".join(extra[:SHOWN_COLUMNS]) + ("…" if len(extra) > SHOWN_COLUMNS else "")
        warnings.append(_l("These columns are not the sheet's and were not read: "
                           "%(columns)s.", columns=named))
    return positions, warnings


def _joined(texts) -> LazyString:
    """Labels joined in the language they are read in, decided when they are shown."""
    return LazyString(lambda: ", ".join(str(text) for text in texts))


def _row(number: int, raw: dict[str, object], readers: dict) -> SheetRow:
    row = SheetRow(number, {})
    for key, value in raw.items():
        if isinstance(value, Formula):
            row.values[key] = None
            row.errors.append((key, _l("A formula is not a value: type the value.")))
            continue
        try:
            row.values[key] = readers[BY_KEY[key].kind](key, value)
        except CellProblem as problem:
            row.values[key] = None
            row.errors.append((key, problem.message))
    if row.values.get("code") is None and not any(k == "code" for k, _ in row.errors):
        row.errors.append(("code", _l("This row has no code: the code says which commitment "
                                      "the row is about.")))
    if row.values.get("version") is None and not any(k == "version" for k, _ in row.errors):
        row.errors.append(("version", _version_problem()))
    return row


def _mark_repeated_codes(rows: list[SheetRow]) -> None:
    """The same commitment twice is two answers to one question: every such row is wrong."""
    by_code: dict[str, list[SheetRow]] = defaultdict(list)
    for row in rows:
        code = row.values.get("code")
        if isinstance(code, str):
            by_code[code.casefold()].append(row)
    for repeated in (rows for rows in by_code.values() if len(rows) > 1):
        # A few row numbers, not thousands in every row's message.
        numbers = ", ".join(str(row.row_number) for row in repeated[:SHOWN_ROWS])
        if len(repeated) > SHOWN_ROWS:
            numbers += f"… (+{len(repeated) - SHOWN_ROWS})"
        for row in repeated:
            row.errors.append(("code", _l("This code is on more than one row (rows "
                                          "%(rows)s): keep one.", rows=numbers)))


# -- cells -----------------------------------------------------------------------------

class CellProblem(Exception):
    """A cell's value cannot be read: the message says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _shown(value) -> str:
    text = str(value).strip()
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _text(key: str, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    text = text.replace("\r\n", "\n").strip()
    if has_control_character(text, multiline=key == "note"):
        raise CellProblem(_l("Remove the control characters (or line breaks) from this "
                             "cell."))
    if key in LIMITS and len(text) > LIMITS[key]:
        raise CellProblem(_l("This text is longer than %(count)d characters.",
                             count=LIMITS[key]))
    return text or None


def _integer(key: str, value) -> int | None:
    number = _whole(value)
    if number is _EMPTY:
        return None
    if key == "version":
        if number is None or not 1 <= number < 2**31:
            raise CellProblem(_version_problem())
    elif number is None or not 0 <= number <= 100:
        raise CellProblem(_l("Progress is a whole number from 0 to 100."))
    return number


_EMPTY = object()


def _whole(value):
    """An integer from an int, a float without decimals (50.0, as LibreOffice may save
    it) or such a text ("50", "50,0", "50 %"); _EMPTY for nothing; None if not whole."""
    if value is None or isinstance(value, bool):
        return _EMPTY if value is None else None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip().removesuffix("%").strip()
    if not text:
        return _EMPTY
    return int(re.split(r"[.,]", text)[0]) if NUMBER.fullmatch(text) else None


def _version_problem() -> LazyString:
    return _l("The version is missing or changed: download the sheet again and copy your "
              "changes into it.")


def _status(codes: dict, key: str, value) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    status = codes.get(folded(str(value)))
    if status is None:
        raise CellProblem(_l("Unknown status “%(value)s”: choose one from the list "
                             "(%(statuses)s).", value=_shown(value),
                             statuses=LazyString(lambda: ", ".join(status_labels(_locale())))))
    return status.value


def _date(key: str, value) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    serial: int | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and 1 <= value < SERIALS.stop:
        serial = int(value)  # a date with a time of day: the day
    elif isinstance(value, str) and SERIAL_TEXT.fullmatch(value.strip()):
        serial = int(float(value.strip().replace(",", ".")))
    if serial is not None and serial in SERIALS:
        return EXCEL_EPOCH + dt.timedelta(days=serial)
    match = ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise CellProblem(_l("“%(value)s” is not a date: write it as YYYY-MM-DD, such as "
                         "2026-12-31.", value=_shown(value)))


def _locale() -> str:
    return str(get_locale() or "es")


def _readers() -> dict:
    """How each kind of column is read; the statuses' spellings worked out once a file."""
    return {"text": _text, "integer": _integer, "status": partial(_status, status_codes()),
            "date": _date}
