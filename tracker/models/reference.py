"""Reference data: the CRM member states and the themes recommendations are filed under."""

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.commitment import Commitment
    from tracker.models.recommendation import Recommendation


class Country(Model):
    """An owner of commitments: a CRM member state, identified by its ISO 3166 alpha-3 code,
    or the Conference itself as a regional body (code ``CRM``, ``regional``), which the
    minutes sometimes address ("La CRM puede impulsar...") and the secretariat reports for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(sa.String(3), unique=True)
    name_es: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    regional: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    commitments: Mapped[list["Commitment"]] = relationship(back_populates="country")

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<Country {self.iso3}>"


class Theme(Model):
    """A cross-cutting subject (children, consular protection...) used to filter and sum."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name_es: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))

    recommendations: Mapped[list["Recommendation"]] = relationship(back_populates="theme")

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<Theme {self.code}>"
