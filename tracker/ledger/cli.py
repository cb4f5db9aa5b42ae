"""``flask ledger``: verify the public ledger, print its head."""

import click
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.ledger.chain import current_head, verify_database

ledger_group = AppGroup("ledger", help="The public hash-chained ledger.")


@ledger_group.command("verify")
def verify_command() -> None:
    """Check the hash chain and its agreement with the history; exit 1 on any mismatch."""
    problem = verify_database(db.session())
    if problem:
        click.echo(f"LEDGER BROKEN: {problem}", err=True)
        raise SystemExit(1)
    head = current_head()
    click.echo(f"Ledger intact: {head['seq']} entries, head {head['seq']}:{head['hash']}")


@ledger_group.command("head")
def head_command() -> None:
    """Print the head as SEQ:HASH, the checkpoint an auditor saves."""
    head = current_head()
    click.echo(f"{head['seq']}:{head['hash']}")
