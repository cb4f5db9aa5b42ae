"""The minutes the tracker is built from, and the exact passages each item quotes."""

from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.draft import DraftItem
    from tracker.models.meeting import ContextItem, Meeting
    from tracker.models.recommendation import Recommendation


class SourceDocument(Model):
    """A set of minutes, its full text kept so a reader can see the original."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), unique=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    language: Mapped[str] = mapped_column(sa.String(8), default="es")
    filename: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # The uploaded original (DOCX, ODT, PDF...), kept where evidence files are kept
    # (tracker.evidence.files); NULL for the seed's text files, whose text is the original.
    stored_name: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    original_filename: Mapped[Optional[str]] = mapped_column(sa.String(255))
    content_type: Mapped[Optional[str]] = mapped_column(sa.String(120))
    size: Mapped[Optional[int]]
    # Uploaded minutes stay private (the secretariat's) until items from them are published;
    # the seed's documents are public from the start.
    public: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # A restricted original is downloadable by the secretariat only; its text, quoted by
    # public recommendations, is public once items from it are published.
    restricted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    meeting: Mapped["Meeting"] = relationship(back_populates="documents")
    quotes: Mapped[list["SourceQuote"]] = relationship(back_populates="document")
    drafts: Mapped[list["DraftItem"]] = relationship(
        back_populates="document", order_by="DraftItem.position")

    @property
    def is_file(self) -> bool:
        return self.stored_name is not None

    def __repr__(self) -> str:
        return f"<SourceDocument {self.code}>"


class SourceQuote(Model):
    """A passage of a source document that a recommendation or a context item comes from.

    An item reported in both sets of minutes has one quote in each, in the order the
    seed lists them; the first is the primary source.
    """

    __table_args__ = (
        sa.CheckConstraint(
            "(recommendation_id IS NULL) <> (context_item_id IS NULL)", name="one_owner"
        ),
        sa.UniqueConstraint("recommendation_id", "source_document_id"),
        sa.UniqueConstraint("context_item_id", "source_document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_document_id: Mapped[int] = mapped_column(sa.ForeignKey("source_document.id"))
    recommendation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("recommendation.id"), index=True
    )
    context_item_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("context_item.id"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    quote: Mapped[str] = mapped_column(sa.Text)

    document: Mapped[SourceDocument] = relationship(back_populates="quotes")
    recommendation: Mapped[Optional["Recommendation"]] = relationship(back_populates="quotes")
    context_item: Mapped[Optional["ContextItem"]] = relationship(back_populates="quotes")
