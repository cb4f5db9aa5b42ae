"""What an auditor follows: a country or a theme, for the weekly digest of public changes."""

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime
from tracker.core.time import utcnow
from tracker.extensions import Model

if TYPE_CHECKING:
    from tracker.models.reference import Country, Theme


class Follow(Model):
    """One followed country or theme (exactly one of the two) of one person."""

    __table_args__ = (
        sa.CheckConstraint("(country_id IS NULL) <> (theme_id IS NULL)",
                           name="country_or_theme"),
        # NULLs are distinct, so each pair is unique only where its column is set.
        sa.UniqueConstraint("user_id", "country_id"),
        sa.UniqueConstraint("user_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    country_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("country.id"))
    theme_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("theme.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    country: Mapped[Optional["Country"]] = relationship()
    theme: Mapped[Optional["Theme"]] = relationship()

    @property
    def code(self) -> str:
        """The followed country's ISO3 or theme's code."""
        if self.country is not None:
            return self.country.iso3
        assert self.theme is not None  # a CHECK constraint: exactly one of the two
        return self.theme.code

    def name(self, locale: str = "es") -> str:
        followed = self.country or self.theme
        assert followed is not None  # a CHECK constraint: exactly one of the two
        return followed.name(locale)
