"""Evidence a government attaches to a commitment: a stored file or a link."""

import datetime as dt
import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model
from tracker.models.ledger import new_salt

if TYPE_CHECKING:
    from tracker.models.commitment import Commitment
    from tracker.models.user import User


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"  # the secretariat and the owner country's focal points only


class Evidence(Model):
    """A file (stored under a server-chosen name, with its SHA-256) or an http(s) link."""

    __table_args__ = (
        sa.CheckConstraint("(stored_name IS NULL) <> (url IS NULL)", name="file_or_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(sa.ForeignKey("commitment.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    dated: Mapped[dt.date]
    visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "evidence_visibility"))
    url: Mapped[Optional[str]] = mapped_column(sa.String(2000))
    stored_name: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    original_filename: Mapped[Optional[str]] = mapped_column(sa.String(255))
    content_type: Mapped[Optional[str]] = mapped_column(sa.String(120))
    size: Mapped[Optional[int]]
    sha256: Mapped[Optional[str]] = mapped_column(sa.String(64))
    # Opens the ledger's sha256(salt + sha256) of a restricted file: shown only to those who
    # may see the file. NULL for evidence from before commitments.
    ledger_salt: Mapped[Optional[str]] = mapped_column(sa.String(32), default=new_salt)
    added_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitment: Mapped["Commitment"] = relationship(back_populates="evidence")
    added_by: Mapped[Optional["User"]] = relationship()

    @property
    def is_file(self) -> bool:
        return self.stored_name is not None

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class EvidenceBlob(Model):
    """A file's content kept in the database, so that every app host serves it (PostgreSQL
    deployments; SQLite keeps files in UPLOAD_FOLDER). Content-addressed: one row per
    distinct SHA-256, however many evidence records carry that file."""

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvidenceBlobChunk(Model):
    """One piece of a blob, in order: a download reads one piece per query, so a 20 MB file
    is never held whole in memory nor keeps a database connection for a slow reader."""

    sha256: Mapped[str] = mapped_column(sa.ForeignKey("evidence_blob.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
