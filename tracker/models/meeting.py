"""Meetings, their working tables, and the context (good practices, obstacles) they recorded."""

import datetime as dt
import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import enum_type
from tracker.extensions import Model
from tracker.models.source import SourceDocument, SourceQuote

if TYPE_CHECKING:
    from tracker.models.recommendation import Recommendation


class Meeting(Model):
    """A CRM meeting. The minutes often omit its name, date and city: those stay NULL
    (unknown) until the secretariat fills them in, rather than being guessed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[Optional[str]] = mapped_column(sa.String(300))
    held_on: Mapped[Optional[dt.date]]
    city: Mapped[Optional[str]] = mapped_column(sa.String(120))
    venue: Mapped[Optional[str]] = mapped_column(sa.String(200))
    notes: Mapped[Optional[str]] = mapped_column(sa.Text)

    documents: Mapped[list[SourceDocument]] = relationship(
        back_populates="meeting", order_by=SourceDocument.id
    )
    working_tables: Mapped[list["WorkingTable"]] = relationship(
        back_populates="meeting", order_by="WorkingTable.position"
    )

    @property
    def label(self) -> str:
        """A name to show even when the minutes gave none."""
        return self.label_for(self.code, self.name, self.venue)

    @staticmethod
    def label_for(code: str, name: str | None, venue: str | None) -> str:
        return name or (f"{venue} ({code})" if venue else code)

    def __repr__(self) -> str:
        return f"<Meeting {self.code}>"


class WorkingTable(Model):
    """A working table (mesa de trabajo) of a meeting; its code prefixes its items' codes."""

    __table_args__ = (sa.UniqueConstraint("meeting_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"))
    code: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(default=0)
    name_es: Mapped[str] = mapped_column(sa.String(400))
    name_en: Mapped[str] = mapped_column(sa.String(400))
    facilitators: Mapped[Optional[str]] = mapped_column(sa.String(400))

    meeting: Mapped[Meeting] = relationship(back_populates="working_tables")
    recommendations: Mapped[list["Recommendation"]] = relationship(
        back_populates="working_table", order_by="Recommendation.position"
    )
    context_items: Mapped[list["ContextItem"]] = relationship(
        back_populates="working_table", order_by="ContextItem.position"
    )

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<WorkingTable {self.code}>"


class ContextKind(enum.StrEnum):
    """What a context item is; none of these becomes a commitment."""

    EXPERIENCE = "experience"
    GOOD_PRACTICE = "good_practice"
    APPROACH = "approach"
    OBSTACLE = "obstacle"
    COMMON_ELEMENT = "common_element"


class ContextItem(Model):
    """Something a working table reported as background: a good practice, an obstacle..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    working_table_id: Mapped[int] = mapped_column(sa.ForeignKey("working_table.id"), index=True)
    kind: Mapped[ContextKind] = mapped_column(
        enum_type(ContextKind)
    )
    section: Mapped[str] = mapped_column(sa.String(400))
    position: Mapped[int] = mapped_column(default=0)
    text_es: Mapped[str] = mapped_column(sa.Text)

    working_table: Mapped[WorkingTable] = relationship(back_populates="context_items")
    quotes: Mapped[list[SourceQuote]] = relationship(
        back_populates="context_item", order_by=SourceQuote.position,
        cascade="all, delete-orphan",
    )
