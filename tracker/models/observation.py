"""Civil-society observations on a commitment, the government's answers, and hidings.

All three are append-only: hiding an abusive observation is a new row, never an edit.
"""

import datetime as dt
import enum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model
from tracker.models.ledger import new_salt
from tracker.models.user import OrganisationKind

if TYPE_CHECKING:
    from tracker.models.commitment import Commitment
    from tracker.models.reference import Country


class Assessment(enum.StrEnum):
    """The Open Government Partnership completion scale, lowest first."""

    NO_EVIDENCE = "no_evidence"
    NOT_STARTED = "not_started"
    LIMITED = "limited"
    SUBSTANTIAL = "substantial"
    COMPLETE = "complete"

    @property
    def rank(self) -> int:
        return list(Assessment).index(self)


class Observation(Model):
    """An auditor's rating and remarks; the public sees the organisation, never the person."""

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(sa.ForeignKey("commitment.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    organisation_kind: Mapped[Optional[OrganisationKind]] = mapped_column(
        enum_type(OrganisationKind, "observation_organisation_kind", length=30))
    assessment: Mapped[Assessment] = mapped_column(
        enum_type(Assessment, "observation_assessment", length=30))
    text: Mapped[str] = mapped_column(sa.Text)
    links: Mapped[Optional[str]] = mapped_column(sa.Text)  # newline-separated http(s) URLs
    # Opens the ledger's commitment to text and links; served only while not hidden. NULL
    # for observations from before commitments (their ledger entry holds the text itself).
    text_salt: Mapped[Optional[str]] = mapped_column(sa.String(32), default=new_salt)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    index=True)

    commitment: Mapped["Commitment"] = relationship()
    answers: Mapped[list["ObservationAnswer"]] = relationship(
        back_populates="observation", order_by="ObservationAnswer.id")
    hiding: Mapped[Optional["ObservationHiding"]] = relationship(back_populates="observation")

    @property
    def link_list(self) -> list[str]:
        return [line for line in (self.links or "").splitlines() if line.strip()]


class ObservationAnswer(Model):
    """A government focal point's reply, attributed to the country, never the person."""

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(sa.ForeignKey("observation.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("country.id"))
    text_salt: Mapped[Optional[str]] = mapped_column(sa.String(32), default=new_salt)  # as above
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    observation: Mapped[Observation] = relationship(back_populates="answers")
    country: Mapped["Country"] = relationship()


class ObservationHiding(Model):
    """The secretariat hid an abusive observation: shown publicly with its reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(sa.ForeignKey("observation.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    observation: Mapped[Observation] = relationship(back_populates="hiding")
