"""Administration views (secretariat only)."""

import sqlalchemy as sa
from flask import render_template

from tracker.admin import bp
from tracker.extensions import db
from tracker.models import AdminAction
from tracker.permissions import secretariat_required


@bp.get("/")
@secretariat_required
def index():
    """The administration home: what can be managed, and the latest changes."""
    actions = db.session.scalars(sa.select(AdminAction).order_by(AdminAction.id.desc()).limit(50))
    return render_template("admin/index.html", actions=list(actions))
