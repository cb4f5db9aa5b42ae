"""Many rows at once, in the caller's transaction. On PostgreSQL a large batch goes through
COPY: an executemany is one INSERT per row on the wire (psycopg pipelines them, but each is
still parsed and planned), which made most of the time of 100,000 demo commitments."""

import enum
from typing import Any

import sqlalchemy as sa

COPY_FROM_ROWS = 500  # below this, the plain executemany is as fast and keeps Core's path


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """INSERT the rows (dicts with the same keys) into the table."""
    if not rows:
        return
    if connection.dialect.name != "postgresql" or len(rows) < COPY_FROM_ROWS:
        connection.execute(table.insert(), rows)
        return
    given = [c for c in table.columns if c.name in rows[0]]
    # COPY does not run Python-side defaults; Core's INSERT would: compute them here.
    defaulted = {c: _default(c) for c in table.columns
                 if c.name not in rows[0] and c.default is not None}
    columns = given + list(defaulted)
    quote = connection.dialect.identifier_preparer.quote
    statement = (f"COPY {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
                 f"FROM STDIN")
    driver: Any = connection.connection.driver_connection  # psycopg's, here
    with driver.cursor() as cursor, \
            cursor.copy(statement) as copy:
        tail = list(defaulted.values())
        for row in rows:
            copy.write_row([_stored(row[c.name]) for c in given] + tail)


def _stored(value):
    """What the column keeps: an enum's value (the models store values, not names)."""
    return value.value if isinstance(value, enum.Enum) else value


def _default(column: sa.Column):
    default: Any = column.default
    if default.is_scalar:
        return _stored(default.arg)
    if default.is_callable:
        return _stored(default.arg(None))  # SQLAlchemy wraps it to take an execution context
    raise ValueError(f"{column} has a default COPY cannot compute")
