"""A meeting as the database holds it, back in ``seed_data/`` form: as a SeedBundle (which
``apply_seed`` writes back unchanged) and as a seed directory a person can review and
``flask seed --path`` can load into another database (written by seed_files)."""

import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.importer.bundle import (
    MEMBER_STATES,
    CountrySeed,
    DocumentSeed,
    ItemSeed,
    MeetingSeed,
    QuoteSeed,
    SeedBundle,
    ThemeSeed,
    WorkingTableSeed,
)
from tracker.importer.reader import normalize_space
from tracker.importer.seed_files import ExportRefused, section_key, write_seed_directory
from tracker.models import (
    Commitment,
    ContextItem,
    Country,
    Meeting,
    Recommendation,
    SourceDocument,
    SourceQuote,
    Theme,
    WorkingTable,
)
from tracker.permissions import Actor, can_administer, ensure

__all__ = ["Export", "ExportRefused", "export_meeting", "find_meeting", "meeting_seed",
           "seed_bundle", "write_seed_directory"]


def find_meeting(code: str) -> Meeting:
    """The meeting of that code, or ExportRefused."""
    meeting = db.session.scalar(sa.select(Meeting).filter_by(code=code))
    if meeting is None:
        raise ExportRefused(_l("No meeting has the code %(code)s; nothing was written.",
                               code=code))
    return meeting


@dataclasses.dataclass
class Export:
    """What an export wrote: the meeting as exported, and its files relative to the folder."""

    meeting: MeetingSeed
    files: list[Path]


def export_meeting(actor: Actor, code: str, target: Path, *, force: bool = False) -> Export:
    """Write meeting ``code`` as a seed directory at ``target``."""
    ensure(can_administer(actor))
    bundle = seed_bundle(find_meeting(code))
    return Export(bundle.meetings[0], write_seed_directory(bundle, target, force=force))


def seed_bundle(meeting: Meeting) -> SeedBundle:
    """Every country and theme, and the meeting: what a seed directory of it holds."""
    countries = db.session.scalars(sa.select(Country).order_by(Country.id))
    themes = db.session.scalars(sa.select(Theme).order_by(Theme.id))
    return SeedBundle(countries=[CountrySeed(iso3=c.iso3, name_es=c.name_es, name_en=c.name_en,
                                             regional=c.regional) for c in countries],
                      themes=[ThemeSeed(code=t.code, name_es=t.name_es, name_en=t.name_en)
                              for t in themes],
                      meetings=[meeting_seed(meeting)])


def meeting_seed(meeting: Meeting) -> MeetingSeed:
    """The meeting as it is now: facts, documents, working tables with their items in the
    minutes' order, each recommendation's owners read from its commitments."""
    member_states = set(db.session.scalars(
        sa.select(Country.iso3).where(Country.regional.is_(False))))
    order = _DocumentOrder(meeting.documents)
    tables = [WorkingTableSeed(code=t.code, name_es=t.name_es, name_en=t.name_en,
                               facilitators=t.facilitators,
                               items=order.merge(_recommendations(t, member_states),
                                                 _context_items(t)))
              for t in sorted(meeting.working_tables, key=lambda t: (t.position, t.id))]
    return MeetingSeed(code=meeting.code, name=meeting.name, held_on=meeting.held_on,
                       city=meeting.city, venue=meeting.venue, notes=meeting.notes,
                       documents=[_document_seed(d) for d in meeting.documents],
                       working_tables=tables)


def _document_seed(document: SourceDocument) -> DocumentSeed:
    return DocumentSeed(code=document.code, title=document.title, language=document.language,
                        filename=f"sources/{document.code}.txt", text=document.text,
                        sha256=document.sha256)


def _quotes(quotes: Iterable[SourceQuote]) -> list[QuoteSeed]:
    return [QuoteSeed(document=q.document.code, quote=q.quote) for q in quotes]


def _recommendations(table: WorkingTable, member_states: set[str]) -> list[ItemSeed]:
    rows = db.session.scalars(
        sa.select(Recommendation).filter_by(working_table_id=table.id)
        .order_by(Recommendation.position, Recommendation.id)
        .options(selectinload(Recommendation.theme),
                 selectinload(Recommendation.quotes).selectinload(SourceQuote.document),
                 selectinload(Recommendation.commitments).selectinload(Commitment.country)))
    return [ItemSeed(code=r.code, kind=r.kind.value, section=r.section, text_es=r.text_es,
                     quotes=_quotes(r.quotes), year=r.year, title_es=r.title_es,
                     title_en=r.title_en, theme=r.theme.code,
                     owners=_owners({c.country.iso3 for c in r.commitments}, member_states),
                     note=r.editorial_note, note_es=r.editorial_note_es)
            for r in rows]


def _owners(owners: set[str], member_states: set[str]) -> list[str]:
    """``member_states`` for exactly every member state (the seed's default), else the list."""
    if owners and owners == member_states:
        return cast(list[str], MEMBER_STATES)  # as the reader gives it: the string
    return sorted(owners)


def _context_items(table: WorkingTable) -> list[ItemSeed]:
    rows = db.session.scalars(
        sa.select(ContextItem).filter_by(working_table_id=table.id)
        .order_by(ContextItem.position, ContextItem.id)
        .options(selectinload(ContextItem.quotes).selectinload(SourceQuote.document)))
    return [ItemSeed(code=c.code, kind=c.kind.value, section=c.section, text_es=c.text_es,
                     quotes=_quotes(c.quotes)) for c in rows]


class _DocumentOrder:
    """Interleaves a table's sections as the minutes do. Recommendations and context items
    are numbered apart, so their sections are merged by where each first quotes its
    document; each list keeps its own order, which is all the database records."""

    def __init__(self, documents: list[SourceDocument]):
        self.rank = {d.code: i for i, d in enumerate(documents)}
        self.texts = {d.code: normalize_space(d.text) for d in documents}

    def merge(self, first: list[ItemSeed], second: list[ItemSeed]) -> list[ItemSeed]:
        a, b = _runs(first), _runs(second)
        merged: list[ItemSeed] = []
        while a and b:
            merged.extend((a if self._where(a[0]) <= self._where(b[0]) else b).pop(0))
        for run in a + b:
            merged.extend(run)
        return merged

    def _where(self, run: list[ItemSeed]) -> tuple[int, int]:
        if not run[0].quotes:
            return len(self.rank), sys.maxsize
        quote = run[0].quotes[0]
        offset = self.texts.get(quote.document, "").find(normalize_space(quote.quote))
        return (self.rank.get(quote.document, len(self.rank)),
                offset if offset >= 0 else sys.maxsize)


def _runs(items: list[ItemSeed]) -> list[list[ItemSeed]]:
    """Consecutive items of one section: a section of the seed file each."""
    runs: list[list[ItemSeed]] = []
    for item in items:
        if runs and section_key(runs[-1][-1]) == section_key(item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs
