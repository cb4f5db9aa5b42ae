"""The reminder rules: who must act on what, as one digest per person and period.

A focal point's digest counts their country's commitments that are overdue, due soon (within
each configured number of days) or without an update for too long, and the indicator values
their country has not reported for the last ended period (reminders.indicators_due), lists
the most urgent (DIGEST_MAX_ITEMS) and links to the rest on the site, so it stays short
however many there are. It comes once per week or month (their choice); someone who
unsubscribed still gets overdue commitments, weekly (the secretariat's mandatory notice). A
commitment overdue for longer than the escalation time is copied to the secretariat.
Completed commitments never appear.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, gettext as _

from tracker.accounts.tokens import unsubscribe_token
from tracker.commitments.overdue import is_overdue, overdue_clause
from tracker.core.dates import format_day
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
from tracker.reminders.indicators_due import ValueDue, my_indicators_url, values_due_by_country
from tracker.reminders.urgency import (
    Counts,
    counts_by_country,
    max_items,
    most_urgent,
    most_urgent_by_country,
    stale_before,
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
    overdue: bool = False
    value_due: bool = False  # an indicator whose value is due, not a commitment


def _as_date(value: dt.datetime) -> dt.date:
    return value.date()


def _reasons(c: Commitment, today: dt.date, settings: ReminderSettings) -> tuple[list, bool]:
    """Why a commitment needs action (in the current language), and whether to escalate."""
    reasons, escalated, due = [], False, c.due_date
    if due is not None and is_overdue(c, today):
        late = (today - due).days
        reasons.append(_("overdue by %(days)d days (due %(date)s)", days=late,
                         date=format_day(due)))
        escalated = late > settings.escalate_after_days
    elif due is not None:
        within = [d for d in settings.due_soon if (due - today).days <= d]
        if within:
            reasons.append(_("due within %(days)d days (%(date)s)", days=min(within),
                             date=format_day(due)))
    if _as_date(c.updated_at) <= today - dt.timedelta(days=settings.stale_days):
        reasons.append(_("no update for %(days)d days", days=(today - _as_date(c.updated_at)).days))
    return reasons, escalated


def _items(commitments, today, settings, locale: str, overdue_only: bool) -> list[Item]:
    """The listed commitments (already the most urgent, in order) with their reasons."""
    items = []
    for c in commitments:
        if overdue_only and not is_overdue(c, today):
            continue
        reasons, escalated = _reasons(c, today, settings)
        if reasons:
            items.append(Item(c.code, c.recommendation.title(locale),
                              public_url("public.commitment", code=c.code), reasons, escalated,
                              overdue=is_overdue(c, today)))
    return items


def _with_values_due(items: list[Item], values: list[ValueDue], locale: str) -> list[Item]:
    """The indicator values due listed after the overdue commitments and before the rest,
    within DIGEST_MAX_ITEMS (the current language)."""
    url = my_indicators_url()
    listed = [Item(v.code, v.name(locale), url, [v.reason()], value_due=True) for v in values]
    at = sum(1 for item in items if item.overdue)
    return (items[:at] + listed + items[at:])[:max_items()]


def list_links(**filters) -> dict[str, str]:
    """The public list's addresses for the rest of a digest: overdue, and all by due date."""
    return {"overdue": public_url("public.commitments", **filters, overdue=1, sort="due"),
            "all": public_url("public.commitments", **filters, sort="due")}


def _active(role: Role):
    return list(db.session.scalars(sa.select(User).where(User.role == role, User.active)
                                   .order_by(User.id)))


def run_rules(today: dt.date, *, dry_run: bool = False) -> list[PlannedMessage]:
    """Queue one digest per focal point whose period has none yet (nothing if dry_run)."""
    settings = reminder_settings()
    counts = counts_by_country(today, settings)
    # Overdue commitments rank first, so an overdue notice's list is a prefix of these.
    urgent = most_urgent_by_country(today, settings, max_items()) if counts else {}
    secretariat = [u.email for u in _active(Role.SECRETARIAT)]
    due = values_due_by_country(today)
    done = already_queued(period_for(f, today) for f in DigestFrequency)
    planned = []
    for user in _active(Role.FOCAL_POINT):
        overdue_only = user.digest_frequency == DigestFrequency.NONE
        kind = MessageKind.OVERDUE_NOTICE if overdue_only else MessageKind.DIGEST
        period = week_period(today) if overdue_only else period_for(user.digest_frequency, today)
        mine = counts.get(user.country_id or 0)
        # The secretariat's overdue notice is about commitments only.
        values = [] if overdue_only else due.get(user.country_id or 0, [])
        if not (mine or values) or (overdue_only and not (mine and mine.overdue)) \
                or (user.id, kind, period) in done:
            continue
        with force_locale(user.language):
            items = _with_values_due(_items(urgent.get(user.country_id or 0, []), today,
                                            settings, user.language, overdue_only),
                                     values, user.language)
            if items:
                planned.append(_digest(user, kind, period, items, mine or Counts(),
                                       secretariat, settings, dry_run, values_due=len(values)))
    if not dry_run:
        db.session.commit()
    return planned


def _digest(user: User, kind, period, items, counts: Counts, secretariat, settings,
            dry_run, values_due: int = 0) -> PlannedMessage:
    """Render and (unless dry_run) queue one digest; the caller sets the locale."""
    assert user.country is not None  # a focal point has a country (accounts.create_user)
    country = user.country.name(user.language)
    overdue_only = kind == MessageKind.OVERDUE_NOTICE
    subject = (_("Overdue CRM commitments of %(country)s", country=country) if overdue_only
               else _("CRM commitments of %(country)s that need action", country=country))
    cc = secretariat if counts.escalated else []
    unsubscribe = public_url("reminders.unsubscribe", token=unsubscribe_token(user))
    more = (counts.overdue if overdue_only else counts.total + values_due) - len(items)
    body = render_template("mail/digest.txt", user=user, country=country, items=items,
                           overdue_only=overdue_only, settings=settings, counts=counts,
                           more=max(0, more), links=list_links(country=user.country.iso3),
                           indicators_due=values_due, indicators_url=my_indicators_url(),
                           unsubscribe_url=unsubscribe, escalated=bool(cc),
                           preferences_url=public_url("reminders.preferences"))
    codes = [i.code for i in items]
    message = plan_digest(user, kind, period, subject, body, dry_run=dry_run, codes=codes,
                          cc=cc, unsubscribe_url=unsubscribe, key_parts=codes)
    message.indicators = [i.code for i in items if i.value_due]
    return message


def _country_summary(today: dt.date, settings: ReminderSettings) -> Sequence[sa.Row]:
    """Per country: overdue, stale, and updated in the last 7 days (one query)."""
    open_ = Commitment.status != Status.COMPLETED
    stale_since = stale_before(today, settings)
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
    """The secretariat's weekly overview, one per person and ISO week: per country, the
    totals per reason, the most urgent commitments of all countries and links to the rest."""
    settings = reminder_settings()
    period, kind = week_period(today), MessageKind.WEEKLY_SUMMARY
    done = already_queued([period])
    users = [u for u in _active(Role.SECRETARIAT) if (u.id, kind, period) not in done]
    if not users:
        return []
    rows = _country_summary(today, settings)
    counts = sum(counts_by_country(today, settings).values(), Counts())
    urgent = most_urgent(today, settings, max_items())
    country_links = {row.iso3: public_url("public.commitments", country=row.iso3, overdue=1,
                                          sort="due") for row in rows}
    planned = []
    for user in users:
        with force_locale(user.language):
            subject = _("CRM commitments: weekly summary %(period)s", period=period)
            items = _items(urgent, today, settings, user.language, overdue_only=False)
            body = render_template(
                "mail/weekly_summary.txt", rows=rows, period=period, settings=settings,
                english=user.language == "en", counts=counts, items=items,
                more=max(0, counts.total - len(items)), links=list_links(),
                country_links=country_links, overdue_only=False,
                dashboard_url=public_url("public.index"))
        planned.append(plan_digest(user, kind, period, subject, body, dry_run=dry_run))
    if not dry_run:
        db.session.commit()
    return planned
