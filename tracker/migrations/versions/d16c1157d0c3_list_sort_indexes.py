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


def upgrade():
    pass


def downgrade():
    pass
