"""Records as CSV text, written in chunks so an export never sits whole in memory."""

import csv
import io
from itertools import chain

BOM = "\ufeff"  # so Excel reads the file as UTF-8 and shows accents right
ROWS_PER_CHUNK = 500
# A spreadsheet runs a cell starting with these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading ' on a string a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(records, empty_header, rows_per_chunk: int = ROWS_PER_CHUNK):
    """BOM, header (the records' keys) and rows, yielded every rows_per_chunk rows."""
    records = iter(records)
    first = next(records, None)
    header = list(first) if first is not None else list(empty_header)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(header)
    rows = chain([first], records) if first is not None else records
    for count, record in enumerate(rows, 1):
        writer.writerow([safe_cell(value) for value in record.values()])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
