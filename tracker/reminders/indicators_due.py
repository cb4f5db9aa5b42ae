"""Indicator values due, for the focal points' digests: each indicator a country reports
(permissions.reports_indicator: the owner of its commitment, or an owner of a commitment of
its recommendation) whose last ended period has no report yet. A correction is not needed
again: any report of the period counts.

They rank after overdue commitments and before those due soon or stale: a period that has
ended is a deadline already passed."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tracker.core.dates import format_day
from tracker.extensions import db
from tracker.indicators.periods import Period, due_periods
from tracker.models import Commitment, Frequency, Indicator, IndicatorReport

MY_INDICATORS = "/my/indicators"  # where a focal point reports them


@dataclass(frozen=True)
class ValueDue:
    """An indicator whose value for a period a country has not reported."""

    code: str
    name_es: str
    name_en: str
    period: Period

    def name(self, locale: str = "es") -> str:
        """The indicator's name in the reader's language."""
        return self.name_en if locale == "en" else self.name_es

    def reason(self) -> str:
        """Why it is listed, in the current language."""
        return _("value for %(period)s not reported (the period ended %(date)s)",
                 period=self.period.text, date=format_day(self.period.end))


def last_ended_period(frequency: Frequency | str, today: dt.date) -> Period:
    """The latest period of this frequency that ended before today (a year always holds one)."""
    return due_periods(frequency, today - dt.timedelta(days=366), today)[-1]


def values_due_by_country(today: dt.date) -> dict[int, list[ValueDue]]:
    """Country id -> its indicators whose last ended period is not reported, the period that
    ended first first, then by code (two queries)."""
    periods = {frequency: last_ended_period(frequency, today) for frequency in Frequency}
    owners = db.session.execute(
        sa.select(Indicator.id, Indicator.code, Indicator.name_es, Indicator.name_en,
                  Indicator.frequency, Commitment.country_id)
        .join(Commitment, sa.or_(Commitment.recommendation_id == Indicator.recommendation_id,
                                 Commitment.id == Indicator.commitment_id))
        .distinct()).all()
    if not owners:
        return {}
    reported = {tuple(row) for row in db.session.execute(
        sa.select(IndicatorReport.indicator_id, IndicatorReport.country_id,
                  IndicatorReport.period)
        .where(IndicatorReport.period.in_({p.text for p in periods.values()})))}
    due: dict[int, list[ValueDue]] = {}
    for row in owners:
        period = periods[Frequency(row.frequency)]
        if (row.id, row.country_id, period.text) not in reported:
            due.setdefault(row.country_id, []).append(
                ValueDue(row.code, row.name_es, row.name_en, period))
    for values in due.values():
        values.sort(key=lambda v: (v.period.end, v.code))
    return due


def my_indicators_url() -> str:
    """The absolute address of a focal point's indicators page, for e-mails."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + MY_INDICATORS
