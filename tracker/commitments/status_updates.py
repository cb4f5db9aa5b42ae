"""Reporting a commitment's status: the one path that changes it and appends its history."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from tracker.core.forms import has_control_character
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Commitment, Status, StatusEvent
from tracker.permissions import Actor, can_update, ensure, is_system

NOTE_REQUIRED = (Status.STALLED, Status.COMPLETED)


class UpdateRefused(Refused):
    """The status update is not valid (shown by the status unless it says)."""

    default_field = "status"


class Conflict(Exception):
    """Someone else changed the commitment since the form was opened."""

    def __init__(self, commitment: Commitment):
        super().__init__(f"{commitment.code} changed since it was opened")
        self.commitment = commitment


def update_status(actor: Actor, commitment: Commitment, *, status: str, progress: int | None,
                  note: str | None, seen_version: int) -> StatusEvent:
    """Change status and progress, appending one history event; refuse a stale form."""
    event = record_status(actor, commitment, status=status, progress=progress, note=note,
                          seen_version=seen_version)
    commit_or_conflict(commitment)
    return event


def record_status(actor: Actor, commitment: Commitment, *, status: str, progress: int | None,
                  note: str | None, seen_version: int) -> StatusEvent:
    """update_status without the commit, for a caller that records several in one
    transaction (a spreadsheet: all its rows or none); the same checks, in the same order."""
    ensure(can_update(actor, commitment))
    status, note = checked_update(commitment, status=status, progress=progress, note=note)
    if seen_version != commitment.version:
        raise Conflict(commitment)
    if status == commitment.status and progress == commitment.progress and not note:
        raise UpdateRefused(_l("Nothing to record: change the status or progress, or add a note."))

    now = utcnow()
    event = StatusEvent(
        commitment=commitment, at=now, from_status=commitment.status, to_status=status,
        progress=progress, note=note,
        actor_id=None if is_system(actor) else actor.id, actor_role=str(actor.role),
        actor_country_id=actor.country_id)
    commitment.status, commitment.progress, commitment.updated_at = status, progress, now
    db.session.add(event)
    return event


def checked_update(commitment: Commitment, *, status: str, progress: int | None,
                   note: str | None) -> tuple[Status, str | None]:
    """The rules an update must follow, whoever sends it (a form, a sheet's row, the API):
    the status and the note, cleaned; UpdateRefused naming the field otherwise."""
    try:
        status = Status(status)
    except ValueError:
        raise UpdateRefused(_l("Unknown status."), "status") from None
    if progress is not None and not 0 <= progress <= 100:
        raise UpdateRefused(_l("Progress is a number from 0 to 100."), "progress")
    note = (note or "").strip() or None
    if note and has_control_character(note, multiline=True):
        raise UpdateRefused(_l("Remove the control characters from the note."), "note")
    if status != commitment.status and status in NOTE_REQUIRED and not note:
        raise UpdateRefused(_l("Explain in a note why the commitment is stalled or completed."),
                            "note")
    return status, note


def commit_or_conflict(commitment: Commitment) -> None:
    """Commit; a concurrent write (the version column no longer matches) becomes a Conflict
    carrying the commitment as it now is."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(commitment)
        raise Conflict(commitment) from None
