"""Administration views (secretariat only): every account's API tokens, and revoking them."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts import api_tokens
from tracker.admin import bp
from tracker.admin.forms import ConfirmForm
from tracker.core.forms import render_form
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.permissions import secretariat_required


def _page(form: ConfirmForm, status: int | None = None):
    return render_form("admin/tokens.html", status, tokens=api_tokens.all_tokens(),
                       form=form, now=utcnow(), state_of=api_tokens.state_of)


@bp.get("/tokens")
@secretariat_required
def tokens():
    """Every API token of every account: owner, country, scopes, dates, state."""
    return _page(ConfirmForm())


@bp.post("/tokens/<int:token_id>/revoke")
@secretariat_required
def revoke_token(token_id: int):
    """Revoke anyone's token: it stops working at once."""
    token = db.get_or_404(ApiToken, token_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(form)
    if api_tokens.revoke_token(current_user, token):
        flash(_("The token “%(name)s” of %(email)s is revoked.", name=token.name,
                email=token.user.email))
    else:
        flash(_("The token “%(name)s” was already revoked.", name=token.name))
    return redirect(url_for("admin.tokens"))
