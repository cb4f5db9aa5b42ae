"""``flask seed`` loads seed_data/ into the database, idempotently; ``flask demo-data`` fills
a fresh database with synthetic commitments, for benchmarks."""

import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.importer.bundle import SeedBundle
from tracker.importer.demo_data import (
    DemoDataExists,
    MissingReferenceData,
    demo_data_exists,
    generate_demo_data,
)
from tracker.importer.errors import SeedError
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed
from tracker.models import Country

ALREADY_THERE = ("This database already holds demo data; nothing was written. "
                 "Run demo-data on a fresh database (flask db upgrade on an empty one).")


def _read_or_exit(root: Path) -> SeedBundle:
    """The checked seed bundle, or every problem printed and exit status 1."""
    try:
        return read_seed_directory(root)
    except SeedError as exc:
        click.echo(f"Seed data in {root} is not valid; nothing was written:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None


@click.command("seed")
@click.option("--path", "path", type=click.Path(file_okay=False, path_type=Path),
              help="Seed directory (default: SEED_DATA_DIR, i.e. seed_data/).")
@with_appcontext
def seed_command(path: Path | None) -> None:
    """Load the seed data: create what is new, update what changed, keep all history."""
    root = path or Path(current_app.config["SEED_DATA_DIR"])
    report = apply_seed(_read_or_exit(root))
    click.echo(f"Seeded from {root}:")
    for line in report.lines():
        click.echo(f"  {line}")
    click.echo(f"Total: {report.total('created')} created, {report.total('updated')} updated, "
               f"{report.total('unchanged')} unchanged.")


@click.command("demo-data")
@click.option("--commitments", "n_commitments", required=True, type=click.IntRange(min=1),
              help="How many commitments to create.")
@click.option("--seed", default=42, show_default=True, type=int,
              help="Random seed: the same seed gives the same data.")
@with_appcontext
def demo_data_command(n_commitments: int, seed: int) -> None:
    """Fill a fresh database with N synthetic commitments, their history and evidence."""
    if demo_data_exists():
        _refuse_second_run()
    _ensure_reference_data()
    try:
        with click.progressbar(length=n_commitments, label="Commitments",
                               file=sys.stderr) as bar:
            counts = generate_demo_data(n_commitments, seed, progress=bar.update)
    except DemoDataExists:
        _refuse_second_run()
    except MissingReferenceData as exc:
        raise click.ClickException(f"{exc}; nothing was written.") from None
    click.echo("Demo data written: " + ", ".join(f"{n} {kind.replace('_', ' ')}"
                                                 for kind, n in counts.items()) + ".")


def _ensure_reference_data() -> None:
    """Load seed_data/ (countries, themes, the real minutes) when no country is there yet."""
    if db.session.scalar(sa.select(sa.func.count(Country.id))):
        return
    root = Path(current_app.config["SEED_DATA_DIR"])
    report = apply_seed(_read_or_exit(root))
    click.echo(f"Loaded the seed data from {root} ({report.total('created')} rows).")


def _refuse_second_run() -> NoReturn:
    click.echo(ALREADY_THERE, err=True)
    raise SystemExit(1)
