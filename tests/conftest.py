"""Fixtures in the flaskr shape: app, client, runner; plus a seeded database.

Tests run on SQLite in memory by default and on PostgreSQL when TEST_DATABASE_URL is set.
Every test starts from an empty schema, whatever ran before it.
"""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestingConfig
from tracker import create_app
from tracker.extensions import db
from tracker.importer.reader import read_seed_directory
from tracker.services.seeding import apply_seed

REPO = Path(__file__).resolve().parent.parent
SEED_DIR = REPO / "seed_data"
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
_schema_ready = False


def make_config(tmp_path: Path, **overrides) -> type[TestingConfig]:
    """A TestingConfig whose instance folder lives in the test's own tmp_path."""
    instance = tmp_path / "instance"
    values = dict(INSTANCE_PATH=str(instance), UPLOAD_FOLDER=str(instance / "uploads"),
                  MAIL_OUTBOX_DIR=str(instance / "outbox"))
    values.update(overrides)
    return type("TestConfig", (TestingConfig,), values)


def _empty_schema() -> None:
    """Create the tables once per run on PostgreSQL (each test on SQLite in memory)."""
    global _schema_ready
    if ON_POSTGRES and _schema_ready:
        return
    if ON_POSTGRES:
        db.drop_all()
    db.create_all()
    _schema_ready = True


def _truncate_all() -> None:
    if ON_POSTGRES:
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(tmp_path):
    app = create_app(make_config(tmp_path))
    with app.app_context():
        _empty_schema()
        yield app
        db.session.remove()
        _truncate_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The database loaded from the real seed_data/."""
    return apply_seed(read_seed_directory(SEED_DIR))


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a ``with count_queries() as n:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)

    return counting
