"""A person's digest preferences, and the signed unsubscribe link in every digest (a focal
point's reminders, an auditor's weekly digest of what they follow)."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from tracker.extensions import db
from tracker.models import DigestFrequency, User
from tracker.permissions import is_auditor, is_focal_point


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


def digest_choices(user: User) -> list[DigestFrequency]:
    """Focal points choose how often their reminders come; auditors whether the weekly
    digest of what they follow comes; the secretariat has no digest to choose."""
    if is_focal_point(user):
        return list(DigestFrequency)
    if is_auditor(user):
        return [DigestFrequency.WEEKLY, DigestFrequency.NONE]
    return []


def save_preferences(user: User, frequency: DigestFrequency | str | None,
                     language: str) -> None:
    """Digest frequency (one of digest_choices; None keeps it) and mail language; a focal
    point's overdue notices stay whatever the frequency."""
    if language not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unknown language {language!r}")
    if frequency is not None:
        if DigestFrequency(frequency) not in digest_choices(user):
            raise ValueError(f"{user.role} cannot choose the digest frequency {frequency!r}")
        user.digest_frequency = DigestFrequency(frequency)
    user.language = language
    db.session.commit()


def unsubscribe(user: User) -> None:
    """No more digests; a focal point's mandatory overdue notices still come."""
    user.digest_frequency = DigestFrequency.NONE
    db.session.commit()
