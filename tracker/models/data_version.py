"""One row counting changes to public data, so caches and validators know when to renew."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.columns import UTCDateTime
from tracker.core.time import utcnow
from tracker.extensions import Model


class DataVersion(Model):
    """Bumped in the same transaction as every write to public data (tracker.core.data_version)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
