"""Limits an attacker cannot turn against an account's owner, and passwords judged in the
site's context.

- Login: failures slow an address down progressively, for unknown devices only; the
  owner's browser, known from an earlier login, still gets in with the right password.
- Reset e-mails: capped per account however many addresses ask, without saying so.
- The current-password check of /account/password: counted on the account, slowed down.
- The policy: zxcvbn told the site's words, the member states, the years, the person.

The per-address limits are flask-limiter's, counted in a real Redis, with every client at
its own address behind one trusted proxy (X-Forwarded-For), as in production.
"""

import datetime as dt
import random
import threading
import uuid

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES, AuthActions, engine_of, make_config, running_app
from factories import PASSWORD, make_user

from tracker.accounts import throttle, tokens, users
from tracker.accounts.passwords import WeakPassword, check_policy, context_words, hash_password
from tracker.auth.routes import DEVICE_COOKIE
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import LoginThrottle, MessageKind, OutboxMessage, User

WRONG = "not-the-password-at-all"
FAILURE_TEXT = "Correo o contraseña incorrectos"
STRONG = "el búho lee novelas de noche"


@pytest.fixture
def site(tmp_path, seed_image):
    """The seeded tracker behind one trusted proxy, its rate limits in Redis. Its clients'
    addresses are in a network of the test's own (TEST_NET): flask-limiter keeps the key
    prefix of the first app a process makes, so tests would otherwise share counts."""
    config = make_config(tmp_path, TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="10 per minute",
                         RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
                         RATELIMIT_KEY_PREFIX=f"tracker-test-{uuid.uuid4().hex}",
                         TEST_NET=f"10.{random.randrange(256)}.{random.randrange(256)}.")
    with running_app(config) as app:
        seed_image.restore(engine_of(app))
        yield app


class Browser:
    """One browser (its own cookies) at one client address: host ``host`` of the site's
    TEST_NET."""

    def __init__(self, app, host: int):
        self.client = app.test_client()
        self.auth = AuthActions(self.client)
        self.headers = {"X-Forwarded-For": app.config["TEST_NET"] + str(host)}

    def login(self, email: str, password: str = PASSWORD):
        return self.post("/login", {"email": email, "password": password}, "/login")

    def post(self, path: str, data: dict, token_from: str, **kwargs):
        return self.auth.post(path, data, token_from=token_from, headers=self.headers, **kwargs)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.auth.csrf()},
                                headers=self.headers)


def failed(response) -> bool:
    return response.status_code == 200 and FAILURE_TEXT in response.get_data(as_text=True)


def flood(app, email: str, count: int = 12) -> list[int]:
    """Wrong passwords for this address, each from an address of its own: no per-address
    limit ever trips. The status codes."""
    answers = [Browser(app, 100 + n).login(email, WRONG) for n in range(count)]
    assert all(failed(answer) for answer in answers)
    return [answer.status_code for answer in answers]


def login_row(email: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, throttle.key("login", email), populate_existing=True)


# -- login --------------------------------------------------------------------------

def test_an_attacker_on_many_addresses_cannot_keep_the_owner_out(site):
    owner = make_user("secretariat")
    laptop = Browser(site, 10)
    assert laptop.login(owner.email).status_code == 302  # the laptop is now a known device
    laptop.logout()

    assert flood(site, owner.email) == [200] * 12
    row = login_row(owner.email)
    # Only the attempts made outside a wait were counted: the first five.
    assert row.failures == throttle.FREE_FAILURES
    assert row.locked_until - utcnow() <= throttle.FIRST_WAIT

    # A browser that never logged in waits, even with the right password, and is told
    # exactly what a wrong password is told.
    assert failed(Browser(site, 50).login(owner.email))
    # The owner's laptop gets in.
    assert laptop.login(owner.email).status_code == 302
    assert laptop.client.get("/admin/").status_code == 200


def test_waits_double_up_to_fifteen_minutes_and_end_by_themselves(app, seeded):
    user = make_user("secretariat")
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
    for _ in range(throttle.FREE_FAILURES - 1):
        assert users.authenticate(user.email, WRONG, now=now) is None
    assert login_row(user.email).locked_until is None  # the first failures are free
    waits = []
    for _ in range(7):
        assert users.authenticate(user.email, WRONG, now=now) is None
        wait = login_row(user.email).locked_until - now
        waits.append(wait)
        # Until the wait ends even the right password is refused, and nothing is counted.
        failures = login_row(user.email).failures
        almost = now + wait - dt.timedelta(seconds=1)
        assert users.authenticate(user.email, PASSWORD, now=almost) is None
        assert login_row(user.email).failures == failures
        now += wait
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]
    # Once the wait is over the right password gets in from anywhere; the count starts over.
    assert users.authenticate(user.email, PASSWORD, now=now).id == user.id
    assert login_row(user.email) is None


def test_a_day_without_failures_forgets_the_count(app, seeded):
    user = make_user("secretariat")
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
    for _ in range(throttle.FREE_FAILURES):
        users.authenticate(user.email, WRONG, now=now)
    ended = login_row(user.email).locked_until
    users.authenticate(user.email, WRONG, now=ended + throttle.MEMORY + dt.timedelta(seconds=1))
    row = login_row(user.email)
    assert row.failures == 1 and row.locked_until is None
    # Counted from there as from new: the fifth failure waits again.
    for _ in range(throttle.FREE_FAILURES - 1):
        users.authenticate(user.email, WRONG, now=row.first_failure_at)
    assert login_row(user.email).locked_until is not None


def test_a_known_devices_failures_are_counted_on_that_device(site):
    owner = make_user("focal_point", country="MEX")
    laptop = Browser(site, 10)
    assert laptop.login(owner.email).status_code == 302
    laptop.logout()
    for _ in range(throttle.FREE_FAILURES):
        assert failed(laptop.login(owner.email, WRONG))
    assert login_row(owner.email) is None  # the address itself was not slowed down
    # The laptop waits now, as an unknown device would: a stolen laptop guesses slowly...
    assert failed(laptop.login(owner.email))
    # ...while a browser that never logged in is not slowed down by the laptop's failures.
    assert Browser(site, 50).login(owner.email).status_code == 302


def test_a_device_cookie_vouches_only_for_its_account_and_its_password(site):
    owner = make_user("secretariat")
    attacker = make_user("auditor", country=None)
    # The attacker's own browser, known for the attacker's own account...
    browser = Browser(site, 66)
    assert browser.login(attacker.email).status_code == 302
    browser.logout()
    laptop = Browser(site, 10)
    assert laptop.login(owner.email).status_code == 302
    laptop.logout()
    flood(site, owner.email)
    # ...does not lift the owner's wait, even with the owner's password.
    assert failed(browser.login(owner.email))
    # A forged or altered cookie is an unknown device.
    cookie = laptop.client.get_cookie(DEVICE_COOKIE, path="/login")
    forged = Browser(site, 67)
    forged.client.set_cookie(DEVICE_COOKIE, cookie.value[:-2] + "xx", path="/login")
    assert failed(forged.login(owner.email))
    # A new password (set elsewhere) forgets every device: the laptop is unknown again.
    users.set_password(db.session.get(User, owner.id), STRONG)
    assert failed(laptop.login(owner.email, STRONG))
    # The device the new password was chosen on is known at once (here: a reset link).
    phone = Browser(site, 11)
    path = f"/reset/{tokens.make_token(db.session.get(User, owner.id), 'reset')}"
    newest = "tortuga-verde-junto-al-río"
    assert phone.post(path, {"password": newest, "confirm": newest}, path).status_code == 302
    phone.logout()
    assert phone.login(owner.email, newest).status_code == 302


def test_the_device_cookie_is_only_for_the_login_form(site):
    owner = make_user("secretariat")
    response = Browser(site, 10).login(owner.email)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie")
                 if c.startswith(f"{DEVICE_COOKIE}=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/login" in cookie
    assert f"Max-Age={tokens.LIFETIMES['device']}" in cookie


# -- password resets ----------------------------------------------------------------

def resets_queued(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == user.id, OutboxMessage.kind == MessageKind.PASSWORD_RESET))


def ask_reset(app, email: str, host: int) -> str:
    response = Browser(app, host).post("/reset", {"email": email}, "/reset")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    return response.headers["Location"]


def test_reset_mails_per_account_are_capped_without_saying_so(site):
    owner = make_user("focal_point", country="GTM")
    limit = site.config["PASSWORD_RESETS_PER_HOUR"]
    # Twice the cap, from as many addresses: no per-address limit trips, every answer is
    # the one an unknown address gets.
    answers = {ask_reset(site, owner.email, 100 + n) for n in range(2 * limit)}
    answers.add(ask_reset(site, "nadie@example.org", 200))
    assert len(answers) == 1
    assert resets_queued(owner) == limit
    # An hour later, one more may go.
    db.session.execute(sa.update(OutboxMessage).values(
        created_at=utcnow() - dt.timedelta(minutes=61)))
    db.session.commit()
    ask_reset(site, owner.email, 201)
    assert resets_queued(owner) == limit + 1


# -- the current password -----------------------------------------------------------

def change(browser: Browser, current: str, new: str = STRONG):
    return browser.post("/account/password", {"current": current, "password": new,
                                              "confirm": new}, "/account/password")


def test_wrong_current_passwords_are_slowed_down_for_every_session(site):
    owner = make_user("focal_point", country="MEX")
    laptop, phone = Browser(site, 10), Browser(site, 11)
    assert laptop.login(owner.email).status_code == 302
    assert phone.login(owner.email).status_code == 302
    for n in range(throttle.FREE_FAILURES):  # both sessions share one count
        page = change((laptop, phone)[n % 2], WRONG).get_data(as_text=True)
        assert "La contraseña actual es incorrecta." in page
    before = db.session.scalar(sa.select(User.password_hash).filter_by(id=owner.id))
    # Now even the right current password waits, and the page says for how long.
    page = change(phone, PASSWORD).get_data(as_text=True)
    assert "Demasiadas contraseñas actuales incorrectas: inténtelo de nuevo en 1 minuto." \
        in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.password_hash).filter_by(id=owner.id)) == before
    assert laptop.client.get("/my/commitments").status_code == 200  # nothing was ended
    # The wait ends by itself; then the right current password changes it.
    later = utcnow() + throttle.FIRST_WAIT
    users.change_password(db.session.get(User, owner.id), PASSWORD, STRONG, now=later)
    assert db.session.scalar(sa.select(User.password_hash).filter_by(id=owner.id)) != before


def test_a_right_current_password_with_a_weak_new_one_is_not_counted(app, seeded):
    user = make_user("secretariat")
    for _ in range(throttle.FREE_FAILURES + 1):
        with pytest.raises(WeakPassword):
            users.change_password(user, PASSWORD, "CRM-2026-crm")
    users.change_password(user, PASSWORD, STRONG)  # no wait: nothing was held against it


# -- the policy ---------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    # The four, and more of the same making: the site's words, places and years.
    "Summer2026!!", "Guatemala2026!", "Migracion2026", "CRM-2026-crm",
    "Conferencia-Regional-2026", "Honduras-y-Panamá-2026", "Mexico-2026-2027",
    # zxcvbn's score 3 ("safely unguessable" online, not offline): refused by score 4.
    "iloveyou-forever", "superman-batman", "starwars-rocks!"])
def test_guessable_passwords_are_refused(seeded, password):
    with pytest.raises(WeakPassword):
        check_policy(password, user_inputs=("ana@example.org", "Ana"))


@pytest.mark.parametrize("password", [
    STRONG, PASSWORD, "kX9#mP2$vL5q-otra", "mi-perro-vive-en-guatemala",
    # a password manager's long passphrase: zxcvbn itself refuses more than 72 characters
    "el búho lee novelas de noche mientras la tortuga azul cruza el volcán dormido " * 3])
def test_strong_passwords_are_accepted(seeded, password):
    check_policy(password, user_inputs=("ana@example.org", "Ana"))


def test_the_persons_own_name_and_address_count_against_them(seeded):
    mine = ("rosa.mendez@cancilleria.gob.gt", "Rosa Méndez")
    check_policy("RosaMendez-cancilleria", user_inputs=("ana@example.org", "Ana"))
    with pytest.raises(WeakPassword):
        check_policy("RosaMendez-cancilleria", user_inputs=mine)


def test_the_context_knows_the_countries_in_both_languages_and_the_years(seeded):
    words = context_words(())
    year = utcnow().year
    assert {"guatemala", "méxico", "mexico", "estados unidos", "estadosunidos", "unidos",
            "united states", "belice", "belize", str(year), str(year + 1)} <= set(words)


def test_the_form_explains_a_refusal_and_changes_nothing(site):
    owner = make_user("auditor", country=None)
    laptop = Browser(site, 10)
    assert laptop.login(owner.email).status_code == 302
    response = change(laptop, PASSWORD, "CRM-2026-crm")
    assert response.status_code == 200
    assert "hecha sobre todo de palabras que cualquiera probaría" in response.get_data(
        as_text=True)
    assert laptop.client.get("/my/observations").status_code == 200  # still logged in
    db.session.expire_all()
    assert users.authenticate(owner.email, PASSWORD) is not None  # the old one still works
    assert change(laptop, PASSWORD).status_code == 302


def test_existing_passwords_keep_working_under_the_new_policy(client, seeded, auth):
    user = make_user("focal_point", country="MEX")
    user.password_hash = hash_password("Summer2026!!")  # set before the policy was raised
    db.session.commit()
    assert auth.login(user.email, "Summer2026!!").status_code == 302


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent transactions need PostgreSQL")
def test_attempts_arriving_at_once_are_each_counted_and_one_passes_a_wait_end(app, seeded):
    """Twelve attempts at once on a new address: exactly the five free ones are counted,
    the row is created once; when the wait ends, twelve at once again: one more is."""
    email = make_user("secretariat").email  # a plain string: threads share no ORM object
    now = utcnow()

    def at_once(count: int, when: dt.datetime) -> None:
        start, answers = threading.Barrier(count), []

        def attempt():
            with app.app_context():
                start.wait()
                try:
                    answers.append(users.authenticate(email, WRONG, now=when))
                except Exception as exc:  # noqa: BLE001  (reported below)
                    answers.append(exc)
                db.session.remove()

        threads = [threading.Thread(target=attempt) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert answers == [None] * count

    at_once(12, now)
    row = login_row(email)
    assert row.failures == throttle.FREE_FAILURES
    at_once(12, row.locked_until)
    assert login_row(email).failures == throttle.FREE_FAILURES + 1
