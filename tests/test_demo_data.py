"""``flask demo-data``: synthetic commitments whose history leads to their status, written on
a fresh (or only seeded) database, refused on a second run, and served by the public pages.

The tests of what one run on a seeded database wrote share that run (`demo`, `big_demo`):
generated once for the module, copied into each test's own database."""

import datetime as dt
import itertools
import re
from collections import Counter
from itertools import groupby

import pytest
import sqlalchemy as sa
from conftest import engine_of, make_config

from tracker import create_app
from tracker.extensions import db
from tracker.importer.demo_data import DEMO_PREFIX
from tracker.models import (
    Commitment,
    Country,
    Evidence,
    Meeting,
    Recommendation,
    Status,
    StatusEvent,
    User,
    Visibility,
    WorkingTable,
)

SEED_COMMITMENTS = 277  # 25 recommendations * 11 member states + 2 of the CRM
ACCENTED = re.compile("[áéíóúñ]")
PROGRESS_OF = {Status.NOT_REPORTED: {None}, Status.NOT_STARTED: {0},
               Status.IN_PROGRESS: set(range(1, 100)), Status.STALLED: set(range(1, 100)),
               Status.COMPLETED: {100}}


def demo_data(runner, n: int = 500, *options: str):
    return runner.invoke(args=["demo-data", "--commitments", str(n), *options])


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def demo_commitments() -> list[Commitment]:
    return list(db.session.scalars(sa.select(Commitment).order_by(Commitment.id)
                                   .where(Commitment.code.startswith(DEMO_PREFIX))))


def histories() -> dict[int, list[StatusEvent]]:
    events = db.session.scalars(sa.select(StatusEvent)
                                .order_by(StatusEvent.commitment_id, StatusEvent.id))
    return {key: list(group) for key, group in groupby(events, lambda e: e.commitment_id)}


def table_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _demo_image(build_image, seed_image, n: int):
    def fill(builder):
        seed_image.restore(db.engine)
        return demo_data(builder.test_cli_runner(), n)

    return build_image(fill)


@pytest.fixture(scope="module")
def demo_image(build_image, seed_image):
    return _demo_image(build_image, seed_image, 500)


@pytest.fixture(scope="module")
def big_demo_image(build_image, seed_image):
    return _demo_image(build_image, seed_image, 2000)


@pytest.fixture
def demo(app, demo_image):
    """The seeded database after ``flask demo-data --commitments 500``; the command's result."""
    return demo_image.restore(engine_of(app))


@pytest.fixture
def big_demo(app, big_demo_image):
    """The seeded database after ``flask demo-data --commitments 2000``; the command's result."""
    return big_demo_image.restore(engine_of(app))


def test_adds_exactly_n_commitments_to_a_seeded_database(demo):
    result = demo
    assert result.exit_code == 0, result.output
    assert count(Commitment) == SEED_COMMITMENTS + 500
    assert len(demo_commitments()) == 500


def test_loads_the_seed_itself_on_an_empty_database(runner):
    assert count(Country) == 0
    result = demo_data(runner)
    assert result.exit_code == 0, result.output
    assert count(Country) == 12  # the 11 member states and the CRM (regional)
    assert count(Commitment) == SEED_COMMITMENTS + 500
    assert len(demo_commitments()) == 500


def test_every_history_starts_with_creation_and_leads_to_the_status(demo):
    assert demo.exit_code == 0
    events = histories()
    for commitment in db.session.scalars(sa.select(Commitment)):
        history = events[commitment.id]
        first, last = history[0], history[-1]
        assert (first.from_status, first.to_status) == (None, Status.NOT_REPORTED)
        assert (first.actor_id, first.actor_role) == (None, "system")
        assert (last.to_status, last.progress) == (commitment.status, commitment.progress)
        assert commitment.progress in PROGRESS_OF[commitment.status]
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status
            assert after.at > before.at
            assert (after.actor_role, after.actor_id) == ("focal_point", None)
            assert after.actor_country_id == commitment.country_id and after.note
        if commitment.code.startswith(DEMO_PREFIX):
            assert commitment.updated_at == last.at and commitment.version == 1


def test_codes_follow_meeting_table_and_country(demo):
    assert demo.exit_code == 0
    meetings = db.session.scalars(sa.select(Meeting).where(Meeting.code.startswith(DEMO_PREFIX)))
    for meeting in meetings:
        assert re.fullmatch(rf"DEMO-{meeting.held_on.year}-\d{{3}}", meeting.code)
        assert 2015 <= meeting.held_on.year <= 2026 and meeting.city and meeting.name
        assert [t.code for t in meeting.working_tables] in (["MT1", "MT2"], ["MT1", "MT2", "MT3"])
    for commitment in demo_commitments():
        rec = commitment.recommendation
        assert commitment.code == f"{rec.code}-{commitment.country.iso3}"
        assert re.fullmatch(rf"{rec.working_table.meeting.code}-{rec.working_table.code}-R\d\d",
                            rec.code)
    # 500 = 45 recommendations for all 11 countries, and 5 countries of the last one.
    per_rec = Counter(c.recommendation_id for c in demo_commitments())
    assert sorted(Counter(per_rec.values()).items()) == [(5, 1), (11, 45)]


def test_texts_are_plausible_and_carry_accents(demo):
    assert demo.exit_code == 0
    recs = db.session.scalars(sa.select(Recommendation).where(
        Recommendation.code.startswith(DEMO_PREFIX))).all()
    assert {r.kind.value for r in recs} == {"recommendation"}
    assert all(r.title_es and r.title_en and r.text_es and r.section for r in recs)
    assert any(ACCENTED.search(r.title_es) for r in recs)
    assert any(ACCENTED.search(r.text_es) for r in recs)
    notes = db.session.scalars(sa.select(StatusEvent.note).where(StatusEvent.note.is_not(None)))
    assert any(ACCENTED.search(note) for note in notes)
    assert len({r.theme_id for r in recs}) > 5


def test_mix_of_statuses_due_dates_and_history_lengths(big_demo):
    assert big_demo.exit_code == 0
    commitments = demo_commitments()
    share = Counter(c.status for c in commitments)
    expected = {Status.NOT_REPORTED: .35, Status.NOT_STARTED: .10, Status.IN_PROGRESS: .35,
                Status.COMPLETED: .12, Status.STALLED: .08}
    for status, fraction in expected.items():
        assert abs(share[status] / 2000 - fraction) < .04, status
    assert abs(sum(c.due_date is not None for c in commitments) / 2000 - .7) < .05
    today = dt.date.today()
    assert any(c.due_date and c.due_date < today and c.status != Status.COMPLETED
               for c in commitments)
    assert any(c.due_date and c.due_date >= today for c in commitments)
    events = count(StatusEvent, StatusEvent.commitment_id.in_([c.id for c in commitments]))
    assert 2.6 <= events / 2000 <= 3.4


def test_evidence_is_links_some_restricted(big_demo):
    assert big_demo.exit_code == 0
    evidence = db.session.scalars(sa.select(Evidence)).all()
    assert 350 <= len(evidence) <= 650
    assert {e.visibility for e in evidence} == {Visibility.PUBLIC, Visibility.RESTRICTED}
    assert .1 < sum(not e.is_public for e in evidence) / len(evidence) < .3
    for item in evidence:
        assert item.url == f"https://example.org/evidencia/{item.id}" and not item.is_file
        assert item.commitment.status != Status.NOT_REPORTED
        assert item.commitment.created_at.date() <= item.dated


def test_creates_no_accounts(demo):
    assert demo.exit_code == 0
    assert count(User) == 0
    assert count(StatusEvent, StatusEvent.actor_id.is_not(None)) == 0


def test_a_second_run_is_refused_and_writes_nothing(runner, demo):
    assert demo.exit_code == 0
    before = table_counts()
    result = demo_data(runner, 100, "--seed", "7")
    assert result.exit_code == 1
    assert "fresh database" in result.output
    db.session.expire_all()
    assert table_counts() == before


def test_refuses_a_count_below_one(runner):
    result = demo_data(runner, 0)
    assert result.exit_code == 2
    assert count(Country) == 0


def test_public_pages_show_demo_data(demo, client):
    assert demo.exit_code == 0
    code = demo_commitments()[-1].code
    for path in ("/", "/commitments", f"/commitments/{code}", "/commitments?q=proteccion"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert code in client.get(f"/commitments/{code}").get_data(as_text=True)


def test_new_rows_get_fresh_ids_after_demo_data(demo):
    assert demo.exit_code == 0
    commitment = demo_commitments()[0]
    highest = {model: db.session.scalar(sa.select(sa.func.max(model.id)))
               for model in (StatusEvent, Meeting, WorkingTable, Evidence)}
    meeting = Meeting(code="after-demo")
    table = WorkingTable(meeting=meeting, code="MT1", name_es="Mesa", name_en="Table")
    event = StatusEvent(commitment=commitment, from_status=commitment.status,
                        to_status=commitment.status, progress=commitment.progress,
                        note="Nota añadida después.", actor_role="secretariat")
    evidence = Evidence(commitment=commitment, title="Enlace", dated=dt.date.today(),
                        visibility=Visibility.PUBLIC, url="https://example.org/nuevo")
    db.session.add_all([meeting, table, event, evidence])
    db.session.commit()
    for row in (event, meeting, table, evidence):
        assert row.id == highest[type(row)] + 1


def test_same_seed_gives_the_same_data(runner, seeded, tmp_path):
    """Run again on a second database (an SQLite file) and compare what was generated."""
    assert demo_data(runner, 300, "--seed", "5").exit_code == 0
    first = generated()
    other = create_app(make_config(tmp_path / "other",
                                   SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/other.db"))
    with other.app_context():
        db.create_all()
        assert demo_data(other.test_cli_runner(), 300, "--seed", "5").exit_code == 0
        assert generated() == first
        db.session.remove()
        db.engine.dispose()


def generated() -> list[tuple]:
    return [(c.code, c.status, c.progress, c.due_date, len(c.events), len(c.evidence),
             c.recommendation.title_es) for c in demo_commitments()]


def test_indicators_are_reported_by_every_owner_and_add_up(demo):
    """Each demo indicator, every owner of its recommendation, the last three years; each
    count's breakdown sums to its margins and total, and some cells are small enough to be
    suppressed (so the pages and exports have something to hide)."""
    from tracker.indicators.publication import cells_of, hidden_cells
    from tracker.indicators.suppression import equations
    from tracker.models import Indicator, IndicatorReport, Unit

    indicators = db.session.scalars(sa.select(Indicator)).all()
    assert len(indicators) == 6 and all(i.code.startswith(DEMO_PREFIX) for i in indicators)
    hidden = 0
    for indicator in indicators:
        owners = count(Commitment, Commitment.recommendation_id == indicator.recommendation_id)
        reports = db.session.scalars(sa.select(IndicatorReport)
                                     .filter_by(indicator_id=indicator.id)).all()
        assert len(reports) == owners * 3
        assert {r.period for r in reports} == {str(dt.date.today().year - n) for n in (1, 2, 3)}
        for report in reports:
            cells = cells_of(report)
            if indicator.unit == Unit.COUNT and indicator.dimensions:
                sizes = [len(d.values) for d in indicator.dimensions]
                # every sibling group adds up: one per value of the other dimension and its
                # total (a single dimension: the one group under the total)
                groups = 1 if len(sizes) == 1 else (sizes[1] + 1) + (sizes[0] + 1)
                assert len(equations(cells)) == groups, (indicator.code, report.period)
            hidden += len(hidden_cells(report))
    assert hidden > 0
