"""An uploaded file's cells, row by row, whatever it was saved as: XLSX (opened through
tracker.core.archives, never evaluated: a formula stays a Formula) or CSV (its character
set and delimiter found out). Anything else is refused for the file as a whole."""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import charset_normalizer
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from tracker.commitments.sheets.columns import folded, header_keys
from tracker.core.archives import ArchiveRefused, open_archive, read_member
from tracker.core.refusals import Refused
from tracker.opendata.csv_stream import FORMULA_STARTS

Cells = Iterator[tuple[int, list]]  # (the row's number as the reader sees it, its values)

NOT_A_SHEET = _l("This file is not a spreadsheet the tracker reads: upload the sheet "
                 "downloaded from “My commitments”, saved as XLSX (Excel workbook) or CSV.")
MACROS = _l("This workbook contains macros (.xlsm): save it as a plain Excel workbook "
            "(.xlsx) or as CSV, and upload it again.")
# Files that are surely not text, told apart before any character set is guessed.
BINARY_STARTS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!",
                 b"7z\xbc\xaf")
OLE = b"\xd0\xcf\x11\xe0"  # an old .xls (or .doc): saved as XLSX or CSV, it is read
MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z0-9:]+)\"")
CONTENT_TYPES_LIMIT = 1024 * 1024
SCAN_CHUNK = 1024 * 1024


class SheetRefused(Refused):
    """The uploaded file cannot be read as the sheet, as a whole."""

    default_field = "file"


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (or the error a formula left): never evaluated."""

    text: str


def cells_of(data: bytes, filename: str,
             headers: Collection[str] | None = None) -> tuple[str, Cells]:
    """The file's format ("xlsx" or "csv") and its rows of cells; ``headers`` (folded) tell
    a CSV's delimiter: the commitments' sheet's unless another sheet's are given."""
    if data.startswith(b"PK"):
        return "xlsx", _xlsx_cells(data, filename)
    if data.startswith((OLE, *BINARY_STARTS)):
        raise SheetRefused(NOT_A_SHEET)
    return "csv", _csv_cells(data, header_keys() if headers is None else headers)


# The downloaded sheet has 13 columns and at most tens of thousands of rows: 200 KiB for
# 3,277 rows. A file far bigger once unpacked, or far longer, is not a filled-in sheet.
MAX_COLUMNS = 40
MAX_PHYSICAL_ROWS = 20_000
MAX_XLSX_UNPACKED = 30 * 1024 * 1024
TOO_LONG = _l("This file has more than %(count)d rows: split it into smaller files.",
              count=MAX_PHYSICAL_ROWS)


# -- XLSX --------------------------------------------------------------------------------

def _xlsx_cells(data: bytes, filename: str) -> Cells:
    try:
        archive = open_archive(data, max_unpacked=MAX_XLSX_UNPACKED)
        content_types = read_member(archive, "[Content_Types].xml", CONTENT_TYPES_LIMIT)
    except ArchiveRefused as exc:
        raise SheetRefused(exc.args[0]) from None
    names = {name.lower() for name in archive.namelist()}
    if b"macroEnabled" in content_types or any(n.endswith("vbaproject.bin") for n in names) \
            or filename.lower().endswith((".xlsm", ".xltm")):
        raise SheetRefused(MACROS)
    if "xl/workbook.xml" not in names:  # a Word document, an OpenDocument sheet, a zip
        raise SheetRefused(NOT_A_SHEET)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl has no one error for a damaged workbook
        raise SheetRefused(NOT_A_SHEET) from None
    return _workbook_cells(workbook, archive)


def _workbook_cells(workbook, archive: zipfile.ZipFile) -> Cells:
    try:
        if not workbook.worksheets:
            raise SheetRefused(NOT_A_SHEET)
        sheet = workbook.worksheets[0]  # the commitments, as downloaded
        _refuse_merged_cells(archive, sheet._worksheet_path)
        sheet.reset_dimensions()  # a wrong <dimension> would hide rows in read-only mode
        # Only the columns a sheet has (a cell far to the right would make every row 16,384
        # cells wide), and only so many rows, empty ones included.
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_PHYSICAL_ROWS + 1)
        for number, row in enumerate(rows, 1):
            if number > MAX_PHYSICAL_ROWS:
                raise SheetRefused(TOO_LONG)
            yield number, [_xlsx_value(cell) for cell in row]
    except Refused:
        raise
    except Exception:  # a damaged part, found only while reading it
        raise SheetRefused(NOT_A_SHEET) from None
    finally:
        workbook.close()
        archive.close()


def _xlsx_value(cell):
    if cell.data_type in ("f", "e"):
        return Formula(str(cell.value))
    return cell.value


def _refuse_merged_cells(archive: zipfile.ZipFile, path: str) -> None:
    """Merged cells put one value over several rows or columns: which row it belongs to is
    a guess, so the file is refused, naming them. Read-only openpyxl does not list them."""
    found: list[str] = []
    with archive.open(path.lstrip("/")) as part:
        tail = b""
        while chunk := part.read(SCAN_CHUNK):
            window = tail + chunk
            found += [m.decode() for m in MERGE_CELL.findall(window)
                      if m.decode() not in found]
            tail = window[-256:]
    if found:
        shown = ", ".join(found[:5]) + (" …" if len(found) > 5 else "")
        raise SheetRefused(_l("Merged cells (%(cells)s) cannot be read: unmerge them, so "
                              "that each value is in its own cell, and upload the file "
                              "again.", cells=shown))


# -- CSV ---------------------------------------------------------------------------------

def _csv_cells(data: bytes, headers: Collection[str]) -> Cells:
    text = _decoded(data)
    if text is None:
        raise SheetRefused(NOT_A_SHEET)
    first, _, rest = text.partition("\n")
    skip = 0
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:  # Excel's hint
        delimiter, skip, text = first.strip()[4], 1, rest
    else:
        delimiter = _delimiter(next((line for line in io.StringIO(text) if line.strip()), ""),
                               headers)
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text, newline=""),
                                                   delimiter=delimiter), 1 + skip):
            if number > MAX_PHYSICAL_ROWS:
                raise SheetRefused(TOO_LONG)
            yield number, [_csv_value(value) for value in record[:MAX_COLUMNS]]
    except csv.Error:  # a NUL byte, a field larger than the csv module takes
        raise SheetRefused(NOT_A_SHEET) from None


def _decoded(data: bytes) -> str | None:
    """The text, by its BOM, as UTF-8, or as charset-normalizer guesses; None for what is
    not text."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: what spreadsheet programs in the region save a CSV as is Windows-1252,
    # which guessing mistakes for a Central European page (ñ read as ń).
    best = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best() \
        or charset_normalizer.from_bytes(data).best()
    text = str(best) if best is not None else None
    if text is None or any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return None
    return text


def _delimiter(header: str, known: Collection[str]) -> str:
    """The delimiter that splits the header into the most known columns (then the most
    cells): a comma, a semicolon (Spanish-language spreadsheets) or a tab."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(folded(cell) in known for cell in cells), len(cells)

    return max((",", ";", "\t"), key=score)


def _csv_value(value: str):
    """A CSV cell: a leading ' that kept a text from looking like a formula is dropped; a
    cell that still starts with = would be run by a spreadsheet, so it is a Formula."""
    stripped = value.strip()
    if stripped.startswith("'") and stripped[1:2] and stripped[1] in FORMULA_STARTS:
        return stripped[1:]
    if stripped.startswith("="):
        return Formula(stripped)
    return value
