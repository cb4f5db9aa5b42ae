"""folded search columns

Revision ID: fa9f892b0ebf
Revises: 92182afab55d
Create Date: 2026-11-23 13:31:27.708629

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fa9f892b0ebf'
down_revision = '92182afab55d'
branch_labels = None
depends_on = None

# The folding of tracker/services/search.py as it was when this migration was written: a
# migration must not change because the app's code did.
_TABLE = str.maketrans("ÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÇáéíóúüñàèìòùâêîôûç",
                       "AEIOUUNAEIOUAEIOUCaeiouunaeiouaeiouc")


def _fold(text):
    return None if text is None else text.translate(_TABLE).lower()


def upgrade():
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False,
                                      server_default=''))

    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note_search', sa.Text(), nullable=True))

    conn = op.get_bind()
    recommendation = sa.table('recommendation', sa.column('id'), sa.column('title_es'),
                              sa.column('title_en'), sa.column('text_es'),
                              sa.column('search_text'))
    rows = conn.execute(sa.select(recommendation.c.id, recommendation.c.title_es,
                                  recommendation.c.title_en, recommendation.c.text_es)).all()
    for id_, *texts in rows:
        conn.execute(recommendation.update().where(recommendation.c.id == id_).values(
            search_text="\n".join(_fold(t or "") for t in texts)))
    event = sa.table('status_event', sa.column('id'), sa.column('note'),
                     sa.column('note_search'))
    notes = conn.execute(sa.select(event.c.id, event.c.note)
                         .where(event.c.note.is_not(None))).all()
    for id_, note in notes:
        conn.execute(event.update().where(event.c.id == id_).values(note_search=_fold(note)))


def downgrade():
    with op.batch_alter_table('status_event', schema=None) as batch_op:
        batch_op.drop_column('note_search')

    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_column('search_text')
