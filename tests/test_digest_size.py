"""Digests that stay readable at any size: the counts per reason, the DIGEST_MAX_ITEMS most
urgent commitments in order, a link to the rest; a size that does not grow with the data."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from conftest import engine_of, make_config, running_app
from factories import make_user, report_status
from flask_babel import force_locale

from tracker.audit.digest import queue_follow_digests
from tracker.audit.follows import follow
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.importer.demo_data import generate_demo_data
from tracker.models import Commitment, Country, MessageKind, OutboxMessage, Status
from tracker.reminders.rules import _reasons, queue_weekly_summaries, reminder_settings, run_rules

CAP = 3
BASE = "https://tracker.example.org"
LABELS = {"es": ("Vencidos: {}", "Vencen en 30 días o menos: {}",
                 "Sin actualización desde hace 90 días o más: {}", "…y {} más, en el sitio."),
          "en": ("Overdue: {}", "Due within 30 days: {}", "No update for 90 days or more: {}",
                 "…and {} more, on the site.")}


@pytest.fixture
def capped(tmp_path, seed_image):
    """A seeded app whose digests list at most CAP commitments."""
    with running_app(make_config(tmp_path, DIGEST_MAX_ITEMS=CAP, PUBLIC_BASE_URL=BASE)) as app:
        seed_image.restore(engine_of(app))
        yield app


def country_id(iso3: str) -> int:
    return db.session.scalar(sa.select(Country.id).filter_by(iso3=iso3))


def expected(today: dt.date, iso3: str | None = None):
    """The oracle, in Python over every row: counts per reason and codes by urgency."""
    settings = reminder_settings()
    query = sa.select(Commitment).where(Commitment.status != Status.COMPLETED)
    if iso3:
        query = query.where(Commitment.country_id == country_id(iso3))
    counts, ranked = {"overdue": 0, "due": 0, "stale": 0}, []
    for c in db.session.scalars(query):
        with force_locale("en"):
            reasons, _escalated = _reasons(c, today, settings)
        if not reasons:
            continue
        overdue = c.due_date is not None and c.due_date < today
        soon = not overdue and any(r.startswith("due within") for r in reasons)
        stale = reasons[-1].startswith("no update")
        counts["overdue"] += overdue
        counts["due"] += soon
        counts["stale"] += stale
        bucket = 0 if overdue else 1 if soon else 2
        ranked.append(((bucket, c.due_date if bucket < 2 else dt.date.min, c.updated_at,
                        c.code), c.code))
    return counts, [code for _key, code in sorted(ranked)], len(ranked)


def make_due_soon(today: dt.date, iso3: str, n: int) -> None:
    """n fresh, open commitments of the country due within the month (the demo has few)."""
    ids = db.session.scalars(sa.select(Commitment.id).where(
        Commitment.country_id == country_id(iso3), Commitment.status != Status.COMPLETED)
        .order_by(Commitment.id).limit(n)).all()
    for offset, cid in enumerate(ids):
        db.session.execute(sa.update(Commitment).where(Commitment.id == cid).values(
            due_date=today + dt.timedelta(days=5 + offset), updated_at=utcnow()))
    db.session.commit()


def body_of(recipient: str, kind: MessageKind) -> str:
    return db.session.scalar(sa.select(OutboxMessage.body).filter_by(recipient=recipient,
                                                                     kind=kind))


def listed(body: str) -> list[str]:
    return re.findall(r"^- (\S+): ", body, re.M)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_digest_lists_the_cap_most_urgent_first_and_counts_every_reason(capped, language):
    today = dt.date.today()
    generate_demo_data(600)
    make_due_soon(today, "MEX", CAP + 1)
    make_user("focal_point", country="MEX", email="fp@example.org", language=language)
    counts, order, total = expected(today, "MEX")
    assert min(counts.values()) > CAP  # every reason holds more than the cap
    run_rules(today)
    body = body_of("fp@example.org", MessageKind.DIGEST)
    assert listed(body) == order[:CAP]
    overdue, due, stale, more = LABELS[language]
    for label, value in ((overdue, counts["overdue"]), (due, counts["due"]),
                         (stale, counts["stale"]), (more, total - CAP)):
        assert label.format(value) in body
    assert f"{BASE}/commitments?country=MEX&overdue=1&sort=due" in body
    assert f"{BASE}/commitments?country=MEX&sort=due" in body


@pytest.mark.parametrize("language", ["es", "en"])
def test_fewer_than_the_cap_are_all_listed_with_no_more(capped, language):
    today = dt.date.today()
    db.session.execute(sa.update(Commitment).where(Commitment.code == "MT1-R01-MEX")
                       .values(due_date=today - dt.timedelta(days=40)))
    db.session.execute(sa.update(Commitment).where(Commitment.code == "MT1-R02-MEX")
                       .values(due_date=today + dt.timedelta(days=5)))
    db.session.commit()
    make_user("focal_point", country="MEX", email="fp@example.org", language=language)
    run_rules(today)
    body = body_of("fp@example.org", MessageKind.DIGEST)
    assert listed(body) == ["MT1-R01-MEX", "MT1-R02-MEX"]
    overdue, due, _stale, more = LABELS[language]
    assert overdue.format(1) in body and due.format(1) in body
    assert more.split("{}")[0] not in body


def test_an_overdue_notice_lists_only_overdue_ones_capped(capped):
    today = dt.date.today()
    generate_demo_data(600)
    user = make_user("focal_point", country="GTM", email="fp@example.org", language="en")
    user.digest_frequency = "none"
    db.session.commit()
    counts, order, _total = expected(today, "GTM")
    run_rules(today)
    body = body_of("fp@example.org", MessageKind.OVERDUE_NOTICE)
    assert listed(body) == order[:CAP]
    assert f"Overdue: {counts['overdue']}" in body and "Due within" not in body
    assert f"…and {counts['overdue'] - CAP} more, on the site." in body


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_weekly_summary_lists_the_cap_over_every_country(capped, language):
    today = dt.date.today()
    generate_demo_data(600)
    make_user("secretariat", email="sec@example.org", language=language)
    counts, order, total = expected(today)
    queue_weekly_summaries(today)
    body = body_of("sec@example.org", MessageKind.WEEKLY_SUMMARY)
    assert listed(body) == order[:CAP]
    overdue, _due, stale, more = LABELS[language]
    assert overdue.format(counts["overdue"]) in body and stale.format(counts["stale"]) in body
    assert more.format(total - CAP) in body
    assert f"{BASE}/commitments?overdue=1&sort=due" in body
    assert f"{BASE}/commitments?country=MEX&overdue=1&sort=due" in body


def test_the_size_of_a_digest_does_not_grow_with_the_data(capped):
    """The same most urgent commitments over 3,000 commitments and over a tenth of them:
    the messages differ by a few digits, and stay a few kilobytes."""
    today = dt.date.today()
    generate_demo_data(3000)
    make_user("focal_point", country="MEX", email="fp@example.org")
    make_user("secretariat", email="sec@example.org")
    _counts, order, total = expected(today, "MEX")
    sizes = []
    for _ in range(2):
        run_rules(today)
        queue_weekly_summaries(today)
        sizes.append([len(body_of(who, kind).encode()) for who, kind in (
            ("fp@example.org", MessageKind.DIGEST), ("sec@example.org",
                                                     MessageKind.WEEKLY_SUMMARY))])
        # Keep Mexico's ten most urgent, complete the rest of every country's.
        db.session.execute(sa.update(Commitment).where(Commitment.code.not_in(order[:10]))
                           .values(status=Status.COMPLETED))
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
    assert total > 10 * CAP
    (big_digest, big_summary), (small_digest, small_summary) = sizes
    assert abs(big_digest - small_digest) < 20 and big_digest < 4000
    assert big_summary < 6000 and small_summary < 6000


def test_a_follow_digest_lists_the_cap_and_counts_the_rest(capped):
    focal = make_user("focal_point", country="MEX")
    auditor = make_user("auditor", country=None, organisation="Observatorio",
                        organisation_kind="civil_society", language="en")
    follow(auditor, country_iso3="MEX")
    codes = [f"MT1-R0{n}-MEX" for n in range(1, 6)]
    for code in codes:
        report_status(focal, code, "in_progress", 10)
    queue_follow_digests(dt.date.today())
    body = body_of(auditor.email, MessageKind.FOLLOW_DIGEST)
    assert re.findall(r"^- (\S+) \(", body, re.M) == codes[:CAP]
    assert "…and 2 more, on the site." in body and "Changes: 5 of status" in body
    assert f"{BASE}/commitments?country=MEX&sort=updated" in body
