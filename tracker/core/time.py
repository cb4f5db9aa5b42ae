"""The one clock and the one way to write an instant: aware datetimes in UTC everywhere.

Columns of type ``UTCDateTime`` (tracker.core.columns) hand back aware UTC values on every
database, so nothing else needs to guess whether a datetime is naive.
"""

import datetime as dt

UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    """Now, aware, in UTC (the default of every timestamp column)."""
    return dt.datetime.now(UTC)


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight UTC at the start of the day."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=UTC)


def isoformat_utc(value: dt.datetime | None, timespec: str = "seconds") -> str | None:
    """ISO 8601 in UTC (``2026-11-23T11:57:00+00:00``), None for None."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec=timespec)


def as_utc(value: dt.datetime) -> dt.datetime:
    """The instant in UTC; a naive value is refused, never guessed (the server's zone would
    change what the ledger hashes)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: instants are aware, in UTC")
    return value.astimezone(UTC)
