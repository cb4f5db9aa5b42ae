"""The data version: one counter bumped with every write to public data.

Every worker reads it with one primary-key query, so HTTP validators (ETag) and cached
aggregates change when the data do, across processes, with no messaging. A worker reads it
at most once per DATA_VERSION_TTL seconds (public pages say max-age=60 anyway), and forgets
it at once when it commits a change itself.
"""

import hashlib
import itertools
import time
from typing import cast

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.orm import Session

from tracker.core.events import listen_once
from tracker.core.time import utcnow
from tracker.extensions import cache, db
from tracker.models import (
    AdminAction,
    ApiToken,
    DataVersion,
    DraftItem,
    Follow,
    IdempotentRequest,
    LoginThrottle,
    OutboxMessage,
    ReminderSettings,
    ReportRequest,
    SheetPreview,
    User,
)

# Writes to these never change what the public sees.
PRIVATE_MODELS = (AdminAction, ApiToken, DataVersion, DraftItem, Follow, IdempotentRequest,
                  LoginThrottle, OutboxMessage, ReminderSettings, ReportRequest, SheetPreview,
                  User)
_BUMPED = "data_version_bumped"
_table = cast(sa.Table, DataVersion.__table__)


def bump(session: Session) -> None:
    """Count one change, inside the caller's transaction (so a rollback undoes it)."""
    values = {"value": _table.c.value + 1, "changed_at": utcnow()}
    updated = cast(sa.CursorResult, session.execute(
        _table.update().where(_table.c.id == 1).values(values)))
    if updated.rowcount == 0:
        session.execute(_table.insert().values(id=1, value=1, changed_at=values["changed_at"]))
    session.info[_BUMPED] = True


def _memo() -> dict:
    return current_app.extensions.setdefault("data_version_memo", {})


def forget() -> None:
    """Read the version again on next use (after this process changed the data)."""
    if has_app_context():
        _memo().clear()
        g.pop("data_token", None)


def data_token() -> str:
    """A string that changes whenever public data change."""
    if "data_token" in g:
        return g.data_token
    memo, now = _memo(), time.monotonic()
    if memo.get("expires", 0.0) <= now:
        row = db.session.execute(sa.select(_table.c.value, _table.c.changed_at)
                                 .where(_table.c.id == 1)).first()
        # The time guards against a counter restarting (a database rebuilt) behind a cache.
        memo["token"] = f"{row.value}-{row.changed_at:%Y%m%d%H%M%S%f}" if row else "0"
        memo["expires"] = now + current_app.config["DATA_VERSION_TTL"]
    g.data_token = memo["token"]
    return g.data_token


def _bump_on_public_write(session, flush_context, instances) -> None:
    if session.info.get(_BUMPED):
        return
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    if any(not isinstance(obj, PRIVATE_MODELS) for obj in changed):
        bump(session)


def _committed(session) -> None:
    if session.info.pop(_BUMPED, None):
        forget()


def _rolled_back(session) -> None:
    session.info.pop(_BUMPED, None)


def init_app(app) -> None:
    """Bump the version with every write to public data, in every session."""
    listen_once(Session, "before_flush", _bump_on_public_write)
    listen_once(Session, "after_commit", _committed)
    listen_once(Session, "after_rollback", _rolled_back)


def remember(name: str, compute, *parts):
    """compute() once per version of the data and per parts (language, date, filters...).

    The cache (Flask-Caching: per process by default, Redis when configured) never serves a
    value computed before the data last changed, because the version is part of the key."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"{name}:{data_token()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
