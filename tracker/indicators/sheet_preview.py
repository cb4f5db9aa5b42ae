"""An uploaded indicator sheet, compared cell by cell with the current report and kept on the
server (SheetPreview, its one row of kind "indicator") before anything is written; then
recorded as ONE report_value call: a correction of the current report when there is one, all
its cells or none. Every refusal is shown in the preview, on its row when it is about one
cell, for the whole sheet otherwise."""

import secrets
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from tracker.commitments.sheets.apply import ApplyRefused
from tracker.commitments.sheets.formats import SheetRefused
from tracker.commitments.sheets.preview import LIFETIME, discard_expired
from tracker.core.time import utcnow
from tracker.evidence.checks import safe_filename
from tracker.extensions import db
from tracker.indicators.definitions import IndicatorRefused
from tracker.indicators.periods import parse_period
from tracker.indicators.reporting import (  # the checks report_value makes, without writing
    Cell,
    CheckedCells,
    check_sums,
    checked_cells,
    current_reports,
    history_of,
    report_value,
)
from tracker.indicators.sheet_reading import ReadSheet, read_indicator_sheet
from tracker.indicators.sheets import cell_label, codes_of, grid
from tracker.models import Country, Evidence, Indicator, IndicatorReport, SheetPreview
from tracker.permissions import Actor, can_apply_preview, can_report_indicator, ensure

KIND = "indicator"  # commitments.sheets.preview.sheet_kind tells the two sheets apart
UNCHANGED, CHANGE, ERROR, CONFLICT = "unchanged", "change", "error", "conflict"


@dataclass
class CellPreview:
    """One row of the sheet as the preview shows it (JSON-safe; numbers as typed)."""

    row: int
    codes: list  # [first code or None, second code or None]; [] when the row names no cell
    label: str
    current: str | None
    new: str | None
    outcome: str
    errors: list = field(default_factory=list)  # [column, message]


@dataclass
class IndicatorPreview:
    """What the sheet would record: its report, the one it replaces, its rows, and what
    stops it as a whole (``errors``; a ``conflict``: someone reported since the download)."""

    kind: str
    indicator: str
    country: str
    period: str
    downloaded: int | None
    replaces: int | None
    cells: list[CellPreview]
    errors: list[str] = field(default_factory=list)
    conflict: bool = False


def preview_indicator_upload(actor: Actor, indicator: Indicator, filename: str,
                             data: bytes) -> SheetPreview:
    """Read an uploaded sheet of this indicator and keep its preview; SheetRefused (nothing
    kept) for a file that is not its sheet, or a country the uploader may not report."""
    sheet = read_indicator_sheet(data, filename, indicator)
    if sheet.indicator != indicator.code.upper():
        raise SheetRefused(_l("This is the sheet of indicator %(found)s, not %(code)s: upload "
                              "it on that indicator's page.", found=sheet.indicator[:40],
                              code=indicator.code))
    country = db.session.scalar(sa.select(Country).filter_by(iso3=sheet.country[:3]))
    if country is None or not can_report_indicator(actor, indicator, country):
        raise SheetRefused(_l("This sheet is of %(country)s, whose values of this indicator "
                              "you may not report.", country=sheet.country[:40]))
    compared = _compare(indicator, country, sheet)
    discard_expired()
    preview = SheetPreview(id=secrets.token_hex(16), user_id=actor.id,
                           filename=safe_filename(filename)[:255], rows=[asdict(compared)],
                           expires_at=utcnow() + LIFETIME)
    db.session.add(preview)
    db.session.commit()
    return preview


def _compare(indicator: Indicator, country: Country, sheet: ReadSheet) -> IndicatorPreview:
    """Each row against the current report, then the whole report as report_value checks it."""
    found = IndicatorPreview(KIND, indicator.code, country.iso3, sheet.period,
                             sheet.report_id, None, [])
    try:
        found.period = parse_period(sheet.period, indicator.frequency).text
    except IndicatorRefused as refused:
        found.errors.append(str(refused))
        return found
    history = history_of(indicator, country, found.period)
    current = history[-1] if history else None
    found.replaces = current.id if current else None
    if sheet.report_id is not None and sheet.report_id not in {r.id for r in history}:
        found.errors.append(_("The report column was changed: download the sheet again and "
                              "copy your values into it."))
    elif sheet.report_id != found.replaces:
        found.conflict = True
        found.errors.append(_("Report %(report)d of %(period)s was recorded after this sheet "
                              "was downloaded: download it again, or fill it in again from "
                              "the newer values shown here.", report=found.replaces,
                              period=found.period))
    values = cells_of_report(current)
    labels = {codes_of(*cell): cell_label(*cell, _locale()) for cell in grid(indicator)}
    for row in sheet.rows:
        now = values.get(row.cell) if row.cell else None
        outcome = ERROR if row.errors else UNCHANGED if row.new is None or row.new == now \
            else CONFLICT if found.conflict else CHANGE
        found.cells.append(CellPreview(
            row.row_number, list(row.cell) if row.cell else [],
            labels.get(row.cell, "") if row.cell else "", _plain(now), _plain(row.new), outcome,
            [list(error) for error in row.errors]))
    if not found.errors and any(c.outcome == CHANGE for c in found.cells) \
            and not any(c.outcome == ERROR for c in found.cells):
        try:  # what Record would send, checked as report_value checks it
            checked = checked_cells(indicator, reported_cells(found))
        except IndicatorRefused as refused:
            found.errors.append(str(refused))
        else:
            _check_sums(indicator, checked, found)
    return found


def _check_sums(indicator: Indicator, checked: CheckedCells, found: IndicatorPreview) -> None:
    """The sums as report_value checks them without a note: a sheet has none, and the
    replaced version's note explained that version's values, not these."""
    try:
        check_sums(indicator, checked, explained=False)
    except IndicatorRefused as refused:
        found.errors.append(f"{refused} " + _("A sheet carries no note: to explain the "
                                               "difference, correct the values on the report "
                                               "form and write the note there."))


def cells_of_report(report: IndicatorReport | None) -> dict[Cell, Decimal]:
    """A report's exact cells by codes (none without a report)."""
    if report is None:
        return {}
    return {codes_of(v.first_value, v.second_value): v.value for v in report.values}


def reported_cells(found: IndicatorPreview) -> dict[Cell, str]:
    """The cells Record sends: the current report's, with the new values typed over them
    (a blank new value keeps the current one; a cell with neither is not reported)."""
    cells = {(c.codes[0], c.codes[1]): c.current for c in found.cells
             if c.codes and c.current is not None}
    cells.update({(c.codes[0], c.codes[1]): c.new for c in found.cells
                  if c.codes and c.new is not None})
    return cells


def loaded(preview: SheetPreview) -> IndicatorPreview:
    """A kept preview as the dataclass it was saved from."""
    data = dict(preview.rows[0])
    data["cells"] = [CellPreview(**cell) for cell in data["cells"]]
    return IndicatorPreview(**data)


def counts(found: IndicatorPreview) -> dict[str, int]:
    """How many rows of each outcome."""
    totals = dict.fromkeys((UNCHANGED, CHANGE, ERROR, CONFLICT), 0)
    for cell in found.cells:
        totals[cell.outcome] += 1
    return totals


def recordable(found: IndicatorPreview) -> bool:
    """Whether Record may be offered: something changes and nothing is wrong anywhere."""
    outcomes = counts(found)
    return not found.errors and outcomes[CHANGE] > 0 and not outcomes[ERROR]


def apply_indicator_preview(actor: Actor, preview: SheetPreview) -> IndicatorReport:
    """Record the previewed report in one report_value call (its one commit also marks the
    preview applied); ApplyRefused or IndicatorRefused otherwise, nothing written."""
    ensure(can_apply_preview(actor, preview))
    if preview.applied_at is not None:
        raise ApplyRefused(_l("This sheet was already applied; upload it again to see what "
                              "is left to record."))
    if preview.expires_at < utcnow():
        raise ApplyRefused(_l("This preview has expired: upload the sheet again."))
    found = loaded(preview)
    if not recordable(found):
        raise ApplyRefused(_l("Nothing can be recorded from this sheet: correct what the "
                              "preview shows and upload it again."))
    indicator = db.session.scalar(sa.select(Indicator).filter_by(code=found.indicator))
    country = db.session.scalar(sa.select(Country).filter_by(iso3=found.country))
    if indicator is None or country is None:
        raise ApplyRefused(_l("This preview has expired: upload the sheet again."))
    replaces = next((r for r in current_reports(indicator, country)
                     if r.id == found.replaces), None) if found.replaces else None
    if found.replaces is not None and replaces is None:
        raise IndicatorRefused(_l("This report was corrected meanwhile: reload it and correct "
                                  "the current version."), "replaces")
    preview.applied_at = utcnow()  # committed with the report, or rolled back with it
    try:
        return report_value(actor, indicator, country, period=found.period,
                            cells=reported_cells(found), note=None,  # never the old note
                            source=replaces.source if replaces else None,
                            evidence=db.session.get(Evidence, replaces.evidence_id)
                            if replaces and replaces.evidence_id else None,
                            replaces=replaces)
    except Exception:  # a refusal, or rights lost since the preview: not marked applied
        db.session.rollback()
        raise


def _plain(number: Decimal | None) -> str | None:
    """A number as typed: 12, 12.5 (not 12.0000)."""
    return None if number is None else format(number.normalize(), "f")


def _locale() -> str:
    """The reader's language, for the cells' names."""
    return str(get_locale() or "es")
