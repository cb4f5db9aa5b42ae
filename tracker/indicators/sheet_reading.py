"""An indicator's sheet read back (XLSX or CSV, either language) through the commitments'
sheet machinery: what it says it is (the same indicator, country, period and report on every
row) and each row's cell and new value, with its problems. Nothing here reads the database."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import get_locale, lazy_gettext as _l
from flask_babel.speaklater import LazyString

from tracker.commitments.sheets.columns import LANGUAGES, folded
from tracker.commitments.sheets.formats import NOT_A_SHEET, Formula, SheetRefused, cells_of
from tracker.indicators.definitions import IndicatorRefused, checked_value
from tracker.indicators.reporting import Cell
from tracker.indicators.sheets import CURRENT, IDENTITY, LABEL, NEW, columns_of, grid
from tracker.models import Indicator
from tracker.models.indicator import TOTAL

MAX_SHEET_BYTES = 1024 * 1024  # a breakdown of hundreds of cells is a few KiB
EXTRA_ROWS = 50  # rows beyond the breakdown's cells read (as errors) before refusing the file
NOT_AN_INDICATOR_SHEET = _l("This file is not a spreadsheet the tracker reads: upload the "
                            "indicator's sheet as downloaded from this page, saved as XLSX "
                            "(Excel workbook) or CSV.")


@dataclass
class ReadRow:
    """A row of an uploaded sheet: its number, the cell its codes name (None if they do
    not), the new value (None: empty), and its problems (column key, message)."""

    row_number: int
    cell: Cell | None
    new: Decimal | None
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ReadSheet:
    """What an uploaded sheet says it is (the same on every row) and its rows."""

    format: str
    indicator: str
    country: str
    period: str
    report_id: int | None
    rows: list[ReadRow]


def header_keys(indicator: Indicator) -> dict[str, str]:
    """Each accepted heading, folded, to its column: the keys and both languages' labels,
    a dimension's code or names."""
    keys: dict[str, str] = {}
    for column in columns_of(indicator):
        keys[folded(column.key)] = column.key
        for locale in LANGUAGES:
            keys[folded(column.header(locale))] = column.key
    for dimension in indicator.dimensions:
        keys.update({folded(dimension.name(locale)): dimension.code for locale in LANGUAGES})
    return keys


def read_indicator_sheet(data: bytes, filename: str, indicator: Indicator) -> ReadSheet:
    """Read an uploaded sheet of this indicator (XLSX or CSV, either language); SheetRefused
    for a file that is not its sheet as a whole."""
    if not filename:
        raise SheetRefused(_l("Choose the filled-in sheet (XLSX or CSV)."))
    if len(data) > MAX_SHEET_BYTES:
        raise SheetRefused(_l("This file is too large for an indicator's sheet."))
    keys = header_keys(indicator)
    kind, cells = cells_of(data, filename, keys)
    rows = _safely(cells)
    header = next((row for _, row in rows if _filled(row)), None)
    if header is None:
        raise SheetRefused(_nothing())
    positions = _positions(header, keys, indicator)
    found: dict[str, set] = defaultdict(set)
    read: list[ReadRow] = []
    limit = len(grid(indicator)) + EXTRA_ROWS
    for number, values in rows:
        raw = {key: values[index] if index < len(values) else None
               for key, index in positions.items()}
        if not _filled(raw.values()):
            continue
        if len(read) == limit:
            raise SheetRefused(_l("This file has more rows than the indicator has values: "
                                  "download its sheet again."))
        for column in IDENTITY:
            found[column.key].add(_identity(raw[column.key]))
        read.append(_row(number, raw, indicator))
    if not read:
        raise SheetRefused(_nothing())
    identity = _one_identity(found)
    _mark_repeated_cells(read)
    return ReadSheet(kind, *identity, rows=read)


def _safely(cells: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The rows, a refusal of the whole file naming this sheet rather than the commitments'."""
    try:
        yield from cells
    except SheetRefused as refused:
        if refused.args[0] is NOT_A_SHEET:
            raise SheetRefused(NOT_AN_INDICATOR_SHEET) from None
        raise


def _nothing() -> LazyString:
    return _l("There is nothing to read in this file: fill in the indicator's downloaded "
              "sheet and upload it.")


def _filled(values) -> bool:
    return any(not (v is None or (isinstance(v, str) and not v.strip())) for v in values)


def _positions(header: list, keys: dict[str, str], indicator: Indicator) -> dict[str, int]:
    """Where each column read is; the file refused if one is missing or twice there."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell.text if isinstance(cell, Formula) else cell)
        key = keys.get(folded(text)) if text.strip() else None
        if key is not None and key in positions:
            raise SheetRefused(_l("The column “%(column)s” appears twice: keep one.",
                                  column=text.strip()))
        if key is not None and key not in (LABEL.key, CURRENT.key):  # for people, not read
            positions[key] = index
    wanted = [c for c in columns_of(indicator) if c not in (LABEL, CURRENT)]
    missing = [c.header("en") if c.label is None else c.label for c in wanted
               if c.key not in positions]
    if missing:
        raise SheetRefused(_l("These columns are missing: %(columns)s. Download the sheet "
                              "again and fill it in without removing columns.",
                              columns=LazyString(lambda: ", ".join(map(str, missing)))))
    return positions


def _identity(value) -> object:
    """An identity cell as compared across rows: text trimmed, 2024.0 as 2024."""
    if isinstance(value, Formula):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return None if value is None else str(value).strip().upper() or None


def _one_identity(found: dict[str, set]) -> tuple[str, str, str, int | None]:
    """The indicator, country, period and report every row names, or the file refused."""
    if any(len(values) != 1 or any(isinstance(v, Formula) for v in values)
           for values in found.values()):
        raise SheetRefused(_l("The indicator, country, period and report columns must be as "
                              "downloaded, the same on every row: download the sheet again."))
    indicator, country, period, report = (next(iter(found[c.key])) for c in IDENTITY)
    if indicator is None or country is None or period is None or \
            not (report is None or (str(report).isdigit() and int(str(report)) < 2**31)):
        raise SheetRefused(_l("The indicator, country, period and report columns must be as "
                              "downloaded, the same on every row: download the sheet again."))
    return (str(indicator), str(country), str(period),
            None if report is None else int(str(report)))


def _row(number: int, raw: dict[str, object], indicator: Indicator) -> ReadRow:
    """One row's cell (from its codes) and new value, checked against the indicator."""
    row = ReadRow(number, None, None)
    codes: list[str | None] = []
    for dimension in indicator.dimensions:
        value = raw[dimension.code]
        text = "" if value is None else str(value).strip().upper()
        if isinstance(value, Formula):
            row.errors.append((dimension.code, str(_l("A formula is not a value: type the "
                                                      "value."))))
        elif text in ("", TOTAL):
            codes.append(None)
        elif any(v.code == text for v in dimension.values):
            codes.append(text)
        else:
            row.errors.append((dimension.code, str(_l(
                "“%(code)s” is not a value of %(dimension)s: download the sheet again.",
                code=text[:40], dimension=dimension.name(_locale())))))
    if not row.errors:
        row.cell = (codes + [None, None])[0], (codes + [None, None])[1]
    value = raw[NEW.key]
    if isinstance(value, Formula):
        row.errors.append((NEW.key, str(_l("A formula is not a value: type the value."))))
    elif _filled([value]):
        try:
            row.new = checked_value(_decimal_text(value), indicator.unit, NEW.key)
        except IndicatorRefused as refused:
            row.errors.append((NEW.key, str(refused)))
    return row


def _decimal_text(value: object) -> object:
    """A typed number as report_value reads it: "12,5" (a decimal comma) as "12.5"; "1,000"
    is refused, since it may mean a thousand or one."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.count(",") == 1 and "." not in text:
        whole, _, decimals = text.partition(",")
        if len(decimals) == 3:
            raise IndicatorRefused(_l("Write the number without a thousands separator (1000, "
                                      "or 1.5 for one and a half)."), NEW.key)
        text = f"{whole}.{decimals}"
    return text


def _mark_repeated_cells(rows: list[ReadRow]) -> None:
    """One cell on two rows is two answers to one question: every such row is wrong."""
    by_cell: dict[Cell, list[ReadRow]] = defaultdict(list)
    for row in rows:
        if row.cell is not None:
            by_cell[row.cell].append(row)
    for repeated in (rows for rows in by_cell.values() if len(rows) > 1):
        numbers = ", ".join(str(row.row_number) for row in repeated[:5])
        for row in repeated:
            row.errors.append((NEW.key, str(_l("This value is on more than one row (rows "
                                               "%(rows)s): keep one.", rows=numbers))))


def _locale() -> str:
    """The reader's language, for the names a message quotes."""
    return str(get_locale() or "es")
