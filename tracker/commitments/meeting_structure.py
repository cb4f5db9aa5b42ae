"""A meeting's structure, edited by the secretariat: its working tables, the sections of
their items, and its source documents. Every change is logged in the same commit."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker.accounts import admin_log
from tracker.commitments.edits import (
    AdminRefused,
    apply_changes,
    checked,
    checked_code,
    clean,
    commit_new,
)
from tracker.core.forms import has_control_character
from tracker.core.labels import LANGUAGE_LABELS
from tracker.extensions import db
from tracker.models import ContextItem, Meeting, Recommendation, SourceDocument, WorkingTable
from tracker.permissions import Actor, can_administer, ensure

__all__ = ["LANGUAGES", "Section", "create_working_table", "rename_section", "sections_of",
           "update_source_document", "update_working_table"]

TABLE_LIMITS = {"code": 20, "name_es": 400, "name_en": 400, "facilitators": 400}
SECTION_MAX = 400
DOCUMENT_LIMITS = {"title": 300}
LANGUAGES = tuple(LANGUAGE_LABELS)  # es, en
DUPLICATE_TABLE = _l("This meeting already has a working table with this code.")


@dataclass(frozen=True)
class Section:
    """A section of a working table: a heading of the minutes its items share."""

    name: str
    recommendations: int
    context_items: int

    @property
    def items(self) -> int:
        return self.recommendations + self.context_items


# -- working tables ----------------------------------------------------------------------

def create_working_table(actor: Actor, meeting: Meeting, *, code: str, name_es: str,
                         name_en: str, facilitators: str | None = None) -> WorkingTable:
    """Add a working table at the end of the meeting's list; its code prefixes its items'
    codes, so it is unique in the meeting and never changes."""
    ensure(can_administer(actor))
    code = checked_code(code, TABLE_LIMITS["code"])
    values = _table_values(name_es, name_en, facilitators)
    taken = sa.select(WorkingTable.id).filter_by(meeting_id=meeting.id, code=code)
    if db.session.scalar(taken) is not None:
        raise AdminRefused(DUPLICATE_TABLE, "code")
    last = db.session.scalar(sa.select(sa.func.max(WorkingTable.position))
                             .filter_by(meeting_id=meeting.id))
    table = WorkingTable(meeting=meeting, code=code, position=0 if last is None else last + 1,
                         **values)
    db.session.add(table)
    admin_log.record(actor, "working_table.create", f"working table {meeting.code}/{code}",
                     code=code, **values)
    commit_new(DUPLICATE_TABLE)
    return table


def update_working_table(actor: Actor, table: WorkingTable, *, name_es: str, name_en: str,
                         facilitators: str | None, place: int) -> dict:
    """Change a table's names and facilitators, and move it to ``place`` (1 = first) in its
    meeting's list; returns the logged changes ({field: [old, new]})."""
    ensure(can_administer(actor))
    values = _table_values(name_es, name_en, facilitators)
    if not isinstance(place, int) or place < 1:
        raise AdminRefused(_l("Enter a place of 1 or more."), "place")
    changes = apply_changes(table, values)
    tables = sorted(table.meeting.working_tables, key=lambda t: (t.position, t.id))
    old_order = [t.code for t in tables]
    tables.remove(table)
    tables.insert(min(place, len(tables) + 1) - 1, table)
    for position, each in enumerate(tables):
        if each.position != position:
            each.position = position
    if [t.code for t in tables] != old_order:
        changes["order"] = [old_order, [t.code for t in tables]]
    if changes:
        admin_log.record(actor, "working_table.update",
                         f"working table {table.meeting.code}/{table.code}", **changes)
        db.session.commit()
    return changes


def _table_values(name_es, name_en, facilitators) -> dict:
    values = checked(dict(name_es=name_es, name_en=name_en, facilitators=facilitators),
                      TABLE_LIMITS)
    for name in ("name_es", "name_en"):
        if not values[name]:
            raise AdminRefused(_l("This field is required."), name)
    _single_lines(values)
    return values


# -- sections ----------------------------------------------------------------------------

def sections_of(table: WorkingTable) -> list[Section]:
    """The table's sections with their item counts, in the order the items come (its
    recommendations first, then its context items)."""
    counts: dict[str, list[int]] = {}
    columns = ((Recommendation.section, Recommendation.position, Recommendation.working_table_id),
               (ContextItem.section, ContextItem.position, ContextItem.working_table_id))
    for index, (section, position, table_id) in enumerate(columns):
        rows = db.session.execute(
            sa.select(section, sa.func.count()).where(table_id == table.id)
            .group_by(section).order_by(sa.func.min(position)))
        for name, count in rows:
            counts.setdefault(name, [0, 0])[index] = count
    return [Section(name, recs, contexts) for name, (recs, contexts) in counts.items()]


def rename_section(actor: Actor, table: WorkingTable, *, section: str, new_name: str) -> int:
    """Rename a section on every recommendation and context item of the table that has it;
    returns how many items changed. Never merges two sections (a merge could not be undone
    by another rename)."""
    ensure(can_administer(actor))
    new_name = clean(new_name)
    if not new_name:
        raise AdminRefused(_l("This field is required."), "name")
    if len(new_name) > SECTION_MAX:
        raise AdminRefused(_l("At most %(max)d characters.", max=SECTION_MAX), "name")
    _single_lines({"name": new_name})
    names = {s.name for s in sections_of(table)}
    if section not in names:
        raise AdminRefused(_l("This section is no longer in the working table: someone renamed "
                              "it first. Reload the working table's page."))
    if new_name == section:
        return 0
    if new_name in names:
        raise AdminRefused(_l("Another section of this working table already has this name."),
                           "name")
    # Through the ORM, not a bulk UPDATE: the write hooks (data version) see every item.
    items = [*db.session.scalars(sa.select(Recommendation).filter_by(
        working_table_id=table.id, section=section)),
        *db.session.scalars(sa.select(ContextItem).filter_by(
            working_table_id=table.id, section=section))]
    for item in items:
        item.section = new_name
    admin_log.record(actor, "section.rename", f"working table {table.meeting.code}/{table.code}",
                     section=[section, new_name], items=[i.code for i in items])
    db.session.commit()
    return len(items)


# -- source documents --------------------------------------------------------------------

def update_source_document(actor: Actor, document: SourceDocument, *, title: str,
                           language: str, restricted: bool) -> dict:
    """Change a document's title, language and whether its original is restricted (then
    downloadable by the secretariat only); its text and file never change here."""
    ensure(can_administer(actor))
    values = checked(dict(title=title), DOCUMENT_LIMITS)
    if not values["title"]:
        raise AdminRefused(_l("This field is required."), "title")
    _single_lines(values)
    if language not in LANGUAGES:
        raise AdminRefused(_l("Choose Spanish or English."), "language")
    values.update(language=language, restricted=bool(restricted))
    changes = apply_changes(document, values)
    if changes:
        admin_log.record(actor, "source_document.update", f"source document {document.code}",
                         **changes)
        db.session.commit()
    return changes


def _single_lines(values: dict) -> None:
    """The forms refuse control characters; the CLI and other callers are held to it too."""
    for name, value in values.items():
        if isinstance(value, str) and has_control_character(value, multiline=False):
            raise AdminRefused(_l("Remove the control characters (or line breaks) from this "
                                  "field."), name)
