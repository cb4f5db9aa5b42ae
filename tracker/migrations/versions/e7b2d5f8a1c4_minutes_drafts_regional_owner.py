"""minutes in: draft items, uploaded originals of source documents, the CRM as an owner

Revision ID: e7b2d5f8a1c4
Revises: 2bc0e3fbddcd
Create Date: 2026-12-02 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from tracker.core.columns import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'e7b2d5f8a1c4'
down_revision = '2bc0e3fbddcd'
branch_labels = None
depends_on = None

DRAFT_KINDS = ('recommendation', 'earlier_agreement', 'good_practice', 'experience',
               'approach', 'obstacle', 'common_element', 'other')
DECISIONS = ('pending', 'accepted', 'merged', 'rejected')


def upgrade():
    with op.batch_alter_table('country') as batch_op:
        batch_op.add_column(sa.Column('regional', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('source_document') as batch_op:
        batch_op.add_column(sa.Column('stored_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('original_filename', sa.String(length=255),
                                      nullable=True))
        batch_op.add_column(sa.Column('content_type', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('restricted', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_unique_constraint('uq_source_document_stored_name', ['stored_name'])
    op.create_table(
        'draft_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*DRAFT_KINDS, name='draftkind', native_enum=False,
                                  length=20, create_constraint=True), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('section', sa.String(length=400), nullable=False),
        sa.Column('working_table', sa.String(length=400), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('reason_detail', sa.String(length=400), nullable=False),
        sa.Column('title_es', sa.String(length=300), nullable=True),
        sa.Column('title_en', sa.String(length=300), nullable=True),
        sa.Column('theme_id', sa.Integer(), nullable=True),
        sa.Column('owners', sa.JSON(), nullable=True),
        sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
        sa.Column('duplicate_code', sa.String(length=40), nullable=True),
        sa.Column('duplicate_score', sa.Float(), nullable=True),
        sa.Column('decision', sa.Enum(*DECISIONS, name='draftdecision', native_enum=False,
                                      length=20, create_constraint=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('published_code', sa.String(length=40), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_draft_item_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['document_id'], ['source_document.id'],
                                name=op.f('fk_draft_item_document_id_source_document')),
        sa.ForeignKeyConstraint(['duplicate_of_id'], ['draft_item.id'],
                                name=op.f('fk_draft_item_duplicate_of_id_draft_item')),
        sa.ForeignKeyConstraint(['theme_id'], ['theme.id'],
                                name=op.f('fk_draft_item_theme_id_theme')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_item')),
        sa.UniqueConstraint('document_id', 'position',
                            name=op.f('uq_draft_item_document_id_position')),
    )
    with op.batch_alter_table('draft_item') as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_item_document_id'), ['document_id'],
                              unique=False)


def downgrade():
    op.drop_table('draft_item')
    with op.batch_alter_table('source_document') as batch_op:
        batch_op.drop_constraint('uq_source_document_stored_name', type_='unique')
        for column in ('restricted', 'public', 'size', 'content_type', 'original_filename',
                       'stored_name'):
            batch_op.drop_column(column)
    with op.batch_alter_table('country') as batch_op:
        batch_op.drop_column('regional')
