"""``flask tokens``: make, list and revoke API tokens from the command line (as SYSTEM)."""

import click
from flask.cli import AppGroup

from tracker.accounts import api_tokens, users
from tracker.core.request_checks import MAX_ID
from tracker.core.time import isoformat_utc, utcnow
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.permissions import SYSTEM

tokens_group = AppGroup("tokens", help="Manage API tokens.")


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The system that will use the token.")
@click.option("--scope", "scopes", multiple=True, required=True, metavar="SCOPE",
              help=f"What it may do: {' or '.join(api_tokens.SCOPES)} (repeat for several).")
@click.option("--days", default=str(api_tokens.DEFAULT_DAYS), show_default=True,
              help=f"Lifetime, 1 to {api_tokens.MAX_DAYS} days.")
def create_token(email, name, scopes, days):
    """Make a token for EMAIL; its value alone goes to stdout, once (the rest to stderr)."""
    user = users.find_user(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}; "
                                   "nothing was created.")
    try:
        lifetime = int(days)
    except ValueError:
        lifetime = 0  # refused below with the service's message
    try:
        token, value = api_tokens.create_token(SYSTEM, user, name=name, scopes=list(scopes),
                                               days=lifetime)
    except api_tokens.TokenRefused as exc:
        hint = f" (--scope {' or '.join(api_tokens.SCOPES)})" if exc.field == "scopes" else ""
        # The refusal is in the site's default language, like every service's.
        raise click.ClickException(f"{exc}{hint}") from None
    click.echo(f"Token {token.id} for {user.email}: {token.scopes}, expires "
               f"{isoformat_utc(token.expires_at)}. It is shown once:", err=True)
    click.echo(value)


@tokens_group.command("list")
@click.argument("email", required=False)
def list_tokens(email):
    """List tokens (of EMAIL only, if given): id, owner, name, prefix, scopes, country,
    expiry, state."""
    if email is None:
        tokens = api_tokens.all_tokens()
    else:
        user = users.find_user(email)
        if user is None:
            raise click.ClickException(f"No account with the e-mail address {email}.")
        tokens = api_tokens.tokens_of(user)
    now = utcnow()
    for t in tokens:
        country = t.country.iso3 if t.country else "all"
        click.echo(f"{t.id:>5} {t.user.email:<36} {t.name:<24} {t.prefix}… "
                   f"{t.scopes.replace(' ', ','):<28} {country:<4} "
                   f"{isoformat_utc(t.expires_at)} {api_tokens.state_of(t, now)}")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    """Revoke token TOKEN_ID: it stops working at once."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None:
        raise click.ClickException(f"No token {token_id}.")
    if api_tokens.revoke_token(SYSTEM, token):
        click.echo(f"Revoked token {token.id} ({token.name}) of {token.user.email}.")
    else:
        click.echo(f"Token {token.id} was already revoked.")
