"""The lists' orders and pages: every sort of /commitments in its exact order (undated last),
read off an index on PostgreSQL; a country's page shows its summary and pages through its
commitments, overdue first, in a fixed number of queries whatever their number."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES, engine_of
from sqlalchemy.orm import contains_eager

from tracker.commitments.detail import COUNTRY_PER_PAGE, commitments_of_country, country_page_query
from tracker.commitments.listing import PER_PAGE, SORTS, Filters, filtered_query
from tracker.core.columns import UTCDateTime
from tracker.extensions import cache, db
from tracker.models import Commitment, Country

CODE = re.compile(r'<a href="/commitments/[^"]+"><code>([^<]+)</code></a>')
DEMO_COMMITMENTS = 1300  # Mexico: 27 of the seed and about 118 more, three pages


@pytest.fixture(scope="module")
def demo_image(build_image, seed_image):
    """The seed data and DEMO_COMMITMENTS synthetic ones (dated, undated, every status)."""
    def fill(builder):
        seed_image.restore(db.engine)
        result = builder.test_cli_runner().invoke(
            args=["demo-data", "--commitments", str(DEMO_COMMITMENTS)])
        assert result.exit_code == 0, result.output

    return build_image(fill)


@pytest.fixture
def demo(app, demo_image):
    demo_image.restore(engine_of(app))


def rows(where: str = "", **params) -> list[sa.Row]:
    """Every commitment with what the sorts read, in plain SQL sharing no code with the app."""
    query = sa.text("SELECT c.code, k.iso3, c.status, c.due_date, c.updated_at "
                    f"FROM commitment c JOIN country k ON k.id = c.country_id {where}")
    typed = query.columns(sa.column("code"), sa.column("iso3"), sa.column("status"),
                          sa.column("due_date", sa.Date()), sa.column("updated_at", UTCDateTime()))
    return list(db.session.execute(typed, params))


def expected_order(sort: str, found: list[sa.Row]) -> list[str]:
    by_code = sorted(found, key=lambda r: r.code)
    if sort == "updated":  # newest first, then by code: a stable sort on top of the codes
        return [r.code for r in sorted(by_code, key=lambda r: r.updated_at, reverse=True)]
    keys = {"code": lambda r: (), "country": lambda r: (r.iso3,),
            "status": lambda r: (r.status,),
            "due": lambda r: (r.due_date is None, r.due_date or dt.date.min)}
    return [r.code for r in sorted(by_code, key=keys[sort])]


def codes(html: str) -> list[str]:
    return CODE.findall(html)


@pytest.mark.parametrize("sort", ["code", "country", "status", "due", "updated"])
@pytest.mark.parametrize("args, where", [
    ("", ""), ("&status=in_progress", "WHERE c.status = 'in_progress'"),
    ("&country=MEX", "WHERE k.iso3 = 'MEX'")])
def test_every_sort_gives_its_exact_order_on_every_page(client, demo, sort, args, where):
    expected = expected_order(sort, rows(where))
    assert len(expected) > 2 * PER_PAGE  # three pages at least
    if sort == "due":  # the data has both, and the undated come last
        assert expected[-1] in {r.code for r in rows(where) if r.due_date is None}
    for page in (1, 2, -(-len(expected) // PER_PAGE)):
        html = client.get(f"/commitments?sort={sort}&page={page}{args}").get_data(as_text=True)
        assert codes(html) == expected[(page - 1) * PER_PAGE:page * PER_PAGE], (sort, page)


def country_order(iso3: str) -> list[str]:
    """Overdue first (oldest due date first), then by due date, undated last."""
    today = dt.date.today()
    found = rows("WHERE k.iso3 = :iso3", iso3=iso3)
    overdue = [r for r in found if r.due_date and r.due_date < today and r.status != "completed"]
    rest = [r for r in found if r not in overdue]
    return ([r.code for r in sorted(overdue, key=lambda r: (r.due_date, r.code))]
            + expected_order("due", rest))


def test_the_country_page_pages_through_every_commitment_overdue_first(client, demo):
    expected = country_order("MEX")
    pages = -(-len(expected) // COUNTRY_PER_PAGE)
    assert pages == 3 and expected[0] != sorted(expected)[0]
    shown = []
    for page in range(1, pages + 1):
        address = "/countries/MEX" + (f"?page={page}" if page > 1 else "")
        html = client.get(address, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert f"Page {page} of {pages}" in html
        assert ("All commitments" in html) and ('class="totals"' in html)  # the summary stays
        shown += codes(html)
        assert ('rel="prev"' in html) == (page > 1) and ('rel="next"' in html) == (page < pages)
    assert shown == expected  # page 2 starts with the 51st
    first = client.get("/countries/MEX").get_data(as_text=True)
    assert 'rel="next" href="/countries/MEX?page=2#commitments"' in first
    second = client.get("/countries/MEX?page=2").get_data(as_text=True)
    assert 'rel="prev" href="/countries/MEX#commitments"' in second  # page 1 has one address
    assert "Página 2 de 3" in second and ">Siguiente</a>" in second


def test_a_country_with_one_page_has_no_pager(client, demo):
    html = client.get("/countries/CRM").get_data(as_text=True)
    assert codes(html) == country_order("CRM") and 'class="pagination"' not in html


@pytest.mark.parametrize("page", ["abc", "0", "", "-1", "2.5", "1000001", "１"])
def test_a_bad_page_is_refused_with_the_lists_message(client, demo, page):
    response = client.get(f"/countries/MEX?page={page}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "The page must be a number from 1 to" in html
    spanish = client.get(f"/countries/MEX?page={page}").get_data(as_text=True)
    assert "La página" in spanish and "Traceback" not in spanish


def test_a_page_past_the_last_is_not_found(client, demo):
    assert client.get("/countries/MEX?page=3").status_code == 200
    assert client.get("/countries/MEX?page=4").status_code == 404
    assert client.get("/countries/CRM?page=2").status_code == 404
    assert client.get("/countries/NOPE?page=1").status_code == 404


def test_my_commitments_keep_the_first_hundred_overdue_first(app, demo):
    mexico = db.session.scalar(sa.select(Country.id).where(Country.iso3 == "MEX"))
    listed = commitments_of_country(mexico, dt.date.today())
    assert [c.code for c in listed] == country_order("MEX")[:101]
    later = commitments_of_country(mexico, dt.date.today(), limit=10, offset=95)
    assert [c.code for c in later] == country_order("MEX")[95:106]


def test_the_country_page_runs_a_fixed_number_of_queries(app, client, seeded, count_queries):
    def queries(address: str) -> int:
        cache.clear()  # each page as the first request after a write: nothing cached
        with count_queries() as statements:
            assert client.get(address).status_code == 200
        return len(statements)

    small = queries("/countries/MEX")  # 27 commitments: one page
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--commitments", str(DEMO_COMMITMENTS)])
    assert result.exit_code == 0, result.output
    assert [queries(f"/countries/MEX?page={page}") for page in (1, 2, 3)] == [small] * 3


def explained(statement) -> list[dict]:
    """Every node of the statement's plan, with sorting disabled where an index can do."""
    db.session.execute(sa.text("SET LOCAL enable_sort = off"))
    db.session.execute(sa.text("SET LOCAL enable_incremental_sort = off"))
    sql = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    plan = db.session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    nodes, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo += node.get("Plans", [])
    db.session.rollback()
    return nodes


# The index each page is read from: its order, after the filter's equality.
SORT_INDEXES = {
    ("code", ""): "uq_commitment_code", ("status", ""): "ix_commitment_status_code",
    ("due", ""): "ix_commitment_due_order", ("updated", ""): "ix_commitment_updated_order",
    ("code", "stalled"): "ix_commitment_status_code",
    ("status", "stalled"): "ix_commitment_status_code",
    ("due", "stalled"): "ix_commitment_status_due_order",
    ("updated", "stalled"): "ix_commitment_status_updated_order",
}


@pytest.mark.skipif(not ON_POSTGRES, reason="the sort indexes are PostgreSQL's")
@pytest.mark.parametrize("sort, status", list(SORT_INDEXES))
def test_each_sorted_page_is_read_off_its_index(app, demo, sort, status):
    filters = Filters(sort=sort, status=status, page=20)
    query = (filtered_query(filters)
             .options(contains_eager(Commitment.country), contains_eager(Commitment.recommendation))
             .order_by(*SORTS[sort]).limit(PER_PAGE).offset(19 * PER_PAGE))
    nodes = explained(query)
    assert not [n for n in nodes if "Sort" in n["Node Type"]]
    scans = {n.get("Index Name") for n in nodes if n.get("Relation Name") == "commitment"}
    assert scans == {SORT_INDEXES[sort, status]}


@pytest.mark.skipif(not ON_POSTGRES, reason="the sort indexes are PostgreSQL's")
def test_each_run_of_a_country_page_is_read_off_an_index(app, demo):
    mexico = db.session.scalar(sa.select(Country.id).where(Country.iso3 == "MEX"))
    query = country_page_query(mexico, dt.date.today(), COUNTRY_PER_PAGE + 1, COUNTRY_PER_PAGE)
    sorts = [n["Sort Key"] for n in explained(query) if "Sort" in n["Node Type"]]
    # Only the page's own rows (at most 4 x 101) are sorted, by run: never a whole run.
    assert sorts and all(keys[0].endswith(".run") for keys in sorts)
