"""An indicator's spreadsheet round trip through real HTTP: a focal point (or the secretariat)
downloads a country's sheet for a period, fills in the new values, uploads it, reads the
preview and records it as one report; every refusal is shown in the preview and writes
nothing."""

import codecs
import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from factories import make_indicator, make_indicator_report, make_user
from workflow_helpers import snapshot

from tracker.extensions import db
from tracker.indicators.reporting import history_of
from tracker.indicators.sheet_preview import loaded
from tracker.models import Country, Indicator, IndicatorReport, SheetPreview

CODE = "IND-MIG-1"  # on MT1-R03, by sex (F, M, _O): Mexico and Guatemala report it
PAGE = f"/my/indicators/{CODE}/sheet"
HEADERS = {
    "en": ["Indicator (do not change)", "Country (do not change)", "Period (do not change)",
           "Report (do not change)", "SEX", "Breakdown", "Current value", "New value"],
    "es": ["Indicador (no cambiar)", "País (no cambiar)", "Periodo (no cambiar)",
           "Informe (no cambiar)", "SEX", "Desglose", "Valor actual", "Valor nuevo"],
}


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def indicator(seeded) -> Indicator:
    return make_indicator(CODE)


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    assert auth.login(user.email).status_code == 302
    return user


def place(iso3: str) -> Country:
    return db.session.scalar(sa.select(Country).filter_by(iso3=iso3))


def reports() -> list[IndicatorReport]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(IndicatorReport).order_by(IndicatorReport.id)))


def cells_of(report: IndicatorReport) -> dict:
    return {(v.first_value.code if v.first_value else None,
             v.second_value.code if v.second_value else None): v.value for v in report.values}


def download(client, kind: str = "xlsx", query: str = "period=2024"):
    response = client.get(f"/my/indicators/{CODE}/sheet.{kind}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    return response


def book(client, query: str = "period=2024") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(download(client, "xlsx", query).data))


def fill(workbook: openpyxl.Workbook, **values) -> None:
    """Type new values by sex code (T for the total): fill(book, T=10, F=6)."""
    sheet = workbook.worksheets[0]
    for row in range(2, sheet.max_row + 1):
        code = sheet.cell(row, 5).value
        key = "T" if code == "_T" else code
        if key in values:
            sheet.cell(row, 8).value = values[key]


def saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(auth, data: bytes, name: str = "indicator.xlsx"):
    return auth.post(PAGE, {"file": (io.BytesIO(data), name)}, token_from=PAGE,
                     content_type="multipart/form-data")


def preview_of(response) -> SheetPreview:
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    return db.session.get(SheetPreview, response.headers["Location"].rsplit("/", 1)[1])


def record(auth, preview: SheetPreview):
    path = f"/my/indicators/sheets/{preview.id}"
    return auth.post(f"{path}/apply", {}, token_from=path)


# -- download ----------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["es", "en"])
def test_the_xlsx_is_a_row_per_cell_with_the_current_values_locked(
        client, indicator, focal, language):
    first = make_indicator_report(focal, indicator, period="2024",
                                  cells={(None, None): 10, ("F", None): 6, ("M", None): 4})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = download(client)
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=indicator-{CODE}-MEX-2024.xlsx"
    assert response.headers["Cache-Control"] == "private, no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS[language]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[4] for row in rows] == ["_T", "F", "M", "_O"]
    assert {row[4]: row[6] for row in rows} == {"_T": 10, "F": 6, "M": 4, "_O": None}
    assert all(row[:4] == [CODE, "MEX", "2024", first.id] and row[7] is None for row in rows)
    assert rows[0][5] == "Total" and rows[1][5] == ("Mujeres" if language == "es" else "Female")
    assert sheet.protection.sheet
    for row in sheet.iter_rows(min_row=2):
        assert [not c.protection.locked for c in row] == [False] * 7 + [True]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_csv_has_a_bom_and_the_readers_headers(client, indicator, focal, language):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    data = download(client, "csv").data
    assert data.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == HEADERS[language]
    assert [line[:5] for line in lines[1:]] == [[CODE, "MEX", "2024", "", code]
                                                for code in ("_T", "F", "M", "_O")]


def test_another_countrys_sheet_is_refused(client, auth, indicator, focal):
    assert client.get(f"/my/indicators/{CODE}/sheet.xlsx?country=GTM").status_code == 403
    secretariat = make_user("secretariat", country=None)
    auth.logout()
    assert auth.login(secretariat.email).status_code == 302
    guatemala = book(client, "period=2024&country=GTM")
    assert guatemala.worksheets[0].cell(2, 2).value == "GTM"
    fill(guatemala, T=5)
    auth.logout()
    assert auth.login(focal.email).status_code == 302
    before = snapshot()
    response = upload(auth, saved(guatemala))
    assert response.status_code == 400
    assert "whose values of this indicator you may not report" in response.get_data(as_text=True)
    assert snapshot() == before


# -- round trips -------------------------------------------------------------------------

def test_a_filled_in_sheet_records_one_report(client, auth, indicator, focal):
    workbook = book(client)
    fill(workbook, T=10, F=6, M=4)
    preview = preview_of(upload(auth, saved(workbook)))
    found = loaded(preview)
    assert not found.errors and found.replaces is None
    assert [(c.codes, c.outcome) for c in found.cells] == [
        ([None, None], "change"), (["F", None], "change"), (["M", None], "change"),
        (["_O", None], "unchanged")]
    page = client.get(f"/my/indicators/sheets/{preview.id}").get_data(as_text=True)
    assert "Record the report" in page
    # An indicator's preview is never one of commitments, and the other way round.
    assert client.get(f"/my/commitments/sheet/{preview.id}").status_code == 404
    assert record(auth, preview).status_code == 302
    (report,) = reports()
    assert (report.country.iso3, report.period, report.replaces_id) == ("MEX", "2024", None)
    assert cells_of(report) == {(None, None): 10, ("F", None): 6, ("M", None): 4}
    assert db.session.get(SheetPreview, preview.id).applied_at is not None
    assert record(auth, preview).status_code == 302  # again: refused, nothing more
    assert len(reports()) == 1


def test_a_csv_round_trip_corrects_the_current_report(client, auth, indicator, focal):
    first = make_indicator_report(focal, indicator, period="2024", note="Registro",
                                  source="Registro civil",
                                  cells={(None, None): 100, ("F", None): 60, ("M", None): 40})
    lines = list(csv.reader(io.StringIO(download(client, "csv").data.decode("utf-8-sig"))))
    for line in lines[1:]:
        line[7] = {"F": "70", "M": "30", "_O": ""}.get(line[4], "")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(lines)  # as a Spanish spreadsheet saves it
    preview = preview_of(upload(auth, buffer.getvalue().encode("cp1252"), "indicador.csv"))
    assert loaded(preview).replaces == first.id
    assert record(auth, preview).status_code == 302
    history = history_of(indicator, place("MEX"), "2024")
    assert [r.id for r in history][0] == first.id and history[-1].replaces_id == first.id
    assert cells_of(history[-1]) == {(None, None): 100, ("F", None): 70, ("M", None): 30}
    # The source stays; the note explained the replaced version's numbers, not these.
    assert (history[-1].source, history[-1].note) == ("Registro civil", None)


def test_a_report_recorded_after_the_download_is_a_conflict(client, auth, indicator, focal):
    first = make_indicator_report(focal, indicator, period="2024")
    workbook = book(client)
    fill(workbook, T=120)
    make_indicator_report(make_user("secretariat", country=None), indicator, period="2024",
                          cells={(None, None): 110}, replaces=first)
    before = snapshot()
    preview = preview_of(upload(auth, saved(workbook)))
    found = loaded(preview)
    assert found.conflict and [c.outcome for c in found.cells][0] == "conflict"
    assert found.cells[0].current == "110"
    page = client.get(f"/my/indicators/sheets/{preview.id}").get_data(as_text=True)
    assert "was recorded after this sheet was downloaded" in page and "Record the" not in page
    response = record(auth, preview)
    assert response.status_code == 302
    assert snapshot()["counts"]["indicator_report"] == before["counts"]["indicator_report"]
    assert "Nothing was recorded" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_a_breakdown_that_does_not_add_up_is_refused_in_the_preview(
        client, auth, indicator, focal):
    workbook = book(client)
    fill(workbook, T=10, F=6, M=3, _O=0)
    preview = preview_of(upload(auth, saved(workbook)))
    found = loaded(preview)
    assert found.errors == ["The values by Sex add up to 9, not to their total 10: correct "
                            "them or explain the difference in a note. A sheet carries no "
                            "note: to explain the difference, correct the values on the "
                            "report form and write the note there."]
    before = snapshot()
    record(auth, preview)
    assert snapshot() == before and not reports()


def test_the_old_note_does_not_let_a_sheet_through(client, auth, indicator, focal):
    """A note explained the version it was written for: a sheet correcting that version
    is checked without it."""
    make_indicator_report(focal, indicator, period="2024", note="Una persona sin sexo anotado.",
                          cells={(None, None): 10, ("F", None): 6, ("M", None): 3,
                                 ("_O", None): 0})
    workbook = book(client)
    fill(workbook, F=5)
    before = snapshot()
    preview = preview_of(upload(auth, saved(workbook)))
    [error] = loaded(preview).errors
    assert error.startswith("The values by Sex add up to 8, not to their total 10")
    page = client.get(f"/my/indicators/sheets/{preview.id}").get_data(as_text=True)
    assert "A sheet carries no note" in page and "Record the" not in page
    record(auth, preview)
    assert snapshot()["counts"]["indicator_report"] == before["counts"]["indicator_report"]


def test_parts_above_their_total_are_refused_even_with_parts_missing(client, auth, focal):
    """Female 33 at every age but two adding up to 33: Female 12-17 from 3 to 4 makes 34."""
    cross = make_indicator("IND-SEX-AGE", dimensions=("SEX", "AGE"))
    make_indicator_report(focal, cross, period="2024", cells={
        ("F", None): 33, ("F", "Y0T11"): 10, ("F", "Y12T17"): 3, ("F", "Y18T29"): 10,
        ("F", "Y30T59"): 10})
    path = f"/my/indicators/{cross.code}/sheet"
    lines = list(csv.reader(io.StringIO(client.get(f"{path}.csv?period=2024").data
                                        .decode("utf-8-sig"))))
    header = lines[0]
    sex, age, new = (header.index(h) for h in ("SEX", "AGE", "New value"))
    for line in lines[1:]:
        if (line[sex], line[age]) == ("F", "Y12T17"):
            line[new] = "4"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    response = auth.post(path, {"file": (io.BytesIO(buffer.getvalue().encode()), "s.csv")},
                         token_from=path, content_type="multipart/form-data")
    preview = preview_of(response)
    found = loaded(preview)
    assert [c.outcome for c in found.cells].count("change") == 1
    assert [c for c in found.cells if c.outcome == "error"] == []
    assert found.errors[0].startswith("The values by Age group add up to 34, more than their "
                                      "total 33")
    page = client.get(f"/my/indicators/sheets/{preview.id}").get_data(as_text=True)
    assert "more than their total 33" in page and "Record the" not in page
    before = snapshot()
    record(auth, preview)
    assert snapshot()["counts"]["indicator_report"] == before["counts"]["indicator_report"]


def test_a_value_the_unit_refuses_is_an_error_on_its_row(client, auth, indicator, focal):
    workbook = book(client)
    fill(workbook, T="10", F="2.5", M="1,000")
    found = loaded(preview_of(upload(auth, saved(workbook))))
    errors = {c.row: c.errors for c in found.cells if c.errors}
    assert errors == {3: [["new_value", "A count is a whole number."]],
                      4: [["new_value", "Write the number without a thousands separator "
                                        "(1000, or 1.5 for one and a half)."]]}
    assert not found.errors and not reports()


@pytest.mark.parametrize("edit, name, message", [
    (lambda sheet: setattr(sheet.cell(2, 8), "value", "=6+4"), "indicator.xlsx",
     None),
    (None, "indicator.xlsm", "This workbook contains macros"),
])
def test_formulas_and_macros_are_refused_as_for_commitments(
        client, auth, indicator, focal, edit, name, message):
    workbook = book(client)
    if edit:
        edit(workbook.worksheets[0])
    before = snapshot()
    response = upload(auth, saved(workbook), name)
    if message:
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert snapshot() == before
        return
    found = loaded(preview_of(response))
    assert found.cells[0].errors == [["new_value", "A formula is not a value: type the value."]]
    assert not reports()
