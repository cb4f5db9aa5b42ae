"""XLSX beside each CSV, read back with openpyxl: the CSV's columns and rows, real dates and
numbers, a frozen header with an auto-filter, text that never becomes a formula; and the
recommendations' CSV, which says what the API says."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from factories import commitment, make_indicator, make_indicator_report, make_user, report_status
from openpyxl import load_workbook
from workflow_helpers import SECRETS, add_restricted_evidence

from tracker.exports.file_cache import cache_dir
from tracker.opendata.xlsx import XLSX

FORMULA_NOTE = "=HYPERLINK(\"http://evil.example\",\"x\")"


@pytest.fixture
def updated(seeded):
    secretariat = make_user("secretariat", country=None)
    report_status(secretariat, "MT1-R03-MEX", "in_progress", 40, FORMULA_NOTE)
    report_status(secretariat, "MT1-R01-GTM", "completed", 100, "@cmd -sin fondos")


def csv_rows(client, path: str) -> list[list[str]]:
    text = client.get(path).get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def sheet_of(response):
    assert response.status_code == 200
    assert response.mimetype == XLSX
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def as_csv_text(value) -> str:
    """How the CSV writes the value the workbook holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


@pytest.mark.parametrize("name", ["commitments", "history", "recommendations"])
@pytest.mark.parametrize("query", ["", "?country=MEX"])
def test_each_workbook_holds_the_csv_typed(client, updated, name, query):
    response = client.get(f"/export/{name}.xlsx{query}")
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}.xlsx"
    sheet = sheet_of(response)
    expected = csv_rows(client, f"/export/{name}.csv{query}")
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == expected[0]  # the CSV's column names
    assert len(rows) == len(expected) > 1
    for row, line in zip(rows[1:], expected[1:], strict=True):
        assert [_csv_of(value, column) for value, column in zip(row, expected[0], strict=True)
                ] == line
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(rows[0])).column_letter}{len(rows)}"


def _csv_of(value, column: str) -> str:
    if isinstance(value, dt.datetime) and column == "due_date":
        return value.date().isoformat()
    return as_csv_text(value)


def test_dates_numbers_and_formulas_keep_their_types(client, updated):
    sheet = sheet_of(client.get("/export/commitments.xlsx?country=MEX"))
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "MT1-R03-MEX")
    cells = dict(zip(header, row, strict=True))
    assert isinstance(cells["updated_at"].value, dt.datetime)
    assert cells["updated_at"].is_date and cells["updated_at"].number_format.startswith(
        "yyyy-mm-dd h")
    assert cells["progress"].value == 40 and cells["progress"].data_type == "n"
    assert cells["version"].data_type == "n" and cells["contested"].value is False
    history = sheet_of(client.get("/export/history.xlsx?country=MEX"))
    notes = [r[6] for r in history.iter_rows(min_row=2)]
    note = next(c for c in notes if c.value == FORMULA_NOTE)  # as written, no ' before it
    assert note.data_type == "s"
    gtm = sheet_of(client.get("/export/history.xlsx?country=GTM"))
    assert "@cmd -sin fondos" in [r[6].value for r in gtm.iter_rows(min_row=2)]


def test_indicator_values_are_numbers_and_a_suppressed_one_is_empty(client, seeded):
    indicator = make_indicator(dimensions=("SEX",))
    make_indicator_report(make_user("focal_point", country="MEX"), indicator, "MEX",
                          period="2024", cells={(None, None): 40, ("F", None): 30,
                                                ("M", None): 2, ("_O", None): 8})
    sheet = sheet_of(client.get("/export/indicators.xlsx"))
    header = [c.value for c in sheet[1]]
    assert header == csv_rows(client, "/export/indicators.csv")[0]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                        values_only=True)]
    total = next(r for r in rows if r["SEX"] == "_T")
    assert total["value"] == 40 and total["report"] > 0 and total["flags"] is None
    men = next(r for r in rows if r["SEX"] == "M")
    assert men["value"] is None and men["flags"] == "suppressed"


def test_an_empty_selection_is_a_header_and_a_filter(client, seeded):
    sheet = sheet_of(client.get("/export/history.xlsx?country=BLZ&status=completed"))
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        csv_rows(client, "/export/history.csv")[0]]
    assert sheet.auto_filter.ref == "A1:I1"


def test_the_workbook_is_cached_and_answers_304(app, client, updated):
    first = client.get("/export/commitments.xlsx")
    etag = first.headers["ETag"]
    assert etag != client.get("/export/commitments.csv").headers["ETag"]
    body = first.get_data()  # read to its end: now kept
    again = client.get("/export/commitments.xlsx")
    assert again.get_data() == body and not again.is_streamed
    # Made again (another worker, a pruned cache), unchanged data give the same bytes.
    with app.test_request_context():
        for path in cache_dir().glob("*.xlsx"):
            path.unlink()
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=3)):
        remade = client.get("/export/commitments.xlsx")
        assert remade.is_streamed and remade.get_data() == body
    assert client.get("/export/commitments.xlsx",
                      headers={"If-None-Match": etag}).status_code == 304


def test_the_recommendations_csv_says_what_the_api_says(client, seeded):
    items, page = [], 1
    while True:
        body = client.get(f"/api/v1/recommendations?per_page=100&page={page}").get_json()
        items += body["items"]
        if len(items) >= body["total"]:
            break
        page += 1
    rows = csv_rows(client, "/export/recommendations.csv")
    header = rows[0]
    assert [dict(zip(header, r, strict=True))["code"] for r in rows[1:]] == [
        i["code"] for i in items]
    for line, item in zip(rows[1:], items, strict=True):
        assert line == [as_csv_text(item[key]) for key in header]
    mexico = {r[0] for r in csv_rows(client, "/export/recommendations.csv?country=MEX")[1:]}
    crm = {r[0] for r in csv_rows(client, "/export/recommendations.csv?country=CRM")[1:]}
    assert mexico and crm and not mexico & crm  # the CRM's own are not Mexico's


def test_workbooks_and_recommendations_show_no_restricted_evidence_and_no_person(client, seeded):
    focal = make_user("focal_point", country="MEX", email="persona.privada@example.org",
                      name="Nombre Privado")
    report_status(focal, "MT3-R01-MEX", "in_progress", 20, "Avance público")
    add_restricted_evidence(focal, commitment("MT3-R01-MEX"))
    for name in ("commitments", "history", "recommendations"):
        for query in ("", "?country=MEX"):
            sheet = sheet_of(client.get(f"/export/{name}.xlsx{query}"))
            text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
            assert not [secret for secret in SECRETS if secret in text], name
        csv_text = client.get(f"/export/{name}.csv?country=MEX").get_data(as_text=True)
        assert not [secret for secret in SECRETS if secret in csv_text], name
    history = sheet_of(client.get("/export/history.xlsx?country=MEX"))
    assert "Avance público" in [r[6] for r in history.iter_rows(values_only=True)]


@pytest.mark.parametrize("path", ["/export/recommendations.csv", "/export/commitments.xlsx",
                                  "/export/history.xlsx", "/export/recommendations.xlsx"])
def test_unknown_filter_values_get_a_400_and_no_file(client, seeded, path):
    response = client.get(f"{path}?country=XXX")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
