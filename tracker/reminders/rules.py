"""The reminder rules: who must act on what, as one digest per person and period.

A focal point's digest lists their country's commitments that are overdue, due soon (within
each configured number of days) or without an update for too long. It comes once per week
or month (their choice); someone who unsubscribed still gets overdue commitments, weekly (the
secretariat's mandatory notice). A commitment overdue for longer than the escalation time is
copied to the secretariat. Completed commitments never appear.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import joinedload

from tracker.accounts.tokens import unsubscribe_token
from tracker.commitments.overdue import is_overdue, overdue_clause
from tracker.core.digests import PlannedMessage, period_for, plan_digest, week_period
from tracker.core.outbox import already_queued
from tracker.core.time import start_of_day
from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    DigestFrequency,
    MessageKind,
    ReminderSettings,
    Role,
    Status,
    User,
)


def reminder_settings() -> ReminderSettings:
    """The secretariat's settings, or the defaults (30 and 7 days, 90, 30)."""
    return db.session.get(ReminderSettings, 1) or ReminderSettings(
        id=1, due_soon_days="30,7", stale_days=90, escalate_after_days=30)


@dataclass
class Item:
    """A commitment needing action, and why."""

    code: str
    title: str
    url: str
    reasons: list[str]
    escalated: bool = False


def _as_date(value: dt.datetime) -> dt.date:
    return value.date()


def _stale_before(today: dt.date, settings: ReminderSettings) -> dt.datetime:
    """Updated before this instant = no update for stale_days (counted in whole days)."""
    return start_of_day(today - dt.timedelta(days=settings.stale_days - 1))


def _reasons(c: Commitment, today: dt.date, settings: ReminderSettings) -> tuple[list, bool]:
    """Why a commitment needs action (in the current language), and whether to escalate."""
    reasons, escalated, due = [], False, c.due_date
    if due is not None and is_overdue(c, today):
        late = (today - due).days
        reasons.append(_("overdue by %(days)d days (due %(date)s)", days=late,
                         date=due.isoformat()))
        escalated = late > settings.escalate_after_days
    elif due is not None:
        within = [d for d in settings.due_soon if (due - today).days <= d]
        if within:
            reasons.append(_("due within %(days)d days (%(date)s)", days=min(within),
                             date=due.isoformat()))
    if _as_date(c.updated_at) <= today - dt.timedelta(days=settings.stale_days):
        reasons.append(_("no update for %(days)d days", days=(today - _as_date(c.updated_at)).days))
    return reasons, escalated


def _needing_action(today: dt.date, settings: ReminderSettings) -> dict[int, list[Commitment]]:
    """Open commitments that are late, due soon or stale, by country (one query)."""
    horizon = today + dt.timedelta(days=max(settings.due_soon, default=0))
    rows = db.session.scalars(
        sa.select(Commitment).where(
            Commitment.status != Status.COMPLETED,
            sa.or_(Commitment.due_date <= horizon,
                   Commitment.updated_at < _stale_before(today, settings)))
        .options(joinedload(Commitment.recommendation))
        .order_by(Commitment.due_date.is_(None), Commitment.due_date, Commitment.code))
    by_country: dict[int, list[Commitment]] = {}
    for c in rows:
        by_country.setdefault(c.country_id, []).append(c)
    return by_country


def _items(commitments, today, settings, locale: str, overdue_only: bool) -> list[Item]:
    items = []
    for c in commitments:
        if overdue_only and not is_overdue(c, today):
            continue
        reasons, escalated = _reasons(c, today, settings)
        if reasons:
            items.append(Item(c.code, c.recommendation.title(locale),
                              public_url("public.commitment", code=c.code), reasons, escalated))
    return items


def _active(role: Role):
    return list(db.session.scalars(sa.select(User).where(User.role == role, User.active)
                                   .order_by(User.id)))


def run_rules(today: dt.date, *, dry_run: bool = False) -> list[PlannedMessage]:
    """Queue one digest per focal point whose period has none yet (nothing if dry_run)."""
    settings = reminder_settings()
    needing = _needing_action(today, settings)
    secretariat = [u.email for u in _active(Role.SECRETARIAT)]
    done = already_queued(period_for(f, today) for f in DigestFrequency)
    planned = []
    for user in _active(Role.FOCAL_POINT):
        overdue_only = user.digest_frequency == DigestFrequency.NONE
        kind = MessageKind.OVERDUE_NOTICE if overdue_only else MessageKind.DIGEST
        period = week_period(today) if overdue_only else period_for(user.digest_frequency, today)
        if not needing.get(user.country_id) or (user.id, kind, period) in done:
            continue
        with force_locale(user.language):
            items = _items(needing[user.country_id], today, settings, user.language, overdue_only)
            if items:
                planned.append(_digest(user, kind, period, items, secretariat, settings,
                                       dry_run))
    if not dry_run:
        db.session.commit()
    return planned


def _digest(user: User, kind, period, items, secretariat, settings, dry_run) -> PlannedMessage:
    """Render and (unless dry_run) queue one digest; the caller sets the locale."""
    assert user.country is not None  # a focal point has a country (accounts.create_user)
    country = user.country.name(user.language)
    subject = (_("Overdue CRM commitments of %(country)s", country=country)
               if kind == MessageKind.OVERDUE_NOTICE
               else _("CRM commitments of %(country)s that need action", country=country))
    cc = secretariat if any(i.escalated for i in items) else []
    unsubscribe = public_url("reminders.unsubscribe", token=unsubscribe_token(user))
    body = render_template("mail/digest.txt", user=user, country=country, items=items,
                           overdue_only=kind == MessageKind.OVERDUE_NOTICE, settings=settings,
                           unsubscribe_url=unsubscribe, escalated=bool(cc),
                           preferences_url=public_url("reminders.preferences"))
    codes = [i.code for i in items]
    return plan_digest(user, kind, period, subject, body, dry_run=dry_run, codes=codes, cc=cc,
                       unsubscribe_url=unsubscribe, key_parts=codes)


def _country_summary(today: dt.date, settings: ReminderSettings) -> Sequence[sa.Row]:
    """Per country: overdue, stale, and updated in the last 7 days (one query)."""
    open_ = Commitment.status != Status.COMPLETED
    stale_since = _stale_before(today, settings)
    week_ago = start_of_day(today - dt.timedelta(days=6))

    def count(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    return db.session.execute(
        sa.select(Country.iso3, Country.name_es, Country.name_en,
                  count(overdue_clause(today)),
                  count(sa.and_(open_, Commitment.updated_at < stale_since)),
                  count(Commitment.updated_at >= week_ago))
        .join(Commitment, Commitment.country_id == Country.id)
        .group_by(Country.iso3, Country.name_es, Country.name_en).order_by(Country.iso3)).all()


def queue_weekly_summaries(today: dt.date, *, dry_run: bool = False) -> list[PlannedMessage]:
    """The secretariat's weekly overview, one per person and ISO week."""
    settings = reminder_settings()
    rows = _country_summary(today, settings)
    period, kind = week_period(today), MessageKind.WEEKLY_SUMMARY
    done, planned = already_queued([period]), []
    for user in _active(Role.SECRETARIAT):
        if (user.id, kind, period) in done:
            continue
        with force_locale(user.language):
            subject = _("CRM commitments: weekly summary %(period)s", period=period)
            body = render_template("mail/weekly_summary.txt", rows=rows, period=period,
                                   english=user.language == "en", settings=settings,
                                   dashboard_url=public_url("public.index"))
        planned.append(plan_digest(user, kind, period, subject, body, dry_run=dry_run))
    if not dry_run:
        db.session.commit()
    return planned
