"""Administration views (secretariat only): the indicators and the form that defines one."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from tracker.admin import bp
from tracker.admin.indicator_forms import PERIOD_LABELS, TARGETS_HELP, UNIT_LABELS, IndicatorForm
from tracker.core.forms import refuse, render_form
from tracker.extensions import db
from tracker.indicators.definitions import IndicatorRefused, define_indicator
from tracker.models import Indicator, IndicatorDimension
from tracker.permissions import secretariat_required

# The service names the pair of dimensions "dimensions"; the form has one select for each.
FIELD_OF = {"dimensions": "first_dimension"}


@bp.get("/indicators")
@secretariat_required
def indicators():
    """Every indicator, with what it measures, its unit, frequency and breakdown."""
    rows = db.session.scalars(
        sa.select(Indicator).order_by(Indicator.code)
        .options(joinedload(Indicator.recommendation), joinedload(Indicator.commitment),
                 selectinload(Indicator.dimension_links).joinedload(IndicatorDimension.dimension)))
    return render_template("admin/indicators.html", indicators=list(rows),
                           unit_labels=UNIT_LABELS, period_labels=PERIOD_LABELS,
                           locale=str(get_locale()))


@bp.route("/indicators/new", methods=["GET", "POST"])
@secretariat_required
def new_indicator():
    """Define an indicator; every refusal is shown on its field and nothing is written."""
    form = IndicatorForm()
    if form.validate_on_submit():
        try:
            indicator = define_indicator(current_user, **form.values())
        except IndicatorRefused as exc:
            exc.field = FIELD_OF.get(exc.field or "", exc.field)
            refuse(form, exc)
        else:
            flash(_("The indicator %(code)s is defined.", code=indicator.code))
            return redirect(url_for("admin.indicators"))
    return render_form("admin/indicator_form.html", form=form, targets_help=TARGETS_HELP)
