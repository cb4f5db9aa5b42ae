"""Reminders: the secretariat's rule settings, and the outbox every e-mail passes through."""

import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.columns import UTCDateTime, enum_type
from tracker.core.time import utcnow
from tracker.extensions import Model


class ReminderSettings(Model):
    """The reminder rules, one row, editable by the secretariat (defaults when absent)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    due_soon_days: Mapped[str] = mapped_column(sa.String(50), default="30,7")
    stale_days: Mapped[int] = mapped_column(default=90)
    escalate_after_days: Mapped[int] = mapped_column(default=30)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                    onupdate=utcnow)

    @property
    def due_soon(self) -> list[int]:
        """The due-soon thresholds in days, largest first (e.g. [30, 7])."""
        return sorted({int(d) for d in self.due_soon_days.split(",") if d.strip()},
                      reverse=True)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"    # waiting for its first or next attempt
    SENDING = "sending"    # claimed by a delivery run; older than a few minutes = died mid-send
    SENT = "sent"
    FAILED = "failed"      # permanent refusal, or no attempt left: kept, never dropped


class MessageKind(enum.StrEnum):
    DIGEST = "digest"                  # a focal point's commitments needing action
    OVERDUE_NOTICE = "overdue_notice"  # mandatory, even for those who unsubscribed
    WEEKLY_SUMMARY = "weekly_summary"  # the secretariat's weekly overview
    OBSERVATION = "observation"        # a new civil-society observation on a country's commitment
    FOLLOW_DIGEST = "follow_digest"    # an auditor's weekly changes in what they follow
    INVITATION = "invitation"          # a new account's link to choose a password
    PASSWORD_RESET = "password_reset"  # a link to choose a new password


class OutboxMessage(Model):
    """One e-mail, written before it is sent. ``idempotency_key`` (recipient, kind,
    commitments, period) is unique, so the same reminder is never queued twice; the
    ``message_id`` derives from it, so a resend after a crash is recognisably the same."""

    __table_args__ = (sa.Index("ix_outbox_message_status_next_attempt_at", "status",
                               "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind, "message_kind", length=30))
    period: Mapped[str] = mapped_column(sa.String(20))  # 2026-W48, 2026-11
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    cc: Mapped[Optional[str]] = mapped_column(sa.Text)  # comma-separated (escalations)
    language: Mapped[str] = mapped_column(sa.String(8), default="es")
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    unsubscribe_url: Mapped[Optional[str]] = mapped_column(sa.String(500))
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"),
        default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(),
                                                         default=utcnow)
    claimed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    last_error: Mapped[Optional[str]] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
