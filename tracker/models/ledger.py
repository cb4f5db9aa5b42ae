"""The public ledger: every public event as canonical JSON in a hash chain."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.columns import UTCDateTime
from tracker.extensions import Model, db


class LedgerEntry(Model):
    """One public event. ``hash = sha256(prev_hash || payload)`` (hex, UTF-8), so changing,
    removing or reordering any entry breaks every hash after it. Append-only."""

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[str] = mapped_column(sa.Text)  # canonical JSON, exactly as hashed
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


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
                      "observation_answer", "observation_hiding")


def refuse_change_trigger(table: str) -> sa.DDL:
    # OR REPLACE: create_all on a database that already has the tables still runs this.
    return sa.DDL(f"CREATE OR REPLACE TRIGGER {table}_append_only "
                  f"BEFORE UPDATE OR DELETE ON {table} "
                  f"FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change()")


sa.event.listen(db.metadata, "before_create",
                REFUSE_CHANGE_FUNCTION.execute_if(dialect="postgresql"))
for _name in APPEND_ONLY_TABLES:
    sa.event.listen(db.metadata, "after_create",
                    refuse_change_trigger(_name).execute_if(dialect="postgresql"))
