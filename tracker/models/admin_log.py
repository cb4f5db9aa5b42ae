"""The record of every administrative change: who, when, what."""

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.user import User


class AdminAction(Model):
    """One administrative change. Append-only, like the status history."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # NULL: the CLI
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(60))
    target: Mapped[str] = mapped_column(sa.String(300))  # e.g. "commitment MT1-R03-MEX"
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[Optional["User"]] = relationship()
