"""search with pg_trgm indexes on PostgreSQL

Revision ID: d16b5ea7c4b2
Revises: d16a7a11e5a1
Create Date: 2026-12-02 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16b5ea7c4b2'
down_revision = 'd16a7a11e5a1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
