"""Outbox delivery when the mail server is slow and when two deliverers run at once, with real
parts: aiosmtpd servers that stall, drip or black-hole on loopback (tests/slow_smtp.py), the
CLI and the scheduler in their own processes, and PostgreSQL for concurrent sessions. What
the mail server received is counted: exactly one copy of every message."""

import datetime as dt
import os
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES, REPO, make_config, running_app
from databases import DATABASE_URL
from slow_smtp import DrippingServer, SilentServer, SlowSMTPServer

from tracker import create_app
from tracker.core import outbox
from tracker.core.outbox import deliver_due
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import MessageKind, OutboxMessage, OutboxStatus

on_postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="concurrent sessions need "
                                      "PostgreSQL (TEST_DATABASE_URL is not set)")
MAIL_TIMEOUT = 1.5
SLACK = 10  # generous: a loaded machine, never the difference between pass and fail


@pytest.fixture
def slow_smtp():
    server = SlowSMTPServer()
    server.start()
    try:
        yield server
    finally:
        server.gate.set()
        server.stop()


def mail_config(tmp_path, port: int, **overrides):
    values = dict(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=MAIL_TIMEOUT,
                  PUBLIC_BASE_URL="https://tracker.example.org")
    return make_config(tmp_path, **(values | overrides))


@pytest.fixture
def slow_app(tmp_path, slow_smtp):
    with running_app(mail_config(tmp_path, slow_smtp.port)) as app:
        yield app


def queue(*recipients: str) -> dict[str, int]:
    """One digest to each recipient, queued in this order; their outbox ids."""
    for n, recipient in enumerate(recipients):
        outbox.queue(f"key-{n}-{recipient}", kind=MessageKind.DIGEST, period="2026-W48",
                     recipient=recipient, subject="s", body="b", language="es")
    db.session.commit()
    return {m.recipient: m.id for m in db.session.scalars(sa.select(OutboxMessage))}


def received(server) -> Counter:
    return Counter(m["To"] for m in server.messages)


def test_a_stalled_or_dripping_recipient_costs_mail_timeout_and_the_others_are_sent(
        slow_app, slow_smtp):
    """A server that says nothing, or one byte at a time (which a per-read socket timeout
    never ends), holds one message at most MAIL_TIMEOUT; it is retried after its backoff."""
    queue("a@example.org", "slow@example.org", "drip@example.org", "b@example.org")
    start = time.monotonic()
    report = deliver_due()
    elapsed = time.monotonic() - start
    assert report.sent == ["a@example.org", "b@example.org"]
    assert report.retrying == ["slow@example.org", "drip@example.org"]
    assert elapsed < 2 * MAIL_TIMEOUT + SLACK  # the server holds each for 30 s
    waiting = db.session.scalars(sa.select(OutboxMessage).filter(
        OutboxMessage.status != OutboxStatus.SENT)).all()
    assert len(waiting) == 2
    for message in waiting:
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert message.last_error.startswith("TimeoutError: the mail server did not finish "
                                             "within 1.5 s")
        assert message.next_attempt_at > utcnow()
    assert deliver_due().sent == []  # not before the backoff has passed
    slow_smtp.hold = 0  # the server is quick again
    later = utcnow() + dt.timedelta(seconds=slow_app.config["OUTBOX_RETRY_BASE_SECONDS"] + 1)
    assert sorted(deliver_due(later).sent) == ["drip@example.org", "slow@example.org"]
    assert received(slow_smtp) == Counter({"a@example.org": 1, "slow@example.org": 1,
                                           "drip@example.org": 1, "b@example.org": 1})


@pytest.mark.parametrize("hold", [0, 30], ids=["refused", "silent"])
def test_a_message_accepted_before_a_failed_goodbye_is_sent_once(slow_app, slow_smtp, hold):
    """The server took the message, then answers QUIT with an error, or not at all:
    delivered, never retried (a retry would be a second copy)."""
    slow_smtp.hold = hold
    queue("farewell@example.org", "a@example.org")
    assert deliver_due().sent == ["farewell@example.org", "a@example.org"]
    assert deliver_due(utcnow() + dt.timedelta(days=1)).sent == []
    assert received(slow_smtp) == Counter({"farewell@example.org": 1, "a@example.org": 1})


def test_a_black_holed_server_fails_each_message_within_mail_timeout(tmp_path, slow_smtp):
    silent = SilentServer()
    try:
        with running_app(mail_config(tmp_path, silent.port)) as app:
            queue("a@example.org", "b@example.org")
            start = time.monotonic()
            report = deliver_due()
            assert time.monotonic() - start < 2 * MAIL_TIMEOUT + SLACK
            assert report.retrying == ["a@example.org", "b@example.org"] and not report.sent
            assert all("TimeoutError" in m.last_error
                       for m in db.session.scalars(sa.select(OutboxMessage)))
            app.config["MAIL_PORT"] = slow_smtp.port  # the network is back
            later = utcnow() + dt.timedelta(hours=1)
            assert deliver_due(later).sent == ["a@example.org", "b@example.org"]
    finally:
        silent.close()
    assert received(slow_smtp) == Counter({"a@example.org": 1, "b@example.org": 1})


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("tls", ["MAIL_USE_TLS", "MAIL_USE_SSL"])
def test_over_tls_a_dripping_recipient_costs_mail_timeout_too(tmp_path, certificate,
                                                              monkeypatch, tls):
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this server
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SlowSMTPServer(**{"tls_context" if tls == "MAIL_USE_TLS" else "ssl_context":
                               context})
    server.start()
    try:
        with running_app(mail_config(tmp_path, server.port, **{tls: True})):
            queue("a@example.org", "drip@example.org")
            start = time.monotonic()
            report = deliver_due()
            assert time.monotonic() - start < MAIL_TIMEOUT + SLACK
            assert report.sent == ["a@example.org"] and report.retrying == ["drip@example.org"]
    finally:
        server.stop()
    assert received(server) == Counter({"a@example.org": 1})


def test_a_tls_handshake_that_never_ends_costs_mail_timeout(tmp_path):
    """Implicit TLS to a server that answers the handshake one byte at a time."""
    dripping = DrippingServer(prefix=b"\x16\x03\x03\x40\x00")  # a handshake record, 16 KiB
    try:
        with running_app(mail_config(tmp_path, dripping.port, MAIL_USE_SSL=True)):
            queue("a@example.org")
            start = time.monotonic()
            assert deliver_due().retrying == ["a@example.org"]
            assert time.monotonic() - start < MAIL_TIMEOUT + SLACK
            (message,) = db.session.scalars(sa.select(OutboxMessage))
            assert message.last_error.startswith("TimeoutError")
    finally:
        dripping.close()


@pytest.mark.parametrize("mail_timeout, claim_timeout", [(400, 600), (30, 59), (0, 600)])
def test_a_claim_shorter_than_two_conversations_is_refused_at_start(tmp_path, mail_timeout,
                                                                     claim_timeout):
    config = mail_config(tmp_path, 25, MAIL_TIMEOUT=mail_timeout,
                         OUTBOX_CLAIM_TIMEOUT=claim_timeout)
    with pytest.raises(RuntimeError, match="OUTBOX_CLAIM_TIMEOUT .* must be at least twice"):
        create_app(config)


# -- two deliverers at once ------------------------------------------------------------

@contextmanager
def shared_database_app(kind: str, tmp_path, config):
    """An app on a database another process can open too: a SQLite file (the delivery lock
    is then a file in the instance folder) or this worker's PostgreSQL database."""
    if kind == "postgresql":
        with running_app(config) as app:
            yield app
        return
    app = create_app(config)
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=on_postgres_only)])
def shared_app(request, tmp_path, slow_smtp):
    url = (DATABASE_URL if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'tracker.db'}")
    # Long enough for the held message to wait at the gate while the test looks.
    config = mail_config(tmp_path, slow_smtp.port, SQLALCHEMY_DATABASE_URI=url,
                         MAIL_TIMEOUT=60, OUTBOX_CLAIM_TIMEOUT=600)
    with shared_database_app(request.param, tmp_path, config) as app:
        yield app


def command_env(app) -> dict[str, str]:
    """The environment for another tracker process on the app's database and mail server."""
    config = app.config
    return os.environ | {
        "FLASK_CONFIG": "testing", "TEST_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "TRACKER_INSTANCE_PATH": app.instance_path, "MAIL_SERVER": config["MAIL_SERVER"],
        "MAIL_PORT": str(config["MAIL_PORT"]), "MAIL_TIMEOUT": str(config["MAIL_TIMEOUT"]),
        "OUTBOX_CLAIM_TIMEOUT": str(config["OUTBOX_CLAIM_TIMEOUT"]),
        "PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"]}


def in_thread(app, work):
    """Run work() in its own app context (its own database session) on another thread."""
    outcome: dict = {}

    def run():
        with app.app_context():
            outcome["value"] = work()
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("command, says", [
    (["reminders", "run"], "Another delivery is running; the messages will be sent by it."),
    (["scheduler", "--once"], "outbox: another delivery is running"),
], ids=["reminders-run", "scheduler-once"])
def test_a_second_deliverer_in_another_process_leaves_the_messages_to_the_first(
        shared_app, slow_smtp, command, says):
    """`flask reminders run` and `flask scheduler --once`, started while a delivery run is
    held up by a slow server, send nothing; the first run sends everything, once."""
    recipients = ["a@example.org", "gate@example.org", "b@example.org", "c@example.org"]
    queue(*recipients)
    first, outcome = in_thread(shared_app, deliver_due)
    try:
        assert slow_smtp.at_gate.wait(20), "the first run never reached the slow message"
        second = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", *command],
                                cwd=REPO, env=command_env(shared_app), capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 0, second.stdout + second.stderr
        assert says in second.stdout + second.stderr
        assert received(slow_smtp) == Counter({"a@example.org": 1})  # it sent nothing
    finally:
        slow_smtp.gate.set()
        first.join(timeout=60)
    assert outcome["value"].sent == recipients
    assert received(slow_smtp) == Counter({r: 1 for r in recipients})


@on_postgres_only
def test_a_claim_taken_late_in_a_long_run_is_not_taken_over(tmp_path, slow_smtp):
    """A run longer than OUTBOX_CLAIM_TIMEOUT: each claim is stamped when it is taken, so
    another deliverer (one that does not see this run's lock: an older release, or one whose
    lock the database dropped) never finds the message being sent expired."""
    config = mail_config(tmp_path, slow_smtp.port, MAIL_TIMEOUT=3, OUTBOX_CLAIM_TIMEOUT=6)
    slow_smtp.pace = 1.0  # well inside MAIL_TIMEOUT, and 10 of them outlast a claim
    recipients = [f"pace{n}@example.org" for n in range(10)]
    with running_app(config) as app:
        queue(*recipients)
        run, outcome = in_thread(app, deliver_due)
        taken_over, seen = [], set()

        def other_deliverer():
            while run.is_alive():
                sending = db.session.scalars(sa.select(OutboxMessage.id).filter_by(
                    status=OutboxStatus.SENDING)).all()
                db.session.rollback()
                seen.update(sending)
                taken_over.extend(i for i in sending if outbox._claim(i, utcnow()))
                time.sleep(0.05)
        poller, _ = in_thread(app, other_deliverer)
        run.join(timeout=120)
        poller.join(timeout=30)
        claims = db.session.scalars(sa.select(OutboxMessage.claimed_at)).all()
    assert len(seen) >= 8  # the other deliverer looked at nearly every claim
    assert max(claims) - min(claims) > dt.timedelta(seconds=6)  # the run outlasted a claim
    assert taken_over == []
    assert outcome["value"].sent == recipients
    assert received(slow_smtp) == Counter({r: 1 for r in recipients})
