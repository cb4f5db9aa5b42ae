"""Recommendations: the regional text as the minutes state it."""

import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import enum_type
from tracker.extensions import Model
from tracker.models.source import SourceQuote

if TYPE_CHECKING:
    from tracker.models.commitment import Commitment
    from tracker.models.meeting import WorkingTable
    from tracker.models.reference import Theme


class RecommendationKind(enum.StrEnum):
    RECOMMENDATION = "recommendation"
    EARLIER_AGREEMENT = "earlier_agreement"  # recalled from an earlier year's meeting


class Recommendation(Model):
    """One item of a working table's recommendation list, or an earlier agreement it recalls."""

    __table_args__ = (
        # Searched with LIKE '%needle%' (tracker.commitments.search): a trigram index on
        # PostgreSQL. A literal column so SQLite, which would only get a useless btree, is
        # left out of the models-versus-migrations comparison too.
        sa.Index("ix_recommendation_search_text_trgm", sa.literal_column("search_text"),
                 postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    working_table_id: Mapped[int] = mapped_column(sa.ForeignKey("working_table.id"), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id"), index=True)
    kind: Mapped[RecommendationKind] = mapped_column(
        enum_type(RecommendationKind)
    )
    year: Mapped[Optional[int]]  # known for earlier agreements; NULL when the minutes omit it
    section: Mapped[str] = mapped_column(sa.String(400))
    position: Mapped[int] = mapped_column(default=0)
    text_es: Mapped[str] = mapped_column(sa.Text)
    title_es: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    # The editors' remark on how the minutes were read, once per language: ``editorial_note``
    # is the English one (the column predates the Spanish). A page shows only its reader's.
    editorial_note: Mapped[Optional[str]] = mapped_column(sa.Text)
    editorial_note_es: Mapped[Optional[str]] = mapped_column(sa.Text)
    # Titles and text without accents, lower-cased, kept by tracker.commitments.search on every
    # write: a plain LIKE over it is fast on both databases.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    working_table: Mapped["WorkingTable"] = relationship(back_populates="recommendations")
    theme: Mapped["Theme"] = relationship(back_populates="recommendations")
    quotes: Mapped[list[SourceQuote]] = relationship(
        back_populates="recommendation", order_by=SourceQuote.position,
        cascade="all, delete-orphan",
    )
    commitments: Mapped[list["Commitment"]] = relationship(
        back_populates="recommendation", order_by="Commitment.code"
    )

    @property
    def source_quote(self) -> str:
        """The exact passage of the primary source document."""
        return self.quotes[0].quote if self.quotes else ""

    def title(self, locale: str = "es") -> str:
        return self.title_en if locale == "en" else self.title_es

    def note(self, locale: str = "es") -> str | None:
        """The editorial note in the reader's language only: None when that one is missing."""
        return self.editorial_note if locale == "en" else self.editorial_note_es

    def __repr__(self) -> str:
        return f"<Recommendation {self.code}>"
