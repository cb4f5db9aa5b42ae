"""``flask indicators``: the dimensions' vocabularies, listed and extended by the operator."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.indicators.definitions import add_dimension_value
from tracker.indicators.periods import IndicatorRefused
from tracker.models import Dimension
from tracker.permissions import SYSTEM

indicators_group = AppGroup("indicators", help="Indicators' dimensions and their codes.")


@indicators_group.command("dimensions")
def dimensions_command() -> None:
    """Every dimension and its codes, in the order tables show them."""
    for dimension in db.session.scalars(sa.select(Dimension).order_by(Dimension.position)):
        click.echo(f"{dimension.code}  {dimension.name_es} / {dimension.name_en}")
        for value in dimension.values:
            click.echo(f"  {value.code:<12} {value.name_es} / {value.name_en}")


@indicators_group.command("add-value")
@click.argument("dimension")
@click.argument("code")
@click.option("--es", "name_es", required=True, help="Its name in Spanish.")
@click.option("--en", "name_en", required=True, help="Its name in English.")
def add_value_command(dimension: str, code: str, name_es: str, name_en: str) -> None:
    """Add CODE to DIMENSION's vocabulary (e.g. an age band: AGE Y0T4 --es "0 a 4 años"
    --en "0 to 4 years"); it is offered after the existing codes."""
    try:
        add_dimension_value(SYSTEM, dimension.upper(), code, name_es, name_en)
    except IndicatorRefused as exc:
        raise click.ClickException(f"{exc.args[0]} Nothing was written.") from None
    click.echo(f"Added {code} to {dimension.upper()}.")
