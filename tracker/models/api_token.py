"""Personal API tokens for national systems, and the answers kept for idempotent retries."""

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.reference import Country
    from tracker.models.user import User


class ApiToken(Model):
    """A bearer token: only its SHA-256 is kept (the token is shown once), with the scopes it
    grants (``status:write``, ``evidence:write``) and the country it may write for (its
    owner's, fixed when it was made; NULL for a secretariat token: every country)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))  # the token's start, to recognise it
    scopes: Mapped[str] = mapped_column(sa.String(100))  # space-separated
    country_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("country.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    country: Mapped[Optional["Country"]] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class IdempotentRequest(Model):
    """The first answer to a token's request with an ``Idempotency-Key``: a retry with the
    same key gets it again instead of recording twice."""

    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    # What was asked (method, path and body digest): the same key for another request is
    # refused rather than answered with an unrelated answer.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)  # the JSON answer
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
