"""Administration views (secretariat only): the home page and meetings."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.admin import bp
from tracker.admin.forms import MeetingEditForm, MeetingForm
from tracker.commitments import administration
from tracker.commitments.administration import AdminRefused
from tracker.core.forms import one_or_404, refuse, render_form
from tracker.extensions import db
from tracker.models import AdminAction, Meeting
from tracker.permissions import secretariat_required


@bp.get("/")
@secretariat_required
def index():
    """The administration home: what can be managed, and the latest changes."""
    actions = db.session.scalars(sa.select(AdminAction).options(joinedload(AdminAction.actor))
                                 .order_by(AdminAction.id.desc()).limit(50))
    return render_template("admin/index.html", actions=list(actions))


@bp.get("/meetings")
@secretariat_required
def meetings():
    """Every meeting, with the facts still unknown shown as such."""
    rows = db.session.scalars(sa.select(Meeting).order_by(Meeting.code))
    return render_template("admin/meetings.html", meetings=list(rows))


@bp.route("/meetings/new", methods=["GET", "POST"])
@secretariat_required
def new_meeting():
    """Create a meeting."""
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            administration.create_meeting(current_user, code=form.code.data, **form.values())
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The meeting is created."))
            return redirect(url_for("admin.meetings"))
    return render_form("admin/meeting_form.html", form=form, meeting=None)


@bp.route("/meetings/<code>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_meeting(code: str):
    """Change a meeting's name, date, city, venue or notes."""
    meeting = one_or_404(Meeting, code=code)
    form = MeetingEditForm(obj=meeting)
    if form.validate_on_submit():
        try:
            changes = administration.update_meeting(current_user, meeting, **form.values())
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The meeting is saved.") if changes else _("Nothing changed."))
            return redirect(url_for("admin.meetings"))
    return render_form("admin/meeting_form.html", form=form, meeting=meeting)
