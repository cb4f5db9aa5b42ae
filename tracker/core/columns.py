"""Column types every model shares: one spelling for instants and one for coded values."""

import datetime as dt
import enum

import sqlalchemy as sa

from tracker.core.time import UTC


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and read back aware, in UTC, on SQLite and PostgreSQL alike.

    SQLite keeps no offset: it stores the UTC wall time and hands back a naive value, which
    is UTC by construction; PostgreSQL hands back the session's zone. Both come back as UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        # A naive value can only come from the database or a test: it is UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(kind: type[enum.Enum], name: str | None = None, length: int = 20) -> sa.Enum:
    """A coded vocabulary stored as its values (``in_progress``), checked by a constraint,
    portable (no native enum type): adding a value is a plain migration."""
    options = {"name": name} if name else {}  # unnamed: SQLAlchemy names it after the class
    return sa.Enum(kind, native_enum=False, length=length, create_constraint=True,
                   values_callable=lambda members: [m.value for m in members], **options)
