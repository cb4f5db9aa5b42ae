"""Administration views (secretariat only): accounts."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.accounts import invitations, users
from tracker.admin import bp
from tracker.admin.forms import ConfirmForm, InviteForm
from tracker.core.forms import refuse, render_form
from tracker.extensions import db
from tracker.models import User
from tracker.permissions import secretariat_required


def _users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.email)
                                   .options(joinedload(User.country))))


@bp.get("/users", endpoint="users")
@secretariat_required
def user_list():
    """Every account: e-mail, role, country or organisation, active or deactivated."""
    return render_template("admin/users.html", users=_users(), form=ConfirmForm())


@bp.route("/users/invite", methods=["GET", "POST"])
@secretariat_required
def invite_user():
    """Create an account without a password and e-mail it an invitation link."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = invitations.invite_user(current_user, **form.values())
        except users.AccountError as exc:
            refuse(form, exc)
        else:
            flash(_("The invitation is sent to %(email)s.", email=user.email))
            return redirect(url_for("admin.users"))
    return render_form("admin/invite.html", form=form)


@bp.post("/users/<int:user_id>/deactivate")
@secretariat_required
def deactivate_user(user_id: int):
    """Deactivate an account and end its sessions."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            users.deactivate_user(current_user, user)
        except users.AccountError as exc:
            refuse(form, exc)
        else:
            flash(_("The account of %(email)s is deactivated.", email=user.email))
            return redirect(url_for("admin.users"))
    return render_form("admin/users.html", users=_users(), form=form)
