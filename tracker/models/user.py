"""Accounts: the secretariat, government focal points and auditors."""

import datetime as dt
import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.reference import Country


class Role(enum.StrEnum):
    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"  # bound to exactly one country
    AUDITOR = "auditor"          # bound to an organisation


class OrganisationKind(enum.StrEnum):
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    INTERNATIONAL_ORGANISATION = "international_organisation"


class DigestFrequency(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    NONE = "none"  # unsubscribed: mandatory overdue notices still come


class User(UserMixin, Model):
    """A person with an account. ``email`` is stored lower-cased, so it is unique regardless
    of case; ``session_version`` ends every session of the user when it changes."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        sa.CheckConstraint("role <> 'focal_point' OR country_id IS NOT NULL",
                           name="focal_point_has_country"),
        sa.CheckConstraint("role <> 'auditor' OR organisation IS NOT NULL",
                           name="auditor_has_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[Optional[str]] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role", length=30))
    country_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("country.id"), index=True)
    organisation: Mapped[Optional[str]] = mapped_column(sa.String(200))
    organisation_kind: Mapped[Optional[OrganisationKind]] = mapped_column(
        enum_type(OrganisationKind, "organisation_kind", length=30))
    # NULL until the invited person chooses one
    password_hash: Mapped[Optional[str]] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    # Reminder preferences: how often the digest comes, and in which language mail is written.
    digest_frequency: Mapped[DigestFrequency] = mapped_column(
        enum_type(DigestFrequency, "digest_frequency", length=30), default=DigestFrequency.WEEKLY,
        server_default=DigestFrequency.WEEKLY.value)
    language: Mapped[str] = mapped_column(sa.String(8), default="es", server_default="es")

    country: Mapped[Optional["Country"]] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session carries the version too: bumping it invalidates every copy of the
        # signed session cookie, which Flask alone cannot revoke.
        return f"{self.id}:{self.session_version}"

    @property
    def label(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginThrottle(Model):
    """Password attempts counted on one key (tracker.accounts.throttle): an e-mail address
    at the login form, whether or not an account exists (so a wait says nothing about
    existence), a known device, or an account's current-password check. Kept in the
    database so every gunicorn worker sees it."""

    # sha256 of the kind and the value (the e-mail, the device id, the user id); the
    # column kept the name it had when only e-mail addresses were counted
    email_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # no attempt on this key before then (the progressive wait); None: no wait yet
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
