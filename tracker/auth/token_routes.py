"""The account's API tokens: list, create (the value shown once), revoke."""

from flask import flash, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts import api_tokens
from tracker.auth import bp
from tracker.auth.token_forms import RevokeForm, TokenForm
from tracker.core.forms import refuse, render_form
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.permissions import can_hold_token, can_manage_token, require

PAGE = "auth/tokens.html"


def _page(form: TokenForm, status: int | None = None, revoke_form: RevokeForm | None = None,
          **context):
    return render_form(PAGE, status, form=form, revoke_form=revoke_form or RevokeForm(),
                       tokens=api_tokens.tokens_of(current_user), now=utcnow(),
                       state_of=api_tokens.state_of, **context)


@bp.get("/account/tokens")
def tokens():
    """The user's own API tokens, and the form to make one."""
    require(can_hold_token(current_user))
    return _page(TokenForm(formdata=None))


@bp.post("/account/tokens")
def create_token():
    """Make a token; its value is in this answer only (never stored, flashed or cached)."""
    require(can_hold_token(current_user))
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, value = api_tokens.create_token(
                current_user, current_user, name=form.name.data or "",
                scopes=form.scopes.data or [], days=form.days.data)
        except api_tokens.TokenRefused as exc:
            refuse(form, exc)
        else:
            body, status = _page(TokenForm(formdata=None), 200, created=token, value=value)
            response = make_response(body, status)
            response.headers["Cache-Control"] = "no-store"
            return response
    return _page(form)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of one's own tokens (another's is a 403, and stays as it was)."""
    token = db.get_or_404(ApiToken, token_id)
    require(can_hold_token(current_user) and can_manage_token(current_user, token))
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(TokenForm(formdata=None), 400, revoke_form=form)
    if api_tokens.revoke_token(current_user, token):
        flash(_("The token “%(name)s” is revoked.", name=token.name))
    else:
        flash(_("The token “%(name)s” was already revoked.", name=token.name))
    return redirect(url_for("auth.tokens"))
