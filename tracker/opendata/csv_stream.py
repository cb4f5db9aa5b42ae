"""Records as CSV text, written in chunks so an export never sits whole in memory."""

import csv
import datetime as dt
import io

from tracker.core.time import UTC
from tracker.opendata.schema import CSV_DATETIME, Column

BOM = "\ufeff"  # so Excel reads the file as UTF-8 and shows accents right
ROWS_PER_CHUNK = 500
# A spreadsheet runs a cell starting with these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading ' on a string a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(column: Column, value):
    """A record's value (as the API gives it) as its column's CSV text: an instant in UTC as
    YYYY-MM-DD HH:MM:SS, true/false, '' for none, a text safe from formulas."""
    if value is None or value == "":
        return ""
    if column.type == "datetime":
        return dt.datetime.fromisoformat(value).astimezone(UTC).strftime(CSV_DATETIME)
    if column.type == "boolean":
        return "true" if value else "false"
    return safe_cell(value)


def csv_chunks(records, columns: tuple[Column, ...],
               rows_per_chunk: int = ROWS_PER_CHUNK):
    """BOM, header (the columns' names) and rows, yielded every rows_per_chunk rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([column.name for column in columns])
    for count, record in enumerate(records, 1):
        writer.writerow([csv_cell(column, record[column.name]) for column in columns])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
