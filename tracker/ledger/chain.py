"""The public ledger: each public event, appended in the same transaction as the event.

Entry ``n``: ``payload`` is canonical JSON (sorted keys, UTF-8, no insignificant white
space) holding the format version, the kind, the time and the event; ``hash =
sha256(prev_hash + payload)`` in hex, where ``prev_hash`` is entry ``n-1``'s hash (64 zeros
for the first). No person is ever named.

Format 2 (``"v": 2``) never holds a text that may be withdrawn nor a restricted file's
SHA-256: an observation's text and links and an answer's text appear as
``sha256(salt + text)``, a restricted file as ``sha256(salt + file's sha256)``, with a random
salt per record kept beside it. The API serves a visible text with its salt (the entry's
``opening``), so anyone can check it, and stops when the observation is hidden; a restricted
file's salt is shown only to those who may see the file. Format 1 entries (no ``"v"``,
written before) hold such values in clear: those whose content is withdrawn are *withheld*
(served without payload) once an ``entries_withheld`` entry, later in the chain, has
recorded their ``prev_hash`` and ``hash``.

An indicator report (kind ``indicator_report``) holds its cells as [first code, second code,
value] (``_T`` for a total), unless a cell is suppressed for the public (a small count): then
it holds no number, only ``values_commitment = sha256(report's ledger_salt +
canonical(cells))``, so the public ledger never holds a small count.

Appends are serialised by the data version row every public write updates first, in the
same transaction (tracker.core.data_version), and the sequence number is the primary key: two
writers can never fork the chain.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from json.encoder import encode_basestring_ascii as quoted  # a JSON string, in C
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.core.bulk import insert_rows
from tracker.core.events import listen_once
from tracker.core.time import isoformat_utc
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    Evidence,
    Indicator,
    IndicatorReport,
    IndicatorValue,
    LedgerEntry,
    Observation,
    ObservationAnswer,
    ObservationHiding,
    StatusEvent,
    Unit,
    Visibility,
)
from tracker.models.indicator import TOTAL

GENESIS = "0" * 64
VERSION = 2  # the payload format written now; an entry without "v" is format 1
WITHHELD = "entries_withheld"  # kind of the entry announcing earlier entries no longer served
TEXT_KINDS = ("observation", "answer")  # events holding a text (served with its opening)
INDICATOR_REPORT = "indicator_report"  # kind of a reported indicator value
_table = cast(sa.Table, LedgerEntry.__table__)


def canonical(payload: dict | list) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, payload_text: str) -> str:
    return hashlib.sha256((prev_hash + payload_text).encode("utf-8")).hexdigest()


def commit_to(salt: str | None, value: str | None) -> str | None:
    """sha256(salt + value) in hex (a missing value counts as ""): reveals nothing of the
    value without the salt; None when there is no salt (a record from before salts)."""
    if salt is None:
        return None
    return hashlib.sha256((salt + (value or "")).encode("utf-8")).hexdigest()


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
        text = canonical({"v": VERSION, "kind": kind, "at": isoformat_utc(at, "microseconds"),
                          "seq": seq, "event": event})
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
                    title: str, url: str | None, dated: dt.date, salt: str | None = None,
                    version: int = VERSION) -> dict:
    """Public evidence in full; restricted evidence only as the word and, a file, its salted
    hash (format 1: its plain hash)."""
    if str(getattr(visibility, "value", visibility)) != Visibility.PUBLIC.value:
        record = {"commitment": code, "evidence_id": evidence_id, "visibility": "restricted"}
        if version == 1:
            return record | {"sha256": sha256}
        return record | {"sha256_commitment": commit_to(salt, sha256) if sha256 else None}
    return {"commitment": code, "evidence_id": evidence_id, "visibility": "public",
            "sha256": sha256, "title": title, "url": url, "dated": dated.isoformat()}


def observation_record(code: str, observation_id: int, organisation: str, organisation_kind,
                       assessment, text: str, links: str | None, salt: str | None = None,
                       version: int = VERSION) -> dict:
    value = lambda s: getattr(s, "value", s)  # noqa: E731
    record = {"commitment": code, "observation_id": observation_id,
              "organisation": organisation, "organisation_kind": value(organisation_kind),
              "assessment": value(assessment)}
    if version == 1:
        return record | {"text": text, "links": links}
    return record | {"text_commitment": commit_to(salt, text),
                     "links_commitment": commit_to(salt, links)}


def answer_record(code: str, answer_id: int, observation_id: int, country: str | None,
                  text: str, salt: str | None = None, version: int = VERSION) -> dict:
    record = {"commitment": code, "answer_id": answer_id, "observation_id": observation_id,
              "country": country}
    if version == 1:
        return record | {"text": text}
    return record | {"text_commitment": commit_to(salt, text)}


def hiding_record(code: str, hiding_id: int, observation_id: int, reason: str) -> dict:
    """The reason is public by design: it stays in clear."""
    return {"commitment": code, "hiding_id": hiding_id, "observation_id": observation_id,
            "reason": reason}


def report_cells(values: Iterable[IndicatorValue]) -> list[list[str]]:
    """A report's cells as [first code or "_T", second code or "_T", value as text], totals
    first, then by code (not the vocabularies' display order, which may change)."""
    cells = [[v.first_value.code if v.first_value else TOTAL,
              v.second_value.code if v.second_value else TOTAL, number_text(v.value)]
             for v in values]
    return sorted(cells, key=lambda c: (c[0] != TOTAL, c[0], c[1] != TOTAL, c[1]))


def number_text(value: Decimal) -> str:
    """A value as written, whatever the database returns: 12, 12.5 (not 12.0000 nor -0)."""
    return format((Decimal(value) + 0).normalize(), "f")


def indicator_report_record(indicator: str, country: str, report_id: int, period: str,
                            replaces_id: int | None, note: str | None, source: str | None,
                            cells: list[list[str]], salt: str, *, sealed: bool) -> dict:
    """A report with its cells in clear; or, ``sealed`` (some cell may not be published: a
    small count), no number at all, only values_commitment = sha256(salt +
    canonical(cells)), which the report's exact readers can open."""
    record = {"indicator": indicator, "country": country, "report_id": report_id,
              "period": period, "replaces_id": replaces_id, "note": note, "source": source}
    if sealed:
        return record | {"values_commitment": commit_to(salt, canonical(cells))}
    return record | {"cells": cells}


def _report_records(code: str, iso3: str, report: IndicatorReport) -> tuple[dict, dict]:
    """A report's record in clear and sealed: the entry holds the one chosen when it was
    written, under the suppression rule and threshold of that day, which may change since."""
    fields = (code, iso3, report.id, report.period, report.replaces_id, report.note,
              report.source, report_cells(report.values), report.ledger_salt)
    return (indicator_report_record(*fields, sealed=False),
            indicator_report_record(*fields, sealed=True))


def withheld_record(entries, cause: str) -> dict:
    """Format-1 entries (seq, prev_hash, hash) served without payload from now on: their
    hashes stay pinned by this entry, so the chain still verifies across them."""
    return {"cause": cause, "entries": [{"seq": seq, "prev_hash": prev, "hash": digest}
                                        for seq, prev, digest in entries]}


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
                obj.title, obj.url, obj.dated, obj.ledger_salt)))
        elif isinstance(obj, Observation):
            entries.append(("observation", obj.created_at, observation_record(
                _code(session, obj.commitment_id), obj.id, obj.organisation,
                obj.organisation_kind, obj.assessment, obj.text, obj.links, obj.text_salt)))
        elif isinstance(obj, ObservationAnswer):
            observed = session.get_one(Observation, obj.observation_id)
            entries.append(("answer", obj.created_at, answer_record(
                _code(session, observed.commitment_id), obj.id, obj.observation_id,
                _iso3(session, obj.country_id), obj.text, obj.text_salt)))
        elif isinstance(obj, ObservationHiding):
            observed = session.get_one(Observation, obj.observation_id)
            entries.append(("observation_hidden", obj.at, hiding_record(
                _code(session, observed.commitment_id), obj.id, obj.observation_id,
                obj.reason)))
            in_clear = format1_entries_of(session.connection(), obj.observation_id)
            if in_clear:  # an observation from before format 2: its text leaves the API too
                entries.append((WITHHELD, obj.at, withheld_record(in_clear,
                                                                  "observation_hidden")))
        elif isinstance(obj, IndicatorReport):  # its cells are flushed with it
            indicator = session.get_one(Indicator, obj.indicator_id)
            # A pending object does not load its relationships: hand it the indicator
            # without recording a change (the row is written and append-only).
            set_committed_value(obj, "indicator", indicator)
            entries.append((INDICATOR_REPORT, obj.created_at, indicator_report_record(
                indicator.code,
                session.get_one(Country, obj.country_id).iso3, obj.id, obj.period,
                obj.replaces_id, obj.note, obj.source, report_cells(obj.values),
                # Counts of people are always sealed: a report in clear today could undo the
                # suppression of its own correction tomorrow (the two differ by the small
                # count), and the ledger keeps both for ever. Rates, amounts, days: in clear.
                obj.ledger_salt, sealed=indicator.unit == Unit.COUNT)))
    return entries


def format1_entries_of(connection, observation_id: int) -> list[tuple[int, str, str]]:
    """(seq, prev_hash, hash) of the format-1 entries holding an observation's text or its
    answers' text."""
    rows = connection.execute(
        sa.select(_table.c.seq, _table.c.prev_hash, _table.c.hash, _table.c.payload)
        .where(_table.c.kind.in_(TEXT_KINDS),
               _table.c.payload.contains(f'"observation_id":{observation_id}'))
        .order_by(_table.c.seq)).all()
    found = []
    for row in rows:
        payload = json.loads(row.payload)
        if "v" not in payload and payload["event"].get("observation_id") == observation_id:
            found.append((row.seq, row.prev_hash, row.hash))
    return found


def withheld_entries(connection) -> dict[int, tuple[int, str, str]]:
    """seq of every withheld entry -> (seq of the entry announcing it, prev_hash, hash)."""
    rows = connection.execute(sa.select(_table.c.seq, _table.c.payload)
                              .where(_table.c.kind == WITHHELD).order_by(_table.c.seq))
    withheld = {}
    for seq, payload in rows:
        for item in json.loads(payload)["event"]["entries"]:
            withheld[item["seq"]] = (seq, item["prev_hash"], item["hash"])
    return withheld


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
        if parsed.get("v", 1) not in (1, VERSION):
            return f"{where}: unknown payload format {parsed.get('v')!r}"
        if chain_hash(prev_hash, payload) != digest:
            return f"{where}: hash does not match its payload"
        expected_seq, prev = seq + 1, digest
    return None


# An answer and a hiding also name their observation: their own id is looked for first.
ID_KEYS = ("answer_id", "hiding_id", "event_id", "evidence_id", "observation_id",
           "report_id")


def verify_database(session: Session) -> str | None:
    """Check the chain, that it agrees with the history it records, and that every format-1
    entry holding withdrawn content is withheld, exactly as announced (None if intact)."""
    rows = session.execute(sa.select(_table.c.seq, _table.c.kind, _table.c.at,
                                     _table.c.payload, _table.c.prev_hash, _table.c.hash)
                           .order_by(_table.c.seq).execution_options(yield_per=2000))
    recorded: dict[tuple, tuple[int, int, dict]] = {}
    entries, format1 = [], []
    for row in rows:
        entries.append(tuple(row))
        try:
            parsed = json.loads(row.payload)
            event = parsed.get("event", {})
            version = parsed.get("v", 1)
        except (ValueError, AttributeError):
            continue  # verify_chain names it
        if row.kind == WITHHELD:
            continue
        if version == 1:
            format1.append((row.seq, row.kind, event))
        key = next((k for k in ID_KEYS if k in event), None)
        if key:
            recorded[(key, event[key])] = (row.seq, version, event)
    problem = verify_chain(entries)
    return problem or _withholding(session, entries, format1) or _agreement(session, recorded)


# The kinds whose format-1 entries can hold what is later withdrawn (restricted files,
# hidden observations and their answers); tools/verify_ledger.py knows the same three.
WITHDRAWABLE_KINDS = ("evidence_added", "observation", "answer")


def _withholding(session: Session, entries, format1) -> str | None:
    """Each announcement names earlier entries as they are; nothing withdrawn is served."""
    by_seq = {seq: (prev_hash, digest) for seq, _k, _a, _p, prev_hash, digest in entries}
    old_kinds = {seq: kind for seq, kind, _event in format1}
    withheld = withheld_entries(session.connection())
    for seq, (announced_in, prev_hash, digest) in withheld.items():
        if seq >= announced_in or by_seq.get(seq) != (prev_hash, digest):
            return f"entry {announced_in}: withholds entry {seq}, but not as it is"
        # Only a format-1 entry of a kind that can hold withdrawn content may be withheld:
        # anything else withheld would be history hidden from auditors.
        if old_kinds.get(seq) not in WITHDRAWABLE_KINDS:
            return f"entry {announced_in}: withholds entry {seq}, which may not be withheld"
    hidden = set(session.scalars(sa.select(ObservationHiding.observation_id)))
    for seq, kind, event in format1:
        withdrawn = (kind == "evidence_added" and event.get("visibility") == "restricted"
                     and event.get("sha256")) \
            or (kind in TEXT_KINDS and event.get("observation_id") in hidden)
        if withdrawn and seq not in withheld:
            return f"entry {seq}: holds withdrawn content, but is still served"
    return None


def _history_rows(session: Session):
    """(id key, query, record builder(version, id, code, *values)) for every table the
    ledger records; each query's last column is the record's salt where it has one."""
    Answered = aliased(Observation)
    return [
        ("event_id", sa.select(StatusEvent.id, Commitment.code, StatusEvent.from_status,
                               StatusEvent.to_status, StatusEvent.progress, StatusEvent.note,
                               StatusEvent.actor_role, Country.iso3)
         .join(Commitment, Commitment.id == StatusEvent.commitment_id)
         .outerjoin(Country, Country.id == StatusEvent.actor_country_id)
         .order_by(StatusEvent.id),
         lambda version, i, code, *v: status_event_record(code, i, *v)),
        ("evidence_id", sa.select(Evidence.id, Commitment.code, Evidence.visibility,
                                  Evidence.sha256, Evidence.title, Evidence.url, Evidence.dated,
                                  Evidence.ledger_salt)
         .join(Commitment, Commitment.id == Evidence.commitment_id).order_by(Evidence.id),
         lambda version, i, code, visibility, sha256, title, url, dated, salt: evidence_record(
             code, i, visibility, sha256, title, url, dated, salt, version)),
        ("observation_id", sa.select(Observation.id, Commitment.code, Observation.organisation,
                                     Observation.organisation_kind, Observation.assessment,
                                     Observation.text, Observation.links, Observation.text_salt)
         .join(Commitment, Commitment.id == Observation.commitment_id).order_by(Observation.id),
         lambda version, i, code, organisation, kind, assessment, text, links, salt:
         observation_record(code, i, organisation, kind, assessment, text, links, salt,
                            version)),
        ("answer_id", sa.select(ObservationAnswer.id, Commitment.code,
                                ObservationAnswer.observation_id, Country.iso3,
                                ObservationAnswer.text, ObservationAnswer.text_salt)
         .join(Answered, Answered.id == ObservationAnswer.observation_id)
         .join(Commitment, Commitment.id == Answered.commitment_id)
         .join(Country, Country.id == ObservationAnswer.country_id)
         .order_by(ObservationAnswer.id),
         lambda version, i, code, observation_id, iso3, text, salt: answer_record(
             code, i, observation_id, iso3, text, salt, version)),
        ("hiding_id", sa.select(ObservationHiding.id, Commitment.code,
                                ObservationHiding.observation_id, ObservationHiding.reason)
         .join(Answered, Answered.id == ObservationHiding.observation_id)
         .join(Commitment, Commitment.id == Answered.commitment_id)
         .order_by(ObservationHiding.id),
         lambda version, i, code, *v: hiding_record(code, i, *v)),
        # The ORM's rows, refreshed (a verifier reads what the database holds now).
        ("report_id", sa.select(IndicatorReport.id, Indicator.code, Country.iso3,
                                IndicatorReport)
         .join(Indicator, Indicator.id == IndicatorReport.indicator_id)
         .join(Country, Country.id == IndicatorReport.country_id)
         .order_by(IndicatorReport.id)
         .options(selectinload(IndicatorReport.values).options(
             joinedload(IndicatorValue.first_value), joinedload(IndicatorValue.second_value)))
         .execution_options(populate_existing=True),
         lambda version, i, code, iso3, report: _report_records(code, iso3, report)),
    ]


def _agreement(session: Session, recorded: dict) -> str | None:
    """Every history row has its entry, saying what the row says (in the entry's format);
    no entry is left over."""
    for key, query, record in _history_rows(session):
        for ident, code, *values in session.execute(query.execution_options(yield_per=2000)):
            found = recorded.pop((key, ident), None)
            what = f"{key.removesuffix('_id')} {ident} of {code}"
            if found is None:
                return f"{what} has no ledger entry"
            seq, version, event = found
            expected = record(version, ident, code, *values)
            # A tuple: the forms the entry may hold (a report in clear or sealed).
            if event not in (expected if isinstance(expected, tuple) else (expected,)):
                return f"entry {seq}: differs from {what}"
    if recorded:
        (key, ident), (seq, _v, _event) = min(recorded.items(), key=lambda item: item[1][0])
        return (f"entry {seq}: records {key.removesuffix('_id')} {ident}, which is not in "
                "the database")
    return None


def ledger_page(after: int, limit: int) -> str:
    """Entries after a sequence number, for the API, as a JSON array: each payload exactly
    as stored and hashed (canonical JSON, embedded without decoding it), the opening of a
    visible text beside it; a withheld entry without payload, naming the entry that
    announced it. Read from the rows on every request (a verifier must see them as they are
    now), as plain rows: a thousand entries are half a megabyte."""
    rows = db.session.execute(
        sa.select(_table.c.seq, _table.c.at, _table.c.kind, _table.c.prev_hash,
                  _table.c.hash, _table.c.payload)
        .where(_table.c.seq > after).order_by(_table.c.seq).limit(limit)).all()
    withheld = withheld_entries(db.session.connection())
    openings = _openings({row.seq: json.loads(row.payload) for row in rows
                          if row.kind in TEXT_KINDS and row.seq not in withheld})
    items = []
    for row in rows:
        head = (f'{{"seq":{row.seq},"at":"{isoformat_utc(row.at, "microseconds")}",'
                f'"kind":{quoted(row.kind)},"prev_hash":{quoted(row.prev_hash)},'
                f'"hash":{quoted(row.hash)}}}')
        if row.seq in withheld:
            tail = f'"payload":null,"withheld_by":{withheld[row.seq][0]}'
        else:
            tail = f'"payload":{row.payload}'
            if row.seq in openings:
                tail += f',"opening":{json.dumps(openings[row.seq])}'
        items.append(f"{head[:-1]},{tail}}}")
    return "[" + ",".join(items) + "]"


def _openings(payloads: dict[int, dict]) -> dict[int, dict]:
    """seq -> {"salt", "text"[, "links"]} for the format-2 observations and answers among
    these entries whose observation is not hidden (two queries)."""
    wanted: dict[str, dict[int, int]] = {kind: {} for kind in TEXT_KINDS}
    for seq, payload in payloads.items():
        if payload.get("v") == VERSION and payload["kind"] in wanted:
            event = payload["event"]
            wanted[payload["kind"]][event["answer_id" if payload["kind"] == "answer"
                                          else "observation_id"]] = seq
    hidden = sa.exists().where(ObservationHiding.observation_id == Observation.id)
    openings = {}
    if wanted["observation"]:
        for row in db.session.execute(
                sa.select(Observation.id, Observation.text, Observation.links,
                          Observation.text_salt)
                .where(Observation.id.in_(wanted["observation"]), ~hidden,
                       Observation.text_salt.is_not(None))):
            openings[wanted["observation"][row.id]] = {"salt": row.text_salt, "text": row.text,
                                                       "links": row.links}
    if wanted["answer"]:
        for answer in db.session.execute(
                sa.select(ObservationAnswer.id, ObservationAnswer.text,
                          ObservationAnswer.text_salt)
                .join(Observation, Observation.id == ObservationAnswer.observation_id)
                .where(ObservationAnswer.id.in_(wanted["answer"]), ~hidden,
                       ObservationAnswer.text_salt.is_not(None))):
            openings[wanted["answer"][answer.id]] = {"salt": answer.text_salt,
                                                     "text": answer.text}
    return openings


def current_head() -> dict:
    """The latest entry's sequence number and hash, to publish (and for auditors to save)."""
    seq, digest = head(db.session.connection())
    return {"seq": seq, "hash": digest}
