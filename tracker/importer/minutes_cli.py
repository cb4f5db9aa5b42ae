"""``flask minutes``: a meeting's minutes in and out of the tracker; ``export`` writes an
accepted meeting back in ``seed_data/`` form, for review and for ``flask seed --path``."""

from pathlib import Path

import click
from flask.cli import AppGroup

from tracker.importer.draft_commands import extract_command, import_command
from tracker.importer.export import ExportRefused, export_meeting
from tracker.permissions import SYSTEM

minutes_group = AppGroup("minutes", help="Meetings' minutes, in and out of the tracker.")
minutes_group.add_command(extract_command)
minutes_group.add_command(import_command)


@minutes_group.command("export")
@click.argument("meeting_code")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path),
              help="Folder to write (default: ./MEETING_CODE-seed); must be new or empty.")
@click.option("--force", is_flag=True, help="Replace an earlier export in that folder.")
def export_command(meeting_code: str, output: Path | None, force: bool) -> None:
    """Write a meeting as a seed directory that `flask seed --path` loads."""
    target = output or Path(f"{meeting_code}-seed")
    try:
        done = export_meeting(SYSTEM, meeting_code, target, force=force)
    except ExportRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Exported {meeting_code} to {target.resolve()}:")
    for path in done.files:
        click.echo(f"  {path.as_posix()}")
    items = [item for table in done.meeting.working_tables for item in table.items]
    recommendations = sum(item.is_recommendation for item in items)
    click.echo(f"{len(done.meeting.working_tables)} working tables, {recommendations} "
               f"recommendations, {len(items) - recommendations} context items, "
               f"{sum(len(item.quotes) for item in items)} quotes, "
               f"{len(done.meeting.documents)} documents.")
