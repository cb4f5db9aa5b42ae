"""The sheet to fill in: a country's commitments (or every country's, for the secretariat)
as they stand, with the version each row was downloaded at and empty columns for the new
status, progress and note. XLSX (a drop-down of statuses, the current state locked) or CSV."""

import csv
import datetime as dt
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tracker.commitments.sheets.columns import (
    NEW_DUE_DATE,
    NEW_PROGRESS,
    NEW_STATUS,
    Column,
    columns_for,
    in_language,
    status_label,
    status_labels,
)
from tracker.extensions import db
from tracker.models import Commitment, Country, Recommendation, Status
from tracker.opendata.csv_stream import BOM, safe_cell
from tracker.permissions import Actor, can_report_by_sheet, ensure, is_focal_point

DATE_FORMAT = "yyyy-mm-dd"
FILL_IN = PatternFill("solid", start_color="FFF2CC")  # the columns to type into
HEADER = PatternFill("solid", start_color="D9D9D9")


@dataclass(frozen=True)
class SheetLine:
    """One commitment as downloaded: what the sheet shows and the version it was at."""

    code: str
    title_es: str
    title_en: str
    status: Status
    progress: int | None
    due_date: dt.date | None
    institution: str | None
    updated_at: dt.datetime
    version: int

    def value(self, key: str, locale: str):
        """The value of one column, in the reader's language (None when empty)."""
        match key:
            case "title":
                return self.title_en if locale == "en" else self.title_es
            case "status":
                return status_label(self.status, locale)
            case "institution":
                return self.institution
            case "last_update":
                return self.updated_at.date()
            case "code" | "progress" | "due_date" | "version":
                return getattr(self, key)
        return None  # a column to fill in


def sheet_rows(actor: Actor, country: Country | None) -> list[SheetLine]:
    """The commitments a sheet holds, by code, in one query: a focal point's own country's;
    the secretariat's for one country, or every country (None)."""
    ensure(can_report_by_sheet(actor, country))
    country_id = country.id if country is not None else None
    if is_focal_point(actor):
        country_id = actor.country_id  # their own, whatever was asked (ensured above)
    query = (sa.select(Commitment.code, Recommendation.title_es, Recommendation.title_en,
                       Commitment.status, Commitment.progress, Commitment.due_date,
                       Commitment.responsible_institution, Commitment.updated_at,
                       Commitment.version)
             .join(Commitment.recommendation).order_by(Commitment.code))
    if country_id is not None:
        query = query.where(Commitment.country_id == country_id)
    return [SheetLine(*row) for row in db.session.execute(query)]


def build_xlsx(rows: list[SheetLine], locale: str, *, secretariat: bool) -> bytes:
    """The sheet as an XLSX workbook: a frozen header, the current state and the version
    locked (sheet protection without a password: a guard against slips, the server checks
    everything anyway), the columns to fill in open, and a sheet of instructions."""
    columns = columns_for(secretariat=secretariat)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = in_language(_l("Commitments"), locale)
    for index, column in enumerate(columns, 1):
        cell = sheet.cell(row=1, column=index, value=in_language(column.label, locale))
        cell.font = Font(bold=True)
        cell.fill = FILL_IN if column.fill_in else HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for number, line in enumerate(rows, 2):
        for index, column in enumerate(columns, 1):
            _write(sheet.cell(row=number, column=index), line.value(column.key, locale), column)
    _validations(sheet, columns, len(rows), locale)
    sheet.freeze_panes = "B2"  # the header and the code stay in sight
    last = f"{get_column_letter(len(columns))}{len(rows) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    protection = sheet.protection
    protection.sheet = True
    # What stays allowed under protection (openpyxl's True means "protected"):
    protection.formatColumns = protection.formatRows = protection.autoFilter = False
    _instructions(workbook.create_sheet(in_language(_l("Instructions"), locale)), columns,
                  locale)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_csv(rows: list[SheetLine], locale: str, *, secretariat: bool) -> bytes:
    """The same sheet as CSV: UTF-8 with a BOM (so spreadsheet programs read accents
    right), dates as YYYY-MM-DD, no cell a spreadsheet would take for a formula."""
    columns = columns_for(secretariat=secretariat)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([in_language(column.label, locale) for column in columns])
    for line in rows:
        writer.writerow([_csv_value(line.value(column.key, locale)) for column in columns])
    return (BOM + buffer.getvalue()).encode("utf-8")


# -- helpers ---------------------------------------------------------------------------

def _write(cell, value, column: Column) -> None:
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # a text starting with "=" stays text, never a formula
    else:
        cell.value = value
    if column.kind == "date":
        cell.number_format = DATE_FORMAT
    if column.fill_in:
        cell.protection = Protection(locked=False)
        cell.fill = FILL_IN
    if column.key in ("title", "institution", "note"):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(value)


def _validations(sheet: Worksheet, columns: list[Column], count: int, locale: str) -> None:
    """A drop-down of the statuses in the reader's language, progress as a whole number
    0-100, dates as dates: on the rows of the sheet, checked as the reader types."""
    if not count:
        return
    labels = status_labels(locale)
    # An inline list is at most 255 characters, without commas or quotes inside a label.
    assert all("," not in label and '"' not in label for label in labels)
    checks = {
        NEW_STATUS.key: DataValidation(
            type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
            error=in_language(_l("Choose a status from the list."), locale)),
        NEW_PROGRESS.key: DataValidation(
            type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
            error=in_language(_l("Progress is a whole number from 0 to 100."), locale)),
        NEW_DUE_DATE.key: DataValidation(
            type="date", operator="greaterThan", formula1="1", allow_blank=True,
            error=in_language(_l("Type a date, such as 2026-12-31."), locale)),
    }
    for index, column in enumerate(columns, 1):
        check = checks.get(column.key)
        if check is not None:
            letter = get_column_letter(index)
            check.showErrorMessage = True
            check.add(f"{letter}2:{letter}{count + 1}")
            sheet.add_data_validation(check)


INSTRUCTIONS = {
    "code": _l("The commitment's code. Do not change it: it says which commitment the row "
               "is about."),
    "version": _l("The version of the commitment you downloaded. Do not change it: if "
                  "someone records an update before you upload this file, the row is shown "
                  "as a conflict instead of overwriting their update."),
    "new_status": _l("The status to report, chosen from the list. Leave it empty to keep "
                     "the current status."),
    "new_progress": _l("Progress to report, a whole number from 0 to 100 (percent). Leave "
                       "it empty to keep the current progress."),
    "note": _l("What changed and where it can be verified. Required when a commitment "
               "becomes stalled or completed."),
    "new_due_date": _l("Secretariat only: a new due date, as a date or written YYYY-MM-DD. "
                       "Leave it empty to keep the current one."),
    "new_institution": _l("Secretariat only: a new responsible institution. Leave it empty "
                          "to keep the current one."),
}
AS_DOWNLOADED = _l("The commitment as it stood when you downloaded this file: for reading, "
                   "not read back.")
INTRODUCTION = (
    _l("Fill in the yellow columns, one row per commitment, then upload the file on the "
       "“My commitments” page. Nothing is recorded until you have checked the preview and "
       "confirmed it."),
    _l("Rows left empty in the yellow columns change nothing. Type values, never formulas, "
       "and do not merge cells. The file may be saved as XLSX or as CSV, in Spanish or in "
       "English."),
)


def _instructions(sheet: Worksheet, columns: list[Column], locale: str) -> None:
    """The second sheet: what the file is for, then each column and what to write in it."""
    for text in INTRODUCTION:  # in the wide column, never merged (the reader refuses that)
        sheet.append([None, in_language(text, locale)])
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True,
                                                                      vertical="top")
    sheet.append([])
    sheet.append([in_language(_l("Column"), locale), in_language(_l("What to write"), locale)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in columns:
        sheet.append([in_language(column.label, locale),
                      in_language(INSTRUCTIONS.get(column.key, AS_DOWNLOADED), locale)])
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True,
                                                                      vertical="top")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
