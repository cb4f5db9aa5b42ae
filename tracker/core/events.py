"""ORM hooks registered once, by the domain that owns them (its ``init_app``).

The hooks are on SQLAlchemy classes, not on one app, and tests build many apps in one
process: registering twice would run a hook twice."""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa


def listen_once(target: Any, identifier: str, fn: Callable[..., Any]) -> None:
    """sa.event.listen, unless this function already listens there."""
    if not sa.event.contains(target, identifier, fn):
        sa.event.listen(target, identifier, fn)
