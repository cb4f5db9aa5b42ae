"""A person's digest preferences: how often, in which language, or none at all (the
unsubscribe link of every digest; its token is made in tracker.accounts.tokens)."""

from flask import current_app

from tracker.extensions import db
from tracker.models import DigestFrequency, User
from tracker.permissions import digest_choices


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
