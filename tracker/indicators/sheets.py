"""An indicator's spreadsheet: one country's sheet for one period, a row per cell of the
indicator's breakdown (tidy, like /export/indicators.csv: a column per dimension holding the
value's code, ``_T`` for a total), built as XLSX or CSV and read back. The file formats and
their safety checks (macros, formulas, merged cells, too many rows) are the commitments'
sheet's (indicators.sheet_reading); previewing and recording are indicators.sheet_preview's."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.commitments.sheets.columns import in_language
from tracker.commitments.sheets.download import FILL_IN, HEADER
from tracker.indicators.periods import parse_period
from tracker.indicators.reporting import Cell, current_report
from tracker.models import Country, DimensionValue, Indicator, Unit
from tracker.models.indicator import TOTAL
from tracker.opendata.csv_stream import BOM, safe_cell
from tracker.permissions import Actor, can_report_indicator, ensure


@dataclass(frozen=True)
class SheetColumn:
    """A column of the sheet: its key, its label (None for a dimension's: its code heads it),
    its width, and whether it is the one to fill in."""

    key: str
    label: LazyString | None
    width: int
    fill_in: bool = False

    def header(self, locale: str) -> str:
        """The column's heading in one language."""
        return self.key if self.label is None else in_language(self.label, locale)


IDENTITY = (SheetColumn("indicator", _l("Indicator (do not change)"), 16),
            SheetColumn("country", _l("Country (do not change)"), 12),
            SheetColumn("period", _l("Period (do not change)"), 12),
            SheetColumn("report", _l("Report (do not change)"), 12))
LABEL = SheetColumn("label", _l("Breakdown"), 40)
CURRENT = SheetColumn("current_value", _l("Current value"), 14)
NEW = SheetColumn("new_value", _l("New value"), 14, fill_in=True)


def columns_of(indicator: Indicator) -> list[SheetColumn]:
    """The sheet's columns: what it is, a column per dimension, then the cell's values."""
    return [*IDENTITY, *(SheetColumn(d.code, None, 12) for d in indicator.dimensions),
            LABEL, CURRENT, NEW]


@dataclass(frozen=True)
class SheetLine:
    """One cell of the breakdown: its codes (None: total), its name, its current value."""

    cell: Cell
    label: str
    current: Decimal | None


@dataclass(frozen=True)
class IndicatorSheet:
    """A country's sheet of an indicator for a period, at the report it was downloaded at."""

    indicator: Indicator
    country: Country
    period: str
    report_id: int | None
    lines: list[SheetLine]


def grid(indicator: Indicator) -> list[tuple[DimensionValue | None, DimensionValue | None]]:
    """Every cell of the indicator's breakdown, the total first, then in the tables' order."""
    dimensions = indicator.dimensions
    firsts = [None, *dimensions[0].values] if dimensions else [None]
    seconds = [None, *dimensions[1].values] if len(dimensions) == 2 else [None]
    return [(first, second) for first in firsts for second in seconds]


def cell_label(first: DimensionValue | None, second: DimensionValue | None, locale: str) -> str:
    """What a cell counts, in the reader's language: its values' names, or Total."""
    names = [value.name(locale) for value in (first, second) if value is not None]
    return ", ".join(names) if names else in_language(_l("Total"), locale)


def codes_of(first: DimensionValue | None, second: DimensionValue | None) -> Cell:
    """A cell as report_value names it."""
    return (first.code if first else None, second.code if second else None)


def indicator_sheet(actor: Actor, indicator: Indicator, country: Country, period: str,
                    locale: str) -> IndicatorSheet:
    """The sheet of a country's value for a period, with its current report's exact values;
    IndicatorRefused (on "period") for a period that is not one, or has not started."""
    ensure(can_report_indicator(actor, indicator, country))
    text = parse_period(period, indicator.frequency, field="period").text
    current = current_report(indicator, country, text)
    values = {} if current is None else {
        codes_of(v.first_value, v.second_value): v.value for v in current.values}
    lines = [SheetLine(codes_of(first, second), cell_label(first, second, locale),
                       values.get(codes_of(first, second))) for first, second in grid(indicator)]
    return IndicatorSheet(indicator, country, text, current.id if current else None, lines)


def _cells_of_line(sheet: IndicatorSheet, line: SheetLine) -> list[object]:
    """A line's values, column by column (the fill-in column empty)."""
    dimensions = dict(zip([d.code for d in sheet.indicator.dimensions], line.cell, strict=False))
    return [sheet.indicator.code, sheet.country.iso3, sheet.period, sheet.report_id,
            *(dimensions[code] or TOTAL for code in dimensions),
            line.label, _number(line.current), None]


def build_xlsx(sheet: IndicatorSheet, locale: str) -> bytes:
    """The sheet as an XLSX workbook: a frozen header, everything locked but the new values
    (protection without a password: a guard against slips; the server checks anyway), and
    a second sheet of instructions."""
    columns = columns_of(sheet.indicator)
    workbook = Workbook()
    book = workbook.active
    assert book is not None
    book.title = sheet.indicator.code[:31]
    for index, column in enumerate(columns, 1):
        cell = book.cell(row=1, column=index, value=column.header(locale))
        cell.font, cell.fill = Font(bold=True), FILL_IN if column.fill_in else HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        book.column_dimensions[get_column_letter(index)].width = column.width
    for number, line in enumerate(sheet.lines, 2):
        for index, value in enumerate(_cells_of_line(sheet, line), 1):
            cell = book.cell(row=number, column=index)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # a text starting with "=" stays text, never a formula
            else:
                cell.value = value
        book.cell(row=number, column=len(columns)).protection = Protection(locked=False)
        book.cell(row=number, column=len(columns)).fill = FILL_IN
    letter = get_column_letter(len(columns))
    check = _number_check(sheet.indicator.unit, locale)
    check.add(f"{letter}2:{letter}{len(sheet.lines) + 1}")
    book.add_data_validation(check)
    book.freeze_panes = "A2"
    book.protection.sheet = True
    book.protection.formatColumns = book.protection.formatRows = False
    _instructions(workbook.create_sheet(in_language(_l("Instructions"), locale)), locale)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_csv(sheet: IndicatorSheet, locale: str) -> bytes:
    """The same sheet as CSV: UTF-8 with a BOM, no cell a spreadsheet would take for a
    formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header(locale) for column in columns_of(sheet.indicator)])
    for line in sheet.lines:
        writer.writerow(["" if value is None else safe_cell(value)
                         for value in _cells_of_line(sheet, line)])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _number(value: Decimal | None) -> int | float | None:
    """A stored number as a spreadsheet holds it: 12, 12.5."""
    if value is None:
        return None
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def _number_check(unit: Unit, locale: str) -> DataValidation:
    """The new values as the unit allows them, checked as the reader types."""
    whole = unit == Unit.COUNT
    check = DataValidation(type="whole" if whole else "decimal", allow_blank=True,
                           operator="between" if unit == Unit.PERCENT else "greaterThanOrEqual",
                           formula1="0", formula2="100" if unit == Unit.PERCENT else None,
                           error=in_language(_l("Type a number the indicator's unit allows (a "
                                                "count is a whole number)."), locale))
    check.showErrorMessage = True
    return check


INSTRUCTIONS = (
    _l("Fill in the yellow column, one row per value of the breakdown, then upload the file "
       "on the indicator's spreadsheet page. Nothing is recorded until you have checked the "
       "preview and confirmed it."),
    _l("A new value left empty keeps the current value; a cell with neither is not reported. "
       "The values by a dimension must add up to their total. Type numbers, never formulas, "
       "and do not merge cells. Do not change the other columns: if someone records a report "
       "of this period after you downloaded the file, the preview shows a conflict instead of "
       "overwriting it."),
)


def _instructions(sheet, locale: str) -> None:
    """The second sheet: what the file is for and how to fill it in."""
    for text in INSTRUCTIONS:
        sheet.append([in_language(text, locale)])
        sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=True,
                                                                      vertical="top")
    sheet.column_dimensions["A"].width = 100
