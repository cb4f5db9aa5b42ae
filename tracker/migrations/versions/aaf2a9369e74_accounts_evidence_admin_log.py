"""accounts, evidence, administration log, history actors

Revision ID: aaf2a9369e74
Revises: 5c67c054d011
Create Date: 2026-11-23 10:32:56.636865

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aaf2a9369e74'
down_revision = '5c67c054d011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('email_key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email_key', name=op.f('pk_login_throttle'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('role', sa.Enum('secretariat', 'focal_point', 'auditor', name='user_role', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('organisation_kind', sa.Enum('civil_society', 'academia', 'international_organisation', name='organisation_kind', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role <> 'auditor' OR organisation IS NOT NULL", name=op.f('ck_user_account_auditor_has_organisation')),
    sa.CheckConstraint("role <> 'focal_point' OR country_id IS NOT NULL", name=op.f('ck_user_account_focal_point_has_country')),
    sa.ForeignKeyConstraint(['country_id'], ['country.id'], name=op.f('fk_user_account_country_id_country')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_country_id'), ['country_id'], unique=False)

    op.create_table('admin_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_admin_action_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_action'))
    )
    with op.batch_alter_table('admin_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_action_at'), ['at'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('dated', sa.Date(), nullable=False),
    sa.Column('visibility', sa.Enum('public', 'restricted', name='evidence_visibility', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('original_filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(stored_name IS NULL) <> (url IS NULL)', name=op.f('ck_evidence_file_or_link')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_evidence_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_evidence_commitment_id_commitment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_evidence_stored_name'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_commitment_id'), ['commitment_id'], unique=False)

    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_country_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_status_event_actor_id_user_account'), 'user_account', ['actor_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_status_event_actor_country_id_country'), 'country', ['actor_country_id'], ['id'])



def downgrade():
    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_status_event_actor_country_id_country'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_status_event_actor_id_user_account'), type_='foreignkey')
        batch_op.drop_column('actor_country_id')
        batch_op.drop_column('actor_id')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_commitment_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('admin_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_action_at'))

    op.drop_table('admin_action')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_country_id'))

    op.drop_table('user_account')
    op.drop_table('login_throttle')
