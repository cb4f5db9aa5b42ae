"""Defining indicators (the secretariat): what is counted, in which unit, how often, broken
down by which dimensions, with each owner's baseline and target; and extending a dimension's
vocabulary. Each call is one unit of work, logged in the administrative record."""

import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from tracker.accounts import admin_log
from tracker.core.forms import has_control_character
from tracker.extensions import db
from tracker.indicators.periods import IndicatorRefused, Period, parse_period
from tracker.models import (
    Commitment,
    Country,
    Dimension,
    DimensionValue,
    Frequency,
    Indicator,
    IndicatorDimension,
    IndicatorTarget,
    Recommendation,
    Unit,
)
from tracker.permissions import Actor, can_define_indicators, ensure

__all__ = ["IndicatorRefused", "add_dimension_value", "checked_value", "define_indicator"]

INDICATOR_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", re.ASCII)
VALUE_CODE = re.compile(r"[A-Z0-9_]{1,30}", re.ASCII)  # SDMX-style codes
CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
LIMITS = {"name_es": 300, "name_en": 300, "definition_es": 20_000, "definition_en": 20_000,
          "source": 300}
MAX_DIMENSIONS = 2
TARGET_KEYS = ("baseline", "baseline_period", "target", "target_period")
# Plain decimal notation only: ASCII digits and at most one decimal point.
PLAIN_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)", re.ASCII)
EXPONENT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+", re.ASCII)
# Numeric(18, 4): fourteen digits before the point, four after.
_LARGEST = Decimal(10) ** 14


def define_indicator(actor: Actor, *, code: str, name_es: str, name_en: str,
                     definition_es: str = "", definition_en: str = "", unit: Unit | str,
                     currency: str | None = None, frequency: Frequency | str, source: str = "",
                     recommendation_code: str | None = None, commitment_code: str | None = None,
                     dimensions: Iterable[str] = (),
                     targets: Mapping[str, Mapping[str, object]] | None = None) -> Indicator:
    """Define an indicator on a recommendation (each owner reports it) or on one commitment;
    IndicatorRefused naming the field otherwise, with nothing written."""
    ensure(can_define_indicators(actor))
    code = _checked_code(code)
    texts = _checked_texts(dict(name_es=name_es, name_en=name_en, definition_es=definition_es,
                                definition_en=definition_en, source=source))
    unit, currency = _checked_unit(unit, currency)
    try:
        frequency = Frequency(frequency)
    except ValueError:
        raise IndicatorRefused(_l("Choose a frequency: yearly, half-yearly or quarterly."),
                               "frequency") from None
    recommendation, commitment = _subject(recommendation_code, commitment_code)
    chosen = _checked_dimensions(dimensions)
    target_rows = _checked_targets(targets or {}, unit, frequency,
                                   _owner_ids(recommendation, commitment))
    subject = recommendation or commitment
    assert subject is not None  # _subject returns one of the two
    indicator = Indicator(code=code, unit=unit, currency=currency, frequency=frequency,
                          recommendation=recommendation, commitment=commitment,
                          targets=target_rows, **texts)
    indicator.dimension_links = [IndicatorDimension(dimension=d, position=place)
                                 for place, d in enumerate(chosen)]
    db.session.add(indicator)
    admin_log.record(actor, "indicator.define", f"indicator {code}", code=code,
                     unit=unit.value, currency=currency, frequency=frequency.value,
                     subject=subject.code, dimensions=[d.code for d in chosen],
                     targets=sorted(targets or {}))
    _commit_new(_l("An indicator with this code already exists."), "code")
    return indicator


def add_dimension_value(actor: Actor, dimension_code: str, code: str, name_es: str,
                        name_en: str) -> DimensionValue:
    """Add a code to a dimension's vocabulary (shown after its existing values)."""
    ensure(can_define_indicators(actor))
    dimension = db.session.scalar(sa.select(Dimension).filter_by(code=dimension_code))
    if dimension is None:
        raise IndicatorRefused(_l("Unknown dimension."), "dimension")
    code = (code or "").strip()
    if not VALUE_CODE.fullmatch(code):
        raise IndicatorRefused(_l("Use capital letters, digits and underscores only, at most "
                                  "30 characters."), "code")
    if code == "_T":  # SDMX's total: never a stored value (a NULL cell is the total)
        raise IndicatorRefused(_l("_T is the total over a dimension, not one of its values."),
                               "code")
    if any(value.code == code for value in dimension.values):
        raise IndicatorRefused(_l("This dimension already has this code."), "code")
    names = {field: (text or "").strip() for field, text in
             (("name_es", name_es), ("name_en", name_en))}
    for field, text in names.items():
        _check_text(field, text, limit=100, required=True)
    value = DimensionValue(dimension=dimension, code=code, position=max(
        (v.position for v in dimension.values), default=-1) + 1, **names)
    db.session.add(value)
    admin_log.record(actor, "dimension_value.add", f"dimension {dimension.code}", code=code,
                     **names)
    _commit_new(_l("This dimension already has this code."), "code")
    return value


def checked_value(value: object, unit: Unit, field: str) -> Decimal:
    """A reported or target number as stored, or IndicatorRefused on ``field``: counts are
    whole numbers, percentages 0 to 100, amounts and days never negative."""
    number = _number(value, field)
    if unit == Unit.COUNT and number != number.to_integral_value():
        raise IndicatorRefused(_l("A count is a whole number."), field)
    if unit == Unit.PERCENT and not 0 <= number <= 100:
        raise IndicatorRefused(_l("A percentage is a number from 0 to 100."), field)
    if number < 0:
        raise IndicatorRefused(_l("The value cannot be negative."), field)
    return number


def _number(value: object, field: str) -> Decimal:
    """A finite decimal with at most four decimal places, from a number or its text."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise IndicatorRefused(_l("Each value must be a number."), field)
    if isinstance(value, float) and not math.isfinite(value):
        raise IndicatorRefused(_l("Each value must be a number."), field)
    if isinstance(value, str):
        number = _typed_number(value, field)
    else:
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            raise IndicatorRefused(_l("Each value must be a number."), field) from None
    if not number.is_finite():
        raise IndicatorRefused(_l("Each value must be a number."), field)
    if abs(number) >= _LARGEST:
        raise IndicatorRefused(_l("The value is too large."), field)
    if number != number.quantize(Decimal("0.0001"), rounding="ROUND_DOWN"):
        raise IndicatorRefused(_l("At most four decimal places."), field)
    return number + 0  # -0 as 0: a sign on nothing would be stored and published


def _typed_number(text: str, field: str) -> Decimal:
    """A number as people type it: digits with at most one decimal point. Decimal() also
    reads 1e3, 1_000, Infinity and other scripts' digits, which nobody means as a count."""
    text = text.strip()
    if not PLAIN_NUMBER.fullmatch(text):
        if EXPONENT.fullmatch(text):
            raise IndicatorRefused(_l("Write the number in full, without an exponent (1000, "
                                      "not 1e3)."), field)
        raise IndicatorRefused(_l("Each value must be a number."), field)
    return Decimal(text)


def _checked_code(code: str) -> str:
    """An indicator code fit for an address, not taken yet."""
    code = (code or "").strip()
    if not code:
        raise IndicatorRefused(_l("A code is required."), "code")
    if not INDICATOR_CODE.fullmatch(code):
        raise IndicatorRefused(_l("Use at most 40 letters, digits, dots, hyphens and "
                                  "underscores."), "code")
    if db.session.scalar(sa.select(Indicator.id).filter_by(code=code)) is not None:
        raise IndicatorRefused(_l("An indicator with this code already exists."), "code")
    return code


def _checked_texts(texts: dict[str, str]) -> dict[str, str]:
    """The names (required), definitions and source, trimmed and within their limits."""
    cleaned = {field: (text or "").replace("\r\n", "\n").strip() for field, text in texts.items()}
    for field, text in cleaned.items():
        _check_text(field, text, limit=LIMITS[field], required=field.startswith("name_"),
                    multiline=field.startswith("definition_"))
    return cleaned


def _check_text(field: str, text: str, *, limit: int, required: bool,
                multiline: bool = False) -> None:
    """IndicatorRefused on ``field`` for a missing, too long or control-character text."""
    if required and not text:
        raise IndicatorRefused(_l("This field is required."), field)
    if len(text) > limit:
        raise IndicatorRefused(_l("At most %(max)d characters.", max=limit), field)
    if has_control_character(text, multiline=multiline):
        raise IndicatorRefused(_l("Remove the control characters."), field)


def _checked_unit(unit: Unit | str, currency: str | None) -> tuple[Unit, str | None]:
    """The unit, and the currency it needs (only a currency unit has one)."""
    try:
        unit = Unit(unit)
    except ValueError:
        raise IndicatorRefused(_l("Choose a unit: count, percent, currency or days."),
                               "unit") from None
    currency = (currency or "").strip() or None
    if unit != Unit.CURRENCY:
        if currency is not None:
            raise IndicatorRefused(_l("Only an amount of money has a currency."), "currency")
        return unit, None
    if currency is None or not CURRENCY.fullmatch(currency) or currency not in list_currencies():
        raise IndicatorRefused(_l("Give the currency as its ISO 4217 code in capitals, such as "
                                  "USD."), "currency")
    return unit, currency


def _subject(recommendation_code: str | None,
             commitment_code: str | None) -> tuple[Recommendation | None, Commitment | None]:
    """The recommendation or the commitment the indicator measures: exactly one."""
    recommendation_code = (recommendation_code or "").strip() or None
    commitment_code = (commitment_code or "").strip() or None
    if recommendation_code is None and commitment_code is None:
        raise IndicatorRefused(_l("Give the recommendation or the commitment the indicator "
                                  "measures."), "recommendation_code")
    if recommendation_code is not None and commitment_code is not None:
        raise IndicatorRefused(_l("Give either a recommendation or a commitment, not both."),
                               "recommendation_code")
    if recommendation_code is not None:
        recommendation = db.session.scalar(
            sa.select(Recommendation).filter_by(code=recommendation_code))
        if recommendation is None:
            raise IndicatorRefused(_l("Unknown recommendation."), "recommendation_code")
        return recommendation, None
    commitment = db.session.scalar(sa.select(Commitment).filter_by(code=commitment_code))
    if commitment is None:
        raise IndicatorRefused(_l("Unknown commitment."), "commitment_code")
    return None, commitment


def _checked_dimensions(codes: Iterable[str]) -> list[Dimension]:
    """At most two existing dimensions, each once, in the order given."""
    codes = [code.strip() if isinstance(code, str) else code for code in codes]
    if len(codes) > MAX_DIMENSIONS:
        raise IndicatorRefused(_l("An indicator is broken down by at most two dimensions."),
                               "dimensions")
    if len(set(codes)) != len(codes):
        raise IndicatorRefused(_l("Choose each dimension once."), "dimensions")
    found = {d.code: d for d in db.session.scalars(
        sa.select(Dimension).where(Dimension.code.in_(codes)))} if codes else {}
    for code in codes:
        if code not in found:
            raise IndicatorRefused(_l("Unknown dimension: %(code)s.", code=code), "dimensions")
    return [found[code] for code in codes]


def _owner_ids(recommendation: Recommendation | None,
               commitment: Commitment | None) -> set[int]:
    """The countries that report the indicator."""
    if commitment is not None:
        return {commitment.country_id}
    assert recommendation is not None
    return set(db.session.scalars(sa.select(Commitment.country_id)
                                  .filter_by(recommendation_id=recommendation.id)))


def _checked_targets(targets: Mapping[str, Mapping[str, object]], unit: Unit,
                     frequency: Frequency, owner_ids: set[int]) -> list[IndicatorTarget]:
    """One baseline and target per owner country, each number with its period."""
    countries = {c.iso3: c for c in db.session.scalars(
        sa.select(Country).where(Country.iso3.in_(list(targets))))} if targets else {}
    rows = []
    for iso3, given in targets.items():
        country = countries.get(iso3)
        if country is None or country.id not in owner_ids:
            raise IndicatorRefused(_l("%(country)s does not report this indicator.",
                                      country=iso3), "targets")
        if not isinstance(given, Mapping) or set(given) - set(TARGET_KEYS):
            raise IndicatorRefused(_l("A target has only a baseline, a target and their "
                                      "periods."), "targets")
        numbers: dict[str, Decimal] = {}
        periods: dict[str, Period] = {}
        for key in ("baseline", "target"):
            number, period = given.get(key), given.get(f"{key}_period")
            if (number is None) != (period is None):
                raise IndicatorRefused(_l("%(country)s: give each number with its period.",
                                          country=iso3), "targets")
            if number is not None:
                numbers[key] = checked_value(number, unit, "targets")
                # A baseline was measured; only a target may lie ahead.
                periods[key] = parse_period(str(period), frequency, field="targets",
                                            allow_future=key == "target")
        if not numbers:
            raise IndicatorRefused(_l("%(country)s: give a baseline or a target.",
                                      country=iso3), "targets")
        if len(periods) == 2 and periods["target"] <= periods["baseline"]:
            raise IndicatorRefused(_l("%(country)s: the target's period must come after the "
                                      "baseline's.", country=iso3), "targets")
        rows.append(IndicatorTarget(
            country=country, baseline=numbers.get("baseline"), target=numbers.get("target"),
            baseline_period=_text(periods.get("baseline")),
            target_period=_text(periods.get("target"))))
    return rows


def _text(period: Period | None) -> str | None:
    return None if period is None else period.text


def _commit_new(duplicate_message, field: str) -> None:
    """Commit a creation; one made at the same moment with the same code is a duplicate."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise IndicatorRefused(duplicate_message, field) from None
