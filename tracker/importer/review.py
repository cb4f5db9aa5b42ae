"""The secretariat's review of draft items: edit, accept, merge, reject, undo.

Decisions are kept on the drafts only; nothing public changes until the meeting's accepted
drafts are published (tracker.importer.publish), and a decision can be undone until then."""

from collections.abc import Iterable
from itertools import groupby

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from tracker.core.forms import has_control_character
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import (
    Country,
    DraftDecision,
    DraftItem,
    DraftKind,
    Meeting,
    SourceDocument,
    Theme,
)
from tracker.permissions import Actor, can_administer, ensure, is_system

TITLE_MAX = DraftItem.title_es.type.length
NAME_MAX = DraftItem.section.type.length
YEARS = range(1900, 2101)


class ReviewRefused(Refused):
    """The review decision or edit is not valid."""


def edit_draft(actor: Actor, draft: DraftItem, *, kind: str, year: int | None,
               title_es: str | None, title_en: str | None, theme_code: str | None,
               working_table: str, section: str, owners: list[str] | None,
               accept: bool = False) -> None:
    """Change what a draft will become, and accept it with ``accept``. `owners` None: by
    kind (every member state for a recommendation); else owner codes, "CRM" for the
    Conference itself. An accepted draft stays acceptable or the edit is refused. One
    commit; a refusal writes nothing."""
    ensure(can_administer(actor))
    _lock(draft)
    try:
        draft.kind = DraftKind(kind)
    except ValueError:
        raise ReviewRefused(_l("Choose one of the kinds offered."), "kind") from None
    if year is not None and year not in YEARS:
        raise ReviewRefused(_l("Enter a year between 1900 and 2100."), "year")
    draft.year = year if draft.kind == DraftKind.EARLIER_AGREEMENT else None
    draft.title_es = _text(title_es, TITLE_MAX, "title_es")
    draft.title_en = _text(title_en, TITLE_MAX, "title_en")
    draft.working_table = _text(working_table, NAME_MAX, "working_table") or ""
    draft.section = _text(section, NAME_MAX, "section") or ""
    draft.theme = _theme(theme_code)
    # Owners are a recommendation's; a context item has none to keep.
    draft.owners = None if owners is None or not draft.becomes_recommendation \
        else _owners(owners)
    if accept or draft.decision == DraftDecision.ACCEPTED:
        if problem := acceptance_problem(draft):
            raise ReviewRefused(problem)
    if accept:
        _record(actor, draft, DraftDecision.ACCEPTED)
    db.session.commit()


def decide(actor: Actor, draft: DraftItem, decision: str) -> None:
    """Accept, merge (into its proposed duplicate), reject, or undo (back to pending)."""
    ensure(can_administer(actor))
    _lock(draft)
    if decision == "undo":
        _record(actor, draft, DraftDecision.PENDING)
    elif decision == DraftDecision.ACCEPTED:
        if problem := acceptance_problem(draft):
            raise ReviewRefused(problem)
        _record(actor, draft, DraftDecision.ACCEPTED)
    elif decision == DraftDecision.MERGED:
        if draft.duplicate_of_id is None and draft.duplicate_code is None:
            raise ReviewRefused(_l("This item has no duplicate to be merged into."))
        _record(actor, draft, DraftDecision.MERGED)
    elif decision == DraftDecision.REJECTED:
        _record(actor, draft, DraftDecision.REJECTED)
    else:
        raise ReviewRefused(_l("Unknown decision."))
    db.session.commit()


def accept_section(actor: Actor, document: SourceDocument, working_table: str, section: str,
                   theme_code: str | None = None) -> tuple[int, int]:
    """Accept every pending draft of one section of one working table at once, giving a
    theme to the recommendations that have none. Returns (accepted, left pending because
    something is missing)."""
    ensure(can_administer(actor))
    theme = _theme(theme_code)
    lock_meeting(document.meeting_id)
    db.session.expire(document, ["drafts"])  # as they are now that the meeting is ours
    # A proposed duplicate is left to be merged or accepted on its own: accepting it with
    # its section would publish the same item twice.
    pending = [d for d in document.drafts
               if (d.working_table, d.section) == (working_table, section)
               and d.decision == DraftDecision.PENDING and not d.is_published
               and d.duplicate_of_id is None and d.duplicate_code is None]
    if not pending:
        raise ReviewRefused(_l("This section has no pending item."), "section")
    accepted = 0
    for draft in pending:
        if theme is not None and draft.theme is None and draft.becomes_recommendation:
            draft.theme = theme
        if acceptance_problem(draft) is None:
            _record(actor, draft, DraftDecision.ACCEPTED)
            accepted += 1
    db.session.commit()
    return accepted, len(pending) - accepted


def acceptance_problem(draft: DraftItem):
    """Why the draft cannot be accepted as it is, or None."""
    if draft.kind == DraftKind.OTHER:
        return _l("Choose what the item is before accepting it (it is marked «other»).")
    if draft.becomes_recommendation:
        if draft.theme is None:
            return _l("Choose a theme before accepting it: it becomes a recommendation, with "
                      "commitments.")
        if not draft.title_es and len(draft.text) > TITLE_MAX:
            return _l("The text is too long to be the title: write a shorter Spanish title.")
        if draft.kind == DraftKind.RECOMMENDATION and draft.owners == []:
            return _l("Choose at least one owner of the recommendation (or every member "
                      "state).")
    if not draft.working_table:
        return _l("Name the working table the item belongs to.")
    return None


def _record(actor: Actor, draft: DraftItem, decision: DraftDecision) -> None:
    draft.decision = decision
    draft.decided_by_id = None if is_system(actor) else actor.id
    draft.decided_at = utcnow()


def lock_meeting(meeting_id: int) -> None:
    """One reviewer or publisher of a meeting at a time (PostgreSQL: the meeting's row;
    SQLite has a single writer): a decision never races with the publishing of its draft."""
    db.session.execute(sa.select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())


def _lock(draft: DraftItem) -> None:
    """Lock the draft's meeting, then read the draft as it now is: published meanwhile?"""
    lock_meeting(draft.document.meeting_id)
    db.session.refresh(draft)
    if draft.is_published:
        raise ReviewRefused(_l("This item is published as %(code)s: edit it as a "
                               "recommendation now.", code=draft.published_code))


def _text(value: str | None, limit: int, field: str) -> str | None:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise ReviewRefused(_l("At most %(limit)d characters.", limit=limit), field)
    if has_control_character(value, multiline=False):
        raise ReviewRefused(_l("Remove the control characters."), field)
    return value or None


def _theme(code: str | None) -> Theme | None:
    if not code:
        return None
    theme = db.session.scalar(sa.select(Theme).filter_by(code=code))
    if theme is None:
        raise ReviewRefused(_l("Choose one of the themes offered."), "theme")
    return theme


def _owners(codes: Iterable[str]) -> list[str]:
    wanted = sorted(set(codes))
    known = set(db.session.scalars(sa.select(Country.iso3).where(Country.iso3.in_(wanted))))
    if unknown := [c for c in wanted if c not in known]:
        raise ReviewRefused(_l("Unknown owner: %(codes)s.", codes=", ".join(unknown)), "owners")
    return wanted


# -- what the review pages show ----------------------------------------------------------

def document_for_review(code: str) -> SourceDocument | None:
    """A document with its drafts, their themes and their duplicates, in three queries."""
    return db.session.scalar(
        sa.select(SourceDocument).filter_by(code=code)
        .options(selectinload(SourceDocument.drafts).selectinload(DraftItem.theme),
                 selectinload(SourceDocument.drafts).selectinload(DraftItem.duplicate_of)
                 .selectinload(DraftItem.document)))


def sections_of(document: SourceDocument) -> list[tuple[str, str, list[DraftItem]]]:
    """The drafts in document order, in runs of one working table's section."""
    return [(table, section, list(drafts)) for (table, section), drafts in
            groupby(document.drafts, key=lambda d: (d.working_table, d.section))]


def decision_counts(meeting: Meeting) -> dict[int, dict[str, int]]:
    """Per document of the meeting: its drafts by decision, and those published."""
    rows = db.session.execute(
        sa.select(DraftItem.document_id, DraftItem.decision,
                  DraftItem.published_code.is_not(None), sa.func.count())
        .join(DraftItem.document).where(SourceDocument.meeting_id == meeting.id)
        .group_by(DraftItem.document_id, DraftItem.decision,
                  DraftItem.published_code.is_not(None)))
    counts: dict[int, dict[str, int]] = {}
    for document_id, decision, published, n in rows:
        bucket = counts.setdefault(document_id, {})
        key = "published" if published else decision.value
        bucket[key] = bucket.get(key, 0) + n
    return counts
