"""``flask seed``: load seed_data/ into the database, idempotently."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.importer.errors import SeedError
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed


@click.command("seed")
@click.option("--path", "path", type=click.Path(file_okay=False, path_type=Path),
              help="Seed directory (default: SEED_DATA_DIR, i.e. seed_data/).")
@with_appcontext
def seed_command(path: Path | None) -> None:
    """Load the seed data: create what is new, update what changed, keep all history."""
    root = path or Path(current_app.config["SEED_DATA_DIR"])
    try:
        bundle = read_seed_directory(root)
    except SeedError as exc:
        click.echo(f"Seed data in {root} is not valid; nothing was written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    report = apply_seed(bundle)
    click.echo(f"Seeded from {root}:")
    for line in report.lines():
        click.echo(f"  {line}")
    click.echo(f"Total: {report.total('created')} created, {report.total('updated')} updated, "
               f"{report.total('unchanged')} unchanged.")
