"""ledger format 2: withdrawable texts and restricted files as salted commitments

New columns hold the salts (observation.text_salt, observation_answer.text_salt,
evidence.ledger_salt); rows written before stay NULL, as their format-1 entries hold the
values themselves. Ledger entries cannot be rewritten (their hashes are published), so the
format-1 entries whose content is withdrawn -- a restricted file's SHA-256, a hidden
observation's text and its answers' -- are *withheld* instead: one new `entries_withheld`
entry, appended here, records their seq, prev_hash and hash, and the API then serves them
without payload. README: "Withdrawn text and restricted files in the ledger".

Revision ID: 2bc0e3fbddcd
Revises: c5d8e1a4b7f2
Create Date: 2026-12-08 10:00:00.000000

"""
import datetime as dt
import hashlib
import json
import logging

import sqlalchemy as sa
from alembic import op

from tracker.core.columns import UTCDateTime

# revision identifiers, used by Alembic.
revision = '2bc0e3fbddcd'
down_revision = 'c5d8e1a4b7f2'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

ledger = sa.table('ledger_entry', sa.column('seq', sa.Integer), sa.column('at', UTCDateTime()),
                  sa.column('kind', sa.String), sa.column('payload', sa.Text),
                  sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
data_version = sa.table('data_version', sa.column('id', sa.Integer),
                        sa.column('value', sa.BigInteger),
                        sa.column('changed_at', UTCDateTime()))


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_salt', sa.String(length=32), nullable=True))
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_salt', sa.String(length=32), nullable=True))
    with op.batch_alter_table('observation_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_salt', sa.String(length=32), nullable=True))
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_kind'), ['kind'], unique=False)
    _withhold_withdrawn_entries()


# Frozen copies of the published algorithm (README, tools/verify_ledger.py).
def _canonical(payload) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _withhold_withdrawn_entries():
    conn = op.get_bind()
    hidden = set(conn.scalars(sa.text("SELECT observation_id FROM observation_hiding")))
    withdrawn = []
    for seq, kind, payload, prev_hash, digest in conn.execute(sa.text(
            "SELECT seq, kind, payload, prev_hash, hash FROM ledger_entry "
            "WHERE kind IN ('evidence_added', 'observation', 'answer') ORDER BY seq")):
        parsed = json.loads(payload)
        event = parsed["event"]
        if "v" in parsed:
            continue
        if (kind == "evidence_added" and event.get("visibility") == "restricted"
                and event.get("sha256")) \
                or (kind != "evidence_added" and event.get("observation_id") in hidden):
            withdrawn.append({"seq": seq, "prev_hash": prev_hash, "hash": digest})
    if not withdrawn:
        return
    now = dt.datetime.now(dt.timezone.utc)
    # As every public write: the data version row first (serialises appends, renews caches).
    bumped = conn.execute(data_version.update().where(data_version.c.id == 1)
                          .values(value=data_version.c.value + 1, changed_at=now))
    if bumped.rowcount == 0:
        conn.execute(data_version.insert().values(id=1, value=1, changed_at=now))
    last = conn.execute(sa.text(
        "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")).one()
    seq = last.seq + 1
    text = _canonical({"v": 2, "kind": "entries_withheld", "seq": seq,
                       "at": now.isoformat(timespec="microseconds"),
                       "event": {"cause": "format_2", "entries": withdrawn}})
    digest = hashlib.sha256((last.hash + text).encode("utf-8")).hexdigest()
    conn.execute(ledger.insert().values(seq=seq, at=now, kind="entries_withheld", payload=text,
                                        prev_hash=last.hash, hash=digest))
    log.info("Ledger entry %d withholds %d format-1 entries (restricted files, hidden "
             "observations): head %d:%s", seq, len(withdrawn), seq, digest)


def downgrade():
    # The entries written meanwhile stay (the ledger is append-only); an older tracker cannot
    # verify format-2 entries, and without the salts nobody can open their commitments.
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_kind'))
    with op.batch_alter_table('observation_answer', schema=None) as batch_op:
        batch_op.drop_column('text_salt')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_column('text_salt')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('ledger_salt')
