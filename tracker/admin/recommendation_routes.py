"""Administration views (secretariat only): recommendations, their owners, commitments."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from tracker.admin import bp
from tracker.admin.forms import (
    CommitmentForm,
    OwnerForm,
    RecommendationEditForm,
    RecommendationForm,
    recommendation_data,
)
from tracker.commitments import administration
from tracker.commitments.administration import AdminRefused, Conflict
from tracker.core.forms import CONFLICT, one_or_404, refuse, render_form, reopen_after_conflict
from tracker.extensions import db
from tracker.models import Commitment, Recommendation, WorkingTable
from tracker.permissions import secretariat_required


@bp.get("/recommendations")
@secretariat_required
def recommendations():
    """Every recommendation, by working table, with its number of owner countries."""
    rows = db.session.scalars(
        sa.select(Recommendation).join(Recommendation.working_table)
        .order_by(WorkingTable.meeting_id, WorkingTable.position, Recommendation.position)
        .options(joinedload(Recommendation.working_table).joinedload(WorkingTable.meeting),
                 joinedload(Recommendation.theme), selectinload(Recommendation.commitments)))
    return render_template("admin/recommendations.html", recommendations=list(rows),
                           locale=str(get_locale()))


@bp.route("/recommendations/new", methods=["GET", "POST"])
@secretariat_required
def new_recommendation():
    """Create a recommendation and the commitments of its owner countries."""
    form = RecommendationForm()
    if form.validate_on_submit():
        try:
            rec = administration.create_recommendation(current_user, **form.values())
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The recommendation is created with %(count)d commitments.",
                    count=len(rec.commitments)))
            return redirect(url_for("admin.edit_recommendation", code=rec.code))
    return render_form("admin/recommendation_form.html", form=form, rec=None)


@bp.route("/recommendations/<code>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_recommendation(code: str):
    """Change a recommendation's table, theme, kind, year, section or texts."""
    rec = one_or_404(Recommendation, code=code)
    form = RecommendationEditForm(**recommendation_data(rec))
    if form.validate_on_submit():
        try:
            changes = administration.update_recommendation(current_user, rec, **form.values())
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The recommendation is saved.") if changes else _("Nothing changed."))
            return redirect(url_for("admin.edit_recommendation", code=code))
    return render_form("admin/recommendation_form.html", form=form, rec=rec,
                       owner_form=OwnerForm(formdata=None))


@bp.post("/recommendations/<code>/owners")
@secretariat_required
def add_recommendation_owner(code: str):
    """Add one owner country: a new commitment, not reported yet."""
    rec = one_or_404(Recommendation, code=code)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            commitment = administration.add_owner(current_user, rec, form.country.data)
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("%(code)s is created.", code=commitment.code))
            return redirect(url_for("admin.edit_recommendation", code=code))
    return render_form("admin/recommendation_form.html", rec=rec, owner_form=form,
                       form=RecommendationEditForm(formdata=None, **recommendation_data(rec)))


@bp.route("/commitments/<code>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_commitment(code: str):
    """Set a commitment's due date and responsible institution; a stale form gets a 409."""
    commitment = one_or_404(Commitment, code=code)
    form = CommitmentForm(obj=commitment)
    if form.validate_on_submit():
        try:
            changes = administration.update_commitment(
                current_user, commitment, due_date=form.due_date.data,
                responsible_institution=form.responsible_institution.data,
                seen_version=form.seen_version())
        except AdminRefused as exc:
            refuse(form, exc)
        except Conflict:
            commitment = reopen_after_conflict(form, lambda: one_or_404(Commitment, code=code))
            return render_form("admin/commitment_form.html", CONFLICT, form=form,
                               commitment=commitment, conflict=True)
        else:
            flash(_("The commitment is saved.") if changes else _("Nothing changed."))
            return redirect(url_for("public.commitment", code=code))
    return render_form("admin/commitment_form.html", form=form, commitment=commitment)
