"""A person's digest preferences, and the signed unsubscribe link in every digest (a focal
point's reminders, an auditor's weekly digest of what they follow)."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from tracker.extensions import db
from tracker.models import DigestFrequency, User


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tracker-unsubscribe")


def unsubscribe_token(user: User) -> str:
    """A link token that works without logging in; it only ever switches digests off."""
    return _serializer().dumps({"u": user.id})


def user_for_unsubscribe(token: str) -> User | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(User, data.get("u")) if isinstance(data, dict) else None


def save_preferences(user: User, frequency: DigestFrequency | str, language: str) -> None:
    """Digest frequency (weekly, monthly, none) and mail language; overdue notices stay."""
    if language not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unknown language {language!r}")
    user.digest_frequency = DigestFrequency(frequency)
    user.language = language
    db.session.commit()


def unsubscribe(user: User) -> None:
    """No more digests; a focal point's mandatory overdue notices still come."""
    save_preferences(user, DigestFrequency.NONE, user.language)
