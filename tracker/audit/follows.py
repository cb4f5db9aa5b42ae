"""An auditor's own page: their observations with the answers they received, and the
countries and themes they follow."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from tracker.core.refusals import Refused
from tracker.extensions import db
from tracker.models import Commitment, Country, Follow, Observation, ObservationAnswer, Theme, User
from tracker.permissions import can_unfollow, ensure, is_auditor


class FollowRefused(Refused):
    """The follow request is not valid (about the country unless it says)."""

    default_field = "country"


class FollowNotFound(NotFound):
    """No such follow of this person (someone else's is not theirs to see): a 404."""


# -- pages ----------------------------------------------------------------------------

def my_observations(user: User) -> list[Observation]:
    """The auditor's own observations, newest first, with commitment, answers and hiding
    (one query)."""
    ensure(is_auditor(user))
    return list(db.session.scalars(
        sa.select(Observation).where(Observation.author_id == user.id)
        .options(joinedload(Observation.commitment).joinedload(Commitment.recommendation),
                 joinedload(Observation.answers).joinedload(ObservationAnswer.country),
                 joinedload(Observation.hiding))
        .order_by(Observation.created_at.desc(), Observation.id.desc())).unique())


def follows(user: User) -> list[Follow]:
    """What the person follows: countries first, then themes, each by code."""
    rows = db.session.scalars(
        sa.select(Follow).where(Follow.user_id == user.id)
        .options(joinedload(Follow.country), joinedload(Follow.theme)))
    return sorted(rows, key=lambda f: (f.country is None, f.code))


def follow(user: User, country_iso3: str | None = None, theme_code: str | None = None) -> Follow:
    """Follow one country or one theme (exactly one of the two)."""
    ensure(is_auditor(user))
    country_iso3, theme_code = (country_iso3 or "").strip(), (theme_code or "").strip()
    if bool(country_iso3) == bool(theme_code):
        raise FollowRefused(_l("Choose a country or a theme (one of the two)."))
    if country_iso3:
        country = db.session.scalar(sa.select(Country).filter_by(iso3=country_iso3))
        if country is None:
            raise FollowRefused(_l("Unknown country."), "country")
        values = {"country_id": country.id, "theme_id": None}
    else:
        theme = db.session.scalar(sa.select(Theme).filter_by(code=theme_code))
        if theme is None:
            raise FollowRefused(_l("Unknown theme."), "theme")
        values = {"country_id": None, "theme_id": theme.id}
    # Checked first for a clear message; the unique constraints stop a concurrent double.
    if db.session.scalar(sa.select(Follow.id).filter_by(user_id=user.id, **values)):
        raise FollowRefused(_l("You already follow it."), "country" if country_iso3 else "theme")
    row = Follow(user_id=user.id, **values)
    db.session.add(row)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise FollowRefused(_l("You already follow it."),
                            "country" if country_iso3 else "theme") from None
    return row


def unfollow(user: User, follow_id: int) -> None:
    """Stop following; only one's own follows (another's answers 404, as if absent)."""
    ensure(is_auditor(user))
    row = db.session.get(Follow, follow_id)
    if row is None or not can_unfollow(user, row):
        raise FollowNotFound()
    db.session.delete(row)
    db.session.commit()
