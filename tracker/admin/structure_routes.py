"""Administration views (secretariat only): a meeting's page, its working tables and their
sections, its source documents."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.structure_forms import (
    SectionForm,
    SourceDocumentForm,
    WorkingTableEditForm,
    WorkingTableForm,
)
from tracker.commitments import meeting_structure
from tracker.commitments.administration import AdminRefused
from tracker.core.forms import one_or_404, refuse, render_form
from tracker.extensions import db
from tracker.models import Meeting, SourceDocument, WorkingTable
from tracker.permissions import secretariat_required


def _table_or_404(meeting_code: str, table_code: str) -> WorkingTable:
    table = db.session.scalar(sa.select(WorkingTable).join(WorkingTable.meeting)
                              .where(Meeting.code == meeting_code, WorkingTable.code == table_code))
    if table is None:
        abort(404)
    return table


def _back_to(meeting: Meeting):
    return redirect(url_for("admin.meeting", code=meeting.code))


@bp.get("/meetings/<code>")
@secretariat_required
def meeting(code: str):
    """A meeting's structure: its working tables and its source documents."""
    return render_template("admin/meeting.html", meeting=one_or_404(Meeting, code=code))


@bp.route("/meetings/<code>/tables/new", methods=["GET", "POST"])
@secretariat_required
def new_working_table(code: str):
    """Add a working table to a meeting."""
    meeting = one_or_404(Meeting, code=code)
    form = WorkingTableForm()
    if form.validate_on_submit():
        try:
            meeting_structure.create_working_table(current_user, meeting, **form.values())
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The working table is created."))
            return _back_to(meeting)
    return render_form("admin/working_table_form.html", form=form, meeting=meeting, table=None)


@bp.route("/meetings/<code>/tables/<table_code>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_working_table(code: str, table_code: str):
    """Change a working table's names, facilitators and place; list its sections."""
    table = _table_or_404(code, table_code)
    place = sorted(table.meeting.working_tables, key=lambda t: (t.position, t.id)).index(table)
    form = WorkingTableEditForm(obj=table, place=place + 1)
    if form.validate_on_submit():
        try:
            changes = meeting_structure.update_working_table(current_user, table, **form.values())
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The working table is saved.") if changes else _("Nothing changed."))
            return _back_to(table.meeting)
    return render_form("admin/working_table_form.html", form=form, meeting=table.meeting,
                       table=table, sections=meeting_structure.sections_of(table))


@bp.route("/meetings/<code>/tables/<table_code>/sections/rename", methods=["GET", "POST"])
@secretariat_required
def rename_section(code: str, table_code: str):
    """Rename a section on every item of the working table that has it."""
    table = _table_or_404(code, table_code)
    form = SectionForm(section=request.args.get("section", ""))
    if request.method in ("GET", "HEAD"):  # HEAD: what GET would answer
        section = next((s for s in meeting_structure.sections_of(table)
                        if s.name == form.section.data), None)
        if section is None:
            abort(404)
        form.name.data = section.name
    elif form.validate_on_submit():
        try:
            count = meeting_structure.rename_section(current_user, table,
                                                     section=form.section.data,
                                                     new_name=form.name.data)
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The section is renamed (items changed: %(count)d).", count=count) if count
                  else _("Nothing changed."))
            return redirect(url_for("admin.edit_working_table", code=code, table_code=table_code))
    return render_form("admin/section_form.html", form=form, table=table)


@bp.route("/sources/<code>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_source_document(code: str):
    """Change a source document's title, language and whether its original is restricted."""
    document = one_or_404(SourceDocument, code=code)
    form = SourceDocumentForm(obj=document)
    if form.validate_on_submit():
        try:
            changes = meeting_structure.update_source_document(
                current_user, document, title=form.title.data, language=form.language.data,
                restricted=form.restricted.data)
        except AdminRefused as exc:
            refuse(form, exc)
        else:
            flash(_("The source document is saved.") if changes else _("Nothing changed."))
            return _back_to(document.meeting)
    return render_form("admin/source_document_form.html", form=form, document=document)
