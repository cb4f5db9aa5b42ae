"""report_request: follow-up reports asked for on the site, made by the scheduler

Revision ID: c7d2e9f4a1b3
Revises: b3e8c1d2f4a7
Create Date: 2026-12-03 13:15:00

"""
import sqlalchemy as sa
from alembic import op

from tracker.core.columns import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'c7d2e9f4a1b3'
down_revision = 'b3e8c1d2f4a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('format', sa.String(length=4), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('file_path', sa.String(length=255), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_request')),
        sa.UniqueConstraint('scope', 'code', 'as_of', 'lang', 'format', 'version',
                            name=op.f('uq_report_request_scope_code_as_of_lang_format_version')))
    with op.batch_alter_table('report_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_request_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('report_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_request_status'))
    op.drop_table('report_request')
