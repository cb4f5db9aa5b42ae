"""History is append-only: the ORM refuses to update or delete these rows, whatever the path.

(On PostgreSQL, triggers refuse it below the ORM too: tracker.models.ledger.)
"""

import sqlalchemy as sa

from tracker.core.events import listen_once
from tracker.models.admin_log import AdminAction
from tracker.models.commitment import StatusEvent
from tracker.models.indicator import IndicatorReport, IndicatorValue
from tracker.models.ledger import LedgerEntry
from tracker.models.observation import Observation, ObservationAnswer, ObservationHiding

APPEND_ONLY = (StatusEvent, AdminAction, LedgerEntry, Observation, ObservationAnswer,
               ObservationHiding, IndicatorReport, IndicatorValue)


class HistoryIsAppendOnly(Exception):
    """Raised when code tries to change or remove a history row."""


def _refuse(mapper, connection, row) -> None:
    raise HistoryIsAppendOnly(
        f"{type(row).__name__} {sa.inspect(row).identity} is history: record a correction "
        "as a new entry"
    )


def register_hooks() -> None:
    """Refuse, in the ORM, every UPDATE and DELETE of a history row."""
    for model in APPEND_ONLY:
        listen_once(model, "before_update", _refuse)
        listen_once(model, "before_delete", _refuse)
