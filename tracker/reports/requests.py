"""Reports asked for on the site: a request is recorded, the scheduler makes the file (a
meeting's PDF takes seconds, a large country's minutes: never in a web worker), a later
request sends it.

A report as of today is keyed by the data version, so a write makes the next request a new
one; a report as of an earlier day is keyed by that day alone and kept: the history it is
replayed from no longer changes. Files live in the export cache (EXPORT_CACHE_DIR) under
names the exports' pruning never touches (.pdf, .docx), so nginx sends them from the same
internal location with EXPORT_ACCEL_REDIRECT.
"""

import datetime as dt
import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from tracker.core.data_version import data_token
from tracker.core.dates import local_today
from tracker.core.errors import DATABASE_UNAVAILABLE
from tracker.core.time import utcnow
from tracker.exports.file_cache import cache_dir
from tracker.extensions import db
from tracker.ledger.chain import WITHHELD
from tracker.models import Country, LedgerEntry, Meeting, ReportRequest
from tracker.reports import content
from tracker.reports.as_of import ReportRefused, checked_day

SCOPES = ("meeting", "country", "summary")
LANGS = ("es", "en")
MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
PENDING, DONE, FAILED, SUPERSEDED = "pending", "done", "failed", "superseded"
RETRY_FAILED_AFTER = dt.timedelta(hours=1)
# How long the reader who waited for today's report may still be sent it once the data has
# changed again (its 202 reloads every REPORT_INTERVAL_SECONDS).
WAITER_FRESH = dt.timedelta(minutes=10)
# The ledger's kinds that take something from the public (evidence never becomes restricted).
WITHDRAWALS = ("observation_hidden", WITHHELD)
# A temporary file this old was left by a writer that died (killed mid-report): no report
# takes this long, and only one scheduler makes them.
ABANDONED_AFTER = dt.timedelta(hours=1)
PART_PATTERN = ".report-*.part"
# Past days' reports kept on disk at most: the same report is made again, byte for byte, if
# asked for after its file went; without a bound, a crawler asking for every day would fill
# the disk.
KEEP_PAST_DAYS = 500


class UnknownScope(ReportRefused):
    """A meeting or country that does not exist (404, where a bad argument is 400)."""


@dataclass(frozen=True)
class ReportSpec:
    """One report as asked: what, as of which day, in which language and format."""

    scope: str
    code: str  # the meeting's code or the country's ISO3; empty for the summary
    day: dt.date
    lang: str
    fmt: str

    @property
    def today(self) -> bool:
        return self.day == local_today()

    def version(self) -> str:
        """The data version for today's report (a write makes a new one), else empty."""
        return data_token() if self.today else ""

    def download_name(self) -> str:
        """e.g. informe-crm-salon-londres-2026-11-30-es.pdf, report-crm-mex-...-en.docx"""
        word = "informe" if self.lang == "es" else "report"
        name = {"meeting": self.code, "country": f"crm-{self.code.lower()}",
                "summary": "crm-resumen" if self.lang == "es" else "crm-summary"}[self.scope]
        return f"{word}-{name}-{self.day.isoformat()}-{self.lang}.{self.fmt}"


def checked_spec(scope: str, code: str, fmt: str, as_of: str | None,
                 lang: str | None) -> ReportSpec:
    """The report asked for, once every part is known to be right; UnknownScope for a
    meeting or country that does not exist, ReportRefused for anything else."""
    if scope not in SCOPES or fmt not in MIMETYPES:
        raise UnknownScope(_l("There is no such report."), "scope")
    lang = lang or "es"
    if lang not in LANGS:
        raise ReportRefused(_l("The language must be es or en."), "lang")
    day = checked_day(as_of)
    if scope == "meeting":
        code = db.session.scalar(sa.select(Meeting.code).where(Meeting.code == code)) or ""
        if not code:
            raise UnknownScope(_l("There is no meeting with this code."), "meeting")
    elif scope == "country":
        found = db.session.scalar(sa.select(Country.iso3).where(Country.iso3 == code.upper()))
        if found is None:
            raise UnknownScope(_l("No member state or owner has the code %(code)s.",
                                  code=code), "country")
        code = found
    return ReportSpec(scope, code, day, lang, fmt)


def _key(spec: ReportSpec, version: str):
    return (ReportRequest.scope == spec.scope, ReportRequest.code == spec.code,
            ReportRequest.as_of == spec.day, ReportRequest.lang == spec.lang,
            ReportRequest.format == spec.fmt, ReportRequest.version == version)


def find(spec: ReportSpec) -> ReportRequest | None:
    """The request for this report at the current data version, if there is one."""
    return db.session.scalar(sa.select(ReportRequest).where(*_key(spec, spec.version())))


def made_since(spec: ReportSpec, request_id: int) -> ReportRequest | None:
    """The newest of today's reports of this kind made for request ``request_id`` or for
    one recorded after it: what the reader who asked then is waiting for. Only for
    WAITER_FRESH after it was made, and never once something it shows was withdrawn from
    the public (a hidden observation: WITHDRAWALS in the ledger)."""
    if not spec.today:
        return None
    row = db.session.scalar(
        sa.select(ReportRequest).where(*_key(spec, spec.version())[:5],
                                       ReportRequest.version != "",
                                       ReportRequest.id >= request_id,
                                       ReportRequest.status == DONE,
                                       ReportRequest.finished_at >= utcnow() - WAITER_FRESH)
        .order_by(ReportRequest.id.desc()).limit(1))
    if row is None or row.finished_at is None:
        return None
    withdrawn = db.session.scalar(sa.select(sa.func.count(LedgerEntry.seq)).where(
        LedgerEntry.kind.in_(WITHDRAWALS), LedgerEntry.at >= row.finished_at))
    return None if withdrawn else row


def ready_file(row: ReportRequest | None) -> Path | None:
    """The made report's file, if it is made and still on disk."""
    if row is None or row.status != DONE or row.file_path != _file_name(row):
        return None  # not made, or made by an earlier layout
    path = cache_dir() / row.file_path
    return path if path.is_file() else None


def failed_recently(row: ReportRequest | None) -> bool:
    """A report that failed within RETRY_FAILED_AFTER: not asked for again before then (the
    202 page reloads itself, and each attempt may cost minutes of the scheduler's time)."""
    return row is not None and row.status == FAILED and row.finished_at is not None and \
        utcnow() - row.finished_at < RETRY_FAILED_AFTER


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ReportRequest.id))
                             .where(ReportRequest.status == PENDING)) or 0


def record_request(spec: ReportSpec) -> ReportRequest | None:
    """Ask for the report (again, if its file went missing or it failed); None when
    REPORT_MAX_PENDING requests already wait. One commit."""
    row = find(spec)
    if row is not None and row.status == PENDING:
        return row
    if pending_count() >= current_app.config["REPORT_MAX_PENDING"]:
        return None
    if row is None:
        row = ReportRequest(scope=spec.scope, code=spec.code, as_of=spec.day, lang=spec.lang,
                            format=spec.fmt, version=spec.version())
        db.session.add(row)
    if row.file_path:  # an earlier layout's file
        (cache_dir() / row.file_path).unlink(missing_ok=True)
    row.status, row.file_path, row.finished_at = PENDING, None, None
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another worker recorded it just now
        db.session.rollback()
        return find(spec)
    return row


# -- made by the scheduler ---------------------------------------------------------

def _builder(row: ReportRequest) -> Callable:
    if row.scope == "meeting":
        return lambda: content.regional_report(row.code, row.as_of)
    if row.scope == "country":
        return lambda: content.country_report(row.code, row.as_of)
    return lambda: content.summary(row.as_of)


def _renderer(fmt: str) -> Callable[..., bytes]:
    """Imported when used: WeasyPrint takes a while to load."""
    if fmt == "pdf":
        from tracker.reports.pdf import render_pdf
        return render_pdf
    from tracker.reports.docx import render_docx
    return render_docx


def _stale(row: ReportRequest) -> bool:
    """A today-report asked for on a day now over: nobody will be sent it. One whose data
    changed since it was asked for is still made, from the data as it is now: its reader
    waits for it (tracker.reports.routes._report's ``request``)."""
    return bool(row.version) and row.as_of != local_today()


@functools.cache
def layout_version() -> str:
    """A digest of the code and templates that lay a report out: after an upgrade that
    changes them, a kept report (a past day's) is made again rather than sent as it was."""
    package = Path(__file__).resolve().parent.parent
    sources = sorted([*(package / "reports").glob("*.py"),
                      *(package / "templates" / "reports").iterdir()])
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _file_name(row: ReportRequest) -> str:
    parts = (row.scope, row.code, row.as_of.isoformat(), row.lang, row.version,
             current_app.config["PUBLIC_BASE_URL"], layout_version())
    return "report-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:40] + "." + row.format


def _write(name: str, data: bytes) -> None:
    """Under a temporary name, then renamed: a reader finds the whole file or none."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".report-", suffix=".part")  # PART_PATTERN
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # read by nginx as another user
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def make_report(row: ReportRequest) -> str:
    """Make one requested report into its file and mark it done (or superseded, or
    failed); one commit. The outcome, for the log."""
    if _stale(row):
        row.status, row.finished_at = SUPERSEDED, utcnow()
        db.session.commit()
        return SUPERSEDED
    try:
        with force_locale(row.lang):
            data = _renderer(row.format)(_builder(row)(), row.lang)
        name = _file_name(row)
        _write(name, data)
    except DATABASE_UNAVAILABLE:
        raise  # an outage: the request stays pending for the next run
    except Exception:  # the meeting went away, the disk refused, a rendering bug: logged,
        # and marked failed so the reports behind it are still made
        current_app.logger.exception("report %s %s not made", row.scope, row.code)
        db.session.rollback()
        row.status, row.finished_at = FAILED, utcnow()
        db.session.commit()
        return FAILED
    row.status, row.file_path, row.finished_at = DONE, name, utcnow()
    _forget_superseded(row)
    db.session.commit()
    return DONE


def _forget_superseded(row: ReportRequest) -> None:
    """Remove the files of earlier today-reports of the same scope, language and format:
    they reflect data since changed. Reports as of a past day are kept."""
    if not row.version:
        return
    older = db.session.scalars(sa.select(ReportRequest).where(
        ReportRequest.scope == row.scope, ReportRequest.code == row.code,
        ReportRequest.lang == row.lang, ReportRequest.format == row.format,
        ReportRequest.version != "", ReportRequest.id != row.id,
        ReportRequest.status == DONE))
    for earlier in older:
        if earlier.file_path:
            (cache_dir() / earlier.file_path).unlink(missing_ok=True)
        earlier.status, earlier.file_path = SUPERSEDED, None


def make_pending_reports() -> dict[str, int]:
    """Make every pending report, oldest first, one at a time (each its own commit, so a
    reader is sent each as soon as it is made)."""
    _remove_abandoned_parts()
    outcomes: dict[str, int] = {}
    while True:
        row = db.session.scalar(sa.select(ReportRequest).where(ReportRequest.status == PENDING)
                                .order_by(ReportRequest.created_at, ReportRequest.id).limit(1))
        if row is None:
            _forget_oldest_past_days()
            return outcomes
        outcome = make_report(row)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1


def _forget_oldest_past_days() -> None:
    """Remove the files of the past days' reports made longest ago beyond KEEP_PAST_DAYS."""
    oldest = list(db.session.scalars(
        sa.select(ReportRequest).where(ReportRequest.status == DONE, ReportRequest.version == "")
        .order_by(ReportRequest.finished_at.desc(), ReportRequest.id.desc())
        .offset(KEEP_PAST_DAYS)))
    for row in oldest:
        if row.file_path:
            (cache_dir() / row.file_path).unlink(missing_ok=True)
        row.status, row.file_path = SUPERSEDED, None
    if oldest:
        db.session.commit()


def _remove_abandoned_parts() -> None:
    """Remove the temporary files of reports whose writer died before renaming them."""
    folder = cache_dir()
    cutoff = utcnow().timestamp() - ABANDONED_AFTER.total_seconds()
    for path in folder.glob(PART_PATTERN) if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # removed meanwhile, or not ours to remove: the next run tries again
