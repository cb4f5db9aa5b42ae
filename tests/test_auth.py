"""Accounts: login, waits after failures, sessions that really end, cookies, headers, the
users CLI. The limits an attacker might turn against an owner: tests/test_auth_limits.py."""

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import AuthActions
from factories import PASSWORD, make_user

from tracker import create_app
from tracker.accounts import throttle, users
from tracker.accounts.passwords import WeakPassword, check_policy, hash_password
from tracker.extensions import db
from tracker.models import LoginThrottle, User
from tracker.permissions import SYSTEM

FAILURE_TEXT = ("Wrong e-mail or password", "Correo o contraseña incorrectos")


def failed(response) -> bool:
    page = response.get_data(as_text=True)
    return response.status_code == 200 and any(t in page for t in FAILURE_TEXT)


def test_login_lands_a_focal_point_on_their_commitments(client, seeded, auth):
    user = make_user("focal_point", country="MEX")
    response = auth.login(user.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302 and response.headers["Location"] == "/my/commitments"
    page = client.get("/my/commitments").get_data(as_text=True)
    assert "MT1-R03-MEX" in page and "MT1-R03-GTM" not in page


def test_wrong_password_and_unknown_email_get_the_same_answer(client, seeded, auth):
    user = make_user("secretariat")
    wrong = auth.login(user.email, "not-the-password-at-all")
    unknown = auth.login("nobody@example.org", "not-the-password-at-all")
    assert failed(wrong) and failed(unknown)
    assert (wrong.get_data(as_text=True).count("<li>")
            == unknown.get_data(as_text=True).count("<li>"))


def test_repeated_failures_make_the_address_wait_in_the_database(client, seeded, auth):
    user = make_user("secretariat")
    for _ in range(throttle.FREE_FAILURES):
        assert failed(auth.login(user.email, "not-the-password-at-all"))
    row = db.session.scalar(sa.select(LoginThrottle))
    assert row.failures == throttle.FREE_FAILURES and row.locked_until is not None
    # This browser never logged in: even the right password waits, with the same message.
    assert failed(auth.login(user.email))
    # The wait ends by itself.
    later = dt.datetime.now(dt.timezone.utc) + throttle.FIRST_WAIT + dt.timedelta(seconds=1)
    assert users.authenticate(user.email, PASSWORD, now=later).id == user.id


def test_unknown_addresses_wait_too(app, seeded):
    for _ in range(throttle.FREE_FAILURES):
        assert users.authenticate("ghost@example.org", "x" * 12) is None
    assert db.session.scalar(sa.select(LoginThrottle)).locked_until is not None


def test_deactivated_user_cannot_log_in(seeded, auth):
    user = make_user("focal_point", active=False)
    assert failed(auth.login(user.email))


def test_logout_is_a_post_and_ends_every_session(app, seeded):
    user = make_user("focal_point", country="MEX")
    laptop, phone = app.test_client(), app.test_client()
    AuthActions(laptop).login(user.email)
    AuthActions(phone).login(user.email)
    assert laptop.get("/logout").status_code == 405
    assert AuthActions(laptop).logout().status_code == 302
    assert phone.get("/my/commitments").status_code == 302  # sent to log in again


def test_password_change_ends_other_sessions(app, seeded):
    user = make_user("focal_point", country="MEX")
    laptop, phone = app.test_client(), app.test_client()
    AuthActions(laptop).login(user.email)
    AuthActions(phone).login(user.email)
    new = "cambio-de-clave-2026-largo"
    response = AuthActions(laptop).post("/account/password", {
        "current": PASSWORD, "password": new, "confirm": new}, token_from="/account/password")
    assert response.status_code == 302
    assert laptop.get("/my/commitments").status_code == 200
    assert phone.get("/my/commitments").status_code == 302


def test_deactivation_ends_sessions(client, seeded, auth):
    user = make_user("focal_point", country="MEX")
    auth.login(user.email)
    users.deactivate_user(SYSTEM, db.session.get(User, user.id))
    assert client.get("/my/commitments").status_code == 302


def test_login_starts_a_new_session(client, seeded, auth):
    user = make_user("focal_point", country="MEX")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_next_parameter_cannot_leave_the_site(client, seeded, auth):
    user = make_user("secretariat")
    token = auth.csrf("/login")
    for target in ("https://evil.example/", "//evil.example/", "/%5Cevil.example/"):
        response = client.post(f"/login?next={target}", data={
            "email": user.email, "password": PASSWORD, "csrf_token": token})
        assert "evil" not in response.headers["Location"]
        auth.logout()
        token = auth.csrf("/login")


def test_session_cookie_flags(client, seeded, auth):
    user = make_user("secretariat")
    cookie = auth.login(user.email).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_on_every_answer(client):
    for path in ("/", "/login", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "base-uri 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert "Strict-Transport-Security" not in headers  # development is plain HTTP


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    from tracker import config

    production = type("P", (config.ProductionConfig,), dict(
        SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="sqlite://",
        INSTANCE_PATH=str(tmp_path / "i"), UPLOAD_FOLDER=str(tmp_path / "u"),
        MAIL_OUTBOX_DIR=str(tmp_path / "o")))
    production.validate = staticmethod(lambda cfg: None)  # sqlite is enough to see headers
    app = create_app(production)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "max-age" in app.test_client().get("/login").headers["Strict-Transport-Security"]


def test_login_is_rate_limited_per_address(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = AuthActions(client).csrf("/login")
    codes = [client.post("/login", data={"email": "a@example.org", "password": "x" * 12,
                                         "csrf_token": token}).status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


@pytest.mark.parametrize("password, reason", [
    ("short-pass", "at least 12|al menos 12"),
    ("password1234", "too common|demasiado común"),
    ("qwertyuiop123", "too common|demasiado común"),
])
def test_password_policy(app, password, reason):
    with pytest.raises(WeakPassword, match=reason):
        check_policy(password)


def test_passwords_are_argon2id():
    assert hash_password("una-clave-larga-cualquiera").startswith("$argon2id$")


def test_email_is_unique_regardless_of_case(app, seeded):
    users.create_user(SYSTEM, email="Ana@Example.org", role="secretariat")
    with pytest.raises(users.AccountError):
        users.create_user(SYSTEM, email="ANA@example.ORG", role="secretariat")


def test_focal_point_needs_a_known_country(app, seeded):
    with pytest.raises(users.AccountError):
        users.create_user(SYSTEM, email="x@example.org", role="focal_point", country="XYZ")


def test_users_cli(runner, seeded):
    result = runner.invoke(args=["users", "create", "FP@Example.org", "--role", "focal_point",
                                 "--country", "HND", "--name", "Luis", "--password-stdin"],
                           input="clave-del-punto-focal-hnd\n")
    assert result.exit_code == 0, result.output
    assert "fp@example.org" in runner.invoke(args=["users", "list"]).output
    weak = runner.invoke(args=["users", "create", "b@example.org", "--role", "secretariat",
                               "--password-stdin"], input="123456789012\n")
    assert weak.exit_code != 0 and "demasiado común" in weak.output  # the CLI speaks Spanish
    assert runner.invoke(args=["users", "deactivate", "fp@example.org"]).exit_code == 0
    assert "deactivated" in runner.invoke(args=["users", "list"]).output
    missing = runner.invoke(args=["users", "deactivate", "nobody@example.org"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
