"""A filled-in spreadsheet of commitments, read and compared, waiting to be applied."""

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.user import User


class SheetPreview(Model):
    """What an uploaded sheet would change, row by row, kept on the server (never in the
    page's hidden fields) until it is applied or expires. ``id`` is random: the preview's
    address, readable by its uploader only."""

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    rows: Mapped[list] = mapped_column(sa.JSON)  # tracker.commitments.sheets.preview rows
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    applied_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    user: Mapped["User"] = relationship()
