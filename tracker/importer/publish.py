"""Publishing a meeting's reviewed drafts: accepted items become recommendations (with one
commitment per owner) or context items, merged ones a second source of their duplicate.

It goes through the seed loader's writer (tracker.importer.writer.apply_seed), with the
meeting as it stands (tracker.importer.export.meeting_seed) plus the accepted drafts: the
same rows, history, ledger entries and data version as `flask seed`, in one transaction."""

import re
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker.accounts import admin_log
from tracker.extensions import db
from tracker.importer.bundle import MEMBER_STATES, ItemSeed, QuoteSeed, SeedBundle, WorkingTableSeed
from tracker.importer.export import meeting_seed
from tracker.importer.review import ReviewRefused, acceptance_problem, lock_meeting
from tracker.importer.writer import apply_seed
from tracker.models import (
    ContextItem,
    DraftDecision,
    DraftItem,
    DraftKind,
    Meeting,
    Recommendation,
    SourceDocument,
    WorkingTable,
)
from tracker.permissions import Actor, can_administer, ensure

# Item codes by kind, after their working table's code: MT4-R01, MT4-A02, MT4-GP01...
PREFIXES = {DraftKind.RECOMMENDATION: "R", DraftKind.EARLIER_AGREEMENT: "A",
            DraftKind.GOOD_PRACTICE: "GP", DraftKind.EXPERIENCE: "EX",
            DraftKind.APPROACH: "AP", DraftKind.OBSTACLE: "OB",
            DraftKind.COMMON_ELEMENT: "CE"}


@dataclass(frozen=True)
class Published:
    items: int          # new recommendations and context items
    merged: int         # second sources added to an item
    commitments: int    # new commitments
    waiting: int        # merged drafts whose duplicate is not accepted yet


def publish_meeting(actor: Actor, meeting: Meeting) -> Published:
    """Write every accepted, unpublished draft of the meeting; refused when there is none."""
    ensure(can_administer(actor))
    # Two publishers of one meeting would number the same items twice: the second waits
    # here for the first to commit, then finds its drafts published.
    lock_meeting(meeting.id)
    drafts = list(db.session.scalars(
        sa.select(DraftItem).join(DraftItem.document)
        .where(SourceDocument.meeting_id == meeting.id, DraftItem.published_code.is_(None),
               DraftItem.decision.in_([DraftDecision.ACCEPTED, DraftDecision.MERGED]))
        .order_by(SourceDocument.id, DraftItem.position)))
    accepted = [d for d in drafts if d.decision == DraftDecision.ACCEPTED]
    merged = [d for d in drafts if d.decision == DraftDecision.MERGED]
    if unready := [d for d in accepted if acceptance_problem(d) is not None]:
        raise ReviewRefused(_l("Some accepted items need something first: %(items)s.",
                               items=", ".join(f"{d.document.title} #{d.position + 1}"
                                               for d in unready[:10])))
    seed = meeting_seed(meeting)
    codes = _Codes()
    tables = {t.name_es.casefold(): t for t in seed.working_tables}
    items: dict[str, ItemSeed] = {i.code: i for t in seed.working_tables for i in t.items}
    for draft in accepted:
        table = tables.get(draft.working_table.casefold())
        if table is None:
            table = WorkingTableSeed(code=codes.table(), name_es=draft.working_table,
                                     name_en=draft.working_table, facilitators=None, items=[])
            tables[draft.working_table.casefold()] = table
            seed.working_tables.append(table)
        item = _item(draft, codes.item(table.code, PREFIXES[draft.kind]))
        table.items.append(item)
        items[item.code] = item
        draft.published_code = item.code
    waiting = 0
    for draft in merged:
        target = (draft.duplicate_of.published_code if draft.duplicate_of is not None
                  else draft.duplicate_code)
        if target not in items:
            waiting += 1
            continue
        quotes = items[target].quotes
        if all(q.document != draft.document.code for q in quotes):
            quotes.append(QuoteSeed(document=draft.document.code, quote=draft.text))
        draft.published_code = target
    if not accepted and len(merged) == waiting:
        raise ReviewRefused(_l("Nothing to publish: accept or merge items first."))
    for document in {d.document for d in drafts if d.published_code}:
        document.public = True  # its text and original are quoted by public items now
    admin_log.record(actor, "minutes.publish", f"meeting {meeting.code}",
                     items=len(accepted), merged=len(merged) - waiting)
    report = apply_seed(SeedBundle(countries=[], themes=[], meetings=[seed]))
    return Published(items=len(accepted), merged=len(merged) - waiting,
                     commitments=report.counts.get("commitments", Counter())["created"],
                     waiting=waiting)


def _item(draft: DraftItem, code: str) -> ItemSeed:
    title_es = draft.title_es or draft.text
    return ItemSeed(
        code=code, kind=draft.kind.value, section=draft.section, text_es=draft.text,
        quotes=[QuoteSeed(document=draft.document.code, quote=draft.text)], year=draft.year,
        title_es=title_es if draft.becomes_recommendation else None,
        # Until the secretariat writes it, the English title is the minutes' own wording.
        title_en=(draft.title_en or title_es) if draft.becomes_recommendation else None,
        theme=draft.theme.code if draft.theme is not None else None,
        owners=_owners(draft), note=None, origin=(draft.document.code, draft.position))


def _owners(draft: DraftItem) -> list[str] | str:
    if not draft.becomes_recommendation:
        return []
    return MEMBER_STATES if draft.owners is None else list(draft.owners)


class _Codes:
    """Codes no meeting uses yet: item codes are unique across meetings, so a new working
    table takes the next free MT number of the whole database."""

    def __init__(self) -> None:
        self.tables = set(db.session.scalars(sa.select(WorkingTable.code)))
        self.items = set(db.session.scalars(sa.select(Recommendation.code)))
        self.items |= set(db.session.scalars(sa.select(ContextItem.code)))

    def table(self) -> str:
        numbers = [int(m.group(1)) for c in self.tables if (m := re.fullmatch(r"MT(\d+)", c))]
        code = f"MT{max(numbers, default=0) + 1}"
        self.tables.add(code)
        return code

    def item(self, table: str, prefix: str) -> str:
        pattern = re.compile(re.escape(f"{table}-{prefix}") + r"(\d+)")
        numbers = [int(m.group(1)) for c in self.items if (m := pattern.fullmatch(c))]
        code = f"{table}-{prefix}{max(numbers, default=0) + 1:02d}"
        self.items.add(code)
        return code
