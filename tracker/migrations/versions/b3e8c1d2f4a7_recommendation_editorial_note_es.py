"""the editorial note in Spanish beside the English one

Revision ID: b3e8c1d2f4a7
Revises: e0e313b26495
Create Date: 2026-12-03 12:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e8c1d2f4a7'
down_revision = 'e0e313b26495'
branch_labels = None
depends_on = None


# editorial_note stays the English note (no rename); `flask seed` fills the Spanish one.
# Plain ALTER TABLE, not batch mode: a batch copy of recommendation on SQLite would trip the
# tally triggers that name it (SQLite >= 3.35 drops a column in place).
def upgrade():
    op.add_column('recommendation', sa.Column('editorial_note_es', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('recommendation', 'editorial_note_es')
