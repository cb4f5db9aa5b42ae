"""Invitations and password resets, delivered through a real SMTP server on loopback."""

import re

import pytest
import sqlalchemy as sa
from conftest import AuthActions

from tracker.accounts import tokens, users
from tracker.accounts.invitations import send_invitation, send_password_reset
from tracker.core.outbox import deliver_due
from tracker.extensions import db
from tracker.models import MessageKind, OutboxMessage, OutboxStatus, User
from tracker.permissions import SYSTEM

LINK = re.compile(r"https://tracker\.example\.org(/\S+)")
NEW_PASSWORD = "otra-clave-muy-larga-2026"


@pytest.fixture
def invited(mail_app, mail_seeded, smtp_server):
    user = users.create_user(SYSTEM, email="Punto.Focal@Example.ORG", role="focal_point",
                                country="GTM", name="Ana")
    send_invitation(SYSTEM, user)
    deliver_due()
    return user


def link_in(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_invitation_is_delivered_by_smtp_with_a_public_link(invited, smtp_server):
    (message,) = smtp_server.messages
    assert message["To"] == "punto.focal@example.org"
    assert link_in(message).startswith("/invite/")


def test_invitation_link_sets_the_password_once(mail_app, invited, smtp_server):
    client = mail_app.test_client()
    path = link_in(smtp_server.messages[0])
    auth = AuthActions(client)
    response = auth.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                         token_from=path)
    assert response.status_code == 302
    assert client.get("/my/commitments").status_code == 200  # logged in as the new user
    auth.logout()
    again = client.get(path)
    assert again.status_code == 400 and "ya no funciona" in again.get_data(as_text=True)
    assert auth.login("punto.focal@example.org", NEW_PASSWORD).status_code == 302


def test_weak_password_is_refused_on_the_invitation_page(mail_app, invited, smtp_server):
    client = mail_app.test_client()
    path = link_in(smtp_server.messages[0])
    for weak in ("short", "password1234"):
        response = AuthActions(client).post(path, {"password": weak, "confirm": weak},
                                            token_from=path)
        assert response.status_code == 200
        assert db.session.scalar(sa.select(User.password_hash).filter_by(
            email="punto.focal@example.org")) is None


def test_password_reset_mail_and_link(mail_app, invited, smtp_server):
    users.set_password(invited, NEW_PASSWORD)
    client = mail_app.test_client()
    auth = AuthActions(client)
    response = auth.post("/reset", {"email": "PUNTO.focal@example.org"}, token_from="/reset")
    assert response.status_code == 302
    deliver_due()
    reset = smtp_server.messages[-1]
    path = link_in(reset)
    assert path.startswith("/reset/")
    newer = "una-clave-distinta-y-larga-99"
    response = auth.post(path, {"password": newer, "confirm": newer}, token_from=path)
    assert response.status_code == 302
    auth.logout()
    assert auth.login("punto.focal@example.org", newer).status_code == 302


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(mail_app, invited,
                                                                      smtp_server):
    client = mail_app.test_client()
    before = len(smtp_server.messages)
    response = AuthActions(client).post("/reset", {"email": "nadie@example.org"},
                                        token_from="/reset", follow_redirects=True)
    assert "If an account uses this address" in response.get_data(as_text=True) \
        or "Si una cuenta usa esta dirección" in response.get_data(as_text=True)
    deliver_due()
    assert len(smtp_server.messages) == before


def test_expired_or_forged_links_do_not_work(mail_app, invited, smtp_server, monkeypatch):
    client = mail_app.test_client()
    path = link_in(smtp_server.messages[0])
    assert client.get(path[:-3] + "xyz").status_code == 400
    monkeypatch.setitem(tokens.LIFETIMES, "invite", -1)
    assert client.get(path).status_code == 400


def test_deactivated_user_gets_no_reset_mail(mail_app, invited, smtp_server):
    users.deactivate_user(SYSTEM, invited)
    before = len(smtp_server.messages)
    send_password_reset(invited.email)
    deliver_due()
    assert len(smtp_server.messages) == before


def test_without_mail_server_messages_are_eml_files(app, seeded):
    user = users.create_user(SYSTEM, email="aud@example.org", role="auditor",
                                organisation="FLACSO")
    send_invitation(SYSTEM, user)
    deliver_due()
    from pathlib import Path

    (eml,) = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    text = eml.read_text(encoding="utf-8")
    assert "To: aud@example.org" in text and "/invite/" in text


def test_a_delivered_link_does_not_stay_in_the_outbox(mail_app, invited, smtp_server):
    """The invitation was delivered: its live link is in the mailbox, not in the database."""
    (row,) = db.session.scalars(sa.select(OutboxMessage).filter_by(kind=MessageKind.INVITATION))
    assert row.status == OutboxStatus.SENT and link_in(smtp_server.messages[0]) not in row.body
    assert "/invite/" not in row.body


def test_a_failing_mail_server_does_not_fail_the_reset_request(mail_app, invited, smtp_server):
    """The request only queues the message; delivery fails later, is recorded, and retried."""
    smtp_server.stop()  # nothing listens on the configured port any more
    client = mail_app.test_client()
    response = AuthActions(client).post("/reset", {"email": invited.email}, token_from="/reset")
    assert response.status_code == 302
    (queued,) = db.session.scalars(sa.select(OutboxMessage).filter_by(
        kind=MessageKind.PASSWORD_RESET))
    assert queued.recipient == invited.email and queued.status == OutboxStatus.PENDING
    report = deliver_due()
    assert report.retrying == [invited.email] and report.sent == []
    db.session.refresh(queued)
    assert queued.status == OutboxStatus.PENDING and queued.last_error
