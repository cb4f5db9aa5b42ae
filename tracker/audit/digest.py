"""An auditor's weekly digest: the public changes of the week (status, public evidence,
observations, answers) in the countries and themes they follow, in their language."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, get_locale, gettext as _
from sqlalchemy.orm import joinedload

from tracker.accounts.tokens import unsubscribe_token
from tracker.core.digests import PlannedMessage, plan_digest, week_period
from tracker.core.labels import ASSESSMENT_LABELS, STATUS_LABELS
from tracker.core.outbox import already_queued
from tracker.core.time import start_of_day
from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    DigestFrequency,
    Evidence,
    Follow,
    MessageKind,
    Observation,
    ObservationAnswer,
    ObservationHiding,
    Recommendation,
    Role,
    StatusEvent,
    User,
    Visibility,
)
from tracker.reminders.urgency import max_items

DIGEST_DAYS = 7


@dataclass
class Change:
    """One public change to a commitment, with what makes it match a follow."""

    country_id: int
    theme_id: int
    code: str
    at: dt.datetime
    kind: str          # status, evidence, observation, answer
    detail: dict
    anchor: str = ""

    def describe(self) -> str:
        """What changed, in the current language."""
        d = self.detail
        if self.kind == "status":
            text = _("status %(old)s → %(new)s", old=STATUS_LABELS[d["from"]],
                     new=STATUS_LABELS[d["to"]])
            if d["progress"] is not None:
                text += " (%d %%)" % d["progress"]
            return text
        if self.kind == "evidence":
            return _("new public evidence: %(title)s", title=d["title"])
        if self.kind == "observation":
            return _("new observation by %(organisation)s, rating: %(assessment)s",
                     organisation=d["organisation"], assessment=ASSESSMENT_LABELS[d["assessment"]])
        country = d["country"]["en" if str(get_locale()) == "en" else "es"]
        return _("the government of %(country)s answered an observation", country=country)

    @property
    def url(self) -> str:
        return public_url("public.commitment", code=self.code) + self.anchor


def _window(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (start_of_day(today - dt.timedelta(days=DIGEST_DAYS)),
            start_of_day(today + dt.timedelta(days=1)))


def _changed(source, commitment_id, at, window, *columns, joins=(), where=()):
    """Rows of one kind of change in the window, with the commitment's code, country, theme."""
    query = (sa.select(Commitment.code, Commitment.country_id, Recommendation.theme_id,
                       at.label("at"), *columns).select_from(source))
    for target, on in joins:
        query = query.join(target, on)
    query = (query.join(Commitment, Commitment.id == commitment_id)
             .join(Recommendation, Recommendation.id == Commitment.recommendation_id))
    return db.session.execute(query.where(at >= window[0], at < window[1], *where)).all()


def public_changes(today: dt.date) -> list[Change]:
    """Every public change of the last 7 days: status changes, public evidence, visible
    observations and their answers (four queries), by commitment code then time."""
    window = _window(today)
    not_hidden = ~sa.exists().where(ObservationHiding.observation_id == Observation.id)
    changes = [
        Change(r.country_id, r.theme_id, r.code, r.at, "status",
               {"from": r.from_status, "to": r.to_status, "progress": r.progress})
        for r in _changed(StatusEvent, StatusEvent.commitment_id, StatusEvent.at, window,
                          StatusEvent.from_status, StatusEvent.to_status, StatusEvent.progress,
                          where=(StatusEvent.from_status.is_not(None),))]
    changes += [
        Change(r.country_id, r.theme_id, r.code, r.at, "evidence", {"title": r.title})
        for r in _changed(Evidence, Evidence.commitment_id, Evidence.created_at, window,
                          Evidence.title, where=(Evidence.visibility == Visibility.PUBLIC,))]
    changes += [
        Change(r.country_id, r.theme_id, r.code, r.at, "observation",
               {"organisation": r.organisation, "assessment": r.assessment},
               f"#observation-{r.id}")
        for r in _changed(Observation, Observation.commitment_id, Observation.created_at,
                          window, Observation.id, Observation.organisation,
                          Observation.assessment, where=(not_hidden,))]
    changes += [
        Change(r.country_id, r.theme_id, r.code, r.at, "answer",
               {"country": {"es": r.name_es, "en": r.name_en}},
               f"#observation-{r.observation_id}")
        for r in _changed(ObservationAnswer, Observation.commitment_id,
                          ObservationAnswer.created_at, window,
                          ObservationAnswer.observation_id, Country.name_es, Country.name_en,
                          joins=((Observation, Observation.id == ObservationAnswer.observation_id),
                                 (Country, Country.id == ObservationAnswer.country_id)),
                          where=(not_hidden,))]
    return sorted(changes, key=lambda c: (c.code, c.at))



def _followers() -> dict[User, list[Follow]]:
    """Active auditors who did not stop the digest, with what they follow (one query)."""
    rows = db.session.scalars(
        sa.select(Follow).join(User, User.id == Follow.user_id)
        .where(User.role == Role.AUDITOR, User.active,
               User.digest_frequency != DigestFrequency.NONE)
        .options(joinedload(Follow.country), joinedload(Follow.theme))
        .order_by(Follow.user_id, Follow.id))
    by_user: dict[int, list[Follow]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    users = db.session.scalars(sa.select(User).where(User.id.in_(list(by_user)))
                               .order_by(User.id))
    return {user: by_user[user.id] for user in users}


def queue_follow_digests(today: dt.date, *, dry_run: bool = False) -> list[PlannedMessage]:
    """Each active auditor's weekly digest of public changes in what they follow: once per
    person and ISO week, none when nothing changed (nothing written if dry_run)."""
    period, kind = week_period(today), MessageKind.FOLLOW_DIGEST
    done = already_queued([period])
    followers = {user: rows for user, rows in _followers().items()
                 if (user.id, kind, period) not in done}
    changes = public_changes(today) if followers else []
    planned = []
    for user, rows in followers.items():
        countries = {f.country_id for f in rows if f.country_id}
        themes = {f.theme_id for f in rows if f.theme_id}
        items = [c for c in changes if c.country_id in countries or c.theme_id in themes]
        if items:
            planned.append(_follow_digest(user, rows, items, kind, period, dry_run))
    if not dry_run:
        db.session.commit()
    return planned


def _follow_digest(user, rows, items, kind, period, dry_run) -> PlannedMessage:
    """Render one digest in the person's language and (unless dry_run) queue it."""
    unsubscribe = public_url("reminders.unsubscribe", token=unsubscribe_token(user))
    # A busy week lists the first DIGEST_MAX_ITEMS changes; the rest are counted and linked.
    listed, kinds = items[:max_items()], Counter(c.kind for c in items)
    links = [(f.name(user.language),
              public_url("public.commitments",
                         **({"country": f.code} if f.country_id else {"theme": f.code}),
                         sort="updated"))
             for f in rows]
    with force_locale(user.language):
        subject = _("CRM commitments you follow: changes of week %(period)s", period=period)
        body = render_template(
            "mail/follow_digest.txt", items=[(c, c.describe()) for c in listed],
            followed=[f.name(user.language) for f in rows], kinds=kinds,
            more=len(items) - len(listed), links=links,
            manage_url=public_url("manage.my_observations"), unsubscribe_url=unsubscribe)
    codes = sorted({c.code for c in listed})
    return plan_digest(user, kind, period, subject, body, dry_run=dry_run, codes=codes,
                       unsubscribe_url=unsubscribe)
