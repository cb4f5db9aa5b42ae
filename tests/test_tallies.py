"""The tallies the database keeps with every write equal a count of the commitments, however
the commitments change: status updates, new owners, moved recommendations, raw SQL, and
(on PostgreSQL) two transactions counting into the same row at once."""

import datetime as dt
import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES
from factories import commitment, report_status

from tracker.commitments.administration import add_owner, update_recommendation
from tracker.commitments.dashboard import compute_dashboard, country_breakdown
from tracker.extensions import db
from tracker.models import Commitment, CommitmentTally, Recommendation, Theme, WorkingTable
from tracker.models.tally import recount


def counted_from_commitments() -> Counter:
    """(scope, scope_id, country_id, status) -> (count, progress sum), from the commitments."""
    expected: Counter = Counter()
    rows = db.session.execute(sa.select(
        Commitment.country_id, Commitment.status, Commitment.progress, Commitment.due_date,
        Recommendation.theme_id, Recommendation.working_table_id)
        .join(Recommendation, Recommendation.id == Commitment.recommendation_id))
    for country_id, status, progress, due_date, theme_id, table_id in rows:
        effective = 100 if status.value == "completed" else (progress or 0)
        scopes = [("all", 0), ("theme", theme_id), ("table", table_id)]
        if due_date is not None:
            scopes.append(("due", due_date.year * 100 + due_date.month))
        for scope, scope_id in scopes:
            expected[(scope, scope_id, country_id, status.value, "count")] += 1
            expected[(scope, scope_id, country_id, status.value, "progress")] += effective
    return expected


def tallied() -> Counter:
    kept: Counter = Counter()
    for t in db.session.scalars(sa.select(CommitmentTally)):
        kept[(t.scope, t.scope_id, t.country_id, t.status.value, "count")] += t.count
        kept[(t.scope, t.scope_id, t.country_id, t.status.value, "progress")] += t.progress_sum
    return +kept  # rows counted down to zero stay, with nothing in them


def assert_tallies_true() -> None:
    db.session.expire_all()
    assert tallied() == +counted_from_commitments()


def test_the_seed_is_tallied(seeded):
    assert_tallies_true()
    assert sum(g.total for g in country_breakdown()) == db.session.scalar(
        sa.select(sa.func.count()).select_from(Commitment))


def test_status_updates_move_counts_and_progress(seeded, people):
    before = {g.key: g for g in country_breakdown()}["MEX"]
    was = commitment("MT1-R02-MEX")
    was_effective = 100 if was.status.value == "completed" else (was.progress or 0)
    report_status(people["focal_point"], "MT1-R02-MEX", "in_progress", progress=40)
    report_status(people["focal_point"], "MT1-R02-MEX", "completed", progress=None)
    report_status(people["secretariat"], "MT1-R03-GTM", "stalled", progress=5)
    assert_tallies_true()
    mexico = {g.key: g for g in country_breakdown()}["MEX"]
    assert mexico.total == before.total
    assert mexico.progress_sum == before.progress_sum + 100 - was_effective


def test_new_owners_and_moved_recommendations_are_recounted(seeded, people):
    secretariat = people["secretariat"]
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-R01"))
    report_status(secretariat, "MT1-R01-MEX", "in_progress", progress=30)
    other_theme = db.session.scalar(sa.select(Theme).where(Theme.id != rec.theme_id).limit(1))
    other_table = db.session.scalar(sa.select(WorkingTable).where(
        WorkingTable.id != rec.working_table_id,
        WorkingTable.meeting_id == rec.working_table.meeting_id).limit(1))
    update_recommendation(secretariat, rec, working_table_id=other_table.id,
                          theme_id=other_theme.id, kind=rec.kind.value, year=rec.year,
                          section=rec.section or "", text_es=rec.text_es,
                          title_es=rec.title_es, title_en=rec.title_en or "")
    assert db.session.get(Recommendation, rec.id).theme_id == other_theme.id
    assert_tallies_true()
    owned = {c.country.iso3 for c in rec.commitments}
    newcomer = next(iso3 for iso3 in ("CRM", "USA", "CAN", "MEX") if iso3 not in owned)
    add_owner(secretariat, rec, newcomer)
    assert_tallies_true()


def test_raw_sql_writes_are_counted_too(seeded):
    """Below the ORM (an operator's psql, a bulk load): the triggers still count."""
    rec_id, country_id = db.session.execute(
        sa.select(Recommendation.id, sa.literal(0)).limit(1)).one()
    country_id = db.session.scalar(sa.text(
        "SELECT id FROM country WHERE id NOT IN "
        "(SELECT country_id FROM commitment WHERE recommendation_id = :r) LIMIT 1"),
        {"r": rec_id})
    db.session.execute(sa.text(
        "INSERT INTO commitment (code, recommendation_id, country_id, status, progress, "
        "created_at, updated_at, version) VALUES ('RAW-1', :r, :c, 'in_progress', 25, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"r": rec_id, "c": country_id})
    assert_tallies_true()
    db.session.execute(sa.text("UPDATE commitment SET status = 'completed', progress = NULL "
                               "WHERE code = 'RAW-1'"))
    assert_tallies_true()
    db.session.execute(sa.text("UPDATE commitment SET due_date = '2030-01-01' "
                               "WHERE code = 'RAW-1'"))  # its due month moves
    assert_tallies_true()
    db.session.execute(sa.text("DELETE FROM commitment WHERE code = 'RAW-1'"))
    assert_tallies_true()
    db.session.rollback()
    assert_tallies_true()


def test_a_recount_from_nothing_equals_the_kept_tallies(seeded, people):
    """The migration's fill (RECOUNT) gives what the triggers kept."""
    report_status(people["focal_point"], "MT1-R02-MEX", "in_progress", progress=60)
    kept = tallied()
    db.session.execute(sa.delete(CommitmentTally))
    db.session.execute(sa.text(recount(db.engine.dialect.name)))
    assert tallied() == kept
    db.session.rollback()


def test_the_dashboard_reads_tallies_not_commitments(seeded, count_queries):
    compute_dashboard()  # warm the per-process caches (ratings, meetings)
    with count_queries() as statements:
        dashboard = compute_dashboard()
    group_bys = [s for s in statements if "GROUP BY" in s.upper()]
    assert group_bys and all("commitment_tally" in s for s in group_bys)
    assert dashboard.total == db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time")
def test_concurrent_updates_of_one_row_lose_no_count(seeded):
    """Two transactions move two of Mexico's commitments to the same status at once: the
    second waits on the tally row, then adds to what the first committed."""
    codes = db.session.scalars(sa.select(Commitment.code).join(Commitment.country)
                               .where(Commitment.status == "not_reported")
                               .where(Commitment.code.like("%-MEX")).limit(2)).all()
    db.session.commit()
    engine = db.engine
    first = engine.connect()
    first.begin()
    first.execute(sa.text("UPDATE commitment SET status = 'stalled' WHERE code = :c"),
                  {"c": codes[0]})
    errors: list[BaseException] = []

    def second():
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE commitment SET status = 'stalled' WHERE code = :c"),
                             {"c": codes[1]})
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)  # it waits on the tally row the first holds
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not errors and not thread.is_alive()
    assert_tallies_true()


@pytest.mark.parametrize("args", [
    {}, {"country": "MEX"}, {"status": "not_reported"}, {"theme": "children"},
    {"theme": "children", "country": "GTM", "status": "not_reported"},
    {"meeting": "crm-salon-londres"}, {"table": "MT1"},
    {"meeting": "crm-salon-londres", "table": "MT2"},
    {"table": "MT3", "country": "HND", "status": "in_progress"}, {"country": "CRM"},
    {"overdue": "true"}, {"overdue": "true", "country": "MEX"},
    {"overdue": "true", "country": "HND", "status": "in_progress"},
])
def test_list_counts_from_tallies_equal_counting_the_commitments(seeded, people, args):
    from tracker.commitments.listing import Filters, _tallied_count, filtered_query

    report_status(people["secretariat"], "MT3-R01-HND", "in_progress", progress=10)
    today = dt.date.today()
    for code, due in (("MT3-R01-HND", dt.date(2020, 1, 1)), ("MT1-R01-MEX", today.replace(day=1)),
                      ("MT1-R02-MEX", today - dt.timedelta(days=40))):  # this month, the last
        db.session.execute(sa.update(Commitment).where(Commitment.code == code)
                           .values(due_date=due), execution_options={"synchronize_session": False})
    filters = Filters.from_args(args)
    counted = db.session.scalar(sa.select(sa.func.count())
                                .select_from(filtered_query(filters).subquery()))
    assert _tallied_count(filters) == counted
    assert counted or args.get("country") == "CRM"  # the seed has something to count


def test_overdue_count_from_due_months_equals_counting(seeded, people):
    """Past months come from the tallies, this month from the commitments: across a month's
    first day, its middle and its last, the sum is the overdue rule's count."""
    from tracker.commitments.overdue import overdue_clause, overdue_count

    codes = db.session.scalars(sa.select(Commitment.code).order_by(Commitment.code)).all()
    for i, code in enumerate(codes[:60]):  # due dates spread over three months
        due = dt.date(2026, 3, 1) + dt.timedelta(days=i + (i % 3) * 30)
        db.session.execute(sa.update(Commitment).where(Commitment.code == code)
                           .values(due_date=due), execution_options={"synchronize_session": False})
    db.session.commit()
    report_status(people["secretariat"], codes[5], "completed", progress=None)
    for today in (dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 4, 17),
                  dt.date(2026, 4, 30), dt.date(2026, 6, 2), dt.date(2030, 1, 1)):
        counted = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)
                                    .where(overdue_clause(today)))
        assert overdue_count(today) == counted, today
    assert overdue_count(dt.date(2026, 4, 17)) > 0
