"""Indicator values due in the focal points' digests: counted, listed among the most urgent
with a link to report them, gone once reported; only for the countries that report them."""

import datetime as dt

import pytest
import sqlalchemy as sa
from factories import make_indicator, make_indicator_report, make_user

from tracker.extensions import db
from tracker.models import Commitment, MessageKind, OutboxMessage
from tracker.reminders.indicators_due import last_ended_period, values_due_by_country
from tracker.reminders.rules import run_rules

TODAY = dt.date(2026, 11, 23)  # a Monday: the last ended year is 2025, quarter 2026-Q3


@pytest.fixture
def focal(seeded):
    """Mexico's focal point, reading in English; one of Mexico's commitments overdue."""
    user = make_user("focal_point", country="MEX", email="fp.mex@example.org", language="en")
    overdue = db.session.scalar(sa.select(Commitment).filter_by(code="MT1-R01-MEX"))
    overdue.due_date = TODAY - dt.timedelta(days=3)
    db.session.commit()
    return user


def digest_to(email: str, day: dt.date) -> str | None:
    """Run the rules on ``day``; the body of the digest queued then for ``email``, if any."""
    run_rules(day)
    return db.session.scalar(sa.select(OutboxMessage.body).filter_by(
        recipient=email, kind=MessageKind.DIGEST, period=f"{day.isocalendar()[0]}-W"
        f"{day.isocalendar()[1]:02d}"))


def test_a_value_due_is_counted_listed_and_gone_once_reported(app, focal):
    link = app.config["PUBLIC_BASE_URL"].rstrip("/") + "/my/indicators"
    indicator = make_indicator()  # on MT1-R03: Mexico reports it, yearly
    body = digest_to(focal.email, TODAY)
    assert body is not None
    assert "Overdue: 1" in body and "Indicator values due: 1" in body
    assert "The most urgent first (2 of 2):" in body
    # Ranked after the overdue commitment, with its reason and the page to report it on.
    assert body.index("- MT1-R01-MEX:") < body.index("- IND-MIG-1: Migrants assisted")
    assert "value for 2025 not reported (the period ended 31 Dec 2025)" in body
    assert f"Report the indicator values of Mexico: {link}" in body
    assert f"  {link}\n" in body  # the item's own link

    make_indicator_report(focal, indicator, period="2025", today=TODAY)
    later = digest_to(focal.email, TODAY + dt.timedelta(days=7))  # the next week's digest
    assert later is not None and "MT1-R01-MEX" in later
    assert "IND-MIG-1" not in later and "Indicator values due" not in later
    assert link not in later and "The most urgent first (1 of 1):" in later


def test_a_value_due_alone_is_worth_a_digest_and_an_older_report_does_not_count(seeded):
    user = make_user("focal_point", country="MEX", email="solo@example.org", language="en")
    indicator = make_indicator()
    make_indicator_report(user, indicator, period="2024", today=TODAY)
    body = digest_to(user.email, TODAY)
    assert body is not None and "Overdue: 0" in body and "Indicator values due: 1" in body
    assert "- IND-MIG-1:" in body and "value for 2025" in body


def test_only_the_reporting_country_and_never_in_an_overdue_notice(focal):
    make_indicator("IND-GTM-Q", commitment="MT1-R01-GTM", frequency="quarter")
    guatemala = make_user("focal_point", country="GTM", email="fp.gtm@example.org",
                          language="en")
    due = values_due_by_country(TODAY)
    assert [v.code for v in due[guatemala.country_id]] == ["IND-GTM-Q"]
    assert due[guatemala.country_id][0].period.text == "2026-Q3"
    assert focal.country_id not in due
    assert "IND-GTM-Q" not in (digest_to(focal.email, TODAY) or "")
    assert "value for 2026-Q3" in digest_to(guatemala.email, TODAY)
    # Someone who chose no digest still gets the overdue notice: commitments only.
    focal.digest_frequency = "none"
    make_indicator()
    db.session.commit()
    run_rules(TODAY + dt.timedelta(days=7))
    notice = db.session.scalar(sa.select(OutboxMessage.body).filter_by(
        recipient=focal.email, kind=MessageKind.OVERDUE_NOTICE))
    assert "MT1-R01-MEX" in notice and "IND-MIG-1" not in notice


@pytest.mark.parametrize(("frequency", "today", "period"), [
    ("year", dt.date(2026, 1, 1), "2025"), ("year", dt.date(2025, 12, 31), "2024"),
    ("half", dt.date(2026, 7, 1), "2026-H1"), ("quarter", dt.date(2026, 3, 31), "2025-Q4")])
def test_the_last_ended_period(frequency, today, period):
    assert last_ended_period(frequency, today).text == period


def test_the_command_names_commitments_and_indicators_apart(app, focal):
    make_indicator()  # Mexico's 2025 value is due
    make_indicator("NNA-CONS")
    dry = app.test_cli_runner().invoke(args=["reminders", "run", "--dry-run", "--today",
                                             TODAY.isoformat()])
    assert dry.exit_code == 0, dry.output
    line = next(line for line in dry.output.splitlines() if "fp.mex@example.org" in line)
    assert line.endswith(": 1 commitment MT1-R01-MEX; values due of 2 indicators "
                         "IND-MIG-1 NNA-CONS"), line
