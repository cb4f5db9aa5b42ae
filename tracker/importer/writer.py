"""Writes a checked seed bundle to the database: create what is new, update what changed,
leave the rest (and every commitment's status and history) alone. One transaction."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from tracker.commitments.opening import open_commitment
from tracker.extensions import db
from tracker.importer.bundle import MEMBER_STATES, ItemSeed, SeedBundle
from tracker.indicators.vocabularies import ensure_vocabularies
from tracker.models import (
    Commitment,
    ContextItem,
    ContextKind,
    Country,
    Meeting,
    Recommendation,
    RecommendationKind,
    SourceDocument,
    SourceQuote,
    Theme,
    WorkingTable,
)
from tracker.permissions import SYSTEM


@dataclass
class SeedReport:
    """What a seed run did, per kind of row: created, updated, unchanged."""

    counts: dict[str, Counter] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())

    def lines(self) -> list[str]:
        rows = [f"{kind:<16} created {c['created']:>4}  updated {c['updated']:>4}  "
                f"unchanged {c['unchanged']:>4}" for kind, c in self.counts.items()]
        return rows + self.notes


class _Upserter:
    """Finds rows by natural key among rows loaded once per table, and records outcomes."""

    def __init__(self, report: SeedReport):
        self.report = report

    def load(self, model, key: str) -> dict:
        return {getattr(row, key): row for row in db.session.scalars(sa.select(model))}

    def upsert(self, kind: str, existing: dict, key, model, values: dict):
        row = existing.get(key)
        if row is None:
            row = model(**values)
            db.session.add(row)
            existing[key] = row
            self.report.count(kind, "created")
            return row
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        self.report.count(kind, "updated" if changed else "unchanged")
        return row


def apply_seed(bundle: SeedBundle) -> SeedReport:
    """Write the bundle in one transaction; on any error nothing is kept."""
    report = SeedReport()
    try:
        _write(bundle, _Upserter(report))
        ensure_vocabularies(db.session.connection())  # the indicators' dimensions
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _write(bundle: SeedBundle, up: _Upserter) -> None:
    countries = up.load(Country, "iso3")
    for c in bundle.countries:
        up.upsert("countries", countries, c.iso3, Country,
                  dict(iso3=c.iso3, name_es=c.name_es, name_en=c.name_en, regional=c.regional))
    themes = up.load(Theme, "code")
    for theme_seed in bundle.themes:
        up.upsert("themes", themes, theme_seed.code, Theme,
                  dict(code=theme_seed.code, name_es=theme_seed.name_es,
                       name_en=theme_seed.name_en))

    meetings = up.load(Meeting, "code")
    documents = up.load(SourceDocument, "code")
    tables = {(t.meeting_id, t.code): t for t in db.session.scalars(sa.select(WorkingTable))}
    recommendations = up.load(Recommendation, "code")
    context_items = up.load(ContextItem, "code")
    commitments = up.load(Commitment, "code")
    quotes = {(q.recommendation_id or ("ctx", q.context_item_id), q.source_document_id): q
              for q in db.session.scalars(sa.select(SourceQuote))}

    for m in bundle.meetings:
        meeting = up.upsert("meetings", meetings, m.code, Meeting, dict(
            code=m.code, name=m.name, held_on=m.held_on, city=m.city, venue=m.venue,
            notes=m.notes))
        db.session.flush()
        for d in m.documents:
            values = dict(code=d.code, meeting_id=meeting.id, title=d.title,
                          language=d.language, filename=d.filename, text=d.text, sha256=d.sha256)
            if getattr(documents.get(d.code), "stored_name", None):
                # An uploaded original's name and hash describe that file (its download,
                # its duplicate check), not the text file an export writes of it.
                del values["filename"], values["sha256"]
            up.upsert("documents", documents, d.code, SourceDocument, values)
        for position, t in enumerate(m.working_tables):
            table = up.upsert("working tables", tables, (meeting.id, t.code), WorkingTable, dict(
                meeting_id=meeting.id, code=t.code, position=position, name_es=t.name_es,
                name_en=t.name_en, facilitators=t.facilitators))
            db.session.flush()
            recs = [i for i in t.items if i.is_recommendation]
            for position, item in enumerate(recs):
                rec = up.upsert("recommendations", recommendations, item.code, Recommendation,
                                _recommendation_values(item, table, themes, position))
                db.session.flush()
                _sync_quotes(up, quotes, item, documents, rec.id, recommendation_id=rec.id)
                for iso3 in _owners(item, countries):
                    _ensure_commitment(up, commitments, rec, countries[iso3])
            contexts = [i for i in t.items if not i.is_recommendation]
            for position, item in enumerate(contexts):
                ctx = up.upsert("context items", context_items, item.code, ContextItem, dict(
                    code=item.code, working_table_id=table.id, kind=ContextKind(item.kind),
                    section=item.section, position=position, text_es=item.text_es))
                db.session.flush()
                _sync_quotes(up, quotes, item, documents, ("ctx", ctx.id), context_item_id=ctx.id)


def _recommendation_values(item: ItemSeed, table: WorkingTable, themes: dict,
                           position: int) -> dict:
    return dict(code=item.code, working_table_id=table.id, theme_id=themes[item.theme].id,
                kind=RecommendationKind(item.kind), year=item.year, section=item.section,
                position=position, text_es=item.text_es, title_es=item.title_es,
                title_en=item.title_en, editorial_note=item.note,
                editorial_note_es=item.note_es)


def _owners(item: ItemSeed, countries: dict) -> list[str]:
    """The item's owner codes; ``member_states`` means every country but the regional one."""
    if item.owners == MEMBER_STATES:
        return sorted(iso3 for iso3, country in countries.items() if not country.regional)
    return list(item.owners)


def _sync_quotes(up: _Upserter, quotes: dict, item: ItemSeed, documents: dict, owner_key,
                 **owner) -> None:
    """Quotes are source references, not history: make them match the seed exactly."""
    wanted = set()
    for position, q in enumerate(item.quotes):
        document = documents[q.document]
        wanted.add(document.id)
        up.upsert("source quotes", quotes, (owner_key, document.id), SourceQuote, dict(
            source_document_id=document.id, position=position, quote=q.quote, **owner))
    for (key, document_id), quote in list(quotes.items()):
        if key == owner_key and document_id not in wanted:
            db.session.delete(quote)
            del quotes[(key, document_id)]
            up.report.count("source quotes", "deleted")


def _ensure_commitment(up: _Upserter, commitments: dict, rec: Recommendation,
                       country: Country) -> None:
    """Create a missing commitment with its first history event; never touch an existing one."""
    code = f"{rec.code}-{country.iso3}"
    if code in commitments:
        up.report.count("commitments", "unchanged")
        return
    commitment = open_commitment(SYSTEM, rec, country)
    commitments[code] = commitment
    up.report.count("commitments", "created")
