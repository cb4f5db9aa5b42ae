"""Accounts: creating, deactivating, logging in (with a lock after repeated failures)."""

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from tracker.accounts import admin_log
from tracker.accounts.passwords import check_policy, hash_password, verify_password
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Country, LoginThrottle, OrganisationKind, Role, User
from tracker.permissions import Actor, can_administer, can_deactivate, ensure

MAX_FAILURES = 5                          # failed logins before the address is locked
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_TIME = dt.timedelta(minutes=15)


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
        user.country = db.session.scalar(sa.select(Country).filter_by(iso3=(country or "").upper()))
        if user.country is None:
            raise AccountError(_l("A focal point needs the ISO3 code of a member state."))
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
        check_policy(password, user_inputs=(email, name or ""))
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
    check_policy(password, user_inputs=(user.email, user.name or ""))
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.commit()


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()


def authenticate(email: str, password: str, now: dt.datetime | None = None) -> User | None:
    """The user if the credentials are right and the address is not locked, else None.

    Failures are counted per address whether or not an account exists, and a lock looks
    exactly like a wrong password, so neither the answer nor its timing reveals accounts.
    """
    now = now or utcnow()
    key = _throttle_key(email)
    throttle = db.session.get(LoginThrottle, key, with_for_update=True)
    user = find_user(email)
    locked = throttle is not None and throttle.locked_until is not None \
        and throttle.locked_until > now
    ok = verify_password(user.password_hash if user else None, password)
    if ok and not locked and user is not None and user.is_active:
        if throttle is not None:
            db.session.delete(throttle)
        user.last_login_at = now
        db.session.commit()
        return user
    if not locked:
        _count_failure(throttle, key, now)
    db.session.commit()
    return None


def _count_failure(throttle: LoginThrottle | None, key: str, now: dt.datetime) -> None:
    if throttle is None:
        throttle = LoginThrottle(email_key=key, failures=0, first_failure_at=now)
        db.session.add(throttle)
    elif now - throttle.first_failure_at > FAILURE_WINDOW:
        throttle.failures, throttle.first_failure_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + LOCK_TIME

