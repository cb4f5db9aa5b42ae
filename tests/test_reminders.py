"""Reminders through a real SMTP server on loopback: right people, language, links, once."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
import time_machine
from conftest import ON_POSTGRES
from factories import make_user

from tracker.core import outbox
from tracker.core.outbox import deliver_due
from tracker.extensions import db
from tracker.models import Commitment, MessageKind, OutboxMessage, OutboxStatus, Status
from tracker.reminders.rules import run_rules

TODAY = dt.date(2026, 11, 23)  # a Monday


def set_commitment(code: str, *, due: dt.date | None = None, status: Status | None = None):
    c = db.session.scalar(sa.select(Commitment).filter_by(code=code))
    c.due_date = due
    if status:
        c.status = status
    db.session.commit()


@pytest.fixture
def recipients(mail_app, mail_seeded):
    """Focal points of Mexico (Spanish) and Guatemala (English), and the secretariat, on the
    seeded mail app; commitments due soon, overdue, long overdue and completed."""
    mex = make_user("focal_point", country="MEX", email="fp.mex@example.org", name="Persona")
    gtm = make_user("focal_point", country="GTM", email="fp.gtm@example.org", name="Persona",
                    language="en")
    sec = make_user("secretariat", email="secretaria@example.org", name="Persona")
    set_commitment("MT1-R01-MEX", due=TODAY - dt.timedelta(days=40))  # escalated
    set_commitment("MT1-R02-MEX", due=TODAY + dt.timedelta(days=5))
    set_commitment("MT1-R03-MEX", due=TODAY - dt.timedelta(days=3), status=Status.COMPLETED)
    set_commitment("MT1-R02-GTM", due=TODAY + dt.timedelta(days=20))
    return {"mex": mex, "gtm": gtm, "sec": sec}


def by_recipient(smtp_server) -> dict:
    return {m["To"]: m for m in smtp_server.messages}


def test_each_focal_point_gets_one_digest_in_their_language(mail_app, smtp_server, recipients):
    run_rules(TODAY)
    report = deliver_due()
    assert sorted(report.sent) == ["fp.gtm@example.org", "fp.mex@example.org"]
    mail = by_recipient(smtp_server)
    mex, gtm = mail["fp.mex@example.org"], mail["fp.gtm@example.org"]
    body = mex.get_content()
    assert "necesitan" in mex["Subject"] and "México" in mex["Subject"]
    assert "MT1-R01-MEX" in body and "MT1-R02-MEX" in body
    assert "MT1-R03-MEX" not in body  # completed: never reminded
    assert "https://tracker.example.org/commitments/MT1-R01-MEX" in body
    assert "vencido hace 40 días" in body and "vence en 7 días" in body
    # overdue for longer than 30 days: copied to the secretariat
    assert mex["Cc"] == "secretaria@example.org"
    assert "secretaria@example.org" in smtp_server.recipients[smtp_server.messages.index(mex)]
    gtm_body = gtm.get_content()
    assert "need action" in gtm["Subject"] and "due within 30 days" in gtm_body
    assert gtm["Cc"] is None
    for message in (mex, gtm):
        assert message["List-Unsubscribe"].startswith("<https://tracker.example.org/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"].strip().startswith("<digest.")


def test_rules_twice_on_a_day_send_nothing_twice(mail_app, smtp_server, recipients):
    for _ in range(2):
        run_rules(TODAY)
        deliver_due()
    run_rules(TODAY + dt.timedelta(days=2))  # same ISO week
    deliver_due()
    assert len(smtp_server.messages) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2


def test_an_unsubscribed_focal_point_still_gets_overdue_notices(mail_app, smtp_server, recipients):
    recipients["mex"].digest_frequency = "none"
    db.session.commit()
    run_rules(TODAY)
    deliver_due()
    notice = by_recipient(smtp_server)["fp.mex@example.org"]
    assert notice["Message-ID"].strip().startswith("<overdue_notice.")
    assert "MT1-R01-MEX" in notice.get_content() and "MT1-R02-MEX" not in notice.get_content()


def test_smtp_down_then_back_delivers_every_message_exactly_once(mail_app, smtp_server, recipients):
    smtp_server.stop()
    run_rules(TODAY)
    now = dt.datetime.now(dt.timezone.utc)
    report = deliver_due(now)
    assert len(report.retrying) == 2 and not report.sent
    waiting = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {m.status for m in waiting} == {OutboxStatus.PENDING}
    assert all("Connection refused" in m.last_error or "Errno" in m.last_error for m in waiting)
    assert deliver_due(now).sent == []  # not before the backoff has passed
    smtp_server.start()
    later = now + dt.timedelta(seconds=mail_app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)
    assert len(deliver_due(later).sent) == 2
    assert deliver_due(later + dt.timedelta(hours=1)).sent == []
    assert sorted(m["To"] for m in smtp_server.messages) == ["fp.gtm@example.org",
                                                             "fp.mex@example.org"]


def test_a_permanent_refusal_is_failed_at_once_and_kept(mail_app, smtp_server, recipients):
    recipients["gtm"].email = "bounce.gtm@example.org"
    db.session.commit()
    run_rules(TODAY)
    report = deliver_due()
    assert report.failed == ["bounce.gtm@example.org"] and report.sent == ["fp.mex@example.org"]
    failed = db.session.scalar(sa.select(OutboxMessage).filter_by(status=OutboxStatus.FAILED))
    assert failed.attempts == 1 and "550" in failed.last_error


def test_retries_end_in_failed_not_dropped(mail_app, smtp_server, recipients):
    smtp_server.stop()
    run_rules(TODAY)
    now = dt.datetime.now(dt.timezone.utc)
    for _ in range(mail_app.config["OUTBOX_MAX_ATTEMPTS"]):
        deliver_due(now)
        now += dt.timedelta(days=2)
    statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.FAILED, OutboxStatus.FAILED]


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
        mail_app, smtp_server, recipients):
    """Documented behaviour: at least once; a resend carries the same Message-ID."""
    run_rules(TODAY)
    now = dt.datetime.now(dt.timezone.utc)
    first = db.session.scalar(sa.select(OutboxMessage).order_by(OutboxMessage.id))
    assert outbox._claim(first.id, now)
    outbox.mail.send(outbox._email(first))  # the server says 250; then the process dies
    db.session.rollback()
    assert db.session.get(OutboxMessage, first.id).status == OutboxStatus.SENDING
    assert deliver_due(now).sent == [recipients["gtm"].email]  # the claimed one waits its claim out
    later = now + dt.timedelta(seconds=mail_app.config["OUTBOX_CLAIM_TIMEOUT"] + 1)
    assert deliver_due(later).sent == [first.recipient]
    copies = [m for m in smtp_server.messages if m["To"] == first.recipient]
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert db.session.get(OutboxMessage, first.id).status == OutboxStatus.SENT


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent sessions need PostgreSQL "
                    "(tests use one shared in-memory SQLite connection)")
def test_concurrent_delivery_runs_send_each_message_once(mail_app, smtp_server):
    for n in range(12):
        outbox.queue(f"key-{n}", kind=MessageKind.DIGEST, period="2026-W48",
                     recipient=f"p{n}@example.org", subject="s", body="b", language="es")
    db.session.commit()

    def deliver():
        with mail_app.app_context():
            deliver_due()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"p{n}@example.org" for n in range(12))


def test_a_quarter_of_daily_runs(mail_app, smtp_server, mail_seeded):
    """Weekly digests for a weekly reader, monthly for a monthly one, none for a country
    whose commitments are all completed, and never a completed commitment."""
    start = dt.datetime(2027, 1, 4, 7, tzinfo=dt.timezone.utc)  # a Monday
    with time_machine.travel(start, tick=False) as traveller:
        make_user("focal_point", country="MEX", email="weekly@example.org", name="Persona")
        monthly = make_user("focal_point", country="GTM", email="monthly@example.org",
                            name="Persona")
        monthly.digest_frequency = "monthly"
        make_user("focal_point", country="HND", email="done@example.org", name="Persona")
        db.session.execute(sa.update(Commitment).where(Commitment.code.like("%-HND"))
                           .values(status=Status.COMPLETED, progress=100))
        for code, days in (("MT1-R01-MEX", 20), ("MT1-R01-GTM", 45), ("MT1-R05-MEX", 400)):
            set_commitment(code, due=start.date() + dt.timedelta(days=days))
        set_commitment("MT1-R05-MEX", due=start.date() + dt.timedelta(days=10),
                       status=Status.COMPLETED)
        days = 91
        for _ in range(days):
            run_rules(dt.date.today())
            deliver_due()
            traveller.shift(dt.timedelta(days=1))
    counts = {}
    for m in smtp_server.messages:
        counts[m["To"]] = counts.get(m["To"], 0) + 1
        assert "MT1-R05-MEX" not in m.get_content() and "-HND" not in m.get_content()
    # MEX: due soon from day 0 to 20, overdue after: every week of the 13 has a digest.
    assert counts["weekly@example.org"] == 13
    # GTM: due within 30 days from day 15, overdue from day 45: the quarter (4 January to
    # 4 April) touches four months, each with one digest.
    assert counts["monthly@example.org"] == 4
    assert "done@example.org" not in counts



def test_cli_dry_run_writes_nothing_then_run_queues_and_delivers(mail_app, smtp_server, recipients):
    runner = mail_app.test_cli_runner()
    dry = runner.invoke(args=["reminders", "run", "--dry-run", "--today", TODAY.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert "would queue: digest 2026-W48 to fp.mex@example.org (cc secretaria@example.org)" \
        in dry.output and "MT1-R01-MEX" in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert smtp_server.messages == []
    run = runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat(),
                              "--weekly-summary"])
    assert run.exit_code == 0, run.output
    assert "queued: weekly_summary 2026-W48 to secretaria@example.org" in run.output
    assert "Delivered: 3 sent, 0 to retry, 0 failed." in run.output
    assert len(smtp_server.messages) == 3
    again = runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat()])
    assert "No reminder is due." in again.output and len(smtp_server.messages) == 3


def test_cli_outbox_lists_failed_messages_with_their_error(mail_app, smtp_server, recipients):
    recipients["gtm"].email = "bounce.gtm@example.org"
    db.session.commit()
    runner = mail_app.test_cli_runner()
    runner.invoke(args=["reminders", "run", "--today", TODAY.isoformat()])
    listing = runner.invoke(args=["reminders", "outbox"]).output
    assert "failed" in listing and "bounce.gtm@example.org" in listing and "550" in listing
    assert "fp.mex@example.org" not in listing  # delivered: not in the outbox listing
