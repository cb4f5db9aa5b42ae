"""Recording administrative changes (the caller's unit of work commits them)."""

from tracker.extensions import db
from tracker.models import AdminAction
from tracker.permissions import Actor, is_system


def record(actor: Actor, action: str, target: str, **details) -> AdminAction:
    """Append who did what to which target; values are kept as JSON-safe strings."""
    entry = AdminAction(actor_id=None if is_system(actor) else actor.id, action=action,
                        target=target, details={k: _plain(v) for k, v in details.items()})
    db.session.add(entry)
    return entry


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
