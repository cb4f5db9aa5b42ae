"""The committed migrations build the whole schema from nothing, on SQLite and PostgreSQL."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import ON_POSTGRES, make_config
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    import os

    base = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"tracker_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_nothing_builds_the_models_schema(tmp_path, empty_database_url):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert differences == []

        # The seed then loads into the migrated schema, and a downgrade empties it again.
        assert runner.invoke(args=["seed"]).exit_code == 0
        assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite keeps evidence files on disk")
def test_upgrading_copies_evidence_files_into_the_database(tmp_path, empty_database_url):
    """Files uploaded before evidence lived in PostgreSQL are served from it after the
    upgrade; a downgrade writes them back to the folder."""
    import hashlib

    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    uploads = tmp_path / "instance" / "uploads"
    content = b"%PDF-1.4 informe anterior"
    kept, lost = "a" * 32, "b" * 32
    with app.app_context():
        # Seeded by today's models, then taken back to the schema before evidence blobs.
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        assert runner.invoke(args=["seed"]).exit_code == 0
        db.session.remove()
        assert runner.invoke(args=["db", "downgrade", "b41d7c2e9f10"]).exit_code == 0
        (uploads / kept).write_bytes(content)
        with db.engine.begin() as conn:
            commitment = conn.scalar(sa.text("SELECT id FROM commitment ORDER BY id LIMIT 1"))
            for name in (kept, lost):  # the second one's file was lost long ago
                conn.execute(sa.text(
                    "INSERT INTO evidence (commitment_id, title, dated, visibility, "
                    "stored_name, original_filename, content_type, size, sha256, created_at) "
                    "VALUES (:c, 'Informe', '2026-01-05', 'public', :n, 'i.pdf', "
                    "'application/pdf', :s, :h, now())"),
                    dict(c=commitment, n=name, s=len(content),
                         h=hashlib.sha256(content).hexdigest() if name == kept else "0" * 64))
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        ids = db.session.scalars(sa.text("SELECT id FROM evidence ORDER BY id")).all()
        db.session.remove()
    client = app.test_client()
    assert client.get(f"/evidence/{ids[0]}/download").data == content
    assert client.get(f"/evidence/{ids[1]}/download").status_code == 404
    (uploads / kept).unlink()
    with app.app_context():
        assert runner.invoke(args=["db", "downgrade", "b41d7c2e9f10"]).exit_code == 0
        db.engine.dispose()
    assert (uploads / kept).read_bytes() == content
