"""Indicators as open data: the API and the tidy CSV say the same thing, and neither shows a
small count or a cell it could be worked out from."""

import csv
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from factories import make_evidence, make_indicator, make_indicator_report, make_user
from scipy.optimize import linprog
from workflow_helpers import PDF

from tracker.evidence.storage import Upload
from tracker.extensions import cache

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
            # Nor pinned by the bounds (counts are never negative): a range at least 1 wide.
            assert _width(cell, hidden, published, _sums(cells)) >= 1, (country, cell)


def test_the_api_and_the_csv_run_a_fixed_number_of_queries(client, reported, count_queries):
    """However many reports and corrections: the versions a correction replaces are read
    in one query for all of them."""
    def queries() -> list[int]:
        counts = []
        for address in ("/api/v1/indicators/IND-MIG-1", "/export/indicators.csv"):
            cache.clear()  # as the first request after a write
            with count_queries() as statements:
                assert client.get(address).status_code == 200
            counts.append(len(statements))
        return counts

    small = queries()
    guatemala = make_user("focal_point", country="GTM")
    for year in range(2015, 2023):
        first = make_indicator_report(guatemala, reported, "GTM", period=str(year), cells={
            (None, None): 40, ("F", None): 20, ("M", None): 12, ("_O", None): 8})
        make_indicator_report(guatemala, reported, "GTM", period=str(year), replaces=first,
                              cells={(None, None): 35, ("F", None): 20, ("M", None): 12,
                                     ("_O", None): 3})
    assert queries() == small
    rows = client.get("/export/indicators.csv").get_data(as_text=True)
    assert rows.count(",GTM,2015,") == 4


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


def _width(cell, unknown, constants, sums) -> float:
    """The greatest minus the least value of ``cell`` given the sums, the ``constants`` (what
    a reader holds) and counts >= 0: one linear program over two copies x, y of the unknowns,
    max x[cell] - y[cell] (scipy's HiGHS, independent of tracker.indicators.suppression)."""
    unknowns = list(unknown)
    size = len(unknowns)
    matrix, rhs = [], []
    for group in sums:
        row = [0.0] * size
        constant = 0.0
        for k in group:
            sign = 1.0 if k == group[0] else -1.0
            if k in unknowns:
                row[unknowns.index(k)] += sign
            else:
                constant -= sign * float(constants[k])
        if any(row):
            matrix += [row + [0.0] * size, [0.0] * size + row]
            rhs += [constant, constant]
    objective = [0.0] * (2 * size)
    objective[unknowns.index(cell)], objective[size + unknowns.index(cell)] = -1.0, 1.0
    result = linprog(objective, A_eq=matrix or None, b_eq=rhs or None, bounds=(0, None),
                     method="highs")
    assert result.status in (0, 3), result.message
    return -result.fun if result.status == 0 else float("inf")


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


def test_the_api_shows_public_evidence_and_never_restricted(client, reported):
    mexico = make_user("focal_point", country="MEX")
    public = make_evidence(mexico, "MT1-R03-MEX", title="Informe anual",
                           upload=Upload("informe.pdf", PDF))
    hidden = make_evidence(mexico, "MT1-R03-MEX", title="Oficio reservado 7",
                           visibility="restricted", url="https://gob.example/oficio-7")
    indicator = reported
    make_indicator_report(mexico, indicator, "MEX", period="2022", cells={(None, None): 12},
                          source="Registro INM", evidence=public)
    make_indicator_report(mexico, indicator, "MEX", period="2021", cells={(None, None): 13},
                          evidence=hidden)
    response = client.get("/api/v1/indicators/IND-MIG-1")
    values = {(v["country"], v["period"]): v for v in response.json["values"]}
    assert values["MEX", "2022"]["source"] == "Registro INM"
    shown = values["MEX", "2022"]["evidence"]
    assert shown.pop("url").endswith(f"/evidence/{public.id}/download")
    assert shown == {"title": "Informe anual", "dated": "2026-11-01", "kind": "file"}
    assert values["MEX", "2021"]["evidence"] is None  # restricted: as if there were none
    assert values["GTM", "2024"]["evidence"] is None
    body = response.get_data(as_text=True)
    assert "Oficio reservado" not in body and "oficio-7" not in body
    assert f"/evidence/{hidden.id}/" not in body


# GTM 2025 by sex and age: every cell large at first, then a correction makes a 3 of it.
GTM_2025 = {("F", "Y0T11"): 30, ("F", "Y12T17"): 8, ("M", "Y0T11"): 22, ("M", "Y12T17"): 10}


def _with_margins(inner: dict) -> dict:
    cells = dict(inner)
    for first in {a for a, _ in inner}:
        cells[(first, None)] = sum(v for (a, _), v in inner.items() if a == first)
    for second in {b for _, b in inner}:
        cells[(None, second)] = sum(v for (_, b), v in inner.items() if b == second)
    cells[(None, None)] = sum(inner.values())
    return cells


def _cross_sums(cells) -> list[list]:
    """A cross's sums as a reader sees them: each row, each column and both margins."""
    firsts = sorted({a for a, _ in cells if a is not None})
    seconds = sorted({b for _, b in cells if b is not None})
    return ([[(a, None), *((a, b) for b in seconds)] for a in firsts]
            + [[(None, b), *((a, b) for a in firsts)] for b in seconds]
            + [[(None, None), *((a, None) for a in firsts)],
               [(None, None), *((None, b) for b in seconds)]])


def _csv_cells(client, code: str, country: str, period: str) -> dict:
    """One report's cells in the tidy CSV: a number, or None when suppressed."""
    text = client.get("/export/indicators.csv").get_data(as_text=True).lstrip("\ufeff")
    return {(None if r["SEX"] == "_T" else r["SEX"], None if r["AGE"] == "_T" else r["AGE"]):
            Decimal(r["value"]) if r["value"] else None
            for r in csv.DictReader(io.StringIO(text))
            if (r["indicator"], r["country"], r["period"]) == (code, country, period)}


def test_a_correction_gives_nothing_away_beside_the_csv_it_replaces(client, seeded):
    """A privacy scan across a report and its correction: whoever kept the first CSV holds its
    numbers; with them and the new ones, no hidden cell is solved for or pinned by the
    bounds, and the 3 keeps a range as wide as the threshold."""
    indicator = make_indicator("IND-CROSS", dimensions=("SEX", "AGE"))
    guatemala = make_user("focal_point", country="GTM")
    first = make_indicator_report(guatemala, indicator, "GTM", period="2025",
                                  cells=_with_margins(GTM_2025))
    before = _csv_cells(client, "IND-CROSS", "GTM", "2025")
    assert len(before) == 9 and None not in before.values()  # all large: all published
    exact = _with_margins({**GTM_2025, ("F", "Y12T17"): 3})
    make_indicator_report(guatemala, indicator, "GTM", period="2025", cells=exact,
                          replaces=first, note="Cifra revisada")
    after = _csv_cells(client, "IND-CROSS", "GTM", "2025")
    api = values_by_country(client, "IND-CROSS")["GTM", "2025"]["cells"]
    assert {(None if c["SEX"] == "_T" else c["SEX"], None if c["AGE"] == "_T" else c["AGE"]):
            None if c["value"] is None else Decimal(str(c["value"])) for c in api} == after
    assert all(v >= SMALL for v in after.values() if v is not None)
    # What a reader holds: this CSV, and the earlier one wherever its number still holds.
    held = {k: v for k, v in after.items() if v is not None} \
        | {k: v for k, v in before.items() if v == exact[k]}
    unknown = [k for k, v in after.items() if v is None and k not in held]
    assert ("F", "Y12T17") in unknown and ("M", "Y12T17") in held  # the tester's 13 - 10
    for cell in unknown:
        assert not _solvable(cell, unknown, held, _cross_sums(exact)), cell
        width = _width(cell, unknown, held, _cross_sums(exact))
        assert width >= (SMALL if exact[cell] < SMALL else 1), (cell, width)
    # The page draws the same cells: the women's margin hidden, the men's (unchanged) shown.
    html = client.get("/indicators/IND-CROSS?by=SEX").get_data(as_text=True)
    assert 'data-country="GTM" data-key="F" data-suppressed="true"' in html
    assert 'data-country="GTM" data-key="M" data-value="32"' in html
