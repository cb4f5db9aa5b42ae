"""Every signed link the tracker sends, made and read here, each purpose with its own salt.

- Invitation and password-reset links expire (7 days, 1 hour) and work once: a token
  carries the user's id and session_version, and setting the password bumps the version,
  so a used token (and every older one) stops working.
- Unsubscribe links in digests never expire and need no login: they only ever switch
  digests off, and a digest sent a year ago must still be able to stop the next one.
- Known-device tokens (OWASP's "device cookie") are handed to a browser after it logged
  in, for 180 days: they let the right password in from that browser while the account is
  slowed down for every other one (tracker.accounts.throttle). A token names the user, a
  random device id and a fingerprint of the password hash, so a new password forgets
  every device; it opens nothing by itself.
"""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from tracker.extensions import db
from tracker.models import User

LIFETIMES = {"invite": 7 * 24 * 3600, "reset": 3600, "device": 180 * 24 * 3600}  # seconds


def _keys() -> list[str]:
    """Signing key last, as itsdangerous wants it; SECRET_KEY_FALLBACKS still verify, so a
    rotated key does not break links already mailed."""
    config = current_app.config
    return [*config.get("SECRET_KEY_FALLBACKS", ()), config["SECRET_KEY"]]


def _timed(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_keys(), salt=f"tracker-{purpose}")


def _lasting(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(_keys(), salt=f"tracker-{purpose}")


def make_token(user: User, purpose: str) -> str:
    """A single-use link token for ``invite`` or ``reset``."""
    return _timed(purpose).dumps({"u": user.id, "v": user.session_version})


def user_for_token(token: str, purpose: str) -> User | None:
    """The user the token was made for, if it is genuine, fresh and unused; else None."""
    try:
        data = _timed(purpose).loads(token, max_age=LIFETIMES[purpose])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.session_version != data.get("v") or not user.active:
        return None
    return user


def device_token(user: User) -> str:
    """A new known-device token for the browser this user just logged in from."""
    return _timed("device").dumps({"u": user.id, "d": secrets.token_urlsafe(16),
                                   "p": _password_mark(user)})


def known_device(token: str | None, user: User) -> str | None:
    """The device id if the token is a genuine, unexpired device token of this user under
    their current password; else None."""
    if not token or not user.password_hash:
        return None
    try:
        data = _timed("device").loads(token, max_age=LIFETIMES["device"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("u") != user.id \
            or data.get("p") != _password_mark(user) or not isinstance(data.get("d"), str):
        return None
    return data["d"]


def _password_mark(user: User) -> str:
    """Changes with the password; says nothing about it (a hash of its salted hash)."""
    return hashlib.sha256((user.password_hash or "").encode("utf-8")).hexdigest()[:16]


def unsubscribe_token(user: User) -> str:
    """A link token that works without logging in; it only ever switches digests off."""
    return _lasting("unsubscribe").dumps({"u": user.id})


def user_for_unsubscribe(token: str) -> User | None:
    try:
        data = _lasting("unsubscribe").loads(token)
    except BadSignature:
        return None
    return db.session.get(User, data.get("u")) if isinstance(data, dict) else None
