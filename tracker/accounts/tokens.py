"""Signed, expiring, single-use links for invitations and password resets.

A token carries the user's id and session_version; setting the password bumps the
version, so a used token (and every older one) stops working.
"""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.extensions import db
from tracker.models import User

LIFETIMES = {"invite": 7 * 24 * 3600, "reset": 3600}  # seconds


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"tracker-{purpose}")


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "v": user.session_version})


def user_for_token(token: str, purpose: str) -> User | None:
    """The user the token was made for, if it is genuine, fresh and unused; else None."""
    try:
        data = _serializer(purpose).loads(token, max_age=LIFETIMES[purpose])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.session_version != data.get("v") or not user.active:
        return None
    return user
