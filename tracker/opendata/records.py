"""Commitments and their history as plain records: one shape for the API, CSV and feeds.

Records are built from column queries (no ORM objects), so a page costs the same queries
at 1,000 or 100,000 commitments, and an export streams in constant memory.
"""

import datetime as dt
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.audit.ratings import contested, latest_visible_id
from tracker.commitments.listing import SORTS, Filters, filtered_query
from tracker.core.time import isoformat_utc
from tracker.core.urls import public_url
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    Evidence,
    Meeting,
    Observation,
    ObservationAnswer,
    Recommendation,
    StatusEvent,
    Theme,
    Visibility,
    WorkingTable,
)

COMMITMENT_COLUMNS = {
    "code": Commitment.code,
    "recommendation_code": Recommendation.code,
    "country": Country.iso3,
    "theme": Theme.code,
    "meeting": Meeting.code,
    "working_table": WorkingTable.code,
    "status": Commitment.status,
    "progress": Commitment.progress,
    "due_date": Commitment.due_date,
    "responsible_institution": Commitment.responsible_institution,
    "updated_at": Commitment.updated_at,
    # What a national system sends back with an update (POST .../updates): the write API
    # refuses a version that is no longer the current one.
    "version": Commitment.version,
    "title_es": Recommendation.title_es,
    "title_en": Recommendation.title_en,
}
# Added to every record: the latest visible civil-society rating and whether it is contested.
ActorCountry = aliased(Country)
HISTORY_COLUMNS = {
    "commitment": Commitment.code,
    "country": Country.iso3,
    "at": StatusEvent.at,
    "from_status": StatusEvent.from_status,
    "to_status": StatusEvent.to_status,
    "progress": StatusEvent.progress,
    "note": StatusEvent.note,
    "actor_role": StatusEvent.actor_role,
    "actor_country": ActorCountry.iso3,
}
# The order rows stream in: stable, so two downloads of unchanged data are identical.
STREAM_BATCH = 1000


def plain(value):
    if isinstance(value, dt.datetime):
        return isoformat_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value"):  # a status or another enum
        return value.value
    return value


def commitment_url(code: str) -> str:
    """The public page of a commitment, on the configured public address (built by hand:
    an export calls this 100,000 times)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/commitments/{quote(code)}"


def _commitment_record(row) -> dict:
    values = row._mapping
    record = {name: plain(values[name]) for name in COMMITMENT_COLUMNS}
    record["url"] = commitment_url(record["code"])
    record["assessment"] = plain(values["assessment"])
    record["contested"] = contested(values["status"], values["progress"], values["assessment"],
                                    rated_at=values["assessed_at"],
                                    updated_at=values["updated_at"])
    return record


def _rating_columns() -> list:
    """The latest visible rating and its time, as correlated subqueries (no extra query)."""
    latest = latest_visible_id(Commitment.id)
    return [sa.select(column).where(Observation.id == latest).scalar_subquery().label(name)
            for name, column in (("assessment", Observation.assessment),
                                 ("assessed_at", Observation.created_at))]


def commitment_select(filters: Filters):
    """The columns of a commitment record, for the commitments matching the filters."""
    return (filtered_query(filters)
            .with_only_columns(*(c.label(n) for n, c in COMMITMENT_COLUMNS.items()),
                               *_rating_columns())
            .order_by(*SORTS[filters.sort]))


def commitment_records(filters: Filters, per_page: int) -> list[dict]:
    """One page of commitment records (one query)."""
    query = commitment_select(filters).limit(per_page).offset((filters.page - 1) * per_page)
    return [_commitment_record(row) for row in db.session.execute(query)]


def commitment_record(code: str) -> dict | None:
    """One commitment's record, or None (one query)."""
    row = db.session.execute(commitment_select(Filters()).where(Commitment.code == code)).first()
    return _commitment_record(row) if row else None


def stream_commitment_records(filters: Filters):
    """Every matching commitment record, fetched in batches (one query, constant memory)."""
    query = commitment_select(filters).execution_options(yield_per=STREAM_BATCH)
    for row in db.session.execute(query):
        yield _commitment_record(row)


def history_select(filters: Filters):
    """History rows of the matching commitments, commitment by commitment, oldest first."""
    query = (sa.select(*(c.label(n) for n, c in HISTORY_COLUMNS.items()))
             .select_from(StatusEvent)
             .join(Commitment, Commitment.id == StatusEvent.commitment_id)
             .join(Country, Country.id == Commitment.country_id)
             .outerjoin(ActorCountry, ActorCountry.id == StatusEvent.actor_country_id)
             .order_by(Commitment.code, StatusEvent.id))
    if filters.args(page=1, sort="code"):  # without filters, an IN over every id is waste
        query = query.where(StatusEvent.commitment_id.in_(
            filtered_query(filters).with_only_columns(Commitment.id)))
    return query


def history_records(code: str) -> list[dict]:
    """One commitment's history: role and country of each actor, never the person."""
    query = history_select(Filters()).where(Commitment.code == code)
    return [_event_record(row) for row in db.session.execute(query)]


def stream_history_records(filters: Filters):
    query = history_select(filters).execution_options(yield_per=STREAM_BATCH)
    for row in db.session.execute(query):
        yield _event_record(row)


def _event_record(row) -> dict:
    return {name: plain(value) for name, value in row._mapping.items()}


def public_evidence_records(code: str) -> list[dict]:
    """The commitment's public evidence: links, and files with their download address."""
    rows = db.session.scalars(
        sa.select(Evidence).join(Commitment, Commitment.id == Evidence.commitment_id)
        .where(Commitment.code == code, Evidence.visibility == Visibility.PUBLIC)
        .order_by(Evidence.id))
    return [{"title": e.title, "dated": e.dated.isoformat(),
             "added_at": isoformat_utc(e.created_at), "kind": "file" if e.is_file else "link",
             "url": (public_url("manage.download_evidence", evidence_id=e.id) if e.is_file
                     else e.url),
             "content_type": e.content_type, "size": e.size, "sha256": e.sha256}
            for e in rows]


def observation_records(code: str) -> list[dict]:
    """A commitment's observations with their answers: organisations and countries, never
    persons; a hidden observation keeps its place, rating and date, without its text, links
    or answers."""
    rows = db.session.scalars(
        sa.select(Observation).join(Commitment, Commitment.id == Observation.commitment_id)
        .where(Commitment.code == code)
        .options(selectinload(Observation.answers).joinedload(ObservationAnswer.country),
                 joinedload(Observation.hiding))
        .order_by(Observation.created_at, Observation.id))
    return [_observation_record(o) for o in rows]


def _observation_record(o: Observation) -> dict:
    hidden = o.hiding is not None
    return {"id": o.id, "organisation": o.organisation,
            "organisation_kind": plain(o.organisation_kind), "assessment": plain(o.assessment),
            "text": None if hidden else o.text, "links": [] if hidden else o.link_list,
            "at": isoformat_utc(o.created_at), "hidden": hidden,
            "hidden_reason": o.hiding.reason if o.hiding is not None else None,
            # The answer is withdrawn with what it answers (as on the page).
            "answers": [] if hidden else [{"at": isoformat_utc(a.created_at),
                                           "country": a.country.iso3, "text": a.text}
                                          for a in o.answers]}
