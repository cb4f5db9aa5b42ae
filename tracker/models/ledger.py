"""The public ledger: every public event as canonical JSON in a hash chain."""

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.columns import UTCDateTime
from tracker.core.events import listen_once
from tracker.extensions import Model, db


class LedgerEntry(Model):
    """One public event. ``hash = sha256(prev_hash || payload)`` (hex, UTF-8), so changing,
    removing or reordering any entry breaks every hash after it. Append-only."""

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)  # finds the withheld list
    payload: Mapped[str] = mapped_column(sa.Text)  # canonical JSON, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


def new_salt() -> str:
    """A per-record random salt (128 bits, hex): the ledger commits to a withdrawable text or
    a restricted file as sha256(salt + value), which only the salt's holders can open."""
    return secrets.token_hex(16)


# PostgreSQL refuses UPDATE and DELETE on history below the ORM too (create_all and the
# migration both install this). TRUNCATE is not affected, so tests can empty tables.
REFUSE_CHANGE_FUNCTION = sa.DDL("""
CREATE OR REPLACE FUNCTION tracker_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% is append-only: %% refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql
""")
APPEND_ONLY_TABLES = ("status_event", "admin_action", "ledger_entry", "observation",
                      "observation_answer", "observation_hiding", "indicator_report",
                      "indicator_value")


def refuse_change_trigger(table: str) -> sa.DDL:
    # OR REPLACE: create_all on a database that already has the tables still runs this.
    return sa.DDL(f"CREATE OR REPLACE TRIGGER {table}_append_only "
                  f"BEFORE UPDATE OR DELETE ON {table} "
                  f"FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change()")


_REFUSE_CHANGE = REFUSE_CHANGE_FUNCTION.execute_if(dialect="postgresql")
_TRIGGERS = [refuse_change_trigger(name).execute_if(dialect="postgresql")
             for name in APPEND_ONLY_TABLES]


def register_triggers() -> None:
    """Whoever builds the schema from the models (create_all: tests, a fresh install
    without migrations) gets the append-only triggers too; migrations create their own."""
    listen_once(db.metadata, "before_create", _REFUSE_CHANGE)
    for trigger in _TRIGGERS:
        listen_once(db.metadata, "after_create", trigger)
