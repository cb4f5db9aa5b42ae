"""indexes for every sort of the lists

Revision ID: d16c1157d0c3
Revises: d16b5ea7c4b2
Create Date: 2026-12-02 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16c1157d0c3'
down_revision = 'd16b5ea7c4b2'
branch_labels = None
depends_on = None


# listing.SORTS's keys as its ORDER BY writes them; "due" puts undated commitments last.
DUE_ORDER = sa.text("(due_date IS NULL)")
UPDATED_DESC = sa.text("updated_at DESC")
# Codes end in the owner's ISO3 (MT1-R03-MEX): the country sort off one table's index.
COUNTRY_OF_CODE = sa.text("substr(code, length(code) - 2)")
INDEXES = {
    "ix_commitment_updated_order": [UPDATED_DESC, "code"],
    "ix_commitment_country_id_updated_order": ["country_id", UPDATED_DESC, "code"],
    "ix_commitment_status_updated_order": ["status", UPDATED_DESC, "code"],
    "ix_commitment_country_id_status_code": ["country_id", "status", "code"],
}
# Expression indexes: SQLAlchemy cannot reflect them on SQLite, whose small databases do
# without.
POSTGRESQL_INDEXES = {
    "ix_commitment_due_order": [DUE_ORDER, "due_date", "code"],
    "ix_commitment_country_id_due_order": ["country_id", DUE_ORDER, "due_date", "code"],
    "ix_commitment_status_due_order": ["status", DUE_ORDER, "due_date", "code"],
    "ix_commitment_country_order": [COUNTRY_OF_CODE, "code"],
}


def _indexes():
    on_postgres = op.get_bind().dialect.name == "postgresql"
    return {**INDEXES, **(POSTGRESQL_INDEXES if on_postgres else {})}


# Single-column indexes the new ones lead with: one write less per index on each update.
REDUNDANT = {"ix_commitment_country_id": ["country_id"], "ix_commitment_status": ["status"],
             "ix_commitment_updated_at": ["updated_at"]}


def upgrade():
    for name, columns in _indexes().items():
        op.create_index(name, "commitment", columns)
    for name in REDUNDANT:
        op.drop_index(name, table_name="commitment")


def downgrade():
    for name, columns in REDUNDANT.items():
        op.create_index(name, "commitment", columns)
    for name in _indexes():
        op.drop_index(name, table_name="commitment")
