"""The factory, its configuration, the first page and the error renderer."""

import pytest
import sqlalchemy as sa
from conftest import make_config

from tracker import config, create_app
from tracker.extensions import db
from tracker.models import HistoryIsAppendOnly, StatusEvent


def test_default_config_runs_on_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=config._database_url(
        f"sqlite:///{tmp_path / 'instance' / 'tracker.db'}")))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    for folder in ("instance", "instance/uploads", "instance/outbox"):
        assert (tmp_path / folder).is_dir()


def test_postgres_urls_use_the_installed_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/tracker")
    assert config._database_url("sqlite://") == "postgresql+psycopg://u@db/tracker"


@pytest.mark.parametrize("secret, database, message", [
    (config.DEV_SECRET_KEY, "postgresql+psycopg://db/t", "SECRET_KEY"),
    ("short", "postgresql+psycopg://db/t", "SECRET_KEY"),
    ("x" * 40, "sqlite:///tracker.db", "DATABASE_URL"),
])
def test_production_refuses_to_start_without_real_settings(tmp_path, secret, database, message):
    production = type("P", (config.ProductionConfig,), dict(
        SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI=database,
        INSTANCE_PATH=str(tmp_path / "i"), UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_OUTBOX_DIR=str(tmp_path / "o")))
    with pytest.raises(RuntimeError, match=message):
        create_app(production)


def test_production_starts_with_real_settings(tmp_path):
    production = type("P", (config.ProductionConfig,), dict(
        SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/t",
        PUBLIC_BASE_URL="https://tracker.example.org",
        INSTANCE_PATH=str(tmp_path / "i"), UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_OUTBOX_DIR=str(tmp_path / "o")))
    app = create_app(production)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_flask_config_name_is_refused(monkeypatch):
    monkeypatch.setenv("FLASK_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        config.config_from_env()


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "Traceback" not in response.get_data(as_text=True)


def test_errors_answer_json_to_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_history_cannot_be_edited_or_deleted(app, seeded):
    event = db.session.scalar(sa.select(StatusEvent).limit(1))
    event.note = "rewritten"
    with pytest.raises(HistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    event = db.session.scalar(sa.select(StatusEvent).limit(1))
    db.session.delete(event)
    with pytest.raises(HistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(sa.select(StatusEvent).limit(1)).note != "rewritten"
