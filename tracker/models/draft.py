"""Draft items: what the extractor proposed from an uploaded set of minutes, and what the
secretariat decided. A draft is not a recommendation: nothing public changes until the
accepted drafts of a meeting are published (tracker.importer.review)."""

import datetime as dt
import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.reference import Theme
    from tracker.models.source import SourceDocument
    from tracker.models.user import User


class DraftKind(enum.StrEnum):
    """What an item of the minutes is. The first two become recommendations with
    commitments; the context kinds become context items; ``other`` is never published."""

    RECOMMENDATION = "recommendation"
    EARLIER_AGREEMENT = "earlier_agreement"
    GOOD_PRACTICE = "good_practice"
    EXPERIENCE = "experience"
    APPROACH = "approach"
    OBSTACLE = "obstacle"
    COMMON_ELEMENT = "common_element"
    OTHER = "other"


class DraftDecision(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    MERGED = "merged"      # the same item as its duplicate: published as a second source
    REJECTED = "rejected"


class DraftItem(Model):
    """One proposed item of a source document, in document order, with why it was proposed."""

    __table_args__ = (sa.UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("source_document.id"), index=True)
    position: Mapped[int]
    # As proposed, then as edited by the secretariat.
    kind: Mapped[DraftKind] = mapped_column(enum_type(DraftKind))
    year: Mapped[Optional[int]]
    text: Mapped[str] = mapped_column(sa.Text)  # verbatim from the document: the quote
    section: Mapped[str] = mapped_column(sa.String(400), default="")
    working_table: Mapped[str] = mapped_column(sa.String(400), default="")
    reason: Mapped[str] = mapped_column(sa.String(40))  # a key of importer.extract.REASONS
    reason_detail: Mapped[str] = mapped_column(sa.String(400), default="")  # the heading
    title_es: Mapped[Optional[str]] = mapped_column(sa.String(300))
    title_en: Mapped[Optional[str]] = mapped_column(sa.String(300))
    theme_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("theme.id"))
    # None: by kind (every member state for a recommendation); else a list of codes,
    # "CRM" for the Conference itself, [] for none.
    owners: Mapped[Optional[list]] = mapped_column(sa.JSON)
    # The same item found elsewhere: another draft, or a published item of the meeting.
    duplicate_of_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("draft_item.id"))
    duplicate_code: Mapped[Optional[str]] = mapped_column(sa.String(40))
    duplicate_score: Mapped[Optional[float]] = mapped_column(sa.Float())
    decision: Mapped[DraftDecision] = mapped_column(enum_type(DraftDecision),
                                                    default=DraftDecision.PENDING)
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    # The code of the recommendation or context item it became; set once, on publishing,
    # after which the decision can no longer be undone.
    published_code: Mapped[Optional[str]] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped["SourceDocument"] = relationship(back_populates="drafts")
    theme: Mapped[Optional["Theme"]] = relationship()
    duplicate_of: Mapped[Optional["DraftItem"]] = relationship(remote_side=[id])
    decided_by: Mapped[Optional["User"]] = relationship()

    @property
    def is_published(self) -> bool:
        return self.published_code is not None

    @property
    def becomes_recommendation(self) -> bool:
        return self.kind in (DraftKind.RECOMMENDATION, DraftKind.EARLIER_AGREEMENT)
