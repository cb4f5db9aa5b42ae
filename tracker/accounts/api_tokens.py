"""Personal API tokens: made for a focal point (or the secretariat), shown once, kept as a
SHA-256, scoped, expiring, revocable.

A token is ``crm_`` + 32 random bytes (URL-safe base64): unguessable, so a plain SHA-256 is
enough to store it (no salt or slow hash: nothing to brute-force), and a lookup is one
indexed equality. Its first characters (``prefix``) are kept to recognise it in lists."""

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from tracker.accounts import admin_log
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import ApiToken, Role, User
from tracker.permissions import (
    Actor,
    can_create_token,
    can_hold_token,
    can_manage_token,
    ensure,
    is_system,
)

SCOPES = ("status:write", "evidence:write", "indicator:write")
PREFIX = "crm_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
NAME_MAX = 100
LAST_USE_PRECISION = dt.timedelta(minutes=1)  # "last used", as token lists show it


class TokenRefused(Refused):
    """The token cannot be made as asked."""

    default_field = "name"


class TokenInvalid(Exception):
    """A request's bearer token opens nothing: missing, unknown, expired or revoked. The API
    answers 401 with this reason (never saying whether a token of that value ever existed)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(actor: Actor, user: User, *, name: str, scopes: list[str],
                 days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its value, which is never shown again."""
    if not can_hold_token(user):
        raise TokenRefused(_l("Only a focal point or the secretariat can hold an API token."))
    ensure(can_create_token(actor, user))
    name = " ".join((name or "").split())
    if not name:
        raise TokenRefused(_l("Name the token after the system that will use it."))
    if len(name) > NAME_MAX:
        raise TokenRefused(_l("At most %(limit)d characters.", limit=NAME_MAX))
    live = sa.select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.name == name,
                                        ApiToken.revoked_at.is_(None),
                                        ApiToken.expires_at > utcnow())
    if db.session.scalar(live) is not None:  # also a form sent twice (a reload)
        raise TokenRefused(_l("A live token already has this name: revoke it first, or "
                              "choose another name."))
    wanted = sorted(set(scopes))
    if not wanted or any(scope not in SCOPES for scope in wanted):
        raise TokenRefused(_l("Choose what the token may do: report status, add evidence, "
                              "report indicator values, or several."), "scopes")
    if not 1 <= days <= MAX_DAYS:
        raise TokenRefused(_l("A token lasts from 1 to %(days)d days.", days=MAX_DAYS), "days")
    value = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(value),
                     prefix=value[:len(PREFIX) + 6], scopes=" ".join(wanted),
                     # Fixed now: a focal point moved to another country keeps no token
                     # writing for the old one (and the user's own rights are checked too).
                     country_id=user.country_id if user.role == Role.FOCAL_POINT else None,
                     expires_at=utcnow() + dt.timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    admin_log.record(actor, "token.create", f"token {token.id}", user=user.email, name=name,
                     scopes=token.scopes, expires_at=token.expires_at)
    db.session.commit()
    return token, value


def revoke_token(actor: Actor, token: ApiToken) -> bool:
    """Revoke a token (its owner or the secretariat); False when it already was."""
    ensure(is_system(actor) or can_manage_token(actor, token))
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by_id = None if is_system(actor) else actor.id
    admin_log.record(actor, "token.revoke", f"token {token.id}", user=token.user.email,
                     name=token.name)
    db.session.commit()
    return True


def token_for(authorization: str | None) -> ApiToken:
    """The live token of an ``Authorization: Bearer ...`` header, or TokenInvalid."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > 100:
        raise TokenInvalid(_l("no bearer token in the Authorization header"))
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=hash_token(value)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        raise TokenInvalid(_l("unknown or revoked token"))
    if token.expires_at <= now:
        raise TokenInvalid(_l("expired token"))
    if not token.user.active:
        raise TokenInvalid(_l("the token's account is deactivated"))
    return token


def note_use(token: ApiToken) -> None:
    """Note that the token was used, in its own transaction (so a refused write counts as a
    use too), to the minute: a system sending a sheet's worth of updates at once would
    otherwise queue every request behind the lock of its token's row, and commit once more
    for each."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        token.last_used_at = now
        db.session.commit()


def state_of(token: ApiToken, now: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``: what lists show (a revocation wins)."""
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= (now or utcnow()) else "active"


def _listing():
    # Lists show each token's owner and country: loaded with it, not one query per row.
    return (sa.select(ApiToken).options(joinedload(ApiToken.user), joinedload(ApiToken.country))
            .order_by(ApiToken.id.desc()))


def tokens_of(user: User) -> list[ApiToken]:
    """The user's own tokens, newest first."""
    return list(db.session.scalars(_listing().filter_by(user_id=user.id)))


def all_tokens() -> list[ApiToken]:
    """Every token of every account, newest first (the secretariat's and operators' list)."""
    return list(db.session.scalars(_listing()))
