"""Fixtures in the flaskr shape: app, client, runner; plus a seeded database.

Tests run on SQLite in memory by default and on PostgreSQL when TEST_DATABASE_URL is set
(one database per pytest-xdist worker: tests/databases.py). Every test starts from an empty
schema, whatever ran before it; `seeded` copies in a database seeded once per worker.
Rows are made with tests/factories.py.
"""

import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import jinja2
import psycopg
import pytest
import sqlalchemy as sa
from databases import DATABASE_URL, ON_POSTGRES, DatabaseImage, worker_database
from factories import PASSWORD, make_people, make_user
from flask.testing import FlaskClient
from loopback_smtp import LoopbackSMTPServer
from sqlalchemy.engine import make_url

from tracker import create_app
from tracker.config import PACKAGE_DIR, TestingConfig
from tracker.extensions import db
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed

REPO = Path(__file__).resolve().parent.parent
SEED_DIR = PACKAGE_DIR / "seed_data"
_schema_ready = False


def make_config(tmp_path: Path, **overrides) -> type[TestingConfig]:
    """A TestingConfig on this worker's test database whose instance folder lives in the
    test's own tmp_path."""
    instance = tmp_path / "instance"
    values = dict(SQLALCHEMY_DATABASE_URI=DATABASE_URL, INSTANCE_PATH=str(instance),
                  UPLOAD_FOLDER=str(instance / "uploads"), MAIL_OUTBOX_DIR=str(instance / "outbox"))
    values.update(overrides)
    return type("TestConfig", (TestingConfig,), values)


def _empty_schema() -> None:
    """Create the tables once per worker on PostgreSQL (each test on SQLite in memory)."""
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


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates shared by every app of the worker, in memory: each test makes its
    own app, whose Jinja environment would compile every template it renders again (a
    tenth of the suite's time). Jinja's checksum of the source keeps an edited one current."""

    def __init__(self):
        self._code: dict[str, tuple[str, object]] = {}

    def get_bucket(self, environment, name, filename, source):
        bucket = jinja2.bccache.Bucket(environment, self.get_cache_key(name, filename),
                                       self.get_source_checksum(source))
        checksum, code = self._code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code
        return bucket

    def set_bucket(self, bucket):
        self._code[bucket.key] = (bucket.checksum, bucket.code)


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture(scope="session", autouse=True)
def worker_db():
    """On PostgreSQL under xdist, this worker's own database, for the whole run."""
    with worker_database():
        yield


@contextmanager
def running_app(config):
    """An app on an empty schema, its context held while in use, emptied afterwards."""
    app = create_app(config)
    app.test_client_class = FreshContextClient
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        _empty_schema()
        try:
            yield app
        finally:
            db.session.remove()
            _truncate_all()
            db.engine.dispose()


def engine_of(app):
    """The app's database engine, whichever app context is current."""
    with app.app_context():
        return db.engine


@pytest.fixture
def app(tmp_path):
    with running_app(make_config(tmp_path)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- databases filled once per worker -------------------------------------------------

@pytest.fixture(scope="session")
def seed_bundle():
    """seed_data/, read and checked once per run."""
    return read_seed_directory(SEED_DIR)


@pytest.fixture(scope="session")
def build_image(tmp_path_factory):
    """build_image(fill): run fill(app) once on an empty database, keep a DatabaseImage of
    what it wrote (its ``value`` is what fill returned)."""
    images = []

    def build(fill) -> DatabaseImage:
        with running_app(make_config(tmp_path_factory.mktemp("image"))) as builder:
            value = fill(builder)
            db.session.remove()
            images.append(DatabaseImage(db.engine, db.metadata.sorted_tables, value))
        return images[-1]

    yield build
    for image in images:
        image.close()


@pytest.fixture(scope="session")
def seed_image(build_image, seed_bundle):
    """A database seeded from seed_data/ once per worker: seeding was most of a test's
    set-up time, copying it in costs a few milliseconds."""
    return build_image(lambda builder: apply_seed(seed_bundle))


@pytest.fixture
def seeded(app, seed_image):
    """The database loaded from the real seed_data/; the seed report."""
    return seed_image.restore(engine_of(app))


@pytest.fixture
def people(seeded):
    """The auditing cast (factories.make_people): auditors, focal points, the secretariat."""
    return make_people()


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a ``with count_queries() as n:`` block."""

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

# The roles tests log in as: (role, country, deactivated after logging in).
LOGIN_ROLES = {
    "auditor": ("auditor", None, False),
    "focal_point": ("focal_point", "MEX", False),
    "focal_same": ("focal_point", "MEX", False),     # the country of the tests' commitments
    "focal_other": ("focal_point", "GTM", False),
    "secretariat": ("secretariat", None, False),
    "deactivated": ("focal_point", "MEX", True),
    "deactivated_secretariat": ("secretariat", None, True),
}


@pytest.fixture
def acting_as(seeded, auth):
    """Log the client in as a role of LOGIN_ROLES (or "anonymous": nobody); return the user.
    The deactivated ones are deactivated after logging in."""
    from tracker.accounts import users
    from tracker.models import User
    from tracker.permissions import SYSTEM

    def login(role: str):
        if role == "anonymous":
            return None
        kind, country, deactivated = LOGIN_ROLES[role]
        user = make_user(kind, country=country)
        assert auth.login(user.email).status_code == 302
        if deactivated:
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
    with running_app(make_config(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                                 PUBLIC_BASE_URL="https://tracker.example.org")) as app:
        yield app


@pytest.fixture
def mail_seeded(mail_app, seed_image):
    """The mail app's database loaded from the real seed_data/; the seed report."""
    return seed_image.restore(engine_of(mail_app))


# -- a second, empty database ----------------------------------------------------------

def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def empty(tmp_path):
    """Another app on a new, empty database: an SQLite file, or a PostgreSQL database named
    after the test database's."""
    folder = tmp_path / "empty"
    if ON_POSTGRES:
        name = f"{make_url(DATABASE_URL).database}_export_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(_libpq(DATABASE_URL), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app(make_config(folder, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if ON_POSTGRES:
            with psycopg.connect(_libpq(DATABASE_URL), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
