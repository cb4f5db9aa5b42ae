"""Accounts: creating, deactivating, logging in and changing one's password (with waits
after repeated failures that spare known devices)."""

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l, lazy_ngettext as _ln
from sqlalchemy.exc import IntegrityError

from tracker.accounts import admin_log, throttle, tokens
from tracker.accounts.passwords import check_policy, hash_password, verify_password
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Country, OrganisationKind, Role, User
from tracker.permissions import Actor, can_administer, can_deactivate, can_have_focal_point, ensure


class AccountError(Refused):
    """A request about an account that cannot be done; the message is for the user."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(actor: Actor, **values: Any) -> User:
    """Create an account (without a password: the person sets it from an invitation)."""
    with saving_account():
        return new_account(actor, **values)


@contextmanager
def saving_account() -> Iterator[None]:
    """Commit what the block adds; an account created by someone else at the same moment
    (the e-mail is unique) is a refusal, not an error."""
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(_l("An account with this e-mail address already exists.")) from None


def new_account(actor: Actor, *, email: str, role: str, country: str | None = None,
                name: str | None = None, organisation: str | None = None,
                organisation_kind: str | None = None, password: str | None = None) -> User:
    """Check and add an account and its log entry; the caller commits (saving_account)."""
    ensure(can_administer(actor))
    try:
        email = validate_email(normalize_email(email), check_deliverability=False).normalized
    except EmailNotValidError:
        raise AccountError(_l("This is not a valid e-mail address.")) from None
    email = normalize_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(_l("Unknown role.")) from None
    user = User(email=email, role=role, name=(name or "").strip() or None)
    if role == Role.FOCAL_POINT:
        owner = db.session.scalar(sa.select(Country).filter_by(iso3=(country or "").upper()))
        if owner is None:
            raise AccountError(_l("A focal point needs the ISO3 code of a member state."))
        if not can_have_focal_point(owner):
            raise AccountError(_l("The CRM as a regional body has no focal point: the "
                                  "secretariat reports its commitments. Choose a member "
                                  "state."), field="country")
        user.country = owner
    if role == Role.AUDITOR:
        if not (organisation or "").strip():
            raise AccountError(_l("An auditor needs an organisation."))
        user.organisation = (organisation or "").strip()
        try:
            user.organisation_kind = OrganisationKind(organisation_kind or "civil_society")
        except ValueError:
            raise AccountError(_l("Unknown kind of organisation.")) from None
    if find_user(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    if password is not None:
        check_policy(password, user_inputs=(email, name, user.organisation))
        user.password_hash = hash_password(password)
    db.session.add(user)
    admin_log.record(actor, "user.create", f"user {email}", role=role.value,
                     country=user.country.iso3 if user.country else None,
                     organisation=user.organisation)
    return user


def deactivate_user(actor: Actor, user: User) -> None:
    """Deactivate another person's active account and end all its sessions at once."""
    ensure(can_administer(actor))
    if not can_deactivate(actor, user):
        raise AccountError(_l("This account is already deactivated.") if not user.active else
                           _l("You cannot deactivate your own account: ask another member "
                              "of the secretariat."))
    user.active = False
    user.session_version += 1
    admin_log.record(actor, "user.deactivate", f"user {user.email}")
    db.session.commit()


def end_sessions(user: User) -> None:
    """Invalidate every session of this user (logout ends the other devices' too)."""
    user.session_version += 1
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """Set a new password (policy checked) and end every existing session."""
    check_policy(password, user_inputs=(user.email, user.name, user.organisation))
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.commit()


def authenticate(email: str, password: str, *, device: str | None = None,
                 now: dt.datetime | None = None) -> User | None:
    """The user if the credentials are right and the attempt need not wait, else None.

    Attempts are counted per address (tracker.accounts.throttle) whether or not an account
    exists, and a wait looks exactly like a wrong password, so neither the answer nor its
    timing reveals accounts. From a known device of this account (``device``: its token)
    they are counted on that device instead, so the owner gets in however much an
    attacker has slowed the address down.
    """
    now = now or utcnow()
    user = find_user(email)
    stored = user.password_hash if user is not None else None
    device_id = tokens.known_device(device, user) if user is not None else None
    key = throttle.key("device", device_id) if device_id else \
        throttle.key("login", normalize_email(email))
    waiting = throttle.claim(key, now) is not None
    ok = verify_password(stored, password)  # even while waiting: the same time either way
    if ok and not waiting and user is not None and user.is_active:
        throttle.forgive(key)
        user.last_login_at = now
        db.session.commit()
        return user
    return None


def change_password(user: User, current: str, new: str, now: dt.datetime | None = None) -> None:
    """Change one's own password after checking the current one. Wrong current passwords
    are counted on the account (every session of it shares the count) and slowed down like
    logins; AccountError says what is wrong or how long to wait, WeakPassword why the new
    one is refused."""
    now = now or utcnow()
    key = throttle.key("current-password", str(user.id))
    stored = user.password_hash
    wait = throttle.claim(key, now)
    if wait is not None:
        minutes = math.ceil(wait.total_seconds() / 60)
        raise AccountError(_ln(
            "Too many wrong current passwords: try again in %(num)d minute.",
            "Too many wrong current passwords: try again in %(num)d minutes.",
            minutes), field="current")
    if not verify_password(stored, current):
        raise AccountError(_l("The current password is wrong."), field="current")
    throttle.forgive(key)
    db.session.commit()  # the current password was right, whatever becomes of the new one
    set_password(user, new)
