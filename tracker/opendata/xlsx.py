"""Records as an XLSX workbook beside each CSV: real dates and numbers, a frozen header with
an auto-filter, the CSV's column names. Spreadsheet programs open it right whatever their
CSV import does with UTF-8.

openpyxl's write-only mode streams rows to a temporary file, so 100,000 rows take the
memory of one; the finished file is then read out in chunks. Every date inside the file
(the zip entries', the document's) is the data's last change, so unchanged data give the
same bytes, as the export's ETag promises (a Range request may join two workers' copies)."""

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from tracker.core.time import UTC
from tracker.opendata.schema import Column

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = {"string": 24, "datetime": 20, "date": 12}  # characters; others 10
CHUNK = 64 * 1024
ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can hold


def xlsx_value(column: Column, value):
    """A record's value (as the API gives it) as the cell's value: a date or a naive UTC
    datetime (Excel has no time zones), a number, a boolean, a text, None."""
    if value is None or value == "":
        return None
    if column.type == "datetime":
        return dt.datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
    if column.type == "date":
        return dt.date.fromisoformat(value)
    if column.type == "string":
        return ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return value


def xlsx_chunks(records: Iterable[dict], columns: tuple[Column, ...], sheet_title: str,
                changed: dt.datetime) -> Iterator[bytes]:
    """The workbook of the records, one sheet, yielded in chunks once complete; ``changed``:
    when the data last changed, the file's only date."""
    stamp = max(changed, ZIP_EPOCH).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = stamp
    sheet = workbook.create_sheet(sheet_title)
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column.type, 10)
    sheet.freeze_panes = "A2"  # before the first row: write-only writes the view first
    bold = Font(bold=True)
    sheet.append([_cell(sheet, column.name, font=bold) for column in columns])
    rows = 1
    for record in records:
        sheet.append([_typed(sheet, column, record[column.name]) for column in columns])
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows}"
    with tempfile.TemporaryFile() as out:
        ExcelWriter(workbook, StampedZip(out, stamp)).save()  # save() would stamp "now"
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def _typed(sheet, column: Column, value):
    """The cell's value as openpyxl takes it, plain (fast; dates get their number format);
    a text openpyxl would write as a formula (one starting with "=") in a text cell."""
    value = xlsx_value(column, value)
    if isinstance(value, str) and value.startswith("="):
        return _cell(sheet, value)
    return value


def _cell(sheet, text: str, font: Font | None = None) -> WriteOnlyCell:
    """A text cell: typed as a string, so it stays text, never a formula (no ' needed,
    unlike the CSV)."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


class StampedZip(ZipFile):
    """A zip archive whose entries all carry one time, whatever the clock says."""

    def __init__(self, file, stamp: dt.datetime) -> None:
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self.stamp = stamp.timetuple()[:6]

    def _entry(self, name: str) -> ZipInfo:
        entry = ZipInfo(name, date_time=self.stamp)
        entry.compress_type = ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        return entry

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:
        """A file (a worksheet's rows) copied in, in chunks."""
        entry = self._entry(arcname or os.path.basename(filename))
        entry.file_size = os.path.getsize(filename)
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target, CHUNK)
