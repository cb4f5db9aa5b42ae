"""The tracker's application factory."""

from pathlib import Path

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from config import Config, config_from_env
from tracker.extensions import babel, csrf, db, migrate


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the app: no threads, no migrations, no network; those are set-up steps."""
    config_class = config_class or config_from_env()
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=config_class.INSTANCE_PATH,
    )
    app.config.from_object(config_class)
    config_class.validate(app.config)
    _ensure_instance_folders(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_globals(app)
    return app


def _ensure_instance_folders(app: Flask) -> None:
    """Create what the embedded default needs (SQLite file's folder, uploads, outbox)."""
    for folder in (app.instance_path, app.config["UPLOAD_FOLDER"], app.config["MAIL_OUTBOX_DIR"]):
        Path(folder).mkdir(parents=True, exist_ok=True)


def select_locale() -> str:
    """Spanish by default, English when the browser prefers it."""
    from flask import current_app

    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "es"


def register_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (registers every table with the metadata)

    db.init_app(app)
    # An absolute directory, so `flask db` works from any working directory.
    migrations = Path(app.root_path).parent / "migrations"
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)


def register_blueprints(app: Flask) -> None:
    from tracker.public import bp as public_bp

    app.register_blueprint(public_bp)


def register_errorhandlers(app: Flask) -> None:
    from tracker.errors import render_error

    app.register_error_handler(HTTPException, render_error)


def register_commands(app: Flask) -> None:
    from tracker.importer.cli import seed_command

    app.cli.add_command(seed_command)


def register_template_globals(app: Flask) -> None:
    from tracker.labels import STATUS_LABELS

    app.jinja_env.globals["status_labels"] = STATUS_LABELS
