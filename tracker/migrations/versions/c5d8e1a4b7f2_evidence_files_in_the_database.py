"""evidence files in the database: every app host serves every file

On PostgreSQL the files already in UPLOAD_FOLDER are copied into the new tables (checked
against their SHA-256); they stay on disk, to be removed once a backup holds them. SQLite
keeps using the folder, and the tables stay empty there.

Revision ID: c5d8e1a4b7f2
Revises: b41d7c2e9f10
Create Date: 2026-12-02 06:00:00.000000

"""
import hashlib
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = 'c5d8e1a4b7f2'
down_revision = 'b41d7c2e9f10'
branch_labels = None
depends_on = None

CHUNK_SIZE = 1024 * 1024  # as tracker/evidence/files.py, frozen here with the data it wrote
log = logging.getLogger('alembic.runtime.migration')

evidence = sa.table('evidence', sa.column('id', sa.Integer), sa.column('stored_name', sa.String),
                    sa.column('sha256', sa.String))
blob = sa.table('evidence_blob', sa.column('sha256', sa.String), sa.column('size', sa.BigInteger),
                sa.column('created_at', sa.DateTime(timezone=True)))
chunk = sa.table('evidence_blob_chunk', sa.column('sha256', sa.String),
                 sa.column('seq', sa.Integer), sa.column('data', sa.LargeBinary))


def upgrade():
    op.create_table('evidence_blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence_blob'))
    )
    op.create_table('evidence_blob_chunk',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['evidence_blob.sha256'],
                            name=op.f('fk_evidence_blob_chunk_sha256_evidence_blob')),
    sa.PrimaryKeyConstraint('sha256', 'seq', name=op.f('pk_evidence_blob_chunk'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        _copy_files_in(Path(current_app.config['UPLOAD_FOLDER']))


def _copy_files_in(folder: Path) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(evidence.c.id, evidence.c.stored_name, evidence.c.sha256)
                        .where(evidence.c.stored_name.is_not(None))).all()
    copied = 0
    for row in rows:
        if conn.scalar(sa.select(blob.c.sha256).where(blob.c.sha256 == row.sha256)):
            continue  # the same file, attached twice
        path = folder / row.stored_name
        if not path.is_file():
            log.warning('evidence %s: %s is not in %s; its download stays missing',
                        row.id, row.stored_name, folder)
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != row.sha256:
            log.warning('evidence %s: %s does not match its SHA-256; left out', row.id, path)
            continue
        conn.execute(blob.insert().values(sha256=row.sha256, size=len(data),
                                          created_at=sa.func.now()))
        for seq, start in enumerate(range(0, len(data), CHUNK_SIZE)):
            conn.execute(chunk.insert().values(sha256=row.sha256, seq=seq,
                                               data=data[start:start + CHUNK_SIZE]))
        copied += 1
    if rows:
        log.info('evidence files: %d copied from %s into the database', copied, folder)


def downgrade():
    # Back to files on disk first, so that no content goes with the tables.
    if op.get_bind().dialect.name == 'postgresql':
        folder = Path(current_app.config['UPLOAD_FOLDER'])
        folder.mkdir(parents=True, exist_ok=True)
        conn = op.get_bind()
        for row in conn.execute(sa.select(evidence.c.stored_name, evidence.c.sha256)
                                .where(evidence.c.stored_name.is_not(None))):
            pieces = conn.scalars(sa.select(chunk.c.data).where(chunk.c.sha256 == row.sha256)
                                  .order_by(chunk.c.seq)).all()
            if pieces and not (folder / row.stored_name).exists():
                (folder / row.stored_name).write_bytes(b''.join(pieces))
    op.drop_table('evidence_blob_chunk')
    op.drop_table('evidence_blob')
