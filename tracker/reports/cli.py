"""``flask report meeting CODE | country ISO3 | summary``: a report as PDF or DOCX, as of a
day, written whole or not at all (a temporary file beside the target, renamed once complete).
Refusals are printed in the report's language, with exit status 1."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale, lazy_gettext as _l

from tracker.reports import content
from tracker.reports.as_of import ReportRefused, checked_day

report_group = AppGroup("report", help="The follow-up reports, as PDF or DOCX, as of a day.")
FORMATS = ("docx", "pdf")


def _options(command: Callable) -> Callable:
    for option in reversed((
            click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
                         help="The day the report is as of (its end, in TRACKER_TIMEZONE); "
                              "today by default."),
            click.option("--since", metavar="YYYY-MM-DD",
                         help="Add what changed from the end of this day."),
            click.option("--lang", type=click.Choice(["es", "en"]), default="es",
                         show_default=True),
            click.option("--format", "fmt", type=click.Choice(FORMATS),
                         default="pdf", show_default=True),
            click.option("-o", "--output", required=True,
                         type=click.Path(path_type=Path),
                         help="The file to write."))):
        command = option(command)
    return command


@report_group.command("meeting")
@click.argument("code")
@_options
def meeting_command(code: str, **options) -> None:
    """A meeting's regional report: its recommendations, the matrix, progress, ratings."""
    _produce(lambda day, since: content.regional_report(code, day, since), **options)


@report_group.command("country")
@click.argument("iso3")
@_options
def country_command(iso3: str, **options) -> None:
    """A country's report: its commitments across meetings, history and public evidence."""
    _produce(lambda day, since: content.country_report(iso3, day, since), **options)


@report_group.command("summary")
@_options
def summary_command(**options) -> None:
    """The short regional summary: totals, by country and by theme."""
    _produce(content.summary, **options)


def _produce(build: Callable, *, as_of: str | None, since: str | None, lang: str, fmt: str,
             output: Path) -> None:
    """Check everything, build and render the report, then write it in one rename."""
    with force_locale(lang):
        try:
            day = checked_day(as_of)
            before = checked_day(since, "since") if since else None
            _check_writable(output)
            report = build(day, before)
            data = _renderer(fmt)(report, lang)
            _write(output, data)
        except ReportRefused as exc:  # named by its option where it is one's value
            option = {"as_of": "--as-of: ", "since": "--since: "}.get(exc.field or "", "")
            click.echo(f"{option}{exc}", err=True)
            raise SystemExit(1) from None
        head = report.frame.head
        click.echo(f"{output} ({len(data)} bytes), as of {day.isoformat()}, "
                   f"ledger head {head.seq}:{head.hash}")


def _renderer(fmt: str) -> Callable[..., bytes]:
    """Imported when used: WeasyPrint takes a while to load, and every app builds the CLI."""
    if fmt == "pdf":
        from tracker.reports.pdf import render_pdf
        return render_pdf
    from tracker.reports.docx import render_docx
    return render_docx


def _check_writable(output: Path) -> None:
    folder = output.parent if str(output.parent) else Path(".")
    if output.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ReportRefused(_l("%(path)s cannot be written: its folder does not exist or is "
                               "not writable, or it is a folder.", path=str(output)), "output")


def _write(output: Path, data: bytes) -> None:
    """Beside the target, then renamed: a reader never finds half a report, and a failure
    leaves no file behind."""
    folder = output.parent if str(output.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".report-", suffix=".part")
    except OSError:
        raise ReportRefused(_l("%(path)s cannot be written: its folder does not exist or is "
                               "not writable, or it is a folder.", path=str(output)),
                            "output") from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise ReportRefused(_l("%(path)s cannot be written: its folder does not exist or is "
                               "not writable, or it is a folder.", path=str(output)),
                            "output") from None
