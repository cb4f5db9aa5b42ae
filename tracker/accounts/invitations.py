"""Invitation and password-reset e-mails, queued in the outbox like every other message:
the request that asks for one only writes a row, so a slow or failing mail server never
fails it, and the scheduler delivers, retries and records each one."""

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale, gettext as _

from tracker.accounts.tokens import make_token
from tracker.accounts.users import new_account, normalize_email, saving_account
from tracker.core.outbox import idempotency_key, queue
from tracker.core.time import utcnow
from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.models import MessageKind, OutboxMessage, User
from tracker.permissions import Actor, can_administer, ensure


def invite_user(actor: Actor, **values: Any) -> User:
    """Create an account without a password and queue its invitation, in one commit: an
    account never exists without the message that lets its person in."""
    with saving_account():
        user = new_account(actor, **values)
        db.session.flush()  # the id, for the link
        _queue_invitation(user)
    return user


def send_invitation(actor: Actor, user: User) -> None:
    """Queue for a new account its single-use link to choose a password (valid 7 days)."""
    ensure(can_administer(actor))
    _queue_invitation(user)
    db.session.commit()


def _queue_invitation(user: User) -> None:
    token = make_token(user, "invite")
    body = _("You have been invited to the CRM commitment tracker.\n\n"
             "Choose your password here (the link works once, for 7 days):\n%(link)s\n",
             link=public_url("auth.accept_invitation", token=token))
    _queue(MessageKind.INVITATION, user, token,
           _("Your invitation to the CRM commitment tracker"), body)


def send_password_reset(email: str) -> None:
    """Queue a reset link if an active account has this address and has not had
    PASSWORD_RESETS_PER_HOUR of them in the last hour; silent otherwise, so whoever asks,
    from however many addresses, can neither flood a mailbox nor learn which accounts
    exist."""
    # The account's row stays locked until the commit: requests at the same moment take
    # turns, so none slips past the count.
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email))
                             .with_for_update())
    sent = _resets_last_hour(user) if user is not None else 0
    if user is None or not user.active or sent >= current_app.config["PASSWORD_RESETS_PER_HOUR"]:
        db.session.commit()
        return
    token = make_token(user, "reset")
    body = _("Someone asked to reset the password of your account on the CRM commitment "
             "tracker.\n\nChoose a new password here (the link works once, for 1 hour):\n"
             "%(link)s\n\nIf it was not you, ignore this message.",
             link=public_url("auth.reset_password", token=token))
    # Two requests in one second make the same token; each is still a message of its own,
    # counted against the cap (a random part in the key tells them apart).
    _queue(MessageKind.PASSWORD_RESET, user, token, _("Reset your password"), body,
           secrets.token_hex(8))
    db.session.commit()


def _resets_last_hour(user: User) -> int:
    """Reset messages queued for this account in the last hour (the outbox keeps them all,
    delivered or not)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == user.id, OutboxMessage.kind == MessageKind.PASSWORD_RESET,
        OutboxMessage.created_at > utcnow() - dt.timedelta(hours=1))) or 0


def _queue(kind: MessageKind, user: User, token: str, subject: str, body: str,
           *request: object) -> None:
    """One message per link (each request makes a new token; ``request`` tells apart
    requests that made the same one), in the asker's language; the caller commits."""
    queue(idempotency_key(kind.value, user.id, token, *request), kind=kind,
          period=f"{utcnow():%Y-%m-%d}", recipient=user.email, subject=subject, body=body,
          language=str(get_locale()), user_id=user.id)
