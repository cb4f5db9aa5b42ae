"""The read-only JSON API: numbers against the database, errors, caching, privacy, speed."""

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine
from factories import commitment, make_evidence, make_user, report_status
from workflow_helpers import SECRETS, add_restricted_evidence

from tracker.extensions import cache, db
from tracker.models import Commitment, Status


@pytest.fixture
def reported(seeded):
    """A focal point with a known name reports, adds public and restricted evidence."""
    focal = make_user("focal_point", country="MEX", email="persona.privada@example.org",
                      name="Nombre Privado")
    updates = {"MT3-R01-MEX": ("in_progress", 40, "Capacitación en curso: niñez y adolescencia"),
               "MT1-R08-MEX": ("completed", 100, "Protocolo aprobado")}
    for code, (status, progress, note) in updates.items():
        report_status(focal, code, status, progress, note)
    mex = commitment("MT3-R01-MEX")
    mex.due_date = dt.date.today() - dt.timedelta(days=3)
    db.session.commit()
    add_restricted_evidence(focal, mex)
    make_evidence(focal, mex, title="Informe público", url="https://gob.example/informe")
    return focal


def all_items(client, path: str) -> list[dict]:
    """Every item of a paged list, page by page."""
    items, page = [], 1
    while True:
        body = client.get(f"{path}{'&' if '?' in path else '?'}per_page=100&page={page}").json
        items += body["items"]
        if page * body["per_page"] >= body["total"]:
            assert len(items) == body["total"]
            return items
        page += 1


def sql_counts(group: str) -> dict[str, dict[str, int]]:
    """Counts by a grouping key and status in plain SQL, sharing no code with the app."""
    rows = db.session.execute(sa.text(
        f"SELECT {group} AS k, c.status, count(*) FROM commitment c "
        "JOIN country ON country.id = c.country_id "
        "JOIN recommendation r ON r.id = c.recommendation_id "
        "JOIN theme ON theme.id = r.theme_id GROUP BY k, c.status")).all()
    result: dict[str, dict[str, int]] = {}
    for key, status, count in rows:
        result.setdefault(key, {s.value: 0 for s in Status})[status] = count
    return result


def test_stats_equal_counts_computed_from_the_database(client, reported):
    stats = client.get("/api/v1/stats").json
    overall = sql_counts("'all'")["all"]
    assert stats["by_status"] == overall and stats["total"] == 277  # 25 * 11 + 2 (CRM)
    assert stats["by_status"]["completed"] == 1 and stats["by_status"]["in_progress"] == 1
    assert {g["country"]: g["by_status"] for g in stats["by_country"]} == sql_counts("country.iso3")
    assert {g["theme"]: g["by_status"] for g in stats["by_theme"]} == sql_counts("theme.code")
    assert stats["overdue"] == db.session.scalar(sa.text(
        "SELECT count(*) FROM commitment WHERE due_date < :today AND status <> 'completed'"),
        {"today": dt.date.today()}) == 1
    countries = {c["iso3"]: c["by_status"] for c in client.get("/api/v1/countries").json["items"]}
    assert countries == sql_counts("country.iso3")


@pytest.mark.parametrize("args, where", [
    ("", "1 = 1"),
    ("country=MEX", "country.iso3 = 'MEX'"),
    ("status=in_progress", "c.status = 'in_progress'"),
    ("theme=children&country=GTM", "theme.code = 'children' AND country.iso3 = 'GTM'"),
    ("q=ninez", "lower(r.title_es) LIKE '%niñez%' OR lower(r.text_es) LIKE '%niñez%' "
                "OR lower(r.title_en) LIKE '%ninez%' OR c.id IN (SELECT commitment_id FROM "
                "status_event WHERE lower(note) LIKE '%niñez%')"),
])
def test_list_filters_equal_the_database(client, reported, args, where):
    expected = set(db.session.scalars(sa.text(
        "SELECT c.code FROM commitment c JOIN country ON country.id = c.country_id "
        "JOIN recommendation r ON r.id = c.recommendation_id "
        f"JOIN theme ON theme.id = r.theme_id WHERE {where}")))
    items = all_items(client, f"/api/v1/commitments?{args}")
    assert {i["code"] for i in items} == expected and expected


def test_a_commitment_item_has_the_documented_fields(client, reported):
    item = client.get("/api/v1/commitments?country=MEX&status=completed").json["items"][0]
    assert item["code"] == "MT1-R08-MEX" and item["recommendation_code"] == "MT1-R08"
    assert (item["country"], item["status"], item["progress"]) == ("MEX", "completed", 100)
    assert item["url"] == "http://127.0.0.1:5000/commitments/MT1-R08-MEX"
    assert dt.datetime.fromisoformat(item["updated_at"]).tzinfo is not None
    assert item["title_es"] and item["title_en"] and item["theme"]


def test_detail_has_history_and_public_evidence_only(client, reported):
    body = client.get("/api/v1/commitments/MT3-R01-MEX").json
    assert [e["to_status"] for e in body["history"]] == ["not_reported", "in_progress"]
    latest = body["history"][-1]
    assert latest["note"] == "Capacitación en curso: niñez y adolescencia"
    assert (latest["actor_role"], latest["actor_country"], latest["progress"]) == \
        ("focal_point", "MEX", 40)
    assert [e["title"] for e in body["evidence"]] == ["Informe público"]


def test_no_api_answer_shows_restricted_evidence_or_personal_data(client, reported):
    paths = ["/api/v1/commitments?per_page=100&page=%d" % p for p in (1, 2, 3)]
    paths += [f"/api/v1/commitments/{code}" for code in db.session.scalars(sa.text(
        "SELECT code FROM commitment"))]
    paths += ["/api/v1/stats", "/api/v1/countries", "/api/v1/countries/MEX", "/api/v1/themes",
              "/api/v1/meetings", "/api/v1/recommendations?per_page=100",
              "/api/v1/recommendations/MT3-R01", "/api/v1/openapi.json",
              "/api/v1/commitments?q=secreta"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        for secret in SECRETS:
            assert secret not in response.get_data(as_text=True), f"{secret!r} in {path}"


@pytest.mark.parametrize("path, detail", [
    ("/api/v1/commitments?country=XYZ", "Unknown country: XYZ"),
    ("/api/v1/commitments?theme=nada", "Unknown theme: nada"),
    ("/api/v1/commitments?status=done", "Unknown status: done"),
    ("/api/v1/commitments?page=abc", "page"),
    ("/api/v1/commitments?page=0", "page"),
    ("/api/v1/commitments?page=99999999999999999999999", "page"),
    ("/api/v1/commitments?per_page=101", "per_page"),
    ("/api/v1/commitments?per_page=-1", "per_page"),
    ("/api/v1/commitments?overdue=maybe", "overdue"),
    ("/api/v1/commitments?country=MEX%00", "not allowed"),
    ("/api/v1/commitments?table=%1E", "not allowed"),
    ("/api/v1/commitments?page=%C2%B2", "page"),
    ("/api/v1/commitments?per_page=%EF%BC%95", "per_page"),
    ("/api/v1/recommendations?meeting=nada", "Unknown meeting: nada"),
    ("/api/v1/commitments/NO-SUCH", "NO-SUCH"),
    ("/api/v1/recommendations/NO-SUCH", "NO-SUCH"),
    ("/api/v1/countries/XYZ", "XYZ"),
    ("/api/v1/nothing-here", ""),
])
def test_bad_requests_get_a_json_error(client, seeded, path, detail):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code in (400, 404), path
    assert response.is_json and detail in response.json["error"]["detail"]


def test_control_characters_in_a_search_are_ignored(client, seeded):
    assert client.get("/api/v1/commitments?q=%00").json["total"] == 277
    assert client.get("/api/v1/commitments?q=ni%1E%C3%B1ez").json["total"] == \
        client.get("/api/v1/commitments?q=ni%C3%B1ez").json["total"] > 0


def test_a_beyond_the_end_page_is_empty_not_an_error(client, seeded):
    body = client.get("/api/v1/commitments?page=1000&per_page=100").json
    assert body == {"items": [], "total": 277, "page": 1000, "per_page": 100}


def test_cors_is_open_for_get(client, seeded):
    response = client.get("/api/v1/stats", headers={"Origin": "https://ngo.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/commitments", headers={
        "Origin": "https://ngo.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.post("/api/v1/commitments").status_code == 405  # read-only


def test_conditional_get_until_the_data_change(client, reported):
    first = client.get("/api/v1/commitments?country=MEX")
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    again = client.get("/api/v1/commitments?country=MEX",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    other = client.get("/api/v1/commitments?country=GTM",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200  # another URL, another ETag
    report_status(reported, "MT2-R01-MEX", "not_started", 0, "")
    changed = client.get("/api/v1/commitments?country=MEX",
                         headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    # the cached count and the stats follow the change at once
    assert client.get("/api/v1/stats").json["by_status"]["not_started"] == 1
    assert client.get("/api/v1/commitments?status=not_started").json["total"] == 1


def test_a_new_day_is_a_new_answer_without_a_data_change(client, reported):
    """Overdue counts change at midnight: yesterday's ETag must not earn a 304 today."""
    c = db.session.scalar(sa.select(Commitment).filter_by(code="MT2-R01-MEX"))
    c.due_date = dt.date.today()
    db.session.commit()
    first = client.get("/api/v1/stats")
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)):
        tomorrow = client.get("/api/v1/stats", headers={"If-None-Match": first.headers["ETag"]})
    assert tomorrow.status_code == 200
    assert tomorrow.json["overdue"] == first.json["overdue"] + 1


def test_api_runs_a_fixed_number_of_queries_at_two_sizes(app, client, runner, reported,
                                                         count_queries):
    paths = ["/api/v1/commitments", "/api/v1/commitments?country=MEX&sort=updated&per_page=100",
             "/api/v1/commitments/MT3-R01-MEX", "/api/v1/stats", "/api/v1/countries",
             "/api/v1/recommendations?per_page=100", "/api/v1/meetings", "/",
             "/commitments"]

    def queries_per_path():
        cache.clear()  # as after a write in a new hour: the dashboard's past months too
        counts = {}
        for path in paths:
            with count_queries() as statements:
                assert client.get(path).status_code == 200, path
            counts[path] = len(statements)
        return counts

    small = queries_per_path()
    result = runner.invoke(args=["demo-data", "--commitments", "1500"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.text("SELECT count(*) FROM commitment")) == 277 + 1500
    assert queries_per_path() == small
    # served from the cache while nothing changes: one query each, the data version
    with count_queries() as statements:
        client.get("/api/v1/stats")
        client.get("/")
        client.get("/api/v1/commitments?country=MEX&sort=updated&per_page=100")
        client.get("/api/v1/commitments/MT3-R01-MEX")
    assert len(statements) == 4
