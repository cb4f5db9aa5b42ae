"""The public ledger: each public event, appended in the same transaction as the event.

Entry ``n``: ``payload`` is canonical JSON (sorted keys, UTF-8, no insignificant white
space) holding the kind, the time and the event; ``hash = sha256(prev_hash + payload)`` in
hex, where ``prev_hash`` is entry ``n-1``'s hash (64 zeros for the first). Restricted
evidence appears as its hash and the word restricted; no person is ever named.

Appends are serialised by the data version row every public write updates first, in the
same transaction (tracker.core.data_version), and the sequence number is the primary key: two
writers can never fork the chain.
"""

import datetime as dt
import hashlib
import json
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from tracker.core.bulk import insert_rows
from tracker.core.events import listen_once
from tracker.core.time import isoformat_utc
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    Evidence,
    LedgerEntry,
    Observation,
    ObservationAnswer,
    ObservationHiding,
    StatusEvent,
    Visibility,
)

GENESIS = "0" * 64
_table = cast(sa.Table, LedgerEntry.__table__)


def canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, payload_text: str) -> str:
    return hashlib.sha256((prev_hash + payload_text).encode("utf-8")).hexdigest()


def head(connection) -> tuple[int, str]:
    """(seq, hash) of the latest entry, (0, GENESIS) for an empty ledger."""
    row = connection.execute(sa.select(_table.c.seq, _table.c.hash)
                             .order_by(_table.c.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(connection, entries: list[tuple[str, dt.datetime, dict]]) -> None:
    """Chain (kind, at, event) entries after the current head, in the caller's transaction."""
    seq, prev = head(connection)
    rows = []
    for kind, at, event in entries:
        seq += 1
        text = canonical({"kind": kind, "at": isoformat_utc(at, "microseconds"), "seq": seq,
                          "event": event})
        digest = chain_hash(prev, text)
        rows.append({"seq": seq, "at": at, "kind": kind, "payload": text, "prev_hash": prev,
                     "hash": digest})
        prev = digest
    insert_rows(connection, _table, rows)


# -- what each public event records -----------------------------------------------------

def status_event_record(code: str, event_id: int, from_status, to_status, progress, note,
                        actor_role: str, actor_country: str | None) -> dict:
    value = lambda s: getattr(s, "value", s)  # noqa: E731  (enum or plain string)
    return {"commitment": code, "event_id": event_id, "from_status": value(from_status),
            "to_status": value(to_status), "progress": progress, "note": note,
            "actor_role": actor_role, "actor_country": actor_country}


def evidence_record(code: str, evidence_id: int, visibility, sha256: str | None,
                    title: str, url: str | None, dated: dt.date) -> dict:
    """Public evidence in full; restricted evidence only as its hash and the word."""
    if str(getattr(visibility, "value", visibility)) != Visibility.PUBLIC.value:
        return {"commitment": code, "evidence_id": evidence_id, "visibility": "restricted",
                "sha256": sha256}
    return {"commitment": code, "evidence_id": evidence_id, "visibility": "public",
            "sha256": sha256, "title": title, "url": url, "dated": dated.isoformat()}


def observation_record(code: str, observation_id: int, organisation: str, organisation_kind,
                       assessment, text: str, links: str | None) -> dict:
    value = lambda s: getattr(s, "value", s)  # noqa: E731
    return {"commitment": code, "observation_id": observation_id, "organisation": organisation,
            "organisation_kind": value(organisation_kind), "assessment": value(assessment),
            "text": text, "links": links}


def answer_record(code: str, answer_id: int, observation_id: int, country: str | None,
                  text: str) -> dict:
    return {"commitment": code, "answer_id": answer_id, "observation_id": observation_id,
            "country": country, "text": text}


def hiding_record(code: str, hiding_id: int, observation_id: int, reason: str) -> dict:
    return {"commitment": code, "hiding_id": hiding_id, "observation_id": observation_id,
            "reason": reason}


def _iso3(session: Session, country_id: int | None) -> str | None:
    return session.get_one(Country, country_id).iso3 if country_id else None


def _code(session: Session, commitment_id: int) -> str:
    return session.get_one(Commitment, commitment_id).code


def _entries_for(session: Session, objects) -> list[tuple[str, dt.datetime, dict]]:
    entries = []
    for obj in objects:
        if isinstance(obj, StatusEvent):
            kind = "commitment_created" if obj.from_status is None else "status_change"
            entries.append((kind, obj.at, status_event_record(
                _code(session, obj.commitment_id), obj.id, obj.from_status, obj.to_status,
                obj.progress, obj.note, obj.actor_role, _iso3(session, obj.actor_country_id))))
        elif isinstance(obj, Evidence):
            entries.append(("evidence_added", obj.created_at, evidence_record(
                _code(session, obj.commitment_id), obj.id, obj.visibility, obj.sha256,
                obj.title, obj.url, obj.dated)))
        elif isinstance(obj, Observation):
            entries.append(("observation", obj.created_at, observation_record(
                _code(session, obj.commitment_id), obj.id, obj.organisation,
                obj.organisation_kind, obj.assessment, obj.text, obj.links)))
        elif isinstance(obj, ObservationAnswer):
            observed = session.get_one(Observation, obj.observation_id)
            entries.append(("answer", obj.created_at, answer_record(
                _code(session, observed.commitment_id), obj.id, obj.observation_id,
                _iso3(session, obj.country_id), obj.text)))
        elif isinstance(obj, ObservationHiding):
            observed = session.get_one(Observation, obj.observation_id)
            entries.append(("observation_hidden", obj.at, hiding_record(
                _code(session, observed.commitment_id), obj.id, obj.observation_id,
                obj.reason)))
    return entries


def register_hooks() -> None:
    """Chain every public event in the transaction that writes it."""
    listen_once(Session, "after_flush", _append_public_events)


def _append_public_events(session: Session, flush_context) -> None:
    """After the rows are written (ids known), before the commit: same transaction."""
    # Flush order within a transaction is by table, so order entries the same way.
    new = sorted(session.new, key=lambda o: (type(o).__name__, getattr(o, "id", 0) or 0))
    entries = _entries_for(session, new)
    if entries:
        append(session.connection(), entries)


# -- verification --------------------------------------------------------------------------

def verify_chain(entries) -> str | None:
    """The first problem of a chain of (seq, kind, at, payload, prev_hash, hash), or None."""
    expected_seq, prev = 1, GENESIS
    for seq, kind, _at, payload, prev_hash, digest in entries:
        where = f"entry {seq}"
        if seq != expected_seq:
            return f"{where}: expected sequence number {expected_seq} (missing or reordered)"
        if prev_hash != prev:
            return f"{where}: prev_hash does not match the hash of entry {seq - 1}"
        try:
            parsed = json.loads(payload)
        except ValueError:
            return f"{where}: payload is not JSON"
        if canonical(parsed) != payload or parsed.get("seq") != seq or parsed.get("kind") != kind:
            return f"{where}: payload is not the canonical record of this entry"
        if chain_hash(prev_hash, payload) != digest:
            return f"{where}: hash does not match its payload"
        expected_seq, prev = seq + 1, digest
    return None


# An answer and a hiding also name their observation: their own id is looked for first.
ID_KEYS = ("answer_id", "hiding_id", "event_id", "evidence_id", "observation_id")


def verify_database(session: Session) -> str | None:
    """Check the chain, then that it agrees with the history it records (None if intact)."""
    rows = session.execute(sa.select(_table.c.seq, _table.c.kind, _table.c.at,
                                     _table.c.payload, _table.c.prev_hash, _table.c.hash)
                           .order_by(_table.c.seq).execution_options(yield_per=2000))
    recorded: dict[tuple, tuple[int, dict]] = {}
    entries = []
    for row in rows:
        entries.append(tuple(row))
        try:
            event = json.loads(row.payload).get("event", {})
        except (ValueError, AttributeError):
            event = {}
        key = next((k for k in ID_KEYS if k in event), None)
        if key:
            recorded[(key, event[key])] = (row.seq, event)
    problem = verify_chain(entries)
    return problem or _agreement(session, recorded)


def _history_rows(session: Session):
    """(id key, query, record builder) for every table the ledger records."""
    Answered = aliased(Observation)
    return [
        ("event_id", sa.select(StatusEvent.id, Commitment.code, StatusEvent.from_status,
                               StatusEvent.to_status, StatusEvent.progress, StatusEvent.note,
                               StatusEvent.actor_role, Country.iso3)
         .join(Commitment, Commitment.id == StatusEvent.commitment_id)
         .outerjoin(Country, Country.id == StatusEvent.actor_country_id)
         .order_by(StatusEvent.id),
         lambda i, code, *v: status_event_record(code, i, *v)),
        ("evidence_id", sa.select(Evidence.id, Commitment.code, Evidence.visibility,
                                  Evidence.sha256, Evidence.title, Evidence.url, Evidence.dated)
         .join(Commitment, Commitment.id == Evidence.commitment_id).order_by(Evidence.id),
         lambda i, code, *v: evidence_record(code, i, *v)),
        ("observation_id", sa.select(Observation.id, Commitment.code, Observation.organisation,
                                     Observation.organisation_kind, Observation.assessment,
                                     Observation.text, Observation.links)
         .join(Commitment, Commitment.id == Observation.commitment_id).order_by(Observation.id),
         lambda i, code, *v: observation_record(code, i, *v)),
        ("answer_id", sa.select(ObservationAnswer.id, Commitment.code,
                                ObservationAnswer.observation_id, Country.iso3,
                                ObservationAnswer.text)
         .join(Answered, Answered.id == ObservationAnswer.observation_id)
         .join(Commitment, Commitment.id == Answered.commitment_id)
         .join(Country, Country.id == ObservationAnswer.country_id)
         .order_by(ObservationAnswer.id),
         lambda i, code, *v: answer_record(code, i, *v)),
        ("hiding_id", sa.select(ObservationHiding.id, Commitment.code,
                                ObservationHiding.observation_id, ObservationHiding.reason)
         .join(Answered, Answered.id == ObservationHiding.observation_id)
         .join(Commitment, Commitment.id == Answered.commitment_id)
         .order_by(ObservationHiding.id),
         lambda i, code, *v: hiding_record(code, i, *v)),
    ]


def _agreement(session: Session, recorded: dict) -> str | None:
    """Every history row has its entry, saying what the row says; no entry is left over."""
    for key, query, record in _history_rows(session):
        for ident, code, *values in session.execute(query.execution_options(yield_per=2000)):
            found = recorded.pop((key, ident), None)
            what = f"{key.removesuffix('_id')} {ident} of {code}"
            if found is None:
                return f"{what} has no ledger entry"
            if record(ident, code, *values) != found[1]:
                return f"entry {found[0]}: differs from {what}"
    if recorded:
        (key, ident), (seq, _event) = min(recorded.items(), key=lambda item: item[1][0])
        return (f"entry {seq}: records {key.removesuffix('_id')} {ident}, which is not in "
                "the database")
    return None


def ledger_page(after: int, limit: int) -> list[dict]:
    """Entries after a sequence number, for the API (payload as the object it encodes)."""
    rows = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.seq > after)
                              .order_by(LedgerEntry.seq).limit(limit)).scalars()
    return [{"seq": e.seq, "at": isoformat_utc(e.at, "microseconds"), "kind": e.kind,
             "payload": json.loads(e.payload), "prev_hash": e.prev_hash, "hash": e.hash}
            for e in rows]


def current_head() -> dict:
    """The latest entry's sequence number and hash, to publish (and for auditors to save)."""
    seq, digest = head(db.session.connection())
    return {"seq": seq, "hash": digest}
