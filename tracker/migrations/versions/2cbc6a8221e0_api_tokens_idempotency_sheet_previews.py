"""api tokens, idempotent requests, sheet previews

Personal API tokens (only their SHA-256 kept) for national systems' writes, the first answer
to each Idempotency-Key, and uploaded spreadsheets' previews kept until applied or expired.

Revision ID: 2cbc6a8221e0
Revises: e7b2d5f8a1c4
Create Date: 2026-12-02 14:21:48.326940

"""
import sqlalchemy as sa
from alembic import op

import tracker.core.columns


# revision identifiers, used by Alembic.
revision = '2cbc6a8221e0'
down_revision = 'e7b2d5f8a1c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.String(length=100), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['country_id'], ['country.id'], name=op.f('fk_api_token_country_id_country')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_api_token_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('sheet_preview',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sheet_preview_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_preview'))
    )
    with op.batch_alter_table('sheet_preview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_preview_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_preview_user_id'), ['user_id'], unique=False)

    op.create_table('idempotent_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', tracker.core.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'], name=op.f('fk_idempotent_request_token_id_api_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_request')),
    sa.UniqueConstraint('token_id', 'key', name=op.f('uq_idempotent_request_token_id_key'))
    )
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_request_created_at'), ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_request_created_at'))

    op.drop_table('idempotent_request')
    with op.batch_alter_table('sheet_preview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_preview_user_id'))
        batch_op.drop_index(batch_op.f('ix_sheet_preview_expires_at'))

    op.drop_table('sheet_preview')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
