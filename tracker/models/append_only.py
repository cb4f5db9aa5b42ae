"""History is append-only: the ORM refuses to update or delete these rows, whatever the path.

(On PostgreSQL, triggers will refuse it below the ORM too.)
"""

import sqlalchemy as sa

from tracker.models.admin_log import AdminAction
from tracker.models.commitment import StatusEvent

APPEND_ONLY = (StatusEvent, AdminAction)


class HistoryIsAppendOnly(Exception):
    """Raised when code tries to change or remove a history row."""


def _refuse(mapper, connection, row) -> None:
    raise HistoryIsAppendOnly(
        f"{type(row).__name__} {row.id} is history: record a correction as a new entry"
    )


for _model in APPEND_ONLY:
    sa.event.listen(_model, "before_update", _refuse)
    sa.event.listen(_model, "before_delete", _refuse)
