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


def tallied() -> dict:
    kept: Counter = Counter()
    for t in db.session.scalars(sa.select(CommitmentTally)):
        assert t.count >= 0, t  # a count below zero is a lost update
        kept[(t.scope, t.scope_id, t.country_id, t.status.value, "count")] += t.count
        kept[(t.scope, t.scope_id, t.country_id, t.status.value, "progress")] += t.progress_sum
    # Rows counted down to zero stay, with nothing in them (not +kept: it drops negatives).
    return {key: value for key, value in kept.items() if value}


def assert_tallies_true() -> None:
    db.session.expire_all()
    assert tallied() == {key: value for key, value in counted_from_commitments().items() if value}


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


def race(first_statements: list[tuple[str, dict]], second: tuple[str, dict]) -> None:
    """Run the first statements in one transaction; while it is open, the second in another
    (a thread: it may wait on the first's locks), then commit the first; both must succeed."""
    engine = db.engine
    conn = engine.connect()
    conn.begin()
    errors: list[BaseException] = []

    def other():
        try:
            with engine.begin() as other_conn:
                other_conn.execute(sa.text(second[0]), second[1])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    conn.execute(sa.text(first_statements[0][0]), first_statements[0][1])
    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=0.5)  # it waits on what the first holds
    for statement, params in first_statements[1:]:
        conn.execute(sa.text(statement), params)
    conn.commit()
    conn.close()
    thread.join(timeout=30)
    assert not errors and not thread.is_alive(), errors


SET_STATUS = "UPDATE commitment SET status = :s WHERE code = :c"
MOVE = "UPDATE recommendation SET theme_id = :t WHERE id = :r"


def mexico_codes(n: int) -> list[str]:
    codes = db.session.scalars(sa.select(Commitment.code).where(Commitment.code.like("%-MEX"))
                               .order_by(Commitment.code).limit(n)).all()
    db.session.commit()
    return codes


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time")
def test_concurrent_updates_of_one_row_lose_no_count(seeded):
    """Two transactions move two of Mexico's commitments to the same status at once: the
    second waits, then adds to what the first committed."""
    a, b = mexico_codes(2)
    race([(SET_STATUS, {"s": "stalled", "c": a})], (SET_STATUS, {"s": "stalled", "c": b}))
    assert_tallies_true()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time")
@pytest.mark.parametrize("status_first", [True, False])
def test_a_status_update_racing_a_moved_recommendation_keeps_counts(seeded, status_first):
    """Each trigger reads the other's table: whichever commits first, the second sees it."""
    code = mexico_codes(1)[0]
    rec_id, theme_id = db.session.execute(
        sa.select(Recommendation.id, Recommendation.theme_id).join(Commitment)
        .where(Commitment.code == code)).one()
    other_theme = db.session.scalar(sa.select(Theme.id).where(Theme.id != theme_id).limit(1))
    db.session.commit()
    update = (SET_STATUS, {"s": "completed", "c": code})
    move = (MOVE, {"t": other_theme, "r": rec_id})
    race([update] if status_first else [move], move if status_first else update)
    assert_tallies_true()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time")
def test_a_new_owner_racing_a_moved_recommendation_keeps_counts(seeded):
    """The move cannot see the new owner's row yet, nor lock its owner: the insert's share
    lock on the recommendation makes the move wait for it."""
    rec_id, theme_id = db.session.execute(sa.select(Recommendation.id, Recommendation.theme_id)
                                          .where(Recommendation.code == "MT1-R01")).one()
    newcomer = db.session.scalar(sa.text(
        "SELECT id FROM country WHERE id NOT IN "
        "(SELECT country_id FROM commitment WHERE recommendation_id = :r) LIMIT 1"),
        {"r": rec_id})
    other_theme = db.session.scalar(sa.select(Theme.id).where(Theme.id != theme_id).limit(1))
    db.session.commit()
    insert = ("INSERT INTO commitment (code, recommendation_id, country_id, status, progress, "
              "created_at, updated_at, version) VALUES ('RACE-1', :r, :c, 'in_progress', 25, "
              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)", {"r": rec_id, "c": newcomer})
    race([insert], (MOVE, {"t": other_theme, "r": rec_id}))
    assert_tallies_true()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time")
def test_a_transaction_of_many_rows_and_a_single_update_do_not_deadlock(seeded):
    """In tally-key order each statement would lock rows its own way: in_progress then
    stalled, completed then in_progress, completed... The owner's lock orders them."""
    a, b, c = mexico_codes(3)
    for code, status in ((a, "in_progress"), (b, "not_started"), (c, "completed")):
        db.session.execute(sa.text(SET_STATUS), {"s": status, "c": code})
    db.session.commit()
    race([(SET_STATUS, {"s": "stalled", "c": a}), (SET_STATUS, {"s": "completed", "c": b})],
         (SET_STATUS, {"s": "in_progress", "c": c}))
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
