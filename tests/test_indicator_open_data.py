"""Indicators as open data: the API and the tidy CSV say the same thing, and neither shows a
small count or a cell it could be worked out from."""

import csv
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from factories import make_indicator, make_indicator_report, make_user

SMALL = 5


@pytest.fixture
def reported(seeded):
    """Two countries' reports of one indicator by sex: Mexico's with 2 men (too few to
    publish), Guatemala's all large; and Mexico's corrected 2023 value."""
    indicator = make_indicator(dimensions=("SEX",))
    mexico = make_user("focal_point", country="MEX")
    make_indicator_report(mexico, indicator, "MEX", period="2024", cells={
        (None, None): 40, ("F", None): 30, ("M", None): 2, ("_O", None): 8})
    make_indicator_report(make_user("focal_point", country="GTM"), indicator, "GTM",
                          period="2024", cells={(None, None): 60, ("F", None): 25,
                                                ("M", None): 20, ("_O", None): 15})
    first = make_indicator_report(mexico, indicator, "MEX", period="2023",
                                  cells={(None, None): 10})
    make_indicator_report(mexico, indicator, "MEX", period="2023", cells={(None, None): 11},
                          replaces=first, note="Cifra revisada")
    return indicator


def values_by_country(client, code="IND-MIG-1") -> dict:
    detail = client.get(f"/api/v1/indicators/{code}").json
    return {(v["country"], v["period"]): v for v in detail["values"]}


def test_the_api_lists_and_describes_indicators(client, reported):
    listed = client.get("/api/v1/indicators").json
    assert [i["code"] for i in listed["items"]] == ["IND-MIG-1"]
    assert listed["items"][0]["dimensions"] == ["SEX"] and listed["items"][0]["unit"] == "count"
    values = values_by_country(client)
    assert set(values) == {("GTM", "2024"), ("MEX", "2023"), ("MEX", "2024")}
    assert values["MEX", "2023"]["cells"] == [{"SEX": "_T", "value": 11, "status": "published"}]
    assert values["MEX", "2023"]["replaces"] is not None  # the correction, not the first
    assert client.get("/api/v1/indicators/NOPE").status_code == 404


def test_a_small_count_and_what_would_give_it_away_are_suppressed(client, reported):
    mexico = {c["SEX"]: c for c in values_by_country(client)["MEX", "2024"]["cells"]}
    assert mexico["M"] == {"SEX": "M", "value": None, "status": "suppressed"}
    # 40 - 30 - 8 would give the 2 away: one more sibling goes too
    assert sum(c["status"] == "suppressed" for c in mexico.values()) >= 2
    guatemala = values_by_country(client)["GTM", "2024"]["cells"]
    assert all(c["status"] == "published" for c in guatemala)


def test_no_public_count_is_small_or_recoverable(client, reported):
    """A privacy scan of the API: every published count is at least the threshold, and no
    suppressed cell can be solved for from the published ones and the sums."""
    for (country, period), value in values_by_country(client).items():
        cells = {(None if c["SEX"] == "_T" else c["SEX"], None): c for c in value["cells"]}
        published = {k: c["value"] for k, c in cells.items() if c["status"] == "published"}
        assert all(v >= SMALL for v in published.values()), (country, period)
        hidden = [k for k, c in cells.items() if c["status"] == "suppressed"]
        assert bool(hidden) == ((country, period) == ("MEX", "2024"))  # the scan has work
        for cell in hidden:
            assert not _solvable(cell, hidden, published, _sums(cells)), (country, cell)


def test_the_tidy_csv_parsed_back_equals_the_api(client, reported):
    response = client.get("/export/indicators.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {"indicator", "country", "period", "SEX", "AGE", "MIGRATORY_STATUS", "NATIONALITY",
            "value", "unit", "flags"} <= set(rows[0])
    from_csv = sorted((r["country"], r["period"], r["SEX"], r["AGE"],
                       Decimal(r["value"]) if r["value"] else None, r["flags"]) for r in rows)
    from_api = sorted((country, period, c["SEX"], "_T",
                       None if c["value"] is None else Decimal(str(c["value"])),
                       "suppressed" if c["status"] == "suppressed" else "")
                      for (country, period), v in values_by_country(client).items()
                      for c in v["cells"])
    assert from_csv == from_api
    again = client.get("/export/indicators.csv?country=GTM&utm=1")  # filters do not apply
    assert again.headers["ETag"] == response.headers["ETag"]


def _sums(cells) -> list[list]:
    """The report's additive groups as a reader sees them: here, total = sum of the sexes."""
    return [[(None, None), *(k for k in cells if k[0] is not None)]]


def _solvable(cell, hidden, published, sums) -> bool:
    """Whether ``cell`` follows from the published values and the sums (own elimination over
    the rationals, independent of tracker.indicators.suppression)."""
    unknowns = list(hidden)
    rows = [[Fraction(1 if k == group[0] else -1 if k in group[1:] else 0) for k in unknowns]
            for group in sums if all(k in published or k in hidden for k in group)]
    target = [Fraction(int(k == cell)) for k in unknowns]
    return _rank(rows + [target]) == _rank(rows)


def _rank(rows) -> int:
    rows = [list(r) for r in rows if any(r)]
    rank, column = 0, 0
    width = len(rows[0]) if rows else 0
    while rank < len(rows) and column < width:
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column]), None)
        if pivot is None:
            column += 1
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column]:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank, column = rank + 1, column + 1
    return rank


def test_a_small_baseline_of_a_count_is_not_published(client, seeded):
    make_indicator("IND-BASE", targets={"MEX": {"baseline": 3, "baseline_period": "2023",
                                                "target": 40, "target_period": "2030"}})
    (target,) = client.get("/api/v1/indicators/IND-BASE").json["targets"]
    assert target == {"country": "MEX", "baseline": None, "baseline_period": "2023",
                      "target": 40, "target_period": "2030", "suppressed": ["baseline"]}
    page = client.get("/indicators/IND-BASE").get_data(as_text=True)
    row = page[page.index('data-target="MEX"'):]
    assert "3 (2023)" not in row[:row.index("</tr>")] and "40 (2030)" in row
