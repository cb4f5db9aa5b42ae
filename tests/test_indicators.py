"""Indicators: periods, definitions and reported values; every refusal writes nothing, a
correction is a new report, and the reports are append-only down to the database."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES
from factories import commitment, make_evidence, make_indicator, make_indicator_report, make_user
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from tracker.extensions import db
from tracker.indicators.definitions import (
    IndicatorRefused,
    add_dimension_value,
    checked_value,
    define_indicator,
)
from tracker.indicators.periods import Period, due_periods, parse_period
from tracker.indicators.reporting import commitments_reported_on, current_reports, history_of
from tracker.indicators.vocabularies import DEFAULTS
from tracker.models import (
    AdminAction,
    Country,
    Dimension,
    DimensionValue,
    HistoryIsAppendOnly,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorTarget,
    IndicatorValue,
    Unit,
    User,
)
from tracker.permissions import SYSTEM, PermissionDenied, can_report_indicator

TODAY = dt.date(2025, 7, 1)
SEX = {(None, None): 10, ("F", None): 6, ("M", None): 3, ("_O", None): 1}


def rows(*models) -> dict[str, int]:
    """How many rows each model's table holds."""
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in models}


def country(iso3: str) -> Country:
    return db.session.scalar(sa.select(Country).filter_by(iso3=iso3))


@pytest.fixture(autouse=True)
def in_english(app):
    """Messages in English, the source language (one test checks the Spanish)."""
    with force_locale("en"):
        yield


@pytest.fixture
def secretariat(seeded):
    return make_user("secretariat", country=None)


@pytest.fixture
def focal(seeded):
    return make_user("focal_point", country="MEX")


@pytest.fixture
def by_sex(seeded):
    """A yearly count of people by sex on MT1-R03 (every member state reports it)."""
    return make_indicator("IND-SEX")


@pytest.fixture
def by_sex_and_age(seeded):
    return make_indicator("IND-SEX-AGE", dimensions=("SEX", "AGE"))


# -- vocabularies and periods ----------------------------------------------------------

def test_the_default_vocabularies_exist_after_seeding(seeded):
    dimensions = db.session.scalars(sa.select(Dimension).order_by(Dimension.position)).all()
    assert [d.code for d in dimensions] == list(DEFAULTS)
    for dimension in dimensions:
        name_es, name_en, values = DEFAULTS[dimension.code]
        assert (dimension.name_es, dimension.name_en) == (name_es, name_en)
        assert [(v.code, v.name_es, v.name_en) for v in dimension.values] == values
    assert "_T" not in set(db.session.scalars(sa.select(DimensionValue.code)))


@pytest.mark.parametrize("text, frequency, canonical, start, end", [
    ("2024", "year", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    (" 2024 ", "year", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("2024-H1", "half", "2024-H1", dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
    ("2024-h2", "half", "2024-H2", dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
    ("2024-Q1", "quarter", "2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2024-Q2", "quarter", "2024-Q2", dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
    ("2024-q4", "quarter", "2024-Q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
    ("2025-Q2", "quarter", "2025-Q2", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),  # ended
    ("2025-H1", "half", "2025-H1", dt.date(2025, 1, 1), dt.date(2025, 6, 30)),  # yesterday
])
def test_periods_parse_to_their_canonical_text(app, text, frequency, canonical, start, end):
    assert parse_period(text, frequency, today=TODAY) == Period(start, end, canonical)


@pytest.mark.parametrize("text, frequency, message", [
    ("2024-H1", "year", "2025"), ("2024", "half", "2025-H1"), ("2024-Q1", "half", "2025-H1"),
    ("2024-H1", "quarter", "2025-Q3"), ("2024-Q5", "quarter", "2025-Q3"),
    ("2024-Q0", "quarter", "2025-Q3"), ("24", "year", "2025"), ("2024-", "year", "2025"),
    ("", "year", "2025"), ("２０２４", "year", "2025"), ("1899", "year", "between 1900 and 2100"),
    ("2025-Q4", "quarter", "2025-Q4 ends on 31 Dec 2025: report it once it has ended"),
    ("2026", "year", "once it has ended"), ("2026-H1", "half", "once it has ended"),
    # Under way: not reported until over, the day due_periods counts them due.
    ("2025-Q3", "quarter", "2025-Q3 ends on 30 Sep 2025"), ("2025", "year", "2025 ends on"),
    ("2025-H2", "half", "2025-H2 ends on 31 Dec 2025"),
])
def test_periods_of_another_frequency_or_in_the_future_are_refused(app, text, frequency,
                                                                   message):
    with pytest.raises(IndicatorRefused, match=message) as refused:
        parse_period(text, frequency, today=TODAY)
    assert refused.value.field == "period"


def test_a_future_period_is_allowed_where_asked(app):
    assert parse_period("2030", "year", today=TODAY, allow_future=True).end == dt.date(2030, 12, 31)


@pytest.mark.parametrize("frequency, since, today, expected", [
    ("quarter", dt.date(2025, 1, 1), dt.date(2025, 10, 1), ["2025-Q1", "2025-Q2", "2025-Q3"]),
    ("quarter", dt.date(2025, 3, 31), dt.date(2025, 9, 30), ["2025-Q1", "2025-Q2"]),
    ("half", dt.date(2024, 7, 1), dt.date(2025, 7, 1), ["2024-H2", "2025-H1"]),
    ("half", dt.date(2025, 7, 1), dt.date(2025, 12, 31), []),  # H2 ends today: not yet
    ("year", dt.date(2023, 6, 1), dt.date(2025, 1, 1), ["2023", "2024"]),
    ("year", dt.date(2025, 1, 1), dt.date(2025, 1, 1), []),
])
def test_due_periods_are_those_ended_since_a_date(app, frequency, since, today, expected):
    assert [p.text for p in due_periods(frequency, since, today)] == expected


@pytest.mark.parametrize("frequency", ["year", "half", "quarter"])
def test_a_period_is_reportable_exactly_when_it_is_due(app, frequency):
    """One rule: from the day after a period ends, it is due and may be reported."""
    for today in (dt.date(2026, 12, 3), dt.date(2026, 12, 31), dt.date(2027, 1, 1),
                  dt.date(2026, 7, 1), dt.date(2026, 6, 30)):
        for period in due_periods(frequency, dt.date(2026, 1, 1), dt.date(2027, 1, 2)):
            due = period in due_periods(frequency, dt.date(2026, 1, 1), today)
            try:
                parse_period(period.text, frequency, today=today)
            except IndicatorRefused:
                reportable = False
            else:
                reportable = True
            assert reportable == due, (period.text, today)


# -- definitions -------------------------------------------------------------------------

DEFINITION_MODELS = (Indicator, IndicatorDimension, IndicatorTarget, AdminAction)
TARGET = {"baseline": 100, "baseline_period": "2024", "target": 50, "target_period": "2030"}


def test_the_secretariat_defines_an_indicator(secretariat):
    indicator = make_indicator(
        "MT1.R03-ninez_1", actor=secretariat, dimensions=("AGE", "SEX"),
        definition_es="  Niñas, niños y adolescentes atendidos.\r\n", source="Registro",
        targets={"MEX": TARGET, "GTM": {"target": "25", "target_period": "2030"}})
    db.session.expire_all()
    indicator = db.session.get(Indicator, indicator.id)
    assert (indicator.code, indicator.unit, indicator.frequency, indicator.currency) == (
        "MT1.R03-ninez_1", "count", "year", None)
    assert indicator.recommendation.code == "MT1-R03" and indicator.commitment is None
    assert indicator.definition_es == "Niñas, niños y adolescentes atendidos."
    assert [d.code for d in indicator.dimensions] == ["AGE", "SEX"]
    targets = {t.country.iso3: t for t in indicator.targets}
    assert (targets["MEX"].baseline, targets["MEX"].baseline_period, targets["MEX"].target,
            targets["MEX"].target_period) == (100, "2024", 50, "2030")
    assert (targets["GTM"].baseline, targets["GTM"].target) == (None, 25)
    logged = db.session.scalars(sa.select(AdminAction)).all()[-1]
    assert (logged.action, logged.actor_id, logged.details["subject"]) == (
        "indicator.define", secretariat.id, "MT1-R03")


def test_an_indicator_on_one_commitment_in_a_currency(seeded):
    indicator = make_indicator("IND-BUDGET", commitment="MT1-R03-GTM", unit="currency",
                               currency="GTQ", frequency="quarter", dimensions=())
    assert indicator.commitment.code == "MT1-R03-GTM" and indicator.recommendation is None
    assert (indicator.currency, indicator.dimensions) == ("GTQ", [])


@pytest.mark.parametrize("overrides, field, message", [
    ({"code": " "}, "code", "A code is required"),
    ({"code": "a b"}, "code", "at most 40 letters"),
    ({"code": "niñez"}, "code", "at most 40 letters"),
    ({"code": "x" * 41}, "code", "at most 40 letters"),
    ({"code": "IND-TAKEN"}, "code", "already exists"),
    ({"name_es": " "}, "name_es", "required"),
    ({"name_en": ""}, "name_en", "required"),
    ({"name_en": "x" * 301}, "name_en", "At most 300"),
    ({"name_en": "Migrants\x07"}, "name_en", "control characters"),
    ({"source": "a\nb"}, "source", "control characters"),
    ({"unit": "kg"}, "unit", "Choose a unit"),
    ({"currency": "USD"}, "currency", "Only an amount of money"),
    ({"unit": "currency"}, "currency", "ISO 4217"),
    ({"unit": "currency", "currency": "usd"}, "currency", "ISO 4217"),
    ({"unit": "currency", "currency": "XYZ"}, "currency", "ISO 4217"),
    ({"frequency": "monthly"}, "frequency", "Choose a frequency"),
    ({"commitment_code": "MT1-R03-MEX"}, "recommendation_code", "not both"),
    ({"recommendation_code": " "}, "recommendation_code",
     "Give the recommendation or the commitment the indicator measures"),
    ({"recommendation_code": "MT9-R99"}, "recommendation_code", "Unknown recommendation"),
    ({"commitment_code": "MT1-R03-XXX", "recommendation_code": None}, "commitment_code",
     "Unknown commitment"),
    ({"dimensions": ("SEX", "AGE", "NATIONALITY")}, "dimensions", "at most two"),
    ({"dimensions": ("SEX", "SEX")}, "dimensions", "each dimension once"),
    ({"dimensions": ("SEX", "COLOUR")}, "dimensions", "Unknown dimension: COLOUR"),
    ({"targets": {"XXX": TARGET}}, "targets", "XXX does not report"),
    ({"targets": {"CRM": TARGET}}, "targets", "CRM does not report"),  # not an owner
    ({"targets": {"MEX": {**TARGET, "goal": 1}}}, "targets", "only a baseline"),
    ({"targets": {"MEX": 100}}, "targets", "only a baseline"),
    ({"targets": {"MEX": {"baseline": 100}}}, "targets", "each number with its period"),
    ({"targets": {"MEX": {"target_period": "2030"}}}, "targets", "each number with its period"),
    ({"targets": {"MEX": {}}}, "targets", "a baseline or a target"),
    ({"targets": {"MEX": {**TARGET, "baseline_period": "2024-H1"}}}, "targets", "as 2025"),
    ({"targets": {"MEX": {**TARGET, "baseline_period": "2099"}}}, "targets", "once it has ended"),
    ({"targets": {"MEX": {**TARGET, "target_period": "2024"}}}, "targets", "must come after"),
    ({"targets": {"MEX": {**TARGET, "target": -1}}}, "targets", "cannot be negative"),
    ({"targets": {"MEX": {**TARGET, "target": 1.5}}}, "targets", "whole number"),
    ({"targets": {"MEX": {**TARGET, "target": "mucho"}}}, "targets", "must be a number"),
    ({"unit": "percent", "targets": {"MEX": {**TARGET, "target": 101}}}, "targets",
     "from 0 to 100"),
])
def test_definition_refusals_name_their_field_and_write_nothing(seeded, overrides, field,
                                                                message):
    make_indicator("IND-TAKEN")
    before = rows(*DEFINITION_MODELS)
    fields = {"code": "IND-NEW", "name_es": "Personas atendidas", "name_en": "People assisted",
              "unit": "count", "frequency": "year", "recommendation_code": "MT1-R03",
              "dimensions": ("SEX",), **overrides}
    with pytest.raises(IndicatorRefused, match=message) as refused:
        define_indicator(SYSTEM, **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert rows(*DEFINITION_MODELS) == before


def test_a_targets_country_must_own_the_commitment(seeded):
    with pytest.raises(IndicatorRefused, match="MEX does not report"):
        make_indicator(commitment="MT1-R03-GTM", targets={"MEX": TARGET})
    assert make_indicator(commitment="MT1-R03-GTM", targets={"GTM": TARGET}).targets


@pytest.mark.parametrize("who", ["focal_point", "auditor", "anonymous", "deactivated"])
def test_only_the_secretariat_defines_indicators(seeded, who):
    actor = (AnonymousUserMixin() if who == "anonymous" else
             make_user("secretariat", country=None, active=False) if who == "deactivated"
             else make_user(who, country="MEX"))
    before = rows(Indicator, DimensionValue)
    with pytest.raises(PermissionDenied):
        make_indicator(actor=actor)
    with pytest.raises(PermissionDenied):
        add_dimension_value(actor, "SEX", "X", "Equis", "X")
    assert rows(Indicator, DimensionValue) == before


def test_the_secretariat_extends_a_vocabulary(secretariat):
    added = add_dimension_value(secretariat, "MIGRATORY_STATUS", "DISPLACED_INT",
                                " Desplazada internamente ", "Internally displaced")
    values = db.session.scalar(sa.select(Dimension).filter_by(code="MIGRATORY_STATUS")).values
    assert values[-1] is added and added.position == max(v.position for v in values[:-1]) + 1
    assert (added.name_es, added.name_en) == ("Desplazada internamente", "Internally displaced")
    assert db.session.scalars(sa.select(AdminAction.action)).all()[-1] == "dimension_value.add"


@pytest.mark.parametrize("dimension, code, names, field, message", [
    ("COLOUR", "RED", ("Rojo", "Red"), "dimension", "Unknown dimension"),
    ("SEX", "x", ("Equis", "X"), "code", "capital letters"),
    ("SEX", "X-1", ("Equis", "X"), "code", "capital letters"),
    ("SEX", "X" * 31, ("Equis", "X"), "code", "capital letters"),
    ("SEX", "", ("Equis", "X"), "code", "capital letters"),
    ("SEX", "_T", ("Total", "Total"), "code", "_T is the total"),
    ("SEX", "F", ("Mujeres", "Female"), "code", "already has this code"),
    ("SEX", "X", ("", "X"), "name_es", "required"),
    ("SEX", "X", ("Equis", "x" * 101), "name_en", "At most 100"),
])
def test_vocabulary_refusals_write_nothing(secretariat, dimension, code, names, field, message):
    before = rows(DimensionValue, AdminAction)
    with pytest.raises(IndicatorRefused, match=message) as refused:
        add_dimension_value(secretariat, dimension, code, *names)
    assert refused.value.field == field
    db.session.rollback()
    assert rows(DimensionValue, AdminAction) == before


# -- reporting ----------------------------------------------------------------------------

REPORT_MODELS = (IndicatorReport, IndicatorValue)


def test_a_focal_point_reports_a_breakdown(focal, by_sex):
    report = make_indicator_report(focal, by_sex, cells={
        ("M", None): "3", (None, None): Decimal("10"), ("_O", None): 1, ("F", None): 6.0},
        note="  Registro administrativo ", source="INM", today=TODAY)
    db.session.expire_all()
    report = db.session.get(IndicatorReport, report.id)
    assert (report.country.iso3, report.period, report.note, report.source, report.actor_id,
            report.actor_role, report.replaces_id) == (
        "MEX", "2024", "Registro administrativo", "INM", focal.id, "focal_point", None)
    # Stored total first, then in the vocabulary's order, whatever order they came in.
    assert [(v.first_value and v.first_value.code, v.value) for v in report.values] == [
        (None, 10), ("F", 6), ("M", 3), ("_O", 1)]


def test_the_secretariat_reports_for_any_owner_the_crm_included(secretariat):
    crm = make_indicator("IND-CRM", recommendation="MT2-R02", dimensions=())
    assert make_indicator_report(secretariat, crm, "CRM", today=TODAY).actor_role == \
        "secretariat"
    indicator = make_indicator("IND-ALL", dimensions=())
    assert make_indicator_report(secretariat, indicator, "GTM", today=TODAY).country.iso3 == "GTM"


@pytest.fixture
def percent(seeded):
    return make_indicator("IND-PCT", unit="percent", dimensions=("SEX",))


@pytest.mark.parametrize("indicator, fields, field, message", [
    ("by_sex", {"period": "2024-Q1"}, "period", "as 2025"),
    ("by_sex", {"period": "2026"}, "period", "once it has ended"),
    ("by_sex", {"period": "2025"}, "period", "2025 ends on 31 Dec 2025"),
    ("by_sex", {"cells": {}}, "cells", "at least the total or one value"),
    ("by_sex", {"cells": [((None, None), 1)]}, "cells", "at least the total"),
    ("by_sex", {"cells": {"F": 1}}, "cells", "Name each value by a code"),
    ("by_sex", {"cells": {("F",): 1}}, "cells", "Name each value by a code"),
    ("by_sex", {"cells": {(1, None): 1}}, "cells", "Name each value by a code"),
    ("by_sex", {"cells": {("X", None): 1}}, "cells", "X is not a value of Sex"),
    ("by_sex", {"cells": {("_T", None): 1}}, "cells", "_T is not a value of Sex"),
    ("by_sex", {"cells": {("Y0T11", None): 1}}, "cells", "Y0T11 is not a value of Sex"),
    ("by_sex", {"cells": {("F", "Y0T11"): 1}}, "cells", "by one dimension only"),
    ("by_sex_and_age", {"cells": {("Y0T11", None): 1}}, "cells", "not a value of Sex"),
    ("by_sex_and_age", {"cells": {(None, "F"): 1}}, "cells", "F is not a value of Age group"),
    ("total_only", {"cells": {("F", None): 1}}, "cells", "no breakdown"),
    ("by_sex", {"cells": {(None, None): "diez"}}, "cells", "must be a number"),
    ("by_sex", {"cells": {(None, None): True}}, "cells", "must be a number"),
    ("by_sex", {"cells": {(None, None): None}}, "cells", "must be a number"),
    ("by_sex", {"cells": {(None, None): float("nan")}}, "cells", "must be a number"),
    ("by_sex", {"cells": {(None, None): "Infinity"}}, "cells", "must be a number"),
    ("by_sex", {"cells": {(None, None): -1}}, "cells", "cannot be negative"),
    ("by_sex", {"cells": {(None, None): 2.5}}, "cells", "whole number"),
    ("by_sex", {"cells": {(None, None): 10 ** 14}}, "cells", "too large"),
    ("percent", {"cells": {(None, None): 100.5}}, "cells", "from 0 to 100"),
    ("percent", {"cells": {(None, None): -0.5}}, "cells", "from 0 to 100"),
    ("percent", {"cells": {(None, None): "12.34567"}}, "cells", "four decimal places"),
    ("days", {"cells": {(None, None): -3}}, "cells", "cannot be negative"),
    ("by_sex", {"cells": SEX | {("F", None): 7}}, "cells",
     "add up to 11, not to their total 10"),
    ("by_sex", {"note": "Nota\x00"}, "note", "control characters"),
    ("by_sex", {"source": "x" * 301}, "source", "At most 300"),
    ("by_sex", {"evidence": "GTM"}, "evidence", "stored on the commitment this indicator "
     r"concerns \(MT1-R03-MEX\)"),
    ("by_sex", {"evidence": "MT1-R01-MEX"}, "evidence", "the commitment this indicator concerns"),
])
def test_report_refusals_name_their_field_and_write_nothing(request, focal, indicator, fields,
                                                            field, message):
    extra = {"total_only": lambda: make_indicator("IND-TOTAL", dimensions=()),
             "days": lambda: make_indicator("IND-DAYS", unit="days", dimensions=())}
    chosen = extra[indicator]() if indicator in extra else request.getfixturevalue(indicator)
    if fields.get("evidence") == "GTM":
        fields["evidence"] = make_evidence(make_user("focal_point", country="GTM"),
                                           "MT1-R03-GTM")
    elif fields.get("evidence") == "MT1-R01-MEX":  # Mexico's, on a commitment it is not on
        fields["evidence"] = make_evidence(focal, commitment("MT1-R01-MEX"))
    before = rows(*REPORT_MODELS)
    with pytest.raises(IndicatorRefused, match=message) as refused:
        make_indicator_report(focal, chosen, **{"cells": SEX, "today": TODAY, **fields})
    assert refused.value.field == field
    db.session.rollback()
    assert rows(*REPORT_MODELS) == before


def test_evidence_of_the_commitment_the_indicator_concerns_is_accepted(focal, by_sex):
    """The service accepts the evidence the form offers, and no other (the API the same)."""
    evidence = make_evidence(focal, commitment("MT1-R03-MEX"))
    report = make_indicator_report(focal, by_sex, cells=SEX, evidence=evidence, today=TODAY)
    assert report.evidence_id == evidence.id
    assert [c.code for c in commitments_reported_on(by_sex, country("MEX"))] == ["MT1-R03-MEX"]


def test_a_complete_breakdown_must_add_up_unless_a_note_explains(focal, by_sex):
    wrong = SEX | {("F", None): 7}
    with pytest.raises(IndicatorRefused, match="add up to 11"):
        make_indicator_report(focal, by_sex, cells=wrong, today=TODAY)
    for invisible in ("\u200b", " \u200b\u2060 "):  # a note nobody could read explains nothing
        with pytest.raises(IndicatorRefused, match="in words"):
            make_indicator_report(focal, by_sex, cells=wrong, today=TODAY, note=invisible)
    report = make_indicator_report(focal, by_sex, cells=wrong, today=TODAY,
                                   note="Una persona se registró dos veces.")
    assert sum(v.value for v in report.values if v.first_value) == 11
    # An incomplete breakdown (no _O) is not checked: part of the total is not reported.
    partial = {(None, None): 10, ("F", None): 2, ("M", None): 3}
    assert make_indicator_report(focal, by_sex, period="2023", cells=partial, today=TODAY)


def test_each_complete_breakdown_of_a_cross_is_checked(focal, by_sex_and_age):
    ages = ["Y0T11", "Y12T17", "Y18T29", "Y30T59", "Y_GE60", "_U"]
    women = {("F", age): n for age, n in zip(ages, [1, 2, 3, 4, 5, 0], strict=True)}
    cells = {("F", None): 15, **women, (None, "Y0T11"): 1, ("M", "Y0T11"): 0, ("_O", "Y0T11"): 0}
    make_indicator_report(focal, by_sex_and_age, period="2022", cells=cells, today=TODAY)
    with pytest.raises(IndicatorRefused, match="by Age group add up to 15, not to their total 16"):
        make_indicator_report(focal, by_sex_and_age, cells=cells | {("F", None): 16},
                              today=TODAY)
    with pytest.raises(IndicatorRefused, match="by Sex add up to 1, not to their total 2"):
        make_indicator_report(focal, by_sex_and_age, cells=cells | {(None, "Y0T11"): 2},
                              today=TODAY)


def test_parts_never_add_up_to_more_than_their_total_even_incomplete(focal, by_sex,
                                                                    by_sex_and_age):
    """A missing part only adds more: present parts above their total are refused (a note
    may explain them); at or below it, an incomplete breakdown is fine."""
    before = rows(*REPORT_MODELS)
    with pytest.raises(IndicatorRefused, match="by Sex add up to 1000, more than their total "
                                               "23") as refused:
        make_indicator_report(focal, by_sex, cells={(None, None): 23, ("F", None): 1000},
                              today=TODAY)
    assert refused.value.field == "cells"
    # In a cross: Female at every age is more than Female, with an age missing.
    ages = {("F", "Y0T11"): 10, ("F", "Y12T17"): 4, ("F", "Y18T29"): 10, ("F", "Y30T59"): 10}
    with pytest.raises(IndicatorRefused, match="by Age group add up to 34, more than their "
                                               "total 33"):
        make_indicator_report(focal, by_sex_and_age, cells={("F", None): 33, **ages},
                              today=TODAY)
    db.session.rollback()
    assert rows(*REPORT_MODELS) == before
    explained = make_indicator_report(focal, by_sex, period="2023", today=TODAY,
                                      cells={(None, None): 23, ("F", None): 30},
                                      note="Cifras de dos registros que se superponen.")
    assert explained.note
    assert make_indicator_report(focal, by_sex, period="2022", today=TODAY,
                                 cells={(None, None): 23, ("F", None): 23})


@pytest.mark.parametrize("typed, message", [
    ("1e3", "without an exponent"), ("1e1", "without an exponent"),
    ("1E+3", "without an exponent"), ("2.5e2", "without an exponent"),
    ("1_000", "must be a number"), ("١٢", "must be a number"), ("+5", "must be a number"),
    ("1.2.3", "must be a number"), ("0x10", "must be a number"), ("-5", "cannot be negative"),
])
def test_only_plain_decimal_notation_is_read(app, typed, message):
    with pytest.raises(IndicatorRefused, match=message) as refused:
        checked_value(typed, Unit.COUNT, "cells")
    assert refused.value.field == "cells"


@pytest.mark.parametrize("typed, unit, stored", [
    ("-0", Unit.COUNT, "0"), ("-0.0", Unit.PERCENT, "0.0"), (-0.0, Unit.DAYS, "0.0"),
    (" 12 ", Unit.COUNT, "12"), ("12.50", Unit.CURRENCY, "12.50"), (".5", Unit.DAYS, "0.5"),
])
def test_plain_numbers_are_read_and_minus_zero_is_zero(app, typed, unit, stored):
    number = checked_value(typed, unit, "cells")
    assert str(number) == stored and not number.is_signed()


def test_a_total_of_minus_zero_is_stored_as_zero(focal, by_sex):
    report = make_indicator_report(focal, by_sex, cells={(None, None): "-0"}, today=TODAY)
    db.session.expire_all()
    [value] = db.session.get(IndicatorReport, report.id).values
    assert value.value == 0 and not value.value.is_signed()


def test_percentages_are_not_added_up(focal, percent):
    cells = {(None, None): 50, ("F", None): 60, ("M", None): 40, ("_O", None): 10}
    assert make_indicator_report(focal, percent, cells=cells, today=TODAY)


def test_a_correction_chain(focal, by_sex):
    v1 = make_indicator_report(focal, by_sex, cells=SEX, today=TODAY)
    other_period = make_indicator_report(focal, by_sex, period="2023", today=TODAY)
    before = rows(*REPORT_MODELS)
    with pytest.raises(IndicatorRefused, match=f"2024 is already reported; send it as a "
                                               f"correction of report {v1.id}") as refused:
        make_indicator_report(focal, by_sex, cells=SEX, today=TODAY)
    assert refused.value.field == "replaces"
    v2 = make_indicator_report(focal, by_sex, cells={(None, None): 12}, replaces=v1,
                               note="Cifra revisada", today=TODAY)
    assert v2.replaces_id == v1.id
    for replaces, message in ((v1, f"Report {v1.id} was already corrected; correct report "
                                   f"{v2.id}"),
                              (other_period, f"Report {other_period.id} is not a report of "
                                             "this indicator, country and period")):
        with pytest.raises(IndicatorRefused, match=message):
            make_indicator_report(focal, by_sex, replaces=replaces, today=TODAY)
    with pytest.raises(IndicatorRefused, match="already reported"):
        make_indicator_report(focal, by_sex, today=TODAY)
    # A first report of a new period replaces nothing.
    with pytest.raises(IndicatorRefused, match="is not a report of this"):
        make_indicator_report(focal, by_sex, period="2022", replaces=v2, today=TODAY)
    assert rows(*REPORT_MODELS) == {"IndicatorReport": before["IndicatorReport"] + 1,
                                    "IndicatorValue": before["IndicatorValue"] + 1}
    v3 = make_indicator_report(focal, by_sex, cells=SEX, replaces=v2, today=TODAY)
    mexico = country("MEX")
    assert [r.id for r in history_of(by_sex, mexico, "2024")] == [v1.id, v2.id, v3.id]
    assert [(r.period, r.id) for r in current_reports(by_sex, mexico)] == [
        ("2023", other_period.id), ("2024", v3.id)]


def test_current_reports_take_a_fixed_number_of_queries(secretariat, by_sex, count_queries):
    def read() -> tuple[int, list]:
        db.session.expire_all()
        with count_queries() as statements:
            reports = current_reports(by_sex)
            cells = [(r.country.iso3, r.period, [(v.first_value and v.first_value.code,
                                                   v.value) for v in r.values])
                     for r in reports]
        return len(statements), cells

    make_indicator_report(secretariat, by_sex, "MEX", cells=SEX, today=TODAY)
    few, cells = read()
    assert cells == [("MEX", "2024", [(None, 10), ("F", 6), ("M", 3), ("_O", 1)])]
    first = make_indicator_report(secretariat, by_sex, "GTM", cells=SEX, today=TODAY)
    make_indicator_report(secretariat, by_sex, "GTM", cells={(None, None): 9}, replaces=first,
                          note="Revisado", today=TODAY)
    for iso3 in ("BLZ", "CAN", "HND"):
        for period in ("2022", "2023"):
            make_indicator_report(secretariat, by_sex, iso3, period=period, cells=SEX,
                                  today=TODAY)
    many, cells = read()
    assert many == few
    assert [(iso3, period) for iso3, period, _ in cells] == [
        ("BLZ", "2022"), ("BLZ", "2023"), ("CAN", "2022"), ("CAN", "2023"), ("GTM", "2024"),
        ("HND", "2022"), ("HND", "2023"), ("MEX", "2024")]
    assert cells[4][2] == [(None, 9)]


# -- append-only ------------------------------------------------------------------------------

@pytest.mark.parametrize("change", ["report", "value", "delete report", "delete value"])
def test_reports_are_append_only_in_the_orm(focal, by_sex, change):
    report = make_indicator_report(focal, by_sex, cells=SEX, today=TODAY)
    if change == "report":
        report.note = "reescrito"
    elif change == "value":
        report.values[0].value = Decimal(1)
    else:
        db.session.delete(report.values[0] if change == "delete value" else report)
    with pytest.raises(HistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(IndicatorReport, report.id).note is None


@pytest.mark.skipif(not ON_POSTGRES, reason="the triggers exist on PostgreSQL only")
def test_postgresql_refuses_to_change_reports(focal, by_sex):
    make_indicator_report(focal, by_sex, cells=SEX, today=TODAY)
    for sql in ("UPDATE indicator_report SET note = 'x'", "DELETE FROM indicator_report",
                "UPDATE indicator_value SET value = 1", "DELETE FROM indicator_value"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(sql))
    assert rows(*REPORT_MODELS) == {"IndicatorReport": 1, "IndicatorValue": 4}


def waiting_for_locks(conn) -> int:
    """How many sessions wait for a lock now (a transaction sees pg_stat_activity as it was
    when first read, unless it clears that snapshot)."""
    conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    return conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity "
                               "WHERE wait_event_type = 'Lock'"))


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent sessions need PostgreSQL")
def test_two_first_reports_sent_at_once_make_one_current_report(app, focal, by_sex):
    indicator_id, mexico_id = by_sex.id, country("MEX").id
    sent, refused = [], []

    def send():
        with app.app_context():
            try:
                sent.append(make_indicator_report(
                    db.session.get(User, focal.id), db.session.get(Indicator, indicator_id),
                    cells=SEX, today=TODAY).id)
            except IndicatorRefused as exc:
                refused.append(exc.field)

    threads = [threading.Thread(target=send) for _ in range(2)]
    with db.engine.connect() as holder:  # both reach the indicator's lock before either writes
        holder.execute(sa.select(Indicator.id).where(Indicator.id == indicator_id)
                       .with_for_update())
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while waiting_for_locks(holder) < 2:
            assert time.monotonic() < deadline, "the reports never waited for the lock"
            time.sleep(0.05)
        holder.rollback()
    for thread in threads:
        thread.join()
    assert (len(sent), refused) == (1, ["replaces"])
    assert [r.id for r in current_reports(by_sex, db.session.get(Country, mexico_id))] == sent


# -- who may report ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["focal_other", "auditor", "anonymous", "system",
                                 "deactivated"])
def test_others_may_not_report(seeded, by_sex, who):
    actor = {"focal_other": lambda: make_user("focal_point", country="GTM"),
             "auditor": lambda: make_user("auditor", country=None),
             "anonymous": AnonymousUserMixin, "system": lambda: SYSTEM,
             "deactivated": lambda: make_user("focal_point", country="MEX", active=False)}[who]()
    assert not can_report_indicator(actor, by_sex, country("MEX"))
    with pytest.raises(PermissionDenied):
        make_indicator_report(actor, by_sex, "MEX", today=TODAY)
    assert rows(*REPORT_MODELS) == {"IndicatorReport": 0, "IndicatorValue": 0}


def test_only_owners_report(secretariat, focal):
    on_guatemala = make_indicator("IND-GTM", commitment="MT1-R03-GTM", dimensions=())
    on_crm = make_indicator("IND-CRM", recommendation="MT2-R02", dimensions=())
    mexico, guatemala = country("MEX"), country("GTM")
    assert not can_report_indicator(focal, on_guatemala, mexico)
    assert not can_report_indicator(focal, on_guatemala, guatemala)
    assert not can_report_indicator(secretariat, on_guatemala, mexico)
    assert can_report_indicator(secretariat, on_guatemala, guatemala)
    assert can_report_indicator(make_user("focal_point", country="GTM"), on_guatemala, guatemala)
    assert not can_report_indicator(focal, on_crm, mexico)
    assert not can_report_indicator(secretariat, on_crm, mexico)
    with pytest.raises(PermissionDenied):
        make_indicator_report(focal, on_guatemala, "GTM", today=TODAY)


def test_refusals_speak_the_readers_language(focal, by_sex):
    with force_locale("es"):
        with pytest.raises(IndicatorRefused) as refused:
            make_indicator_report(focal, by_sex, cells=SEX | {("F", None): 7}, today=TODAY)
        assert str(refused.value) == ("Los valores por Sexo suman 11, no su total 10: "
                                      "corríjalos o explique la diferencia en una nota.")


def test_the_operator_lists_and_extends_a_vocabulary(runner, seeded):
    listed = runner.invoke(args=["indicators", "dimensions"])
    assert listed.exit_code == 0 and "AGE" in listed.output and "Y12T17" in listed.output
    added = runner.invoke(args=["indicators", "add-value", "age", "Y0T4", "--es", "0 a 4 años",
                                "--en", "0 to 4 years"])
    assert added.exit_code == 0, added.output
    assert "Y0T4" in runner.invoke(args=["indicators", "dimensions"]).output
    again = runner.invoke(args=["indicators", "add-value", "AGE", "Y0T4", "--es", "x",
                                "--en", "x"])
    assert again.exit_code != 0 and "Nothing was written" in again.output
    bad = runner.invoke(args=["indicators", "add-value", "AGE", "_T", "--es", "x", "--en", "x"])
    assert bad.exit_code != 0 and "total" in bad.output


@pytest.mark.parametrize("threshold", [0, -5])
def test_a_threshold_that_would_publish_every_count_is_refused_at_start(tmp_path, threshold):
    from conftest import make_config

    from tracker import create_app

    with pytest.raises(RuntimeError, match="INDICATOR_SMALL_COUNT .* must be at least 1"):
        create_app(make_config(tmp_path, INDICATOR_SMALL_COUNT=threshold))
