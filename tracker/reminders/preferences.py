"""A person's digest preferences: how often, in which language, or none at all (the
unsubscribe link of every digest; its token is made in tracker.accounts.tokens)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker.core.refusals import Refused
from tracker.extensions import db
from tracker.models import DigestFrequency, User
from tracker.permissions import digest_choices


class PreferencesRefused(Refused):
    """A language or digest frequency this person may not choose (the form offers only the
    ones they may: this refuses a crafted request)."""


def save_preferences(user: User, frequency: DigestFrequency | str | None,
                     language: str) -> None:
    """Digest frequency (one of digest_choices; None keeps it) and mail language; a focal
    point's overdue notices stay whatever the frequency."""
    if language not in current_app.config["LANGUAGES"]:
        raise PreferencesRefused(_l("Unknown language."), "language")
    if frequency is not None:
        if DigestFrequency(frequency) not in digest_choices(user):
            raise PreferencesRefused(_l("Not a valid choice."), "digest_frequency")
        user.digest_frequency = DigestFrequency(frequency)
    user.language = language
    db.session.commit()


def unsubscribe(user: User) -> None:
    """No more digests; a focal point's mandatory overdue notices still come."""
    user.digest_frequency = DigestFrequency.NONE
    db.session.commit()
