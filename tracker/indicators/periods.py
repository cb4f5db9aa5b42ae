"""Reporting periods: a year ("2025"), a half ("2025-H1") or a quarter ("2025-Q3"), as the
indicator's frequency says. The canonical text is what reports store and the open data show."""

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from tracker.core.dates import format_day, local_today
from tracker.core.refusals import Refused
from tracker.models import Frequency

YEARS = range(1900, 2101)
_PATTERNS = {
    Frequency.YEAR: re.compile(r"(\d{4})", re.ASCII),
    Frequency.HALF: re.compile(r"(\d{4})-H([12])", re.ASCII),
    Frequency.QUARTER: re.compile(r"(\d{4})-Q([1-4])", re.ASCII),
}
_MONTHS_PER_PART = {Frequency.YEAR: 12, Frequency.HALF: 6, Frequency.QUARTER: 3}
_EXAMPLES = {Frequency.YEAR: "2025", Frequency.HALF: "2025-H1", Frequency.QUARTER: "2025-Q3"}


class IndicatorRefused(Refused):
    """An indicator's definition or report is not valid (defined here, the indicators'
    lowest module, so periods can raise it; definitions.py exports it)."""


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its first and last day and its canonical text."""

    start: dt.date
    end: dt.date
    text: str

    def __str__(self) -> str:
        return self.text


def has_ended(period: Period, today: dt.date) -> bool:
    """Whether a period is over, so its values can be reported (and are due): from the day
    after its last one. The one rule parse_period and due_periods share."""
    return period.end < today


def parse_period(text: str, frequency: Frequency | str, *, today: dt.date | None = None,
                 allow_future: bool = False, field: str = "period") -> Period:
    """The period ``text`` names at this frequency; IndicatorRefused (on ``field``) if it is
    not one, or if it has not ended by today (unless ``allow_future``: a target's period)."""
    frequency = Frequency(frequency)
    match = _PATTERNS[frequency].fullmatch((text or "").strip().upper())
    if match is None:
        raise IndicatorRefused(_l("Write the period as %(example)s for this indicator.",
                                  example=_EXAMPLES[frequency]), field)
    year = int(match.group(1))
    if year not in YEARS:
        raise IndicatorRefused(_l("The year must be between %(first)d and %(last)d.",
                                  first=YEARS[0], last=YEARS[-1]), field)
    period = _period(frequency, year, int(match.group(2)) if match.lastindex == 2 else 1)
    if not allow_future and not has_ended(period, today or local_today()):
        raise IndicatorRefused(_l("%(period)s ends on %(end)s: report it once it has ended.",
                                  period=period.text,
                                  end=LazyString(lambda: format_day(period.end))), field)
    return period


def due_periods(frequency: Frequency | str, since: dt.date, today: dt.date) -> list[Period]:
    """The periods of this frequency that ended on or after ``since`` and before ``today``
    (their values are due), oldest first."""
    frequency = Frequency(frequency)
    parts = 12 // _MONTHS_PER_PART[frequency]
    found = []
    for year in range(since.year, today.year + 1):
        for part in range(1, parts + 1):
            period = _period(frequency, year, part)
            if since <= period.end and has_ended(period, today):
                found.append(period)
    return found


def _period(frequency: Frequency, year: int, part: int) -> Period:
    """The ``part``-th half or quarter of ``year`` (part 1 for a year)."""
    months = _MONTHS_PER_PART[frequency]
    first_month = (part - 1) * months + 1
    start = dt.date(year, first_month, 1)
    next_start = dt.date(year + 1, 1, 1) if first_month + months > 12 \
        else dt.date(year, first_month + months, 1)
    suffix = {Frequency.YEAR: "", Frequency.HALF: f"-H{part}",
              Frequency.QUARTER: f"-Q{part}"}[frequency]
    return Period(start, next_start - dt.timedelta(days=1), f"{year}{suffix}")
