"""One digest per person and period: what every digest rule (a focal point's reminders, the
secretariat's weekly summary, an auditor's follow digest) plans, reports in a dry run and
queues in the outbox under the same idempotency key, so running a rule twice queues nothing
new."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tracker.core.outbox import idempotency_key, queue
from tracker.models import DigestFrequency, MessageKind, User


@dataclass
class PlannedMessage:
    kind: MessageKind
    period: str
    recipient: str
    subject: str
    codes: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    queued: bool = False
    indicators: list[str] = field(default_factory=list)  # those of codes with values due


def week_period(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_for(frequency: DigestFrequency, day: dt.date) -> str:
    return f"{day:%Y-%m}" if frequency == DigestFrequency.MONTHLY else week_period(day)


def plan_digest(user: User, kind: MessageKind, period: str, subject: str, body: str, *,
                dry_run: bool, codes: Iterable[str] = (), cc: Sequence[str] = (),
                unsubscribe_url: str | None = None,
                key_parts: Sequence[str] = ()) -> PlannedMessage:
    """The digest as planned and, unless dry_run, queued (the caller commits). The key is
    the person, kind and period, plus key_parts where the content decides it too."""
    message = PlannedMessage(kind, period, user.email, subject, list(codes), list(cc))
    if not dry_run:
        message.queued = queue(
            idempotency_key(user.email, kind.value, period, *key_parts), kind=kind,
            period=period, recipient=user.email, subject=subject, body=body,
            language=user.language, user_id=user.id, cc=list(cc),
            unsubscribe_url=unsubscribe_url)
    return message
