"""Liveness and readiness, as JSON."""

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, jsonify

from tracker.extensions import db, limiter
from tracker.health import bp


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up; asks nothing of the database."""
    return _answer(200, "ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready for traffic: the database answers and its schema is at the latest migration."""
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except sa.exc.SQLAlchemyError as exc:
        return _answer(503, "database unreachable", type(exc).__name__)
    latest = _latest_heads(current_app.extensions["migrate"].directory)
    if set(current) != latest:
        return _answer(503, "schema not at the latest migration: run flask db upgrade",
                       f"database {sorted(current)}, code {sorted(latest)}")
    return _answer(200, "ready")


@cache
def _latest_heads(directory: str) -> frozenset[str]:
    """The code's migration heads: read from disk once per process (a probe every few
    seconds should cost one query, not a walk through the version scripts)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(directory)))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _answer(status: int, state: str, detail: str | None = None):
    body = {"status": state} | ({"detail": detail} if detail else {})
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
