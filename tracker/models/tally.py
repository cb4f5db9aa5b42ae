"""Commitments counted by owner and status, kept current by the database in the same
transaction as every write, so the dashboard, the stats and the scorecards read a few
hundred rows, not every commitment.

Four scopes: ``all`` (per owner), ``theme`` and ``table`` (per owner in one theme or one
working table; a meeting is the sum of its tables), and ``due`` (per owner and month of the
due date, as YYYYMM: the overdue count is past months' tallies plus this month's few rows).
Triggers, not ORM hooks, keep them: they also see COPY (demo data), raw SQL and an
operator's psql (not TRUNCATE, nor writes in replica mode: recount with ``recount``). On
PostgreSQL the upsert adds to the row as committed by others, and an advisory lock per owner
orders the writers of one owner's tallies, so concurrent updates lose no count and do not
deadlock (a multi-row transaction waits for a single update of the same owner, or the
other way round).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.core.columns import enum_type
from tracker.core.events import listen_once
from tracker.extensions import Model, db
from tracker.models.commitment import Status

SCOPES = ("all", "due", "table", "theme")


class CommitmentTally(Model):
    """How many of an owner's commitments in one scope have one status, and the sum of their
    effective progress (100 when completed, else the reported figure or 0)."""

    __table_args__ = (sa.UniqueConstraint("scope", "scope_id", "country_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(10))
    scope_id: Mapped[int]  # 0 for "all", the due month (YYYYMM), a theme's or table's id
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("country.id"))
    status: Mapped[Status] = mapped_column(enum_type(Status, "commitment_tally_status"))
    count: Mapped[int]
    progress_sum: Mapped[int]


def row_source(rows: list[tuple[str, int]]) -> str:
    """The commitments a trigger counts: (row, sign) with row NEW or OLD."""
    return " UNION ALL ".join(
        f"SELECT {row}.country_id AS country_id, {row}.status AS status, "
        f"{row}.progress AS progress, {row}.recommendation_id AS recommendation_id, "
        f"{row}.due_date AS due_date, {sign} AS sign" for row, sign in rows)


EFFECTIVE = (f"CASE WHEN c.status = '{Status.COMPLETED.value}' THEN 100 "
             "ELSE COALESCE(c.progress, 0) END")
UPSERT = """ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum"""


# The due month as YYYYMM (SQLite keeps dates as ISO text). DDL formats with %: doubled.
DUE_MONTH = {"postgresql": "CAST(to_char(c.due_date, 'YYYYMM') AS INTEGER)",
             "sqlite": "CAST(strftime('%%Y%%m', c.due_date) AS INTEGER)"}


def tally_statement(source: str, dialect: str) -> str:
    """One upsert adding each source row's sign to its scopes, in key order (concurrent
    transactions lock tally rows in the same order: no deadlock between single updates),
    in a trigger or on its own. A commitment with no due date has no ``due`` row."""
    return f"""
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN {DUE_MONTH[dialect]} ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * {EFFECTIVE})
FROM ({source}) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
{UPSERT}"""


def recount(dialect: str) -> str:
    """Counting every commitment into empty tallies: the migration's fill, the tests' check
    (unescaped: for a plain text() statement, not DDL)."""
    return tally_statement("SELECT country_id, status, progress, recommendation_id, due_date, "
                           "1 AS sign FROM commitment", dialect).replace("%%", "%")


def moved_recommendation_statement() -> str:
    """The upsert moving a recommendation's commitments from its old theme and working table
    to its new ones (unchanged scopes add and subtract the same: a net zero)."""
    return f"""
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope, s.scope_id, c.country_id, c.status, SUM(s.sign), SUM(s.sign * {EFFECTIVE})
FROM commitment AS c
CROSS JOIN (SELECT 'theme' AS scope, OLD.theme_id AS scope_id, -1 AS sign
            UNION ALL SELECT 'theme', NEW.theme_id, 1
            UNION ALL SELECT 'table', OLD.working_table_id, -1
            UNION ALL SELECT 'table', NEW.working_table_id, 1) AS s
WHERE c.recommendation_id = NEW.id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
{UPSERT}"""


# The first key of the tallies' advisory locks (the second is the owner's id); the
# scheduler's lock is a one-key lock, so the two never meet.
TALLY_LOCK = 16_016

COUNTED_CHANGE = ("OLD.status IS NOT NEW.status OR OLD.progress IS NOT NEW.progress "
                  "OR OLD.country_id IS NOT NEW.country_id "
                  "OR OLD.recommendation_id IS NOT NEW.recommendation_id "
                  "OR OLD.due_date IS NOT NEW.due_date")
MOVED = ("OLD.theme_id IS NOT NEW.theme_id "
         "OR OLD.working_table_id IS NOT NEW.working_table_id")


def postgresql_ddl() -> list[str]:
    """The function and triggers on PostgreSQL (IS NOT is spelled IS DISTINCT FROM)."""
    distinct = {"counted": COUNTED_CHANGE.replace("IS NOT", "IS DISTINCT FROM"),
                "moved": MOVED.replace("IS NOT", "IS DISTINCT FROM")}
    return [f"""
CREATE OR REPLACE FUNCTION tracker_count_commitment() RETURNS trigger AS $$
BEGIN
    -- The recommendation's theme and table as committed: a move waits for this
    -- transaction, or this for the move (either way each sees the other's rows).
    PERFORM 1 FROM recommendation
     WHERE id IN (NEW.recommendation_id, OLD.recommendation_id) FOR SHARE;
    -- One writer of an owner's tallies at a time, whatever rows it touches in what order:
    -- a transaction of many rows cannot deadlock with a single update.
    PERFORM pg_advisory_xact_lock({TALLY_LOCK}, COALESCE(NEW.country_id, OLD.country_id));
    IF TG_OP = 'UPDATE' AND NEW.country_id IS DISTINCT FROM OLD.country_id THEN
        PERFORM pg_advisory_xact_lock({TALLY_LOCK}, OLD.country_id);
    END IF;
    IF TG_OP = 'INSERT' THEN
        {tally_statement(row_source([("NEW", 1)]), "postgresql")};
    ELSIF TG_OP = 'DELETE' THEN
        {tally_statement(row_source([("OLD", -1)]), "postgresql")};
    ELSE
        {tally_statement(row_source([("OLD", -1), ("NEW", 1)]), "postgresql")};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""", f"""
CREATE OR REPLACE FUNCTION tracker_move_recommendation_tally() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({TALLY_LOCK}, country_id)
       FROM (SELECT DISTINCT country_id FROM commitment WHERE recommendation_id = NEW.id
             ORDER BY country_id) AS owners;
    {moved_recommendation_statement()};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
        # DROP, then CREATE: OR REPLACE TRIGGER needs PostgreSQL 14; we support 13.
        "DROP TRIGGER IF EXISTS commitment_tally_insert_delete ON commitment",
        "CREATE TRIGGER commitment_tally_insert_delete AFTER INSERT OR DELETE "
        "ON commitment FOR EACH ROW EXECUTE FUNCTION tracker_count_commitment()",
        "DROP TRIGGER IF EXISTS commitment_tally_update ON commitment",
        "CREATE TRIGGER commitment_tally_update AFTER UPDATE ON commitment "
        f"FOR EACH ROW WHEN ({distinct['counted']}) "
        "EXECUTE FUNCTION tracker_count_commitment()",
        "DROP TRIGGER IF EXISTS recommendation_tally_move ON recommendation",
        "CREATE TRIGGER recommendation_tally_move AFTER UPDATE ON recommendation "
        f"FOR EACH ROW WHEN ({distinct['moved']}) "
        "EXECUTE FUNCTION tracker_move_recommendation_tally()"]


def sqlite_ddl() -> list[str]:
    """The same triggers in SQLite's dialect (no functions: the statement is inlined)."""
    return [
        "CREATE TRIGGER IF NOT EXISTS commitment_tally_insert AFTER INSERT ON commitment "
        f"BEGIN {tally_statement(row_source([('NEW', 1)]), 'sqlite')}; END",
        "CREATE TRIGGER IF NOT EXISTS commitment_tally_delete AFTER DELETE ON commitment "
        f"BEGIN {tally_statement(row_source([('OLD', -1)]), 'sqlite')}; END",
        "CREATE TRIGGER IF NOT EXISTS commitment_tally_update AFTER UPDATE ON commitment "
        f"WHEN {COUNTED_CHANGE} "
        f"BEGIN {tally_statement(row_source([('OLD', -1), ('NEW', 1)]), 'sqlite')}; END",
        "CREATE TRIGGER IF NOT EXISTS recommendation_tally_move AFTER UPDATE ON recommendation "
        f"WHEN {MOVED} BEGIN {moved_recommendation_statement()}; END"]


@contextmanager
def recounted_after(session: Session) -> Iterator[None]:
    """A bulk insert of commitments, counted once at the end. On PostgreSQL the insert
    trigger is off meanwhile (in the transaction: a rollback turns it back on): 100,000
    upserts of a few hot rows in one transaction leave long version chains and took minutes.
    Needs the table's owner, as migrations do."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(sa.text("ALTER TABLE commitment "
                                "DISABLE TRIGGER commitment_tally_insert_delete"))
    yield
    if postgresql:
        session.execute(sa.text("ALTER TABLE commitment "
                                "ENABLE TRIGGER commitment_tally_insert_delete"))
        session.execute(sa.delete(CommitmentTally))
        session.execute(sa.text(recount("postgresql")))


# Built once: listen_once knows a hook by identity.
_DDL = [sa.DDL(statement).execute_if(dialect=dialect)
        for dialect, statements in (("postgresql", postgresql_ddl()), ("sqlite", sqlite_ddl()))
        for statement in statements]


def register_triggers() -> None:
    """Whoever builds the schema from the models (create_all: tests, a fresh install without
    migrations) gets the triggers too; the migration creates its own."""
    for ddl in _DDL:
        listen_once(db.metadata, "after_create", ddl)
