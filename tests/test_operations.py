"""What an operator relies on: health probes, the real client behind a proxy, rotating the
secret key, and production refusing an address that is not HTTPS."""

import json
import uuid

import pytest
import sqlalchemy as sa
from conftest import CSRF_FIELD, AuthActions, make_config, running_app

from tracker import config, create_app
from tracker.accounts.tokens import unsubscribe_token, user_for_unsubscribe
from tracker.extensions import cache, db


def test_healthz_answers_without_the_database(client, count_queries):
    with count_queries() as statements:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert statements == [] and response.headers["Cache-Control"] == "no-store"


def test_readyz_wants_the_schema_at_the_latest_migration(app, client, runner):
    response = client.get("/readyz")  # the test schema is built from the models, unstamped
    assert response.status_code == 503
    assert "flask db upgrade" in response.get_json()["status"]
    try:
        assert runner.invoke(args=["db", "stamp", "head"]).exit_code == 0
        response = client.get("/readyz")
        assert response.status_code == 200 and response.get_json() == {"status": "ready"}
    finally:  # the worker's database outlives the test on PostgreSQL
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_readyz_says_when_the_database_does_not_answer(tmp_path):
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=unreachable))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "database unreachable"


def login_codes(client, addresses: list[str]) -> list[int]:
    token = AuthActions(client).csrf("/login")
    return [client.post("/login", headers={"X-Forwarded-For": address}, data={
        "email": "nadie@example.org", "password": "x" * 12, "csrf_token": token}).status_code
        for address in addresses]


@pytest.mark.parametrize("hops, spread, limited", [
    (1, True, False),   # 12 clients behind one proxy: each has its own count
    (1, False, True),   # one client behind the proxy: limited after 10
    (0, True, True),    # no proxy trusted: a forged header does not escape the limit
])
def test_rate_limits_count_the_real_client_behind_a_proxy(tmp_path, hops, spread, limited):
    with running_app(make_config(tmp_path, TRUSTED_PROXIES=hops,
                                 LOGIN_RATE_LIMIT="10 per minute")) as app:
        addresses = [f"203.0.113.{n if spread else 7}" for n in range(1, 13)]
        codes = login_codes(app.test_client(), addresses)
    assert (429 in codes) == limited
    if limited:
        assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]


def test_a_rotated_secret_key_keeps_mailed_links_working(app, seeded):
    from factories import make_user

    user = make_user("focal_point", country="MEX")
    old_link = unsubscribe_token(user)  # mailed before the rotation
    app.config["SECRET_KEY"] = "a-new-key-" * 4
    assert user_for_unsubscribe(old_link) is None  # a new key alone breaks it
    app.config["SECRET_KEY_FALLBACKS"] = ["testing-only"]
    assert user_for_unsubscribe(old_link) == user
    new_link = unsubscribe_token(user)
    assert new_link != old_link  # signed with the new key, not a fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert user_for_unsubscribe(new_link) == user


@pytest.mark.parametrize("address", [None, "http://tracker.example.org"])
def test_production_needs_an_https_public_address(tmp_path, address):
    values = dict(SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/t",
                  INSTANCE_PATH=str(tmp_path / "i"), UPLOAD_FOLDER=str(tmp_path / "u"),
                  MAIL_OUTBOX_DIR=str(tmp_path / "o"))
    if address:
        values["PUBLIC_BASE_URL"] = address
    else:
        values["PUBLIC_BASE_URL"] = config.Config.PUBLIC_BASE_URL  # the development default
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(type("P", (config.ProductionConfig,), values))


def test_a_form_without_its_cookie_says_what_to_do_in_the_readers_language(client, seeded):
    """Over plain HTTP a production browser drops the Secure session cookie: the login form
    then arrives without its CSRF session; the answer must help, not puzzle."""
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    client.delete_cookie("session")
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12,
                                           "csrf_token": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "CSRF" not in text
    assert "recargue la página" in text and "https://" in text


def test_workers_share_the_rate_limit_and_the_cache_through_redis(tmp_path):
    """RATELIMIT_STORAGE_URI=redis:// and CACHE_TYPE=RedisCache, as the README advises for
    several workers: two apps (two workers) count one client's logins together."""
    prefix = f"tracker-test-{uuid.uuid4().hex}"
    # A client of this test alone: the Redis counts outlive the test by a minute, and
    # flask-limiter keeps the first key prefix a process saw.
    client = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    shared = dict(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", RATELIMIT_KEY_PREFIX=prefix,
                  LOGIN_RATE_LIMIT="3 per minute", CACHE_TYPE="RedisCache", TRUSTED_PROXIES=1,
                  CACHE_REDIS_URL="redis://127.0.0.1:6379", CACHE_KEY_PREFIX=prefix)
    with running_app(make_config(tmp_path / "a", **shared)) as first:
        codes = login_codes(first.test_client(), [client] * 2)
        cache.set("shared-probe", "from the first worker")
    with running_app(make_config(tmp_path / "b", **shared)) as second:
        codes += login_codes(second.test_client(), [client] * 2)
        assert cache.get("shared-probe") == "from the first worker"
    assert codes == [200, 200, 200, 429]


def test_every_request_is_logged_once_with_its_id(client, capsys):
    capsys.readouterr()
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-id-1234"})
    assert response.headers["X-Request-ID"] == "proxy-id-1234"  # a proxy's id is kept
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    made = forged.headers["X-Request-ID"]
    assert "<" not in made and len(made) == 32  # an unusable one is replaced
    lines = [line for line in capsys.readouterr().out.splitlines() if "tracker.access" in line]
    assert len(lines) == 2
    assert "GET /healthz 200" in lines[0] and "id=proxy-id-1234" in lines[0]
    assert f"id={made}" in lines[1] and "<script>" not in lines[1]


def test_logs_are_json_lines_when_asked(tmp_path, capsys):
    with running_app(make_config(tmp_path, LOG_FORMAT="json")) as app:
        capsys.readouterr()
        app.test_client().get("/healthz")
        lines = capsys.readouterr().out.splitlines()
    (entry,) = [json.loads(line) for line in lines if '"tracker.access"' in line]
    assert entry["logger"] == "tracker.access" and entry["status"] == 200
    assert entry["path"] == "/healthz" and entry["method"] == "GET"
    assert len(entry["request_id"]) == 32 and entry["duration_ms"] >= 0
