"""The outbox: every e-mail (reminders, notices, digests, invitations, password resets) is
written here first, then delivered, retried, or failed.

Guarantees: a message is queued at most once (unique idempotency key); one delivery run
at a time, whoever starts it (scheduler or CLI); each message is claimed atomically, stamped
with the moment of its claim, and its SMTP conversation ends within MAIL_TIMEOUT, well
inside OUTBOX_CLAIM_TIMEOUT (checked at start-up), so a live sender's claim never looks
expired and two runs never send the same message; a temporary failure (no connection, 4xx,
a server too slow) is retried with exponential backoff, a permanent one (5xx) is not; after
the last attempt a message is marked failed, never dropped. If the process dies after the
server accepted a message but before it was recorded, the claim expires and the message is
sent again with the same Message-ID (at least once, with the duplicate recognisable).
"""

import datetime as dt
import hashlib
import smtplib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from tracker.core import mail
from tracker.core.run_lock import held_alone
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import MessageKind, OutboxMessage, OutboxStatus

_table = cast(sa.Table, OutboxMessage.__table__)
SINGLE_USE_LINK_KINDS = (MessageKind.INVITATION, MessageKind.PASSWORD_RESET)
LINK_REMOVED = "(removed once delivered: it held a single-use link)"
DELIVERY_LOCK = "outbox-delivery"


def idempotency_key(*parts) -> str:
    """sha256 of the parts that make a reminder the same reminder."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def already_queued(periods: Iterable[str]) -> set[tuple[int | None, MessageKind, str]]:
    """(user id, kind, period) of every message queued for these periods: a run of the
    rules asks once, not once per person."""
    rows = db.session.execute(
        sa.select(OutboxMessage.user_id, OutboxMessage.kind, OutboxMessage.period)
        .where(OutboxMessage.period.in_(set(periods))))
    return {(row.user_id, row.kind, row.period) for row in rows}


def queue(key: str, *, kind: MessageKind, period: str, recipient: str, subject: str,
          body: str, language: str, user_id: int | None = None, cc: Sequence[str] = (),
          unsubscribe_url: str | None = None) -> bool:
    """Add a message unless one with this key exists; True if added. The caller commits."""
    if db.session.scalar(sa.select(OutboxMessage.id).filter_by(idempotency_key=key)):
        return False
    domain = mail.sender_domain()
    message = OutboxMessage(
        idempotency_key=key, message_id=f"<{kind.value}.{key[:40]}@{domain}>", kind=kind,
        period=period, recipient=recipient, cc=",".join(cc) or None, subject=subject,
        body=body, language=language, user_id=user_id, unsubscribe_url=unsubscribe_url)
    try:
        with db.session.begin_nested():  # another scheduler may have queued it a moment ago
            db.session.add(message)
    except IntegrityError:
        return False
    return True


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    busy: bool = False  # another delivery run was going: this one tried nothing


def deliver_due(now: dt.datetime | None = None) -> DeliveryReport:
    """Send every message whose time has come, one by one, committing after each; unless
    another run (the scheduler's, `flask reminders run`) is going, which sends them instead.
    now: when the run starts (tests move it); the clock runs on from there, so each claim and
    each retry time is stamped with its own moment, not the run's start."""
    report = DeliveryReport()
    with held_alone(DELIVERY_LOCK) as alone:
        if not alone:
            report.busy = True
            current_app.logger.info("outbox: another delivery is running; the messages "
                                    "will be sent by it")
            return report
        _deliver(_clock(now), report)
    return report


def _clock(start: dt.datetime | None) -> Callable[[], dt.datetime]:
    offset = start - utcnow() if start else dt.timedelta(0)

    def now() -> dt.datetime:
        return utcnow() + offset
    return now


def _deliver(clock: Callable[[], dt.datetime], report: DeliveryReport) -> None:
    for message_id in _due_ids(clock()):
        if not _claim(message_id, clock()):
            continue  # another delivery run took it
        message = db.session.get_one(OutboxMessage, message_id)
        try:
            mail.send(_email(message))
        except (smtplib.SMTPException, OSError) as exc:
            _record_failure(message, exc, clock(), report)
        else:
            message.status, message.sent_at, message.last_error = OutboxStatus.SENT, utcnow(), None
            report.sent.append(message.recipient)
        if message.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
            _forget_link(message)
        db.session.commit()


def _forget_link(message: OutboxMessage) -> None:
    """A delivered (or abandoned) invitation or reset holds a live single-use link: it must
    not outlive its delivery in the database and its backups."""
    if message.kind in SINGLE_USE_LINK_KINDS:
        message.body = LINK_REMOVED


def _due_ids(now: dt.datetime) -> list[int]:
    expired_claim = now - dt.timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT"])
    return list(db.session.scalars(
        sa.select(OutboxMessage.id).where(sa.or_(
            sa.and_(OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now),
            sa.and_(OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_at < expired_claim)))
        .order_by(OutboxMessage.id)))


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Mark the message as being sent, if nobody else did: one UPDATE, committed. now is the
    moment of this claim: its sender has OUTBOX_CLAIM_TIMEOUT from here before it expires."""
    expired_claim = now - dt.timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT"])
    claimed = cast(sa.CursorResult, db.session.execute(
        _table.update().where(
            _table.c.id == message_id,
            sa.or_(_table.c.status == OutboxStatus.PENDING.value,
                   sa.and_(_table.c.status == OutboxStatus.SENDING.value,
                           _table.c.claimed_at < expired_claim)))
        .values(status=OutboxStatus.SENDING.value, claimed_at=now,
                attempts=_table.c.attempts + 1))).rowcount
    db.session.commit()
    return claimed == 1


def _email(message: OutboxMessage):
    headers = {"Auto-Submitted": "auto-generated"}
    if message.cc:
        headers["Cc"] = message.cc
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    return mail.build_message(message.recipient, message.subject, message.body,
                              message_id=message.message_id, headers=headers)


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer means the server will never take this message; anything else may pass."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _record_failure(message: OutboxMessage, exc: Exception, now: dt.datetime,
                    report: DeliveryReport) -> None:
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    config = current_app.config
    if is_permanent(exc) or message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        report.failed.append(message.recipient)
        current_app.logger.error("outbox: %s to %s failed: %s", message.kind, message.recipient,
                                 message.last_error)
        return
    delay = config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now + dt.timedelta(seconds=delay)
    report.retrying.append(message.recipient)


def outbox_listing(statuses=(OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED),
                   limit: int = 200) -> list[OutboxMessage]:
    """Messages not yet delivered (or failed), newest first: for the secretariat and CLI."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))
