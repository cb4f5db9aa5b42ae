"""Commitments (one owner country's undertaking of a recommendation) and their history."""

import datetime as dt
import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.evidence import Evidence
    from tracker.models.recommendation import Recommendation
    from tracker.models.reference import Country
    from tracker.models.user import User


class Status(enum.StrEnum):
    """The status vocabulary; stable, used in the API."""

    NOT_REPORTED = "not_reported"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    STALLED = "stalled"


# Index keys of the list's sorts, written as its ORDER BY is. SQLAlchemy cannot read back an
# expression index on SQLite, whose small databases sort fine without: PostgreSQL only.
PG = "postgresql"
DUE_ORDER = sa.text("(due_date IS NULL)")
UPDATED_DESC: sa.UnaryExpression[sa.Any] = sa.desc(sa.column("updated_at"))
COUNTRY_OF_CODE = sa.text("substr(code, length(code) - 2)")


class Commitment(Model):
    """One owner country's undertaking of a recommendation, coded like ``MT1-R03-MEX``."""

    __table_args__ = (
        sa.UniqueConstraint("recommendation_id", "country_id"),
        sa.CheckConstraint("progress IS NULL OR (progress >= 0 AND progress <= 100)",
                           name="progress_range"),
        # The list's filters with its default order (by code): a page is read off an index.
        sa.Index("ix_commitment_status_code", "status", "code"),
        sa.Index("ix_commitment_country_id_code", "country_id", "code"),
        # Every other sort of the list (listing.SORTS), alone and after a status or a
        # country_id filter, is read off one of these in its order: no page sorts the table.
        # The due order (undated last, on SQLite too) also gives the country page its runs.
        sa.Index("ix_commitment_due_order", DUE_ORDER, "due_date", "code").ddl_if(PG),
        sa.Index("ix_commitment_country_id_due_order", "country_id", DUE_ORDER, "due_date",
                 "code").ddl_if(PG),
        sa.Index("ix_commitment_status_due_order", "status", DUE_ORDER, "due_date",
                 "code").ddl_if(PG),
        # A country sort by the owner's ISO3 that ends every code (MT1-R03-MEX), for when
        # listing.SORTS uses it: ORDER BY country.iso3, across a join, has no index.
        sa.Index("ix_commitment_country_order", COUNTRY_OF_CODE, "code").ddl_if(PG),
        sa.Index("ix_commitment_updated_order", UPDATED_DESC, "code"),
        sa.Index("ix_commitment_country_id_updated_order", "country_id", UPDATED_DESC, "code"),
        sa.Index("ix_commitment_status_updated_order", "status", UPDATED_DESC, "code"),
        sa.Index("ix_commitment_country_id_status_code", "country_id", "status", "code"),
        # A search matches codes too (tracker.commitments.search): trigrams of lower(code).
        sa.Index("ix_commitment_code_trgm", sa.func.lower(sa.literal_column("code"))
                 .label("code_lower"), postgresql_using="gin",
                 postgresql_ops={"code_lower": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation.id"))
    # No single-column indexes on country_id, status and updated_at: the sort indexes
    # above lead with them, and each index is one more write per status update.
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("country.id"))
    status: Mapped[Status] = mapped_column(enum_type(Status, "commitment_status"),
                                           default=Status.NOT_REPORTED)
    progress: Mapped[Optional[int]]
    due_date: Mapped[Optional[dt.date]] = mapped_column(index=True)
    responsible_institution: Mapped[Optional[str]] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)

    recommendation: Mapped["Recommendation"] = relationship(back_populates="commitments")
    country: Mapped["Country"] = relationship(back_populates="commitments")
    events: Mapped[list["StatusEvent"]] = relationship(
        back_populates="commitment", order_by="StatusEvent.id"
    )
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="commitment", order_by="Evidence.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Commitment {self.code} {self.status}>"


class StatusEvent(Model):
    """One entry of a commitment's history. Append-only: never updated, never deleted.

    The first event of every commitment records its creation (``from_status`` NULL).
    """

    __table_args__ = (
        # Notes are searched like recommendations' texts (see Recommendation's index).
        sa.Index("ix_status_event_note_search_trgm", sa.literal_column("note_search"),
                 postgresql_using="gin", postgresql_ops={"note_search": "gin_trgm_ops"})
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(sa.ForeignKey("commitment.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                            index=True)
    from_status: Mapped[Optional[Status]] = mapped_column(enum_type(Status, "event_from_status"))
    to_status: Mapped[Status] = mapped_column(enum_type(Status, "event_to_status"))
    progress: Mapped[Optional[int]]
    note: Mapped[Optional[str]] = mapped_column(sa.Text)
    note_search: Mapped[Optional[str]] = mapped_column(sa.Text)  # folded note, for search
    # Who acted. The public sees the role and country only, never the person.
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(30), default="system")
    actor_country_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("country.id"))

    commitment: Mapped[Commitment] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship()
    actor_country: Mapped[Optional["Country"]] = relationship()

    @property
    def is_creation(self) -> bool:
        return self.from_status is None

