"""The tracker's application factory."""

from collections.abc import Mapping
from pathlib import Path

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.config import Config, config_from_env, engine_options
from tracker.extensions import babel, cache, csrf, db, limiter, migrate


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the app: no threads, no migrations, no network; those are set-up steps."""
    config_class = config_class or config_from_env()
    app = Flask(__name__, instance_path=config_class.INSTANCE_PATH)
    app.config.from_object(config_class)
    _default_to_instance_folder(app)
    if isinstance(app.json, DefaultJSONProvider):  # the API speaks Spanish: UTF-8, not \u
        app.json.ensure_ascii = False
    config_class.validate(app.config)
    _ensure_instance_folders(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    register_extensions(app)
    register_domains(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_globals(app)
    return app


def _default_to_instance_folder(app: Flask) -> None:
    """What no variable names lives in the instance folder: the SQLite file, uploads, outbox."""
    instance = Path(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = (app.config["SQLALCHEMY_DATABASE_URI"]
                                             or f"sqlite:///{instance / 'tracker.db'}")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)  # per database
    app.config["UPLOAD_FOLDER"] = app.config["UPLOAD_FOLDER"] or str(instance / "uploads")
    app.config["MAIL_OUTBOX_DIR"] = app.config["MAIL_OUTBOX_DIR"] or str(instance / "outbox")


def _ensure_instance_folders(app: Flask) -> None:
    """Create what the embedded default needs (SQLite file's folder, uploads, outbox)."""
    for folder in (app.instance_path, app.config["UPLOAD_FOLDER"], app.config["MAIL_OUTBOX_DIR"]):
        Path(folder).mkdir(parents=True, exist_ok=True)


def select_locale() -> str:
    """The URL's ``?lang=``, else the reader's choice, else the browser's preference, else
    Spanish (CLI and jobs too)."""
    from flask import current_app, has_request_context

    from tracker.core.language import language_in_url

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = language_in_url() or request.cookies.get("lang")  # the cookie: the switcher's
    if chosen is not None and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "es"


def register_extensions(app: Flask) -> None:
    from tracker.auth import sessions
    from tracker.core import compression, logs, request_checks, uploads
    from tracker.core.shared_answers import SessionOnlyWhereItMatters

    logs.init_app(app)  # first: Flask then sees a handler and adds no stderr one of its own
    compression.init_app(app)  # its hook registered first runs last, on the final answer
    app.session_interface = SessionOnlyWhereItMatters()  # no Vary: Cookie on shared answers
    request_checks.init_app(app)  # before the blueprints: their <int:...> routes use it
    uploads.init_app(app)  # a full or read-only TMPDIR answers 503, not 500

    db.init_app(app)
    # Inside the package, so `flask db` works from any working directory.
    migrations = Path(app.root_path) / "migrations"
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    sessions.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)


def register_domains(app: Flask) -> None:
    """Each domain registers its own hooks: nothing works by being imported."""
    from tracker import commitments, ledger, models
    from tracker.core import data_version

    for domain in (models, data_version, commitments, ledger):
        domain.init_app(app)


def register_blueprints(app: Flask) -> None:
    from tracker.admin import bp as admin_bp
    from tracker.api import bp as api_bp
    from tracker.auth import bp as auth_bp
    from tracker.exports import bp as exports_bp
    from tracker.health import bp as health_bp
    from tracker.manage import bp as manage_bp
    from tracker.public import bp as public_bp
    from tracker.reminders.routes import bp as reminders_bp
    from tracker.reports.routes import bp as reports_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(health_bp)


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from tracker.core import errors
    from tracker.core.security import add_security_headers

    app.register_error_handler(HTTPException, errors.render_error)
    app.register_error_handler(CSRFError, errors.render_csrf_error)
    for outage in errors.DATABASE_UNAVAILABLE:  # 503 and Retry-After, not a 500 and a traceback
        app.register_error_handler(outage, errors.render_database_unavailable)
    app.teardown_appcontext(errors.close_database_session)  # runs before Flask-SQLAlchemy's
    add_security_headers(app)


def register_commands(app: Flask) -> None:
    from tracker.accounts.cli import users_group
    from tracker.accounts.token_cli import tokens_group
    from tracker.importer.cli import demo_data_command, seed_command
    from tracker.importer.minutes_cli import minutes_group
    from tracker.indicators.cli import indicators_group
    from tracker.ledger.cli import ledger_group
    from tracker.operations.cli import backup_group
    from tracker.reminders.cli import reminders_group
    from tracker.reminders.scheduler import scheduler_command
    from tracker.reports.cli import report_group

    app.cli.add_command(seed_command)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(ledger_group)
    app.cli.add_command(indicators_group)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(backup_group)
    app.cli.add_command(minutes_group)
    app.cli.add_command(report_group)


def register_template_globals(app: Flask) -> None:
    from tracker.commitments.overdue import is_overdue
    from tracker.core import dates, labels
    from tracker.core.numbers import numberformat
    from tracker.indicators.publication import small_figure
    from tracker.permissions import TEMPLATE_PREDICATES
    from tracker.public.options import option_tags

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["numberformat"] = numberformat
    # Ours replace Flask-Babel's (registered by babel.init_app): unambiguous, with the zone.
    app.jinja_env.filters.update(dateformat=dates.dateformat,
                                 datetimeformat=dates.datetimeformat,
                                 html_datetime=dates.html_datetime)
    tables: dict[str, Mapping] = {
        "status_labels": labels.STATUS_LABELS, "actor_labels": labels.ACTOR_LABELS,
        "assessment_labels": labels.ASSESSMENT_LABELS,
        "organisation_kind_labels": labels.ORGANISATION_KIND_LABELS,
        "message_kind_labels": labels.MESSAGE_KIND_LABELS,
        "outbox_status_labels": labels.OUTBOX_STATUS_LABELS}
    app.jinja_env.globals.update({name: labels.InLanguage(table)
                                  for name, table in tables.items()})
    app.jinja_env.globals.update(is_overdue=is_overdue, option_tags=option_tags,
                                 small_figure=small_figure)
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)

    @app.context_processor
    def _locale():
        from flask_babel import get_locale

        return {"locale": str(get_locale())}
