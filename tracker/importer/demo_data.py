"""Synthetic demo data for benchmarks: meetings, recommendations, and commitments with their
history and evidence, written with bulk Core inserts in one transaction.

Ids are chosen here (from each table's max(id) + 1) so children can name their parents
without a round trip; PostgreSQL's sequences are moved past them before the commit.
"""

import datetime as dt
import math
import random
from typing import Callable

import sqlalchemy as sa

from tracker.commitments.search import fold_text, recommendation_search_text
from tracker.core.bulk import insert_rows
from tracker.core.data_version import bump
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.importer.demo_indicators import write_demo_indicators
from tracker.ledger import chain
from tracker.models import (
    Commitment,
    Country,
    Evidence,
    Meeting,
    Recommendation,
    Status,
    StatusEvent,
    Theme,
    Visibility,
    WorkingTable,
)
from tracker.models.tally import recounted_after

DEMO_PREFIX = "DEMO-"
BATCH = 5000               # rows per INSERT (COPY on PostgreSQL)
COMMITMENTS_PER_CHUNK = 2000  # commitments generated, written and reported at a time
FIRST_MEETING = dt.date(2015, 1, 1)
LAST_MEETING = dt.date(2026, 12, 31)
WRITTEN = (Meeting, WorkingTable, Recommendation, Commitment, StatusEvent, Evidence)

STATUS_WEIGHTS = {Status.NOT_REPORTED: 35, Status.NOT_STARTED: 10, Status.IN_PROGRESS: 35,
                  Status.COMPLETED: 12, Status.STALLED: 8}
CAPITALS = ("Belmopán", "Ottawa", "San José", "Santo Domingo", "San Salvador",
            "Ciudad de Guatemala", "Tegucigalpa", "Ciudad de México", "Managua",
            "Ciudad de Panamá", "Washington D. C.")
MEETING_KINDS = ("Reunión Viceministerial", "Reunión técnica", "Taller regional",
                 "Reunión del Grupo Regional de Consulta sobre Migración")
TABLE_NAMES = (
    ("Protección consular y derechos humanos", "Consular protection and human rights"),
    ("Diálogo con la sociedad civil", "Dialogue with civil society"),
    ("Trata de personas y tráfico ilícito de migrantes", "Trafficking in persons and smuggling"),
    ("Niñez y adolescencia migrante", "Migrant children and adolescents"),
    ("Migración laboral", "Labour migration"),
    ("Retorno y reintegración", "Return and reintegration"),
)
VERBS = (("Fortalecer", "Strengthen"), ("Promover", "Promote"), ("Ampliar", "Expand"),
         ("Armonizar", "Harmonise"), ("Evaluar", "Evaluate"), ("Garantizar", "Guarantee"),
         ("Impulsar", "Advance"), ("Revisar", "Review"))
TOPICS = (
    ("la protección consular de las personas migrantes", "consular protection of migrants"),
    ("los mecanismos de retorno asistido", "assisted return mechanisms"),
    ("el intercambio de información estadística", "the exchange of statistical information"),
    ("la atención a niñas, niños y adolescentes no acompañados",
     "care for unaccompanied children and adolescents"),
    ("la identificación de víctimas de trata", "the identification of trafficking victims"),
    ("el diálogo con organizaciones de la sociedad civil", "dialogue with civil society"),
    ("la capacitación de funcionarios migratorios", "the training of migration officials"),
    ("los protocolos de cooperación técnica", "technical cooperation protocols"),
    ("el acceso a la justicia de las personas migrantes", "migrants' access to justice"),
    ("la regularización migratoria", "migration regularisation"),
)
SCOPES = ("en los países de origen, tránsito y destino", "en las zonas fronterizas",
          "en coordinación con los consulados de la región", "a nivel nacional y regional")
MEANS = ("mediante la coordinación interinstitucional", "con el apoyo de la OIM y el ACNUR",
         "a través de guías técnicas compartidas", "con la participación de la sociedad civil")
HORIZONS = ("antes de la próxima reunión viceministerial", "en un plazo de dos años",
            "durante el año en curso", "según el plan de acción de la Conferencia")
SECTIONS = ("Recomendaciones", "Cómo avanzar", "Contribuciones a la CRM")
INSTITUTIONS = ("Ministerio de Relaciones Exteriores", "Dirección General de Migración",
                "Instituto Nacional de Migración", "Ministerio de Trabajo y Previsión Social",
                "Defensoría del Pueblo", "Secretaría de Bienestar Social")
NOTES = {
    Status.NOT_REPORTED: ("Se solicitó al punto focal información sobre {}.",),
    Status.NOT_STARTED: ("Se designó la institución responsable de {}.",
                         "Se programó una reunión de coordinación sobre {}."),
    Status.IN_PROGRESS: ("Se realizó un taller de capacitación sobre {}.",
                         "Se aprobó el plan de trabajo para {}.",
                         "Avanza la revisión del marco normativo sobre {}."),
    Status.STALLED: ("Las actividades sobre {} están suspendidas por falta de presupuesto.",
                     "El cambio de autoridades detuvo el trabajo sobre {}."),
    Status.COMPLETED: ("Se concluyó la implementación y se publicó el informe final sobre {}.",),
}
EVIDENCE_KINDS = ("Informe de avance", "Acta de reunión", "Protocolo aprobado",
                  "Comunicado oficial", "Memoria del taller")


class DemoDataExists(Exception):
    """The database already holds demo data; a second run would mix two data sets."""


class MissingReferenceData(Exception):
    """No countries or themes: the seed must be loaded first."""


def demo_data_exists() -> bool:
    """Whether a meeting coded like the demo's is in the database."""
    return bool(db.session.scalar(sa.select(sa.func.count(Meeting.id))
                                  .where(Meeting.code.startswith(DEMO_PREFIX))))


def generate_demo_data(n_commitments: int, seed: int = 42,
                       progress: Callable[[int], None] | None = None) -> dict:
    """Write N synthetic commitments and what they hang on; return counts of rows written."""
    if demo_data_exists():
        raise DemoDataExists("the database already holds demo data")
    countries = db.session.execute(sa.select(Country.id, Country.iso3).where(
        Country.regional.is_(False)).order_by(Country.iso3)).all()  # member states report
    themes = list(db.session.scalars(sa.select(Theme.id).order_by(Theme.id)))
    if not countries or not themes:
        raise MissingReferenceData("load the seed data first (flask seed)")
    writer = _Writer(random.Random(seed), utcnow(), progress or (lambda n: None))
    try:
        recommendations = writer.write_meetings(math.ceil(n_commitments / len(countries)), themes)
        with recounted_after(db.session()):
            writer.write_commitments(recommendations, list(countries), n_commitments)
        _move_sequences_past_ids()
        writer.counts |= write_demo_indicators(writer.rng, writer.now.date())
        bump(db.session())  # bulk inserts pass by the ORM's flush hook: count the change here
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return writer.counts


class _Writer:
    """Generates rows from one random stream and writes them in batches, parents first."""

    def __init__(self, rng: random.Random, now: dt.datetime, progress):
        self.rng, self.now, self.progress = rng, now, progress
        self.counts = {"meetings": 0, "working_tables": 0, "recommendations": 0,
                       "commitments": 0, "status_events": 0, "evidence": 0}
        self.next_id = {model: _max_id(model) + 1 for model in WRITTEN}

    def new_id(self, model) -> int:
        self.next_id[model] += 1
        return self.next_id[model] - 1

    def insert(self, model, rows: list[dict], count: str) -> None:
        """Core, not the ORM's bulk path, which would split a batch wherever a row has a
        NULL (a creation event's from_status) and run thousands of statements."""
        for start in range(0, len(rows), BATCH):
            insert_rows(db.session.connection(), model.__table__, rows[start:start + BATCH])
        self.counts[count] += len(rows)

    def chain(self, commitments, events, evidence, iso3: dict[int, str]) -> None:
        """The ledger entries the ORM hook would have written for these rows."""
        code = {c["id"]: c["code"] for c in commitments}
        entries = [("commitment_created" if e["from_status"] is None else "status_change",
                    e["at"], chain.status_event_record(
                        code[e["commitment_id"]], e["id"], e["from_status"], e["to_status"],
                        e["progress"], e["note"], e["actor_role"],
                        iso3.get(e["actor_country_id"]))) for e in events]
        entries += [("evidence_added", e["created_at"], chain.evidence_record(
            code[e["commitment_id"]], e["id"], e["visibility"], e["sha256"], e["title"],
            e["url"], e["dated"])) for e in evidence]
        # Appended in time order, as they would have happened.
        chain.append(db.session.connection(), sorted(entries, key=lambda entry: entry[1]))

    def write_meetings(self, n_recommendations: int, themes: list[int]) -> list[tuple]:
        """Meetings, their tables and n recommendations; return (id, code, held_on) of each."""
        meetings: list[dict] = []
        tables: list[dict] = []
        recs: list[tuple[dict, dt.date]] = []
        plan = self.plan_meetings(n_recommendations)
        dates = self.meeting_dates(len(plan))
        for held_on, code, table_sizes in zip(dates, _meeting_codes(dates), plan,
                                              strict=True):
            meeting_id = self.new_id(Meeting)
            meetings.append(dict(
                id=meeting_id, code=code, held_on=held_on, city=self.rng.choice(CAPITALS),
                name=f"{self.rng.choice(MEETING_KINDS)} de la CRM, {held_on.year}",
                venue=None, notes=None))
            names = self.rng.sample(TABLE_NAMES, len(table_sizes))
            for position, (size, (name_es, name_en)) in enumerate(
                    zip(table_sizes, names, strict=True)):
                table_id, table_code = self.new_id(WorkingTable), f"MT{position + 1}"
                tables.append(dict(id=table_id, meeting_id=meeting_id, code=table_code,
                                   position=position, name_es=name_es, name_en=name_en,
                                   facilitators=None))
                recs.extend((self.recommendation(f"{code}-{table_code}-R{at + 1:02d}", table_id,
                                                 at, themes), held_on) for at in range(size))
        self.insert(Meeting, meetings, "meetings")
        self.insert(WorkingTable, tables, "working_tables")
        self.insert(Recommendation, [row for row, _ in recs], "recommendations")
        return [(row["id"], row["code"], held_on) for row, held_on in recs]

    def plan_meetings(self, n_recommendations: int) -> list[list[int]]:
        """Per meeting, how many recommendations each of its 2–3 working tables makes."""
        plan, left = [], n_recommendations
        while left > 0:
            n_tables = self.rng.choice((2, 3, 3))
            sizes = [self.rng.randint(8, 14) for _ in range(n_tables)]
            if sum(sizes) >= left:  # the last meeting shares out what is left
                sizes = [left // n_tables + (i < left % n_tables) for i in range(n_tables)]
            plan.append([size for size in sizes if size])
            left -= sum(sizes)
        return plan

    def meeting_dates(self, n: int) -> list[dt.date]:
        """n dates from 2015 to two months ago (so every history has room), oldest first."""
        last = min(LAST_MEETING, self.now.date() - dt.timedelta(days=60))
        span = (last - FIRST_MEETING).days
        return sorted(FIRST_MEETING + dt.timedelta(days=int(self.rng.random() * span))
                      for _ in range(n))

    def recommendation(self, code: str, table_id: int, position: int,
                       themes: list[int]) -> dict:
        """A recommendation row whose titles and text are assembled from the word lists."""
        (verb_es, verb_en), (topic_es, topic_en) = self.rng.choice(VERBS), self.rng.choice(TOPICS)
        text = (f"{verb_es} {topic_es} {self.rng.choice(SCOPES)}, {self.rng.choice(MEANS)}, "
                f"{self.rng.choice(HORIZONS)}.")
        return dict(id=self.new_id(Recommendation), code=code, working_table_id=table_id,
                    theme_id=self.rng.choice(themes), kind="recommendation", year=None,
                    section=self.rng.choice(SECTIONS), position=position, text_es=text,
                    title_es=f"{verb_es} {topic_es}", title_en=f"{verb_en} {topic_en}",
                    editorial_note=None, search_text=recommendation_search_text(
                        f"{verb_es} {topic_es}", f"{verb_en} {topic_en}", text))

    def write_commitments(self, recommendations: list[tuple], countries: list, n: int) -> None:
        """One commitment per recommendation and country until n, written chunk by chunk."""
        commitments, events, evidence = [], [], []
        for rec_id, rec_code, held_on in recommendations:
            for country_id, iso3 in countries[:n]:
                row, history = self.commitment(rec_id, f"{rec_code}-{iso3}", country_id, held_on)
                commitments.append(row)
                events.extend(history)
                evidence.extend(self.evidence(row["id"], [
                    e for e in history if e["to_status"] != Status.NOT_REPORTED]))
            n -= len(countries[:n])
            if len(commitments) >= COMMITMENTS_PER_CHUNK or n == 0:
                self.insert(Commitment, commitments, "commitments")
                self.insert(StatusEvent, events, "status_events")
                self.insert(Evidence, evidence, "evidence")
                self.chain(commitments, events, evidence, dict(countries))
                self.progress(len(commitments))
                commitments, events, evidence = [], [], []
            if n == 0:
                return

    def commitment(self, rec_id: int, code: str, country_id: int,
                   held_on: dt.date) -> tuple[dict, list[dict]]:
        """A commitment row and its history, creation first."""
        status = self.rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        commitment_id = self.new_id(Commitment)
        created = dt.datetime.combine(held_on, dt.time(18), tzinfo=dt.timezone.utc)
        steps = [(Status.NOT_REPORTED, None)] + _steps(self.rng, status)
        times = [created] + _later_times(self.rng, created, self.now, len(steps) - 1)
        history, previous = [], None
        for at, (to_status, progress) in zip(times, steps, strict=True):
            reported = previous is not None
            note = self.note(to_status) if reported else None
            history.append(dict(
                id=self.new_id(StatusEvent), commitment_id=commitment_id, at=at,
                from_status=previous, to_status=to_status, progress=progress,
                note=note, note_search=fold_text(note), actor_id=None,
                actor_role="focal_point" if reported else "system",
                actor_country_id=country_id if reported else None))
            previous = to_status
        due = (held_on + dt.timedelta(days=self.rng.randint(180, 5 * 365))
               if self.rng.random() < 0.7 else None)
        institution = self.rng.choice(INSTITUTIONS) if self.rng.random() < 0.6 else None
        return dict(id=commitment_id, code=code, recommendation_id=rec_id, country_id=country_id,
                    status=status, progress=steps[-1][1], due_date=due,
                    responsible_institution=institution, created_at=created,
                    updated_at=times[-1], version=1), history

    def note(self, status: Status) -> str:
        """A focal point's note fitting the status reported."""
        return self.rng.choice(NOTES[status]).format(self.rng.choice(TOPICS)[0])

    def evidence(self, commitment_id: int, reports: list[dict]) -> list[dict]:
        """About one record per four commitments, dated at one of the commitment's reports."""
        if not reports:
            return []
        rows = []
        for _ in range(self.rng.choices((0, 1, 2), weights=(68, 25, 7))[0]):
            at, evidence_id = self.rng.choice(reports)["at"], self.new_id(Evidence)
            rows.append(dict(
                id=evidence_id, commitment_id=commitment_id, dated=at.date(), created_at=at,
                title=f"{self.rng.choice(EVIDENCE_KINDS)} sobre {self.rng.choice(TOPICS)[0]}",
                visibility=Visibility.RESTRICTED if self.rng.random() < 0.2 else Visibility.PUBLIC,
                url=f"https://example.org/evidencia/{evidence_id}", stored_name=None,
                original_filename=None, content_type=None, size=None, sha256=None,
                added_by_id=None))
        return rows


def _steps(rng: random.Random, status: Status) -> list[tuple[Status, int | None]]:
    """The reports after creation, as (status, progress), that lead to status (0–4 of them)."""
    if status == Status.NOT_REPORTED:
        return [(status, None)] if rng.random() < 0.4 else []
    if status == Status.NOT_STARTED:
        return [(status, 0)] * rng.randint(1, 2)
    lead = [(Status.NOT_STARTED, 0)] if rng.random() < 0.5 else []
    last = 4 if status == Status.IN_PROGRESS else 3  # stalled and completed add a final step
    n_in_progress = rng.randint(1, last - len(lead))
    reached = rng.randint(1, 99)
    values = sorted(rng.randint(1, reached) for _ in range(n_in_progress - 1)) + [reached]
    steps: list[tuple[Status, int | None]] = [*lead, *((Status.IN_PROGRESS, v) for v in values)]
    if status == Status.STALLED:
        steps.append((status, reached))
    elif status == Status.COMPLETED:
        steps.append((status, 100))
    return steps


def _later_times(rng: random.Random, after: dt.datetime, before: dt.datetime,
                 n: int) -> list[dt.datetime]:
    """n increasing whole-second times strictly between after and before."""
    span = (before - after).total_seconds()
    fractions = sorted(rng.random() for _ in range(n))
    return [after + dt.timedelta(seconds=int(1 + f * (span - n - 2)) + i)
            for i, f in enumerate(fractions)]


def _meeting_codes(dates: list[dt.date]):
    """DEMO-<year>-<nnn>, numbered within each year in date order."""
    per_year: dict[int, int] = {}
    for held_on in dates:
        per_year[held_on.year] = per_year.get(held_on.year, 0) + 1
        yield f"{DEMO_PREFIX}{held_on.year}-{per_year[held_on.year]:03d}"


def _max_id(model) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0)))


def _move_sequences_past_ids() -> None:
    """PostgreSQL hands out ids from sequences the explicit ids bypassed; SQLite needs nothing."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in WRITTEN:
        table = model.__tablename__
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT max(id) FROM {table}))"))
