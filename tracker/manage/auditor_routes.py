"""An auditor's page: their observations with the answers received, and what they follow."""

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from tracker.audit import follows
from tracker.audit.follows import FollowRefused
from tracker.commitments.listing import filter_choices
from tracker.core.forms import refuse
from tracker.extensions import db
from tracker.manage import bp
from tracker.manage.auditor_forms import FollowForm, UnfollowForm
from tracker.permissions import is_auditor, require


def _page(follow_form: FollowForm | None = None, unfollow_form: UnfollowForm | None = None,
          status: int = 200):
    """The auditor's page; a refused form comes back with its messages, nothing written."""
    locale = str(get_locale())
    return render_template(
        "manage/my_observations.html", locale=locale,
        observations=follows.my_observations(current_user),
        follows=follows.follows(current_user),
        follow_form=(follow_form or FollowForm(formdata=None)).offer(filter_choices(locale)),
        unfollow_form=unfollow_form or UnfollowForm(formdata=None)), status


@bp.get("/my/observations")
@login_required
def my_observations():
    """The auditor's own observations, the answers they received, and their follows."""
    require(is_auditor(current_user))
    return _page()


@bp.post("/my/follows")
@login_required
def follow_country_or_theme():
    """Follow a country or a theme, for the weekly digest of public changes."""
    require(is_auditor(current_user))
    form = FollowForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        row = follows.follow(current_user, country_iso3=form.country.data,
                                  theme_code=form.theme.data)
    except FollowRefused as exc:
        db.session.rollback()
        refuse(form, exc)
        return _page(form, status=400)
    flash(_("You follow %(name)s.", name=row.name(str(get_locale()))))
    return redirect(url_for("manage.my_observations"))


@bp.post("/my/follows/<int:follow_id>/delete")
@login_required
def unfollow_country_or_theme(follow_id: int):
    """Stop following a country or a theme (one's own only)."""
    require(is_auditor(current_user))
    form = UnfollowForm()
    if not form.validate_on_submit():
        return _page(unfollow_form=form, status=400)
    follows.unfollow(current_user, follow_id)
    flash(_("You no longer follow it."))
    return redirect(url_for("manage.my_observations"))
