"""`flask minutes extract` (what the extractor proposes, for scripts; writes nothing) and
`flask minutes import` (stores a document and its drafts, as the upload page does)."""

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_babel import force_locale

from tracker.extensions import db
from tracker.importer.drafts import import_minutes, propose
from tracker.importer.minutes import MinutesRefused, ProposedItem, describe_reason
from tracker.models import Meeting
from tracker.permissions import SYSTEM

LANGUAGE = click.Choice(["es", "en"])


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", "language", type=LANGUAGE, default="es", show_default=True,
              help="The documents' language.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the default is a table).")
@click.option("--meeting", "meeting_code", help="Also look for duplicates in this meeting.")
@with_appcontext
def extract_command(files: tuple[Path, ...], language: str, as_json: bool,
                    meeting_code: str | None) -> None:
    """Print the items proposed from FILES, each document's duplicates looked for in the
    ones before it (and in --meeting). Writes nothing."""
    meeting = _meeting(meeting_code) if meeting_code else None
    read: list[tuple[str, list[ProposedItem]]] = []
    out: list[dict] = []
    with force_locale(language):
        for path in files:
            try:
                proposal = propose(_read(path), path.name, language=language, meeting=meeting,
                                   others=read)
            except MinutesRefused as exc:
                raise _refusal(path, exc) from None
            read.append((path.name, proposal.items))
            for n, (item, duplicate) in enumerate(zip(proposal.items, proposal.duplicates,
                                                      strict=True)):
                out.append(dict(
                    file=path.name, position=n, kind=item.kind, year=item.year,
                    text=item.text, section=item.section, working_table=item.working_table,
                    reason=describe_reason(item.reason, item.reason_detail),
                    duplicate_of=({"key": duplicate[0], "score": round(duplicate[1], 1)}
                                  if duplicate else None)))
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for row in out:
        twin = f"  = {row['duplicate_of']['key']} ({row['duplicate_of']['score']})" \
            if row["duplicate_of"] else ""
        click.echo(f"{row['file']}#{row['position']:<3} {row['kind']:<18} "
                   f"{row['text'][:70]}{twin}")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--meeting", "meeting_code", required=True, help="The meeting's code.")
@click.option("--lang", "language", type=LANGUAGE, default="es", show_default=True)
@click.option("--title", help="The document's title (default: the file's name).")
@click.option("--restricted", is_flag=True,
              help="Only the secretariat may download the original file.")
@with_appcontext
def import_command(file: Path, meeting_code: str, language: str, title: str | None,
                   restricted: bool) -> None:
    """Store FILE as a source document of the meeting, and its items as drafts to review
    in the administration pages (Meetings > Minutes)."""
    meeting = _meeting(meeting_code)
    with force_locale("en"):
        try:
            document = import_minutes(SYSTEM, meeting, data=_read(file), filename=file.name,
                                      language=language, title=title, restricted=restricted)
        except MinutesRefused as exc:
            raise _refusal(file, exc) from None
    merges = sum(1 for d in document.drafts if d.duplicate_of_id or d.duplicate_code)
    click.echo(f"Imported {file.name} as document {document.code}: {len(document.drafts)} "
               f"draft items ({merges} proposed as merges). Review them at "
               f"/admin/minutes/{document.code}.")


def _refusal(path: Path, refused: MinutesRefused) -> click.ClickException:
    """The refusal in English, as the rest of the command line speaks."""
    with force_locale("en"):
        return click.ClickException(f"{path}: {refused} Nothing was written.")


def _meeting(code: str) -> Meeting:
    meeting = db.session.scalar(sa.select(Meeting).filter_by(code=code))
    if meeting is None:
        raise click.ClickException(f"No meeting {code!r}: create it first "
                                   "(Administration > Meetings > New meeting).")
    return meeting
