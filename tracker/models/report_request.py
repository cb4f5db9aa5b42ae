"""A follow-up report someone asked for on the site, made later by the scheduler."""

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.columns import UTCDateTime
from tracker.core.time import utcnow
from tracker.extensions import Model


class ReportRequest(Model):
    """One report (scope, code, as-of day, language, format) at one ``version``: the data
    version for a report as of today (a later write needs a new one), empty for an earlier
    day (its history no longer changes). ``status``: pending, done, failed or superseded
    (a today-report whose data changed before it was made); ``file_path``: its file's name
    in the export cache once done."""

    __table_args__ = (sa.UniqueConstraint("scope", "code", "as_of", "lang", "format",
                                          "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(16))  # meeting, country, summary
    code: Mapped[str] = mapped_column(sa.String(64), default="")  # empty for the summary
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    lang: Mapped[str] = mapped_column(sa.String(2))
    format: Mapped[str] = mapped_column(sa.String(4))
    version: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    file_path: Mapped[Optional[str]] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
