"""The secretariat's reminder rules (due-soon, stale and escalation days), and the outbox
figures shown next to them. The web page and the CLI call the same functions."""

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker.accounts import admin_log
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import OutboxMessage, OutboxStatus, ReminderSettings
from tracker.permissions import Actor, can_administer, ensure
from tracker.reminders.rules import reminder_settings

DUE_SOON_RANGE = (1, 365)
DAYS_RANGE = (1, 3650)  # stale and escalate-after days
MAX_DUE_SOON = 10  # thresholds; keeps the stored list within its 50 characters
class SettingsRefused(Refused):
    """The reminder settings are not valid."""


BAD_DUE_SOON = _l("Enter whole numbers of days from 1 to 365, separated by commas, e.g. 30,7 "
                  "(at most 10).")
BAD_DAYS = _l("Enter a whole number of days from 1 to 3650.")


def parse_due_soon(text: str) -> list[int]:
    """'30, 7' -> [30, 7]; anything else (empty, 'abc', 0, 400) is refused."""
    parts = [part.strip() for part in (text or "").split(",")]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise SettingsRefused(BAD_DUE_SOON, "due_soon_days")
    return _checked_due_soon([int(part) for part in parts])


def _checked_due_soon(days: list[int]) -> list[int]:
    low, high = DUE_SOON_RANGE
    unique = sorted(set(days), reverse=True)
    if (not unique or len(unique) > MAX_DUE_SOON
            or not all(_whole(d) and low <= d <= high for d in unique)):
        raise SettingsRefused(BAD_DUE_SOON, "due_soon_days")
    return unique


def _checked_days(value: int, field: str) -> int:
    low, high = DAYS_RANGE
    if not (_whole(value) and low <= value <= high):
        raise SettingsRefused(BAD_DAYS, field)
    return value


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def save_reminder_settings(actor: Actor, due_soon_days: list[int], stale_days: int,
                           escalate_after_days: int) -> dict:
    """Save the rules (creating the one settings row if missing); returns the changes,
    logged as [old, new]. Nothing is written when nothing changed."""
    ensure(can_administer(actor))
    new = dict(due_soon_days=",".join(map(str, _checked_due_soon(list(due_soon_days)))),
               stale_days=_checked_days(stale_days, "stale_days"),
               escalate_after_days=_checked_days(escalate_after_days, "escalate_after_days"))
    current = reminder_settings()  # the stored row, or the defaults
    row = db.session.get(ReminderSettings, 1)
    changes = {name: [getattr(current, name), value] for name, value in new.items()
               if row is None or getattr(current, name) != value}
    if not changes:
        return {}
    if row is None:
        row = ReminderSettings(id=1)
        db.session.add(row)
    for name, value in new.items():
        setattr(row, name, value)
    admin_log.record(actor, "reminders.settings", "reminder settings", **changes)
    db.session.commit()
    return changes


def sent_recently(days: int = 7, now: dt.datetime | None = None) -> int:
    """How many messages were delivered in the last ``days`` days."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at >= since)) or 0
