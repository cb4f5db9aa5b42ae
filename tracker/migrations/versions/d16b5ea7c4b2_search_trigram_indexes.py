"""search with pg_trgm indexes on PostgreSQL

Revision ID: d16b5ea7c4b2
Revises: d16a7a11e5a1
Create Date: 2026-12-02 19:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd16b5ea7c4b2'
down_revision = 'd16a7a11e5a1'
branch_labels = None
depends_on = None


# The folded texts a search's LIKE '%needle%' reads, as trigram indexes: PostgreSQL answers a
# LIKE of three letters or more off them. SQLite scans its small databases instead.
INDEXES = {
    "ix_recommendation_search_text_trgm": ("recommendation", "search_text"),
    "ix_status_event_note_search_trgm": ("status_event", "note_search"),
    "ix_commitment_code_trgm": ("commitment", "(lower(code))"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, expression) in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")  # the extension stays: others may use it
