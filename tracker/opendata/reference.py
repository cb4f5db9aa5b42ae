"""Recommendations, countries, themes and meetings as plain records for the API."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.commitments.listing import Filters, filtered_query, recommendation_conditions
from tracker.commitments.matrix import latest_meeting_first
from tracker.commitments.stats import public_stats
from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    Meeting,
    Recommendation,
    SourceQuote,
    Theme,
    WorkingTable,
)
from tracker.opendata.records import STREAM_BATCH, commitment_url, plain

# The columns of a recommendation record, as the API gives it (and the CSV).
RECOMMENDATION_COLUMNS = {
    "code": Recommendation.code, "kind": Recommendation.kind, "year": Recommendation.year,
    "meeting": Meeting.code, "working_table": WorkingTable.code, "theme": Theme.code,
    "section": Recommendation.section, "position": Recommendation.position,
    "title_es": Recommendation.title_es, "title_en": Recommendation.title_en,
    "text_es": Recommendation.text_es, "editorial_note": Recommendation.editorial_note,
    "editorial_note_es": Recommendation.editorial_note_es,
}


def _recommendation_select(filters: Filters):
    query = (sa.select(Recommendation)
             .join(WorkingTable, WorkingTable.id == Recommendation.working_table_id)
             .join(Meeting, Meeting.id == WorkingTable.meeting_id)
             .join(Theme, Theme.id == Recommendation.theme_id))
    return query.where(*recommendation_conditions(filters))


def _recommendation_record(r: Recommendation) -> dict:
    return {"code": r.code, "kind": r.kind.value, "year": r.year,
            "meeting": r.working_table.meeting.code, "working_table": r.working_table.code,
            "theme": r.theme.code, "section": r.section, "position": r.position,
            "title_es": r.title_es, "title_en": r.title_en, "text_es": r.text_es,
            "editorial_note": r.editorial_note,  # the English note (name kept stable)
            "editorial_note_es": r.editorial_note_es}


def _recommendation_order():
    return (Meeting.code, WorkingTable.position, Recommendation.position, Recommendation.code)


def stream_recommendation_records(filters: Filters):
    """Every recommendation of the meeting, theme or table filtered on; with a filter on
    commitments (country, status, overdue, search), those of the matching commitments.
    One query, in batches."""
    query = _recommendation_select(filters)
    if filters.country or filters.status or filters.overdue or filters.q:
        query = query.where(Recommendation.id.in_(
            filtered_query(filters).with_only_columns(Commitment.recommendation_id)))
    query = (query.with_only_columns(*(c.label(n) for n, c in RECOMMENDATION_COLUMNS.items()))
             .order_by(*_recommendation_order()).execution_options(yield_per=STREAM_BATCH))
    for row in db.session.execute(query):
        yield {name: plain(value) for name, value in row._mapping.items()}


def recommendation_page(filters: Filters, per_page: int) -> tuple[list[dict], int]:
    """One page of recommendations of a meeting, theme or table, and how many match."""
    query = _recommendation_select(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(joinedload(Recommendation.working_table).joinedload(WorkingTable.meeting),
                      joinedload(Recommendation.theme))
        .order_by(*_recommendation_order())
        .limit(per_page).offset((filters.page - 1) * per_page))
    return [_recommendation_record(r) for r in rows], total or 0


def recommendation_detail(code: str) -> dict | None:
    """A recommendation with its commitments and the passages of the minutes it quotes."""
    r = db.session.scalar(
        sa.select(Recommendation).where(Recommendation.code == code)
        .options(joinedload(Recommendation.working_table).joinedload(WorkingTable.meeting),
                 joinedload(Recommendation.theme),
                 selectinload(Recommendation.commitments).joinedload(Commitment.country),
                 selectinload(Recommendation.quotes).joinedload(SourceQuote.document)))
    if r is None:
        return None
    record = _recommendation_record(r)
    record["commitments"] = [
        {"code": c.code, "country": c.country.iso3, "status": c.status.value,
         "progress": c.progress, "due_date": plain(c.due_date), "url": commitment_url(c.code)}
        for c in r.commitments]
    record["sources"] = [
        {"document": q.document.code, "quote": q.quote,
         "url": public_url("public.source_document", code=q.document.code, quote=q.id)}
        for q in r.quotes]
    return record


def _counts_by(key: str) -> dict[str, dict]:
    groups = public_stats()["by_country" if key == "country" else "by_theme"]
    return {g[key]: {"total": g["total"], "progress": g["progress"], "by_status": g["by_status"]}
            for g in groups}


def country_records() -> list[dict]:
    """The member states, then the CRM as a regional body (``regional``), each with its
    commitments counted by status."""
    counts = _counts_by("country")
    empty = {"total": 0, "progress": 0.0, "by_status": {}}
    return [{"iso3": c.iso3, "name_es": c.name_es, "name_en": c.name_en,
             "regional": c.regional, "url": public_url("public.country", iso3=c.iso3),
             **counts.get(c.iso3, empty)}
            for c in db.session.scalars(sa.select(Country)
                                        .order_by(Country.regional, Country.iso3))]


def theme_records() -> list[dict]:
    """The themes, each with its commitments counted by status."""
    counts = _counts_by("theme")
    empty = {"total": 0, "progress": 0.0, "by_status": {}}
    return [{"code": t.code, "name_es": t.name_es, "name_en": t.name_en,
             **counts.get(t.code, empty)}
            for t in db.session.scalars(sa.select(Theme).order_by(Theme.code))]


def _meeting_record(m: Meeting) -> dict:
    return {"code": m.code, "name": m.name, "held_on": plain(m.held_on), "city": m.city,
            "venue": m.venue,
            "working_tables": [{"code": t.code, "name_es": t.name_es, "name_en": t.name_en}
                               for t in m.working_tables],
            "url": public_url("public.matrix", meeting=m.code)}


def meeting_page(page: int, per_page: int) -> tuple[list[dict], int]:
    """One page of meetings with their working tables, newest first."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting))
    meetings = db.session.scalars(
        sa.select(Meeting).options(selectinload(Meeting.working_tables))
        .order_by(*latest_meeting_first())  # the dashboard's order: the same latest meeting
        .limit(per_page).offset((page - 1) * per_page))
    return [_meeting_record(m) for m in meetings], total or 0


def meeting_detail(code: str) -> dict | None:
    m = db.session.scalar(sa.select(Meeting).where(Meeting.code == code)
                          .options(selectinload(Meeting.working_tables)))
    return _meeting_record(m) if m else None
