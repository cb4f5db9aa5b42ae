"""The secretariat's review of draft items: edit, accept, merge, reject, undo.

Decisions are kept on the drafts only; nothing public changes until the meeting's accepted
drafts are published (tracker.importer.publish), and a decision can be undone until then."""

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker.core.forms import has_control_character
from tracker.core.refusals import Refused
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Country, DraftDecision, DraftItem, DraftKind, SourceDocument, Theme
from tracker.permissions import Actor, can_administer, ensure, is_system

TITLE_MAX = 300
NAME_MAX = 400
YEARS = range(1900, 2101)


class ReviewRefused(Refused):
    """The review decision or edit is not valid."""


def edit_draft(actor: Actor, draft: DraftItem, *, kind: str, year: int | None,
               title_es: str | None, title_en: str | None, theme_code: str | None,
               working_table: str, section: str, owners: list[str] | None) -> None:
    """Change what a draft will become. `owners` None: by kind (every member state for a
    recommendation); else owner codes, "CRM" for the Conference itself. One commit."""
    ensure(can_administer(actor))
    _not_published(draft)
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
    draft.owners = None if owners is None else _owners(owners)
    db.session.commit()


def decide(actor: Actor, draft: DraftItem, decision: str) -> None:
    """Accept, merge (into its proposed duplicate), reject, or undo (back to pending)."""
    ensure(can_administer(actor))
    _not_published(draft)
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


def accept_section(actor: Actor, document: SourceDocument, section: str,
                   theme_code: str | None = None) -> tuple[int, int]:
    """Accept every pending draft of a section at once, giving a theme to the recommendations
    that have none. Returns (accepted, left pending because something is missing)."""
    ensure(can_administer(actor))
    theme = _theme(theme_code)
    pending = [d for d in document.drafts
               if d.section == section and d.decision == DraftDecision.PENDING
               and not d.is_published]
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
        if draft.theme_id is None and draft.theme is None:
            return _l("Choose a theme before accepting a recommendation.")
        if not draft.title_es and len(draft.text) > TITLE_MAX:
            return _l("The text is too long to be the title: write a shorter Spanish title.")
    if not draft.working_table:
        return _l("Name the working table the item belongs to.")
    return None


def _record(actor: Actor, draft: DraftItem, decision: DraftDecision) -> None:
    draft.decision = decision
    draft.decided_by_id = None if is_system(actor) else actor.id
    draft.decided_at = utcnow()


def _not_published(draft: DraftItem) -> None:
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
