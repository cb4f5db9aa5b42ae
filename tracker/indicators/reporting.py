"""Reporting an indicator's value for a country and period: one append-only report and its
cells, checked against the indicator's unit and dimensions. A correction is a new report that
replaces the current one; nothing is ever updated or deleted."""

import datetime as dt
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale, lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.core.forms import has_control_character
from tracker.extensions import db
from tracker.indicators.definitions import IndicatorRefused, checked_value
from tracker.indicators.periods import parse_period
from tracker.models import (
    Commitment,
    Country,
    Dimension,
    DimensionValue,
    Evidence,
    Indicator,
    IndicatorReport,
    IndicatorValue,
    Unit,
)
from tracker.permissions import Actor, can_report_indicator, ensure, is_system

__all__ = ["Cell", "check_sums", "checked_cells", "commitments_reported_on", "current_report",
           "current_reports", "evidence_refused", "history_of", "is_current", "owners_of",
           "report_value"]

# (code of the first dimension's value or None, code of the second's or None); None: total.
Cell = tuple[str | None, str | None]
NOTE_MAX, SOURCE_MAX = 20_000, 300
# Parts of these add up to their total; an average, a rate or a duration do not.
ADDITIVE = (Unit.COUNT, Unit.CURRENCY)


def report_value(actor: Actor, indicator: Indicator, country: Country, *, period: str,
                 cells: Mapping[Cell, object], note: str | None = None,
                 source: str | None = None, evidence: Evidence | None = None,
                 replaces: IndicatorReport | None = None,
                 today: dt.date | None = None) -> IndicatorReport:
    """Record a country's value of an indicator for a period (or correct the current one,
    passed as ``replaces``); IndicatorRefused naming the field otherwise, nothing written."""
    ensure(can_report_indicator(actor, indicator, country))
    text = parse_period(period, indicator.frequency, today=today).text
    note = _checked_text(note, "note", NOTE_MAX, multiline=True)
    source = _checked_text(source, "source", SOURCE_MAX, multiline=False)
    values = checked_cells(indicator, cells)
    check_sums(indicator, values, explained=note is not None)
    if evidence is not None and evidence.commitment_id not in {
            c.id for c in commitments_reported_on(indicator, country)}:
        raise evidence_refused(indicator, country)
    # Reports of one indicator are serialised (PostgreSQL; SQLite has one writer), so two
    # first reports of a period sent at once cannot both become current.
    db.session.execute(sa.select(Indicator.id).where(Indicator.id == indicator.id)
                       .with_for_update())
    try:
        _check_replaces(indicator, country, text, replaces)
    except IndicatorRefused:
        db.session.rollback()
        raise
    report = IndicatorReport(
        indicator_id=indicator.id, country_id=country.id, period=text,
        replaces_id=None if replaces is None else replaces.id, note=note, source=source,
        evidence_id=None if evidence is None else evidence.id,
        actor_id=None if is_system(actor) else actor.id, actor_role=str(actor.role),
        values=[IndicatorValue(first_value=first, second_value=second, value=number)
                for (first, second), number in values.items()])
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError:  # another correction of the same report won the race
        db.session.rollback()
        raise IndicatorRefused(_l("This report was corrected meanwhile: reload it and correct "
                                  "the current version."), "replaces") from None
    return report


def commitments_reported_on(indicator: Indicator, country: Country) -> list[Commitment]:
    """The country's commitments the indicator concerns: the one it is on, or the country's
    of its recommendation. A report's evidence is stored on one of them (the form offers
    theirs; report_value accepts no other)."""
    query = sa.select(Commitment).where(Commitment.country_id == country.id)
    query = query.where(Commitment.id == indicator.commitment_id) if indicator.commitment_id \
        else query.where(Commitment.recommendation_id == indicator.recommendation_id)
    return list(db.session.scalars(query.order_by(Commitment.code)))


def evidence_refused(indicator: Indicator, country: Country) -> IndicatorRefused:
    """The refusal of evidence stored elsewhere (the API says the same of an unknown id, so
    an id reveals nothing of restricted evidence on other commitments)."""
    codes = ", ".join(c.code for c in commitments_reported_on(indicator, country))
    return IndicatorRefused(_l("The evidence must be stored on the commitment this indicator "
                               "concerns (%(codes)s).", codes=codes or "—"), "evidence")


def is_current() -> sa.ColumnElement[bool]:
    """A report no other replaces: its period's current version."""
    later = aliased(IndicatorReport)
    return ~sa.exists().where(later.replaces_id == IndicatorReport.id)


def current_reports(indicator: Indicator | None,
                    country: Country | None = None) -> list[IndicatorReport]:
    """The current report per country and period, with its cells, by country and period; of
    every indicator (by its id) when None; one country's only if given. Two queries."""
    query = (sa.select(IndicatorReport).join(IndicatorReport.country).where(is_current())
             .order_by(IndicatorReport.indicator_id, Country.iso3, IndicatorReport.period)
             .options(*_with_cells()))
    if indicator is not None:
        query = query.where(IndicatorReport.indicator_id == indicator.id)
    if country is not None:
        query = query.where(IndicatorReport.country_id == country.id)
    return list(db.session.scalars(query))


def current_report(indicator: Indicator, country: Country,
                   period: str) -> IndicatorReport | None:
    """A country's current report of one period, with its cells, if there is one."""
    return db.session.scalar(
        sa.select(IndicatorReport)
        .where(IndicatorReport.indicator_id == indicator.id,
               IndicatorReport.country_id == country.id, IndicatorReport.period == period,
               is_current())
        .order_by(IndicatorReport.id.desc()).limit(1).options(*_with_cells()))


def history_of(indicator: Indicator, country: Country, period: str) -> list[IndicatorReport]:
    """Every version of a country's report for a period, oldest first (the last is current)."""
    return list(db.session.scalars(
        sa.select(IndicatorReport)
        .where(IndicatorReport.indicator_id == indicator.id,
               IndicatorReport.country_id == country.id, IndicatorReport.period == period)
        .order_by(IndicatorReport.id).options(*_with_cells())))


def _with_cells():
    """Load options: a report's country and cells with their codes, in fixed queries."""
    return (joinedload(IndicatorReport.country),
            selectinload(IndicatorReport.values).options(
                joinedload(IndicatorValue.first_value), joinedload(IndicatorValue.second_value)))


def _check_replaces(indicator: Indicator, country: Country, period: str,
                    replaces: IndicatorReport | None) -> None:
    """A period's first report replaces nothing; every later one replaces the current one."""
    current = current_report(indicator, country, period)
    if replaces is None:
        if current is not None:
            raise IndicatorRefused(_l("%(period)s is already reported; send it as a correction "
                                      "of report %(report)d.", period=period,
                                      report=current.id), "replaces")
        return
    if current is None or (replaces.indicator_id, replaces.country_id, replaces.period) \
            != (indicator.id, country.id, period):
        raise IndicatorRefused(_l("Report %(report)d is not a report of this indicator, "
                                  "country and period.", report=replaces.id), "replaces")
    if replaces.id != current.id:
        raise IndicatorRefused(_l("Report %(report)d was already corrected; correct report "
                                  "%(current)d, the current version.", report=replaces.id,
                                  current=current.id), "replaces")


def _checked_text(text: str | None, field: str, limit: int, *, multiline: bool) -> str | None:
    """A note or source, trimmed (blank is none), within its limit and free of controls."""
    text = (text or "").replace("\r\n", "\n").strip() or None
    if text is None:
        return None
    if len(text) > limit:
        raise IndicatorRefused(_l("At most %(max)d characters.", max=limit), field)
    if has_control_character(text, multiline=multiline):
        raise IndicatorRefused(_l("Remove the control characters."), field)
    if not any(unicodedata.category(c)[0] in "LNPS" for c in text):
        # Only spaces and invisible marks (a zero-width space): no text a reader could see,
        # and a note is what lets parts differ from their total.
        raise IndicatorRefused(_l("Write it in words, or leave it empty."), field)
    return text


CheckedCells = dict[tuple[DimensionValue | None, DimensionValue | None], Decimal]


def checked_cells(indicator: Indicator, cells: Mapping[Cell, object]) -> CheckedCells:
    """The cells as dimension values and numbers, in the order tables show them."""
    if not isinstance(cells, Mapping) or not cells:
        raise IndicatorRefused(_l("Report at least the total or one value."), "cells")
    dimensions = indicator.dimensions
    checked: CheckedCells = {}
    for key, number in cells.items():
        if not (isinstance(key, tuple) and len(key) == 2
                and all(code is None or isinstance(code, str) for code in key)):
            raise IndicatorRefused(_l("Name each value by a code of each dimension, or none "
                                      "for the total."), "cells")
        first, second = (_value_of(dimensions, place, code) for place, code in enumerate(key))
        checked[first, second] = checked_value(number, indicator.unit, "cells")
    return dict(sorted(checked.items(), key=lambda item: (_place(item[0][0]),
                                                          _place(item[0][1]))))


def _value_of(dimensions: list[Dimension], place: int, code: str | None) -> DimensionValue | None:
    """The value a cell's code names in the indicator's first or second dimension."""
    if code is None:
        return None
    if place >= len(dimensions):
        if place == 0:
            raise IndicatorRefused(_l("This indicator has no breakdown: report its total only."),
                                   "cells")
        raise IndicatorRefused(_l("This indicator is broken down by one dimension only: leave "
                                  "the second code empty."), "cells")
    dimension = dimensions[place]
    for value in dimension.values:
        if value.code == code:
            return value
    raise IndicatorRefused(_l("%(code)s is not a value of %(dimension)s.", code=code,
                              dimension=dimension.name(_locale())), "cells")


def check_sums(indicator: Indicator, cells: CheckedCells, *, explained: bool) -> None:
    """The parts of an additive total (at one value of the other dimension, or its total)
    never add up to more than it, and a complete breakdown (every value of a dimension) adds
    up to it exactly, unless a note written for this version explains the difference."""
    if explained or indicator.unit not in ADDITIVE:
        return
    dimensions = indicator.dimensions
    for place, dimension in enumerate(dimensions):
        others = [None] + (list(dimensions[1 - place].values) if len(dimensions) == 2 else [])
        for other in others:
            total = cells.get(_cell(place, None, other))
            parts = [cells.get(_cell(place, value, other)) for value in dimension.values]
            if total is None:
                continue
            added = sum((part for part in parts if part is not None), Decimal(0))
            if None not in parts and added != total:
                raise IndicatorRefused(_l(
                    "The values by %(dimension)s add up to %(sum)s, not to their total "
                    "%(total)s: correct them or explain the difference in a note.",
                    dimension=dimension.name(_locale()), sum=_plain(added),
                    total=_plain(total)), "cells")
            if added > total:  # even with parts missing: they only add more
                raise IndicatorRefused(_l(
                    "The values by %(dimension)s add up to %(sum)s, more than their total "
                    "%(total)s: correct them or explain the difference in a note.",
                    dimension=dimension.name(_locale()), sum=_plain(added),
                    total=_plain(total)), "cells")


def _cell(place: int, value: DimensionValue | None,
          other: DimensionValue | None) -> tuple[DimensionValue | None, DimensionValue | None]:
    """The cell of ``value`` in the dimension at ``place``, at ``other`` in the other one."""
    return (value, other) if place == 0 else (other, value)


def _place(value: DimensionValue | None) -> int:
    """Totals first, then values in their dimension's order."""
    return -1 if value is None else value.position


def _plain(number: Decimal) -> str:
    """A number as typed: 12, 12.5 (not 12.0000)."""
    return format(number.normalize(), "f")


def _locale() -> str:
    """The reader's language, for the names a message quotes."""
    return str(get_locale() or "es")


def owners_of(indicator: Indicator) -> list[Country]:
    """The countries that report an indicator (the owners of its commitment, or of its
    recommendation's), member states first."""
    query = sa.select(Country).join(Commitment, Commitment.country_id == Country.id)
    query = query.where(Commitment.id == indicator.commitment_id) if indicator.commitment_id \
        else query.where(Commitment.recommendation_id == indicator.recommendation_id)
    return list(db.session.scalars(query.order_by(Country.regional, Country.iso3)))
