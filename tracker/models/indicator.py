"""Indicators: what changed, in numbers, per owner and period, disaggregated by coded
dimensions (sex, age group, migratory status, nationality).

A report of a period's value is append-only, like the status history: a correction is a new
report that names the one it replaces. A report's cells are (value of the first dimension or
NULL, value of the second or NULL) -> number; NULL is the total over that dimension (``_T``
in the open data).
"""

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model
from tracker.models.ledger import new_salt

if TYPE_CHECKING:
    from tracker.models.commitment import Commitment
    from tracker.models.recommendation import Recommendation
    from tracker.models.reference import Country

TOTAL = "_T"  # SDMX's code for "all values of this dimension" (NULL in the cells)


class Unit(enum.StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    CURRENCY = "currency"  # with Indicator.currency, an ISO 4217 code
    DAYS = "days"


class Frequency(enum.StrEnum):
    YEAR = "year"  # period "2025"
    HALF = "half"  # "2025-H1"
    QUARTER = "quarter"  # "2025-Q3"


class Dimension(Model):
    """A coded vocabulary a value can be broken down by; the secretariat may add values."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)  # SEX, AGE, ...
    name_es: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)

    values: Mapped[list["DimensionValue"]] = relationship(
        back_populates="dimension", order_by="DimensionValue.position")

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es


class DimensionValue(Model):
    """One code of a dimension (``F``, ``Y0T11``, ``MEX``...), in the order tables show."""

    __table_args__ = (sa.UniqueConstraint("dimension_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimension.id"))
    code: Mapped[str] = mapped_column(sa.String(30))
    name_es: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)

    dimension: Mapped["Dimension"] = relationship(back_populates="values")

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es


class Indicator(Model):
    """A number to report per period: on a recommendation (each owner reports it) or on one
    commitment (its owner does)."""

    __table_args__ = (sa.CheckConstraint(
        "(recommendation_id IS NULL) <> (commitment_id IS NULL)", name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_es: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    definition_es: Mapped[str] = mapped_column(sa.Text, default="")
    definition_en: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[Unit] = mapped_column(enum_type(Unit, "indicator_unit"))
    currency: Mapped[Optional[str]] = mapped_column(sa.String(3))  # ISO 4217, unit currency
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency, "indicator_frequency"))
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    recommendation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("recommendation.id"), index=True)
    commitment_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("commitment.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recommendation: Mapped[Optional["Recommendation"]] = relationship()
    commitment: Mapped[Optional["Commitment"]] = relationship()
    dimension_links: Mapped[list["IndicatorDimension"]] = relationship(
        order_by="IndicatorDimension.position", cascade="all, delete-orphan")
    targets: Mapped[list["IndicatorTarget"]] = relationship(cascade="all, delete-orphan")

    @property
    def dimensions(self) -> list[Dimension]:
        """The dimensions it is reported by, in order (a report uses one or a cross of two)."""
        return [link.dimension for link in self.dimension_links]

    def name(self, locale: str = "es") -> str:
        return self.name_en if locale == "en" else self.name_es

    def definition(self, locale: str = "es") -> str:
        return self.definition_en if locale == "en" else self.definition_es


class IndicatorDimension(Model):
    """A dimension an indicator is reported by, and its place (first or second)."""

    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), primary_key=True)
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("dimension.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    dimension: Mapped["Dimension"] = relationship()


class IndicatorTarget(Model):
    """An owner's baseline and target for an indicator."""

    __table_args__ = (sa.UniqueConstraint("indicator_id", "country_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"))
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("country.id"))
    baseline: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(18, 4))
    baseline_period: Mapped[Optional[str]] = mapped_column(sa.String(10))
    target: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(18, 4))
    target_period: Mapped[Optional[str]] = mapped_column(sa.String(10))

    country: Mapped["Country"] = relationship()


class IndicatorReport(Model):
    """One owner's value of an indicator for one period, as reported (append-only). The
    current report of a period is the one no later report replaces."""

    # One first report per country and period, and each report corrected at most once
    # (replaces_id is unique): the versions of a period form one chain, never a fork.
    __table_args__ = (sa.Index("ix_indicator_report_indicator_country_period",
                               "indicator_id", "country_id", "period"),
                      sa.Index("uq_indicator_report_first", "indicator_id", "country_id",
                               "period", unique=True,
                               postgresql_where=sa.text("replaces_id IS NULL"),
                               sqlite_where=sa.text("replaces_id IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"))
    country_id: Mapped[int] = mapped_column(sa.ForeignKey("country.id"))
    period: Mapped[str] = mapped_column(sa.String(10))
    replaces_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("indicator_report.id"), unique=True)  # a report is corrected once
    note: Mapped[Optional[str]] = mapped_column(sa.Text)
    source: Mapped[Optional[str]] = mapped_column(sa.String(300))
    evidence_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("evidence.id"))
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Salts the ledger's hash of the exact values when some are too small to publish.
    ledger_salt: Mapped[str] = mapped_column(sa.String(32), default=new_salt)

    indicator: Mapped["Indicator"] = relationship()
    country: Mapped["Country"] = relationship()
    values: Mapped[list["IndicatorValue"]] = relationship(
        back_populates="report", order_by="IndicatorValue.id")


class IndicatorValue(Model):
    """One cell of a report: a number for a value of each dimension, NULL meaning the total
    over that dimension (append-only; reporting.py writes each cell once per report)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator_report.id"), index=True)
    first_value_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("dimension_value.id"))
    second_value_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("dimension_value.id"))
    value: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))

    report: Mapped["IndicatorReport"] = relationship(back_populates="values")
    first_value: Mapped[Optional["DimensionValue"]] = relationship(foreign_keys=[first_value_id])
    second_value: Mapped[Optional["DimensionValue"]] = relationship(
        foreign_keys=[second_value_id])
