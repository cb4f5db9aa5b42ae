"""What an uploaded sheet would change, row by row, before anything is written.

Each row is one of: unchanged (nothing filled in, or what is filled in is already so),
change (from -> to), error (the row's own mistakes: column and message), conflict (the
commitment changed since the sheet was downloaded: the newer state is shown), refused (an
unknown code, or a commitment the uploader may not report). The rows are kept on the server
(SheetPreview) until applied or expired; the page only shows them."""

import datetime as dt
import re
import secrets
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l

from tracker.commitments.sheets.reading import Sheet, SheetRefused, read_sheet
from tracker.commitments.status_updates import UpdateRefused, checked_update
from tracker.core.time import utcnow
from tracker.evidence.checks import safe_filename
from tracker.extensions import db
from tracker.models import Commitment, Country, SheetPreview, StatusEvent
from tracker.permissions import Actor, can_administer, can_apply_preview, can_update, is_system

LIFETIME = dt.timedelta(hours=2)
# A sheet of 10,000 commitments is about 1 MiB as XLSX and 2 MiB as CSV.
MAX_SHEET_BYTES = 5 * 1024 * 1024
SECRETARIAT_KEYS = ("new_due_date", "new_institution")
PREVIEW_ID = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16)

UNCHANGED, CHANGE, ERROR, CONFLICT, REFUSED = "unchanged", "change", "error", "conflict", "refused"


@dataclass
class PreviewRow:
    """One row of the sheet as the preview shows it and apply reads it (JSON-safe)."""

    row: int
    code: str
    outcome: str
    version: int | None = None
    changes: dict = field(default_factory=dict)  # field -> [from, to]; "note" -> [None, text]
    errors: list = field(default_factory=list)   # [column, message]
    current: dict = field(default_factory=dict)  # the newer state, for a conflict


def preview_upload(actor: Actor, filename: str, data: bytes) -> tuple[SheetPreview, Sheet]:
    """Read an uploaded sheet and keep its preview; SheetRefused (nothing kept) when there
    is no file, it is too large, or it cannot be read as the sheet."""
    if not filename:
        raise SheetRefused(_l("Choose the filled-in sheet (XLSX or CSV)."))
    if len(data) > MAX_SHEET_BYTES:
        raise SheetRefused(_l("This file is too large for a sheet of commitments."))
    sheet = read_sheet(data, filename)
    return preview_sheet(actor, sheet, filename), sheet


def preview_sheet(actor: Actor, sheet: Sheet, filename: str) -> SheetPreview:
    """Compare every row with the database and keep the result; writes only the preview."""
    codes = [str(r.values.get("code") or "").strip() for r in sheet.rows]
    commitments = {c.code: c for c in db.session.scalars(
        sa.select(Commitment).where(Commitment.code.in_([c for c in codes if c])))}
    notes = last_notes([c.id for c in commitments.values()])
    rows = [_row(actor, r, code, commitments.get(code), notes)
            for r, code in zip(sheet.rows, codes, strict=True)]
    discard_expired()
    preview = SheetPreview(id=secrets.token_hex(16), user_id=actor.id,
                           filename=safe_filename(filename)[:255],
                           rows=[asdict(r) for r in rows], expires_at=utcnow() + LIFETIME)
    db.session.add(preview)
    db.session.commit()
    return preview


def last_notes(commitment_ids: list[int]) -> dict[int, str | None]:
    """Each commitment's latest history note, in one query."""
    latest = (sa.select(sa.func.max(StatusEvent.id))
              .where(StatusEvent.commitment_id.in_(commitment_ids))
              .group_by(StatusEvent.commitment_id))
    rows = db.session.execute(sa.select(StatusEvent.commitment_id, StatusEvent.note)
                              .where(StatusEvent.id.in_(latest)))
    return {commitment_id: note for commitment_id, note in rows}


def _row(actor: Actor, sheet_row, code: str, commitment: Commitment | None,
         notes: dict[int, str | None]) -> PreviewRow:
    values = sheet_row.values
    row = PreviewRow(row=sheet_row.row_number, code=code, outcome=ERROR,
                     version=values.get("version"))
    if not code:
        row.errors.append(["code", _("No commitment code in this row.")])
        return row
    if commitment is None:
        row.outcome = REFUSED
        row.errors.append(["code", _("No commitment has this code.")])
        return row
    if not (can_update(actor, commitment) or is_system(actor)):
        row.outcome = REFUSED
        row.errors.append(["code", _("This commitment is another country's: you may not "
                                     "report it.")])
        return row
    if sheet_row.errors:  # lazy texts, rendered now in the uploader's language
        row.errors = [[column, str(message)] for column, message in sheet_row.errors]
        return row
    if not can_administer(actor) and any(values.get(k) not in (None, "")
                                         for k in SECRETARIAT_KEYS):
        row.errors.append(["new_due_date", _("Due dates and responsible institutions are "
                                             "set by the secretariat: leave these cells "
                                             "empty.")])
        return row
    if isinstance(row.version, int) and row.version > commitment.version:
        row.errors.append(["version", _("This version is not one the commitment has had: "
                                        "the column was changed. Download the sheet again.")])
        return row
    wanted = _wanted(actor, values, commitment, notes.get(commitment.id))
    if isinstance(wanted, list):
        row.errors = wanted
        return row
    if not wanted:
        row.outcome = UNCHANGED
        return row
    if row.version != commitment.version:
        row.outcome = CONFLICT
        row.current = _state(commitment)
        row.errors.append(["version", _("Changed by someone else since the sheet was "
                                        "downloaded: download it again, or fill this row in "
                                        "again from the newer state.")])
        return row
    row.outcome, row.changes = CHANGE, wanted
    return row


def _wanted(actor: Actor, values: dict, commitment: Commitment,
            last_note: str | None) -> dict | list:
    """What the row asks to change, as {field: [from, to]} (empty: nothing new), or its
    errors. A blank cell keeps the current value."""
    status = values.get("new_status") or commitment.status.value
    progress = values.get("new_progress")
    progress = commitment.progress if progress is None else progress
    note = (values.get("note") or "").strip() or None
    if note is not None and note == last_note \
            and status == commitment.status.value and progress == commitment.progress:
        note = None  # the same sheet applied again: that note is already the last one
    try:
        status, note = checked_update(commitment, status=status, progress=progress, note=note)
    except UpdateRefused as refused:
        column = {"status": "new_status", "progress": "new_progress"}.get(refused.field or "",
                                                                           refused.field)
        return [[column, str(refused)]]
    changes: dict = {}
    if status != commitment.status:
        changes["status"] = [commitment.status.value, status.value]
    if progress != commitment.progress:
        changes["progress"] = [commitment.progress, progress]
    if note:
        changes["note"] = [None, note]
    if can_administer(actor):
        for key, name in (("new_due_date", "due_date"),
                          ("new_institution", "responsible_institution")):
            value, old = values.get(key), getattr(commitment, name)
            if value not in (None, "") and value != old:
                changes[name] = [_plain(old), _plain(value)]
    return changes


def _state(commitment: Commitment) -> dict:
    return {"status": commitment.status.value, "progress": commitment.progress,
            "version": commitment.version, "updated_at": commitment.updated_at.isoformat(),
            "due_date": _plain(commitment.due_date),
            "responsible_institution": commitment.responsible_institution}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def discard_expired() -> int:
    """Delete the expired previews (the caller commits); returns how many."""
    gone = db.session.execute(sa.delete(SheetPreview).where(SheetPreview.expires_at < utcnow()))
    return int(getattr(gone, "rowcount", 0))


def preview_for(actor: Actor, preview_id: str,
                kind: str = "commitments") -> SheetPreview | None:
    """The uploader's own live preview of this kind of sheet, or None (another's, expired,
    unknown, or of another sheet)."""
    if not PREVIEW_ID.fullmatch(preview_id):
        return None
    preview = db.session.get(SheetPreview, preview_id)
    if preview is None or not can_apply_preview(actor, preview) or preview.expires_at < utcnow():
        return None
    return preview if sheet_kind(preview) == kind else None


def sheet_kind(preview: SheetPreview) -> str:
    """Which sheet a preview is of: the commitments' rows carry no kind; another sheet's
    (an indicator's) name theirs, so one is never shown or applied as the other."""
    first = preview.rows[0] if preview.rows else None
    return str(first.get("kind", "commitments")) if isinstance(first, dict) else "commitments"


def counts(preview: SheetPreview) -> dict[str, int]:
    totals = dict.fromkeys((UNCHANGED, CHANGE, ERROR, CONFLICT, REFUSED), 0)
    for row in preview.rows:
        totals[row["outcome"]] += 1
    return totals


def reporting_countries() -> list[Country]:
    """The countries a sheet can be downloaded for (the secretariat's choice), by name."""
    return list(db.session.scalars(sa.select(Country).order_by(Country.regional, Country.iso3)))
