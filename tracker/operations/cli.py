"""``flask backup``: create a backup, restore one into an empty database."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.operations.backup import Site, create_backup, restore_backup
from tracker.operations.manifest import BackupError

backup_group = AppGroup("backup", help="Back up the database and evidence files; restore.")
FOLDER = click.Path(file_okay=False, path_type=Path)


@backup_group.command("create")
@click.argument("directory", type=FOLDER)
def create_command(directory: Path) -> None:
    """Write a consistent backup with its manifest into DIRECTORY (new or empty)."""
    try:
        manifest = create_backup(Site.of(current_app.config), directory)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup of the {manifest.database} database written to {directory}: "
               f"{len(manifest.files)} file(s), ledger head {manifest.head_text}")


@backup_group.command("restore")
@click.argument("directory", type=FOLDER)
def restore_command(directory: Path) -> None:
    """Restore DIRECTORY into the configured database, which must be empty; verify the
    ledger and compare its head with the backup's; exit 1 on any mismatch."""
    try:
        report = restore_backup(Site.of(current_app.config), directory)
    except (BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    if report.problem:
        click.echo(f"Restored, but LEDGER BROKEN: {report.problem}", err=True)
        raise SystemExit(1)
    if report.head != report.expected_head:
        click.echo(f"Restored, but the ledger head {report.head} differs from the backup's "
                   f"{report.expected_head}.", err=True)
        raise SystemExit(1)
    click.echo(f"Restored from {directory}. Ledger intact, head {report.head} (as in the "
               "backup).")
