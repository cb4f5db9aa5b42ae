"""Administration views (secretariat only): the home page and meetings, plus the helpers
the other administration modules share."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.forms import MeetingEditForm, MeetingForm
from tracker.extensions import db
from tracker.models import AdminAction, Meeting
from tracker.permissions import secretariat_required
from tracker.commitments import administration
from tracker.commitments.administration import AdminRefused


def render_form(template: str, status: int | None = None, **context):
    """A form page: 200 when shown, 400 when a submitted form was refused."""
    status = status or (400 if request.method == "POST" else 200)
    return render_template(template, locale=str(get_locale()), **context), status


def refuse(form, error: Exception) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = getattr(form, getattr(error, "field", None) or "", None)
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def one_or_404(model, **natural_key):
    """The row with this natural key (a code, usually), or a 404."""
    row = db.session.scalar(sa.select(model).filter_by(**natural_key))
    if row is None:
        abort(404)
    return row


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
