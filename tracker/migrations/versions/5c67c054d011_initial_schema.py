"""initial schema: reference data, meetings, recommendations, commitments, history

Revision ID: 5c67c054d011
Revises: 
Create Date: 2026-11-23 09:24:34.511145

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c67c054d011'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('country',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('iso3', sa.String(length=3), nullable=False),
    sa.Column('name_es', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_country')),
    sa.UniqueConstraint('iso3', name=op.f('uq_country_iso3'))
    )
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('venue', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('code', name=op.f('uq_meeting_code'))
    )
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name_es', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('code', name=op.f('uq_theme_code'))
    )
    op.create_table('source_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_source_document_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_document')),
    sa.UniqueConstraint('code', name=op.f('uq_source_document_code'))
    )
    with op.batch_alter_table('source_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_document_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('working_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_es', sa.String(length=400), nullable=False),
    sa.Column('name_en', sa.String(length=400), nullable=False),
    sa.Column('facilitators', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_working_table_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_table')),
    sa.UniqueConstraint('meeting_id', 'code', name=op.f('uq_working_table_meeting_id_code'))
    )
    op.create_table('context_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('working_table_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('experience', 'good_practice', 'approach', 'obstacle', 'common_element', name='contextkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('section', sa.String(length=400), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_es', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['working_table_id'], ['working_table.id'], name=op.f('fk_context_item_working_table_id_working_table')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_context_item')),
    sa.UniqueConstraint('code', name=op.f('uq_context_item_code'))
    )
    with op.batch_alter_table('context_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_context_item_working_table_id'), ['working_table_id'], unique=False)

    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('working_table_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('recommendation', 'earlier_agreement', name='recommendationkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('section', sa.String(length=400), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_es', sa.Text(), nullable=False),
    sa.Column('title_es', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('editorial_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_recommendation_theme_id_theme')),
    sa.ForeignKeyConstraint(['working_table_id'], ['working_table.id'], name=op.f('fk_recommendation_working_table_id_working_table')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation')),
    sa.UniqueConstraint('code', name=op.f('uq_recommendation_code'))
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_theme_id'), ['theme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_working_table_id'), ['working_table_id'], unique=False)

    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_reported', 'not_started', 'in_progress', 'completed', 'stalled', name='commitment_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('responsible_institution', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('progress IS NULL OR (progress >= 0 AND progress <= 100)', name=op.f('ck_commitment_progress_range')),
    sa.ForeignKeyConstraint(['country_id'], ['country.id'], name=op.f('fk_commitment_country_id_country')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_commitment_recommendation_id_recommendation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment')),
    sa.UniqueConstraint('code', name=op.f('uq_commitment_code')),
    sa.UniqueConstraint('recommendation_id', 'country_id', name=op.f('uq_commitment_recommendation_id_country_id'))
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_country_id'), ['country_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_updated_at'), ['updated_at'], unique=False)

    op.create_table('source_quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_document_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=True),
    sa.Column('context_item_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.CheckConstraint('(recommendation_id IS NULL) <> (context_item_id IS NULL)', name=op.f('ck_source_quote_one_owner')),
    sa.ForeignKeyConstraint(['context_item_id'], ['context_item.id'], name=op.f('fk_source_quote_context_item_id_context_item')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_source_quote_recommendation_id_recommendation')),
    sa.ForeignKeyConstraint(['source_document_id'], ['source_document.id'], name=op.f('fk_source_quote_source_document_id_source_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_quote')),
    sa.UniqueConstraint('context_item_id', 'source_document_id', name=op.f('uq_source_quote_context_item_id_source_document_id')),
    sa.UniqueConstraint('recommendation_id', 'source_document_id', name=op.f('uq_source_quote_recommendation_id_source_document_id'))
    )
    with op.batch_alter_table('source_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_quote_context_item_id'), ['context_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_source_quote_recommendation_id'), ['recommendation_id'], unique=False)

    op.create_table('status_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.Enum('not_reported', 'not_started', 'in_progress', 'completed', 'stalled', name='event_from_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('not_reported', 'not_started', 'in_progress', 'completed', 'stalled', name='event_to_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_role', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_status_event_commitment_id_commitment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_event'))
    )
    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_event_commitment_id'), ['commitment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_event_commitment_id'))
        batch_op.drop_index(batch_op.f('ix_status_event_at'))

    op.drop_table('status_event')
    with op.batch_alter_table('source_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_quote_recommendation_id'))
        batch_op.drop_index(batch_op.f('ix_source_quote_context_item_id'))

    op.drop_table('source_quote')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_updated_at'))
        batch_op.drop_index(batch_op.f('ix_commitment_status'))
        batch_op.drop_index(batch_op.f('ix_commitment_due_date'))
        batch_op.drop_index(batch_op.f('ix_commitment_country_id'))

    op.drop_table('commitment')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_working_table_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_theme_id'))

    op.drop_table('recommendation')
    with op.batch_alter_table('context_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_context_item_working_table_id'))

    op.drop_table('context_item')
    op.drop_table('working_table')
    with op.batch_alter_table('source_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_document_meeting_id'))

    op.drop_table('source_document')
    op.drop_table('theme')
    op.drop_table('meeting')
    op.drop_table('country')
