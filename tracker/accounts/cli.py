"""``flask users``: create, list and deactivate accounts from the command line."""

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from tracker.accounts import users
from tracker.accounts.passwords import MAX_LENGTH, WeakPassword
from tracker.extensions import db
from tracker.models import Role, User
from tracker.permissions import SYSTEM

users_group = AppGroup("users", help="Manage accounts.")
_STDIN_LIMIT = 4 * MAX_LENGTH + 2  # bytes: the longest password allowed, in UTF-8, and CRLF


@users_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--country", help="ISO3 code of the country (focal points).")
@click.option("--name", help="The person's name.")
@click.option("--organisation", help="Organisation (auditors).")
@click.option("--organisation-kind", type=click.Choice(
    ["civil_society", "academia", "international_organisation"]), default="civil_society")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email, role, country, name, organisation, organisation_kind, password_stdin):
    """Create an account with a password (prompted for, or read from stdin)."""
    if password_stdin:
        password = _password_from_stdin()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create_user(SYSTEM, email=email, role=role, country=country, name=name,
                                    organisation=organisation,
                                    organisation_kind=organisation_kind, password=password)
    except (users.AccountError, WeakPassword) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.role.value} {user.email}"
               + (f" ({user.country.iso3})" if user.country else ""))


def _password_from_stdin() -> str:
    """The first line of standard input, which must be UTF-8 (read as bytes: a text stream
    would fail on other bytes with a traceback, or guess the terminal's encoding)."""
    raw = sys.stdin.buffer.readline(_STDIN_LIMIT + 1)
    if len(raw) > _STDIN_LIMIT:
        raise click.ClickException("The password on standard input is too long; "
                                   "nothing was created.")
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise click.ClickException("The password on standard input is not valid UTF-8; "
                                   "nothing was created.") from None


@users_group.command("list")
def list_users():
    """List accounts: e-mail, role, country or organisation, active or not."""
    for user in db.session.scalars(sa.select(User).order_by(User.role, User.email)):
        where = user.country.iso3 if user.country else (user.organisation or "")
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.email:<40} {user.role.value:<12} {where:<20} {state}")


@users_group.command("deactivate")
@click.argument("email")
def deactivate_user(email):
    """Deactivate an account; its sessions end at once."""
    user = users.find_user(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    try:
        users.deactivate_user(SYSTEM, user)
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deactivated {user.email}; its sessions are ended.")
