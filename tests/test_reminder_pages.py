"""Reminder pages through real HTTP: the secretariat's rules and outbox, a user's own mail
preferences, and the one-click unsubscribe link (RFC 8058) that works without a session."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from factories import make_user
from workflow_helpers import assert_refused

from tracker.accounts.tokens import unsubscribe_token
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import (
    AdminAction,
    DigestFrequency,
    MessageKind,
    OutboxMessage,
    OutboxStatus,
    ReminderSettings,
    User,
)
from tracker.permissions import SYSTEM, PermissionDenied
from tracker.reminders.preferences import save_preferences
from tracker.reminders.settings import SettingsRefused, save_reminder_settings

VALID = {"due_soon_days": "60, 14,3", "stale_days": "45", "escalate_after_days": "20"}
ROLES = ["anonymous", "auditor", "focal_point", "deactivated_secretariat", "secretariat"]


@pytest.fixture(autouse=True)
def english(client):
    """Source strings, whatever the Spanish catalogue translates."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"



@pytest.fixture
def focal(seeded):
    return make_user("focal_point", country="MEX", email="maria.lopez@example.org")


def settings_state() -> tuple:
    """The settings row (or its absence) and the admin log: equal = nothing written."""
    db.session.expire_all()
    row = db.session.get(ReminderSettings, 1)
    values = row and (row.due_soon_days, row.stale_days, row.escalate_after_days)
    return values, db.session.scalar(sa.select(sa.func.count(AdminAction.id)))


def user_state(user_id: int) -> tuple:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return user.digest_frequency, user.language




# -- /admin/reminders: who may see and change the rules ---------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_sees_the_reminder_rules(client, acting_as, role):
    acting_as(role)
    response = client.get("/admin/reminders")
    if role == "secretariat":
        assert response.status_code == 200
        assert 'name="due_soon_days"' in response.get_data(as_text=True)
    else:
        assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_may_change_the_reminder_rules(client, auth, acting_as, role):
    acting_as(role)
    before = settings_state()
    response = auth.post("/admin/reminders", VALID)
    if role == "secretariat":  # the same request is valid: the refusals are about the role
        assert response.status_code == 302
        assert settings_state()[0] == ("60,14,3", 45, 20)
    else:
        assert_refused(response, role)
        assert settings_state() == before


def test_saving_creates_the_settings_row_and_logs_it(client, auth, acting_as):
    user = acting_as("secretariat")
    page = client.get("/admin/reminders").get_data(as_text=True)
    assert 'value="30,7"' in page and 'value="90"' in page  # the defaults, before any row
    assert settings_state() == (None, 0)

    response = auth.post("/admin/reminders", VALID)
    assert response.headers["Location"] == "/admin/reminders"
    assert "The reminder rules are saved." in client.get("/admin/reminders").get_data(as_text=True)
    row = db.session.get(ReminderSettings, 1)
    assert row.due_soon == [60, 14, 3]
    (action,) = db.session.scalars(sa.select(AdminAction))
    assert (action.action, action.target, action.actor_id) == (
        "reminders.settings", "reminder settings", user.id)
    assert action.details == {"due_soon_days": ["30,7", "60,14,3"], "stale_days": [90, 45],
                              "escalate_after_days": [30, 20]}

    auth.post("/admin/reminders", VALID)  # the same values again: nothing to record
    assert "Nothing changed." in client.get("/admin/reminders").get_data(as_text=True)
    assert settings_state() == (("60,14,3", 45, 20), 1)

    auth.post("/admin/reminders", dict(VALID, stale_days="120"))
    assert settings_state() == (("60,14,3", 120, 20), 2)
    latest = db.session.scalars(sa.select(AdminAction).order_by(AdminAction.id.desc())).first()
    assert latest.details == {"stale_days": [45, 120]}


def test_the_administration_home_links_the_reminder_page(client, acting_as):
    acting_as("secretariat")
    assert 'href="/admin/reminders"' in client.get("/admin/").get_data(as_text=True)


DUE_SOON_ERROR = "Enter whole numbers of days from 1 to 365, separated by commas"
DAYS_ERROR = "Enter a whole number of days from 1 to 3650."
BAD_SETTINGS = {
    "a word in the list": ({"due_soon_days": "30,abc"}, DUE_SOON_ERROR),
    "zero days": ({"due_soon_days": "0"}, DUE_SOON_ERROR),
    "more than a year": ({"due_soon_days": "9999"}, DUE_SOON_ERROR),
    "negative days": ({"due_soon_days": "30,-7"}, DUE_SOON_ERROR),
    "an empty item": ({"due_soon_days": "30,,7"}, DUE_SOON_ERROR),
    "a fraction": ({"due_soon_days": "7.5"}, DUE_SOON_ERROR),
    "too many thresholds": ({"due_soon_days": ",".join(map(str, range(1, 12)))},
                            DUE_SOON_ERROR),
    "no thresholds": ({"due_soon_days": ""}, "This field is required."),
    "stale zero": ({"stale_days": "0"}, DAYS_ERROR),
    "stale a word": ({"stale_days": "abc"}, DAYS_ERROR),
    "escalate too late": ({"escalate_after_days": "9999"}, DAYS_ERROR),
    "escalate empty": ({"escalate_after_days": ""}, DAYS_ERROR),
}


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_bad_rules_are_a_form_error_and_change_nothing(client, auth, acting_as, case):
    acting_as("secretariat")
    auth.post("/admin/reminders", VALID)  # a stored row, so "unchanged" means something
    before = settings_state()
    override, error = BAD_SETTINGS[case]
    response = auth.post("/admin/reminders", dict(VALID, **override))
    # Refused like every administration form: the form again, with a 400 and the message.
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error in page and 'class="errors' in page and "Traceback" not in page
    assert settings_state() == before


def test_the_rules_form_needs_a_csrf_token(client, acting_as):
    acting_as("secretariat")
    before = settings_state()
    assert client.post("/admin/reminders", data=VALID).status_code == 400
    assert settings_state() == before


def test_the_service_refuses_others_and_bad_values(app, focal):
    with pytest.raises(PermissionDenied):
        save_reminder_settings(focal, [30], 90, 30)
    for due_soon, stale, escalate in ([], 90, 30), ([0], 90, 30), ([366], 90, 30), \
            ([True], 90, 30), ([30], 0, 30), ([30], 90, 3651), ([30], "90", 30):
        with pytest.raises(SettingsRefused):
            save_reminder_settings(SYSTEM, due_soon, stale, escalate)
    assert settings_state() == (None, 0)
    save_reminder_settings(SYSTEM, [7, 30, 7], 90, 30)  # the command line may, too
    assert settings_state() == (("30,7", 90, 30), 1)


# -- the outbox under the rules ---------------------------------------------------------

def _message(n: int, status: OutboxStatus, **values) -> OutboxMessage:
    values = {"idempotency_key": f"key-{n}", "message_id": f"<m{n}@example.org>",
              "kind": MessageKind.DIGEST, "period": "2026-W48", "recipient": f"r{n}@example.org",
              "subject": "Subject", "body": "Body", "status": status, **values}
    message = OutboxMessage(**values)
    db.session.add(message)
    return message


def test_the_outbox_lists_what_is_not_delivered(client, acting_as):
    acting_as("secretariat")
    now = utcnow()
    error = "SMTPDataError: (554, b'5.7.1 Rejected: " + "x" * 300 + "')"
    _message(1, OutboxStatus.PENDING, attempts=2, last_error="ConnectionRefusedError: 111",
             next_attempt_at=now + dt.timedelta(minutes=4))
    _message(2, OutboxStatus.FAILED, attempts=1, last_error=error,
             kind=MessageKind.OVERDUE_NOTICE, cc="sec@example.org")
    _message(3, OutboxStatus.SENDING, attempts=1, kind=MessageKind.WEEKLY_SUMMARY)
    _message(4, OutboxStatus.SENT, sent_at=now - dt.timedelta(days=1))
    _message(5, OutboxStatus.SENT, sent_at=now - dt.timedelta(days=2))
    _message(6, OutboxStatus.SENT, sent_at=now - dt.timedelta(days=8))
    db.session.commit()

    page = client.get("/admin/reminders").get_data(as_text=True)
    for shown in ("r1@example.org", "r2@example.org", "r3@example.org", "Overdue notice",
                  "Weekly summary", "2026-W48", "ConnectionRefusedError: 111",
                  "2 messages were sent in the last 7 days."):
        assert shown in page, shown
    assert "x" * 300 in page  # the failure's whole error, not a shortened one
    for hidden in ("r4@example.org", "r5@example.org", "r6@example.org"):
        assert hidden not in page


def test_an_empty_outbox_says_so(client, acting_as):
    acting_as("secretariat")
    page = client.get("/admin/reminders").get_data(as_text=True)
    assert "Nothing is waiting" in page and "0 messages were sent in the last 7 days." in page


# -- /account/reminders: one's own preferences -----------------------------------------

def test_preferences_need_a_login(client, seeded):
    response = client.get("/account/reminders")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_focal_point_chooses_frequency_and_language(client, auth, focal):
    assert auth.login(focal.email).status_code == 302
    page = client.get("/account/reminders").get_data(as_text=True)
    assert 'name="digest_frequency"' in page and 'name="language"' in page
    assert 'href="/account/reminders"' in page  # the header links it

    response = auth.post("/account/reminders", {"digest_frequency": "monthly", "language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/reminders"
    assert user_state(focal.id) == (DigestFrequency.MONTHLY, "en")
    assert "Your e-mail preferences are saved." in client.get(
        "/account/reminders").get_data(as_text=True)

    auth.post("/account/reminders", {"digest_frequency": "none", "language": "es"})
    assert user_state(focal.id) == (DigestFrequency.NONE, "es")


@pytest.mark.parametrize("data", [
    {"digest_frequency": "daily", "language": "es"},
    {"digest_frequency": "weekly", "language": "fr"},
    {"digest_frequency": "weekly"},
    {"language": "en"},
])
def test_bad_preferences_are_refused_and_change_nothing(client, auth, focal, data):
    assert auth.login(focal.email).status_code == 302
    before = user_state(focal.id)
    response = auth.post("/account/reminders", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="errors' in page and "Please correct the marked fields." in page
    assert user_state(focal.id) == before


def test_preferences_need_a_csrf_token(client, auth, focal):
    assert auth.login(focal.email).status_code == 302
    before = user_state(focal.id)
    client.post("/account/reminders", data={"digest_frequency": "none", "language": "en"})
    assert user_state(focal.id) == before


def test_the_secretariat_chooses_only_its_mail_language(client, auth, acting_as):
    user = acting_as("secretariat")
    page = client.get("/account/reminders").get_data(as_text=True)
    assert 'name="digest_frequency"' not in page and 'name="language"' in page
    auth.post("/account/reminders", {"digest_frequency": "none", "language": "en"})
    assert user_state(user.id) == (DigestFrequency.WEEKLY, "en")  # the frequency is ignored


def test_an_auditor_switches_the_weekly_digest_of_follows_off_and_on(client, auth, acting_as):
    user = acting_as("auditor")
    page = client.get("/account/reminders").get_data(as_text=True)
    assert "countries and themes you follow" in page
    assert 'value="weekly"' in page and 'value="none"' in page and 'value="monthly"' not in page
    auth.post("/account/reminders", {"digest_frequency": "none", "language": "en"})
    assert user_state(user.id) == (DigestFrequency.NONE, "en")
    assert "You stopped the weekly digest" in client.get("/my/observations").get_data(
        as_text=True)
    # Monthly is a focal point's choice: for an auditor it is a form error.
    response = auth.post("/account/reminders", {"digest_frequency": "monthly", "language": "es"})
    assert response.status_code == 200 and 'class="errors' in response.get_data(as_text=True)
    assert user_state(user.id) == (DigestFrequency.NONE, "en")
    auth.post("/account/reminders", {"digest_frequency": "weekly", "language": "es"})
    assert user_state(user.id) == (DigestFrequency.WEEKLY, "es")


def test_the_service_refuses_a_frequency_the_role_cannot_choose(app, seeded):
    auditor, secretariat = make_user("auditor", country=None), make_user("secretariat",
                                                                           country=None)
    for user, frequency in ((auditor, "monthly"), (secretariat, "none")):
        with pytest.raises(ValueError):
            save_preferences(user, frequency, "en")
        db.session.rollback()
        assert user_state(user.id) == (DigestFrequency.WEEKLY, "es")
    save_preferences(db.session.get(User, auditor.id), "none", "en")
    assert user_state(auditor.id) == (DigestFrequency.NONE, "en")


def test_anonymous_visitors_see_no_preferences_link(client, seeded):
    assert "/account/reminders" not in client.get("/").get_data(as_text=True)


# -- /unsubscribe/<token>: the link in every digest -------------------------------------

def test_the_unsubscribe_page_names_the_country_not_the_address(client, focal):
    response = client.get(f"/unsubscribe/{unsubscribe_token(focal)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mexico" in page and "m***@example.org" in page
    assert "maria.lopez@example.org" not in page and "maria.lopez" not in page
    assert not re.search(r"[\w.+-]{2,}@example\.org", page)  # no address in full
    assert 'name="csrf_token"' in page and "<button" in page
    assert response.headers["Cache-Control"] == "private, no-store"  # a page about one person
    assert user_state(focal.id) == (DigestFrequency.WEEKLY, "es")  # looking changes nothing


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(app, focal):
    mail_client = app.test_client()  # a mail client: no cookie, no CSRF token
    response = mail_client.post(f"/unsubscribe/{unsubscribe_token(focal)}",
                                data={"List-Unsubscribe": "One-Click"},
                                headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert user_state(focal.id) == (DigestFrequency.NONE, "es")  # the language is kept
    page = response.get_data(as_text=True)
    assert "Overdue notices from the secretariat still come" in page
    assert 'href="/account/reminders"' in page and "maria.lopez@example.org" not in page


def test_the_page_button_unsubscribes_while_someone_else_is_logged_in(client, auth, acting_as,
                                                                       focal):
    acting_as("auditor")
    path = f"/unsubscribe/{unsubscribe_token(focal)}"
    response = auth.post(path, {}, token_from=path)
    assert response.status_code == 200
    assert user_state(focal.id)[0] == DigestFrequency.NONE
    assert "The digests are already stopped" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: token.replace(".", "x.", 1),
    lambda token: "not-a-token",
])
def test_a_tampered_link_is_a_404_and_changes_nothing(app, client, focal, tamper):
    path = f"/unsubscribe/{tamper(unsubscribe_token(focal))}"
    for response in (client.get(path),
                     app.test_client().post(path, headers={"Accept-Language": "en"})):
        assert response.status_code == 404
        assert "This unsubscribe link does not work" in response.get_data(as_text=True)
    assert user_state(focal.id) == (DigestFrequency.WEEKLY, "es")


def test_a_link_signed_with_another_key_is_refused(app, focal):
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("another-secret", salt="tracker-unsubscribe").dumps({"u": focal.id})
    assert app.test_client().post(f"/unsubscribe/{forged}").status_code == 404
    assert user_state(focal.id)[0] == DigestFrequency.WEEKLY


def test_the_unsubscribe_page_is_in_spanish_by_default(app, focal):
    page = app.test_client().get(f"/unsubscribe/{unsubscribe_token(focal)}").get_data(as_text=True)
    assert "México" in page and "Dejar de recibir los resúmenes" in page
