"""Fixtures in the flaskr shape: app, client, runner; plus a seeded database.

Tests run on SQLite in memory by default and on PostgreSQL when TEST_DATABASE_URL is set.
Every test starts from an empty schema, whatever ran before it.
"""

import os
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from config import TestingConfig
from tracker import create_app
from tracker.extensions import db
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed

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


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in a server: a fresh ``g`` and its own
    database session, whatever the test holds open. Afterwards the test's session forgets
    cached rows, so it sees what the request wrote."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def _running_app(config):
    """An app on an empty schema, its context held for the test, emptied afterwards."""
    app = create_app(config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_schema()
        yield app
        db.session.remove()
        _truncate_all()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    yield from _running_app(make_config(tmp_path))


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


# -- accounts ------------------------------------------------------------------------

PASSWORD = "migración-segura-2026"
_password_hash: str | None = None


def password_hash() -> str:
    """argon2id is slow on purpose: hash the tests' password once per run."""
    global _password_hash
    if _password_hash is None:
        from tracker.accounts.passwords import hash_password

        _password_hash = hash_password(PASSWORD)
    return _password_hash


@pytest.fixture
def make_user(app):
    """Create a user row: make_user("focal_point", country="MEX")."""
    from tracker.models import Country, Role, User

    def make(role: str = "focal_point", *, country: str | None = "MEX", email: str | None = None,
             active: bool = True, organisation: str | None = None):
        role = Role(role)
        email = email or f"{role.value}.{country or 'x'}.{uuid.uuid4().hex[:6]}@example.org"
        user = User(email=email.lower(), role=role, active=active, password_hash=password_hash(),
                    name=f"Test {role.value}")
        if role == Role.FOCAL_POINT:
            user.country = db.session.scalar(sa.select(Country).filter_by(iso3=country))
            assert user.country is not None, "seed the countries first (use `seeded`)"
        if role == Role.AUDITOR:
            user.organisation = organisation or "Red Regional de Organizaciones Civiles"
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def acting_as(seeded, make_user, auth):
    """Log in as a role (a focal point of Mexico); 'deactivated_secretariat' is deactivated
    after logging in."""
    from tracker.models import User
    from tracker.permissions import SYSTEM
    from tracker.accounts import users

    def login(role: str):
        if role == "anonymous":
            return None
        kind = "secretariat" if role.endswith("secretariat") else role
        user = make_user(kind, country="MEX" if kind == "focal_point" else None)
        assert auth.login(user.email).status_code == 302
        if role == "deactivated_secretariat":
            users.deactivate_user(SYSTEM, db.session.get(User, user.id))
        return user

    return login


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class AuthActions:
    """Log in through the real form, and fetch CSRF tokens the way a browser has them."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str | None = None) -> str:
        """A token from path, or from "/" (logged in: the logout form) or "/login"."""
        for candidate in ([path] if path else ["/", "/login"]):
            match = CSRF_FIELD.search(self.client.get(candidate).get_data(as_text=True))
            if match:
                return match.group(1)
        raise AssertionError(f"no CSRF token on {path or '/ or /login'}")

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": self.csrf("/login")})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf()})

    def post(self, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
        """POST a form with a valid CSRF token (anonymous clients take it from /login)."""
        data = dict(data or {})
        data["csrf_token"] = self.csrf(token_from)
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


# -- mail ----------------------------------------------------------------------------

class RecordingHandler:
    """aiosmtpd handler keeping every message the server accepted (and to whom it went).
    It refuses for good (550) any recipient whose address starts with "bounce"."""

    def __init__(self):
        self.messages = []
        self.recipients = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class LoopbackSMTPServer(RecordingHandler):
    """A real SMTP server (aiosmtpd) on a free loopback port; tests may stop and restart
    it (a controller cannot restart, so each start makes a new one on the same port)."""

    def __init__(self):
        import socket

        super().__init__()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; .messages holds what it received."""
    server = LoopbackSMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_app(tmp_path, smtp_server):
    """An app whose mail goes to the loopback SMTP server, with its own empty schema."""
    yield from _running_app(make_config(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
        PUBLIC_BASE_URL="https://tracker.example.org"))
