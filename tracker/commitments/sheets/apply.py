"""Applying a previewed sheet: every change row through the services the forms use
(record_status, record_commitment_details: the same permissions, history, ledger entries and
data version), in one transaction: all of them, or none."""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from tracker.commitments.administration import AdminRefused, record_commitment_details
from tracker.commitments.sheets.preview import CHANGE
from tracker.commitments.status_updates import Conflict, UpdateRefused, record_status
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Commitment, SheetPreview
from tracker.permissions import Actor, PermissionDenied, can_apply_preview, ensure

STATUS_FIELDS = ("status", "progress", "note")
DETAIL_FIELDS = ("due_date", "responsible_institution")


class ApplyRefused(Refused):
    """The preview cannot be applied; nothing was written."""


@dataclass(frozen=True)
class Applied:
    commitments: int  # commitments changed
    events: int       # history events appended


def apply_preview(actor: Actor, preview: SheetPreview) -> Applied:
    """Apply every change row of the preview, or none (a refusal names the row)."""
    ensure(can_apply_preview(actor, preview))
    if preview.applied_at is not None:
        raise ApplyRefused(_l("This sheet was already applied; upload it again to see what "
                              "is left to record."))
    if preview.expires_at < utcnow():
        raise ApplyRefused(_l("This preview has expired: upload the sheet again."))
    rows = [row for row in preview.rows if row["outcome"] == CHANGE]
    if not rows:
        raise ApplyRefused(_l("Nothing to record: no row changes anything."))
    commitments = {c.code: c for c in db.session.scalars(
        sa.select(Commitment).where(Commitment.code.in_([row["code"] for row in rows])))}
    events, current = 0, None
    try:
        for current in rows:
            events += _apply_row(actor, current, commitments[current["code"]])
        preview.applied_at = utcnow()
        db.session.commit()
    except (Conflict, StaleDataError):  # the second: a write between our read and commit
        db.session.rollback()
        raise ApplyRefused(_l("A commitment of row %(row)s changed since the preview: nothing "
                              "was recorded. Upload the sheet again to see the newer state.",
                              row=current["row"] if current else "?")) from None
    except PermissionDenied:  # the uploader's rights changed since the preview
        db.session.rollback()
        raise ApplyRefused(_l("You may no longer report the commitment of row %(row)s: "
                              "nothing was recorded.",
                              row=current["row"] if current else "?")) from None
    except (UpdateRefused, AdminRefused) as refused:
        db.session.rollback()
        raise ApplyRefused(_l("Row %(row)s: %(reason)s Nothing was recorded.",
                              row=current["row"] if current else "?",
                              reason=str(refused))) from None
    return Applied(commitments=len(rows), events=events)


def _apply_row(actor: Actor, row: dict, commitment: Commitment) -> int:
    """The row's changes on its commitment (no commit); how many history events it adds."""
    changes, version = row["changes"], row["version"]
    if commitment.version != version:
        raise Conflict(commitment)
    if any(name in changes for name in DETAIL_FIELDS):
        due = changes.get("due_date", [None, _iso(commitment.due_date)])[1]
        record_commitment_details(
            actor, commitment, seen_version=version,
            due_date=dt.date.fromisoformat(due) if due else None,
            responsible_institution=changes.get(
                "responsible_institution", [None, commitment.responsible_institution])[1])
    if not any(name in changes for name in STATUS_FIELDS):
        return 0
    record_status(actor, commitment, seen_version=version,
                  status=changes.get("status", [None, commitment.status.value])[1],
                  progress=changes.get("progress", [None, commitment.progress])[1],
                  note=changes.get("note", [None, None])[1])
    return 1


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
