"""The commitments' spreadsheet: downloaded (XLSX, CSV), and read back with every kind of bad
input a ministry's file may bring."""

import codecs
import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa
from factories import make_user
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from tracker.commitments.sheets.columns import columns_for, in_language, status_labels
from tracker.commitments.sheets.download import build_csv, build_xlsx, sheet_rows
from tracker.commitments.sheets.reading import SheetRefused, read_sheet
from tracker.extensions import db
from tracker.models import Commitment, Country
from tracker.permissions import PermissionDenied

TODAY = dt.date.today().isoformat()


def english(message) -> str:
    with force_locale("en"):
        return str(message)


def labels(locale: str, *, secretariat: bool = False) -> list[str]:
    return [in_language(c.label, locale) for c in columns_for(secretariat=secretariat)]


def country(iso3: str) -> Country:
    return db.session.scalar(sa.select(Country).filter_by(iso3=iso3))


def versions_of(iso3: str) -> dict[str, int]:
    return dict(db.session.execute(
        sa.select(Commitment.code, Commitment.version).join(Commitment.country)
        .where(Country.iso3 == iso3)).all())


def xlsx(rows: list[list], *, edit=None) -> bytes:
    """A workbook holding these rows on its first sheet."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def refusal(data: bytes, filename: str = "hoja.xlsx", **kwargs) -> str:
    with pytest.raises(SheetRefused) as refused:
        read_sheet(data, filename, **kwargs)
    assert refused.value.field == "file"
    return english(refused.value.args[0])


def errors_of(row) -> list[tuple[str, str]]:
    return [(key, english(message)) for key, message in row.errors]


HEADER_EN = ["Code", "Version (do not change)", "New status", "New progress", "Note"]
CODE = "MT1-R03-MEX"


@pytest.fixture
def secretariat(seeded):
    return make_user("secretariat", country=None)


@pytest.fixture
def mexico(seeded):
    return make_user("focal_point", country="MEX")


# -- download ----------------------------------------------------------------------------

@pytest.mark.parametrize("language, name, sheet_names", [
    ("es", "compromisos", ["Compromisos", "Instrucciones"]),
    ("en", "commitments", ["Commitments", "Instructions"]),
])
def test_the_xlsx_locks_the_state_and_offers_the_statuses_in_the_readers_language(
        client, acting_as, language, name, sheet_names):
    acting_as("focal_point")
    response = client.get("/my/commitments.xlsx", headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename={name}-MEX-{TODAY}.xlsx"
    assert response.headers["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == sheet_names
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == labels(language)
    assert sheet.freeze_panes == "B2"
    assert sheet.protection.sheet
    expected = versions_of("MEX")
    rows = list(sheet.iter_rows(min_row=2))
    assert {row[0].value: row[header.index(labels(language)[7])].value for row in rows} \
        == expected
    assert [row[0].value for row in rows] == sorted(expected)
    fill_in = {i for i, c in enumerate(columns_for(secretariat=False)) if c.fill_in}
    for row in rows:
        assert [not cell.protection.locked for cell in row] == \
            [i in fill_in for i in range(len(header))]
    (drop_down,) = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert drop_down.formula1 == '"' + ",".join(status_labels(language)) + '"'
    assert str(drop_down.sqref) == f"I2:I{len(rows) + 1}"
    due = rows[0][4]
    assert due.value is None or isinstance(due.value, dt.datetime)
    assert isinstance(rows[0][6].value, dt.datetime)  # the last update, a real date
    assert rows[0][6].number_format == "yyyy-mm-dd"


def test_the_csv_has_a_bom_and_the_same_rows(client, acting_as):
    acting_as("focal_point")
    response = client.get("/my/commitments.csv", headers={"Accept-Language": "en"})
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=commitments-MEX-{TODAY}.csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith(codecs.BOM_UTF8)
    text = response.data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ",".join(labels("en"))
    sheet = read_sheet(response.data, "commitments.csv")
    assert {row.values["code"]: row.values["version"] for row in sheet.rows} == \
        versions_of("MEX")


@pytest.mark.parametrize("role, query, status", [
    ("focal_point", "", 200),
    ("focal_point", "?country=MEX", 200),
    ("focal_point", "?country=GTM", 403),
    ("secretariat", "", 200),
    ("secretariat", "?country=gtm", 200),
    ("secretariat", "?country=XXX", 404),
    ("auditor", "", 403),
    ("deactivated", "", 302),
    ("anonymous", "", 302),
])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_who_downloads_which_sheet(client, acting_as, role, query, status, kind):
    acting_as(role)
    response = client.get(f"/my/commitments.{kind}{query}")
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]
    if status != 200:
        return
    codes = {row.values["code"] for row in read_sheet(response.data, f"x.{kind}").rows}
    if role == "focal_point":
        assert codes == set(versions_of("MEX"))
    elif query:
        assert codes == set(versions_of("GTM"))
    else:
        assert codes == set(db.session.scalars(sa.select(Commitment.code)))


def test_a_focal_point_gets_only_their_country_in_one_query(app, mexico, count_queries):
    assert mexico.country_id  # loaded (make_user committed it)
    with count_queries() as statements:
        lines = sheet_rows(mexico, None)
    assert len(statements) == 1
    assert [line.code for line in lines] == sorted(versions_of("MEX"))
    assert [line.code for line in sheet_rows(mexico, country("MEX"))] == \
        [line.code for line in lines]
    with pytest.raises(PermissionDenied):
        sheet_rows(mexico, country("GTM"))
    with pytest.raises(PermissionDenied):
        sheet_rows(make_user("auditor", country=None), None)


def test_only_the_secretariat_gets_the_due_date_and_institution_to_fill_in(app, secretariat,
                                                                          mexico):
    everything = sheet_rows(secretariat, None)
    assert len(everything) == db.session.scalar(sa.select(sa.func.count(Commitment.id)))
    header = [c.value for c in load_workbook(io.BytesIO(
        build_xlsx(everything, "en", secretariat=True))).worksheets[0][1]]
    assert header[-2:] == ["New due date", "New responsible institution"]
    header = [c.value for c in load_workbook(io.BytesIO(
        build_xlsx(sheet_rows(mexico, None), "en", secretariat=False))).worksheets[0][1]]
    assert "New due date" not in header and header[-1] == "Note"


def test_a_title_that_looks_like_a_formula_stays_text(app, mexico):
    line = sheet_rows(mexico, None)[0]
    db.session.execute(sa.update(Commitment).where(Commitment.code == line.code)
                       .values(responsible_institution="=HYPERLINK(\"http://x\")"))
    line = sheet_rows(mexico, None)[0]
    cell = load_workbook(io.BytesIO(build_xlsx([line], "es", secretariat=False))) \
        .worksheets[0]["F2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert b"'=HYPERLINK" in build_csv([line], "es", secretariat=False)


# -- reading back what was downloaded ----------------------------------------------------

@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("as_secretariat", [False, True])
def test_a_downloaded_sheet_reads_back_without_errors(app, mexico, secretariat, language,
                                                      kind, as_secretariat):
    actor = secretariat if as_secretariat else mexico
    lines = sheet_rows(actor, country("MEX"))
    build = build_xlsx if kind == "xlsx" else build_csv
    sheet = read_sheet(build(lines, language, secretariat=as_secretariat), f"s.{kind}")
    assert sheet.format == kind
    assert sheet.warnings == []
    assert [row.errors for row in sheet.rows] == [[] for _ in lines]
    assert [(r.row_number, r.values["code"], r.values["version"]) for r in sheet.rows] == \
        [(n, line.code, line.version) for n, line in enumerate(lines, 2)]
    filled = {"new_status", "new_progress", "note"} | (
        {"new_due_date", "new_institution"} if as_secretariat else set())
    assert set(sheet.columns) == {"code", "version"} | filled
    assert all(row.values[key] is None for row in sheet.rows for key in filled)


def fill(data: bytes, values: dict[str, list]) -> bytes:
    """A downloaded XLSX with some fill-in cells typed, by column header (English)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for label, column in values.items():
        for number, value in enumerate(column, 2):
            sheet.cell(row=number, column=header.index(label) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_libreoffice_quirks_are_read_right(app, secretariat):
    lines = sheet_rows(secretariat, country("MEX"))[:3]
    data = fill(build_xlsx(lines, "en", secretariat=True), {
        "New status": ["en curso", "COMPLETED", "stalled"],
        "New progress": [50.0, "75 %", 100],
        "Version (do not change)": [float(line.version) for line in lines],
        "Note": ["Línea 1\nlínea 2", "  Informe final  ", None],
        "New due date": [dt.datetime(2027, 3, 31, 0, 0), 46387, "2027-01-15"],
    })
    rows = read_sheet(data, "s.xlsx").rows
    assert [r.errors for r in rows] == [[], [], []]
    assert [r.values["new_status"] for r in rows] == ["in_progress", "completed", "stalled"]
    assert [r.values["new_progress"] for r in rows] == [50, 75, 100]
    assert [r.values["version"] for r in rows] == [line.version for line in lines]
    assert [r.values["note"] for r in rows] == ["Línea 1\nlínea 2", "Informe final", None]
    assert [r.values["new_due_date"] for r in rows] == \
        [dt.date(2027, 3, 31), dt.date(2026, 12, 31), dt.date(2027, 1, 15)]


@pytest.mark.parametrize("written", ["in_progress", "In progress", "EN CURSO", "en  curso",
                                     "In_Progress"])
def test_a_status_in_either_language_or_as_its_code_is_accepted(app, written):
    data = csv_bytes([",".join(HEADER_EN), f"{CODE},3,{written},,"])
    (row,) = read_sheet(data, "s.csv").rows
    assert row.errors == [] and row.values["new_status"] == "in_progress"


def test_headers_match_whatever_the_language_case_accents_and_spaces(app):
    data = csv_bytes(["  CODIGO ;version;nuevo ESTADO;New_Progress;nota",
                      f"{CODE};3;Cumplido;100;Hecho"])
    (row,) = read_sheet(data, "s.csv").rows
    assert row.values == {"code": CODE, "version": 3, "new_status": "completed",
                          "new_progress": 100, "note": "Hecho"}


def test_csv_in_windows_1252_with_semicolons_and_utf16_with_tabs(app):
    spanish = ["Código;Versión (no modificar);Nuevo estado;Nuevo avance;Nota",
               f"{CODE};2;En curso;40;Reunión con la Secretaría de Gobernación"]
    (row,) = read_sheet(csv_bytes(spanish, "cp1252"), "s.csv").rows
    assert row.values["note"] == "Reunión con la Secretaría de Gobernación"
    tabbed = [line.replace(";", "\t") for line in spanish]
    (row,) = read_sheet(codecs.BOM_UTF16_LE + csv_bytes(tabbed, "utf-16-le"), "s.txt").rows
    assert row.values["new_progress"] == 40 and row.errors == []


# -- bad input -----------------------------------------------------------------------------

NOT_A_SHEET = "This file is not a spreadsheet the tracker reads"


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),  # an old .xls
    bytes(range(256)) * 4,
    b"PK\x03\x04 a damaged zip",
    "Querida Secretaría: adjunto el informe.\n".encode("cp1252"),
], ids=["pdf", "png", "xls", "binary", "damaged-zip", "a-letter"])
def test_what_is_not_a_spreadsheet_is_refused(app, data):
    message = refusal(data)
    assert message.startswith(NOT_A_SHEET) or "not a readable archive" in message \
        or "none of the sheet's columns" in message


def test_a_word_document_or_an_opendocument_sheet_is_not_read(app):
    docx = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    assert refusal(docx).startswith(NOT_A_SHEET)
    ods = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                  "[Content_Types].xml": b"<Types/>", "content.xml": b"<x/>"})
    assert refusal(ods, "hoja.ods").startswith(NOT_A_SHEET)


def test_a_macro_enabled_workbook_is_refused(app):
    plain = xlsx([HEADER_EN, [CODE, 1, "Completed", 100, "Hecho"]])
    members = {}
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with_vba = dict(members, **{"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert "contains macros" in refusal(zipped(with_vba))
    declared = dict(members)
    declared["[Content_Types].xml"] = declared["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
    assert "contains macros" in refusal(zipped(declared))
    assert "contains macros" in refusal(plain, "hoja.xlsm")
    assert read_sheet(plain, "hoja.xlsx").rows[0].errors == []


def test_a_formula_is_never_evaluated_and_is_an_error_for_its_row(app):
    data = xlsx([HEADER_EN, [CODE, 2, "Completed", "=40+60", "Hecho"],
                 ["MT1-R04-MEX", 1, None, 10, '=HYPERLINK("http://x","y")']])
    first, second = read_sheet(data, "s.xlsx").rows
    assert errors_of(first) == [("new_progress", "A formula is not a value: type the value.")]
    assert first.values["new_progress"] is None and first.values["new_status"] == "completed"
    assert errors_of(second) == [("note", "A formula is not a value: type the value.")]
    (row,) = read_sheet(csv_bytes([",".join(HEADER_EN), f"{CODE},2,,=1+1,"]), "s.csv").rows
    assert errors_of(row) == [("new_progress", "A formula is not a value: type the value.")]
    (row,) = read_sheet(csv_bytes([",".join(HEADER_EN), f"{CODE},2,,,'=not a formula"]),
                        "s.csv").rows
    assert row.errors == [] and row.values["note"] == "=not a formula"


def test_merged_cells_are_refused_naming_them(app):
    data = xlsx([HEADER_EN, [CODE, 2, "Completed", 100, "Hecho"],
                 ["MT1-R04-MEX", 1, None, None, None]],
                edit=lambda sheet: sheet.merge_cells("E2:E3"))
    assert refusal(data) == ("Merged cells (E2:E3) cannot be read: unmerge them, so that each "
                             "value is in its own cell, and upload the file again.")


def test_extra_columns_are_ignored_with_a_warning(app):
    data = xlsx([HEADER_EN + ["Comentarios internos", "Revisado por"],
                 [CODE, 2, "Completed", 100, "Hecho", "ver con Ana", "JP"]])
    sheet = read_sheet(data, "s.xlsx")
    assert [english(w) for w in sheet.warnings] == [
        "These columns are not the sheet's and were not read: Comentarios internos, "
        "Revisado por."]
    assert sheet.rows[0].errors == [] and "Revisado por" not in sheet.rows[0].values


@pytest.mark.parametrize("header, missing", [
    (["Code", "New status", "Note"], "These columns are missing: Version (do not change)."),
    (["Title", "New status"], "These columns are missing: Code, Version (do not change)."),
    (["Code", "Version (do not change)", "Status", "Progress"],
     "None of the columns to fill in is there (New status, New progress, Note, New due date, "
     "New responsible institution)"),
    (["Code", "Version", "Note", "nota"], "The column “nota” appears twice: keep one."),
])
def test_missing_columns_refuse_the_file_naming_them(app, header, missing):
    data = xlsx([header, [CODE] + [1] * (len(header) - 1)])
    assert refusal(data).startswith(missing)
    with force_locale("es"):
        spanish = str(pytest.raises(SheetRefused, read_sheet, data, "s.xlsx").value.args[0])
    assert spanish != refusal(data)  # the reader's language, labels included


def test_dates_as_serial_numbers_iso_text_or_real_dates(app):
    header = ["Code", "Version", "New due date"]
    rows = [[f"C{n}", 1, value] for n, value in enumerate(
        ["46387", "46387.0", "2026-12-31", "2026-12-31 00:00:00", "31/12/2026", "0",
         "100001", "mañana", "2026-02-30"])]
    sheet = read_sheet(csv_bytes([",".join(header)] + [",".join(map(str, r)) for r in rows]),
                       "s.csv")
    dates = [row.values["new_due_date"] for row in sheet.rows]
    assert dates[:4] == [dt.date(2026, 12, 31)] * 4
    assert dates[4:] == [None] * 5
    for row in sheet.rows[4:]:
        ((key, message),) = errors_of(row)
        assert key == "new_due_date" and "is not a date: write it as YYYY-MM-DD" in message
    data = xlsx([header, ["C1", 1, 46387], ["C2", 1, dt.date(2027, 1, 2)],
                 ["C3", 1, 46387.75]])
    assert [r.values["new_due_date"] for r in read_sheet(data, "s.xlsx").rows] == \
        [dt.date(2026, 12, 31), dt.date(2027, 1, 2), dt.date(2026, 12, 31)]


def test_unknown_statuses_and_bad_progress_are_row_errors(app):
    data = xlsx([HEADER_EN, ["A", 1, "Terminado", None, None], ["B", 1, None, 101, None],
                 ["C", 1, None, -1, None], ["D", 1, None, 50.5, None],
                 ["E", 1, None, "mucho", None], ["F", 1, None, True, None],
                 ["G", 1, 3, None, None]])
    rows = read_sheet(data, "s.xlsx").rows
    with force_locale("en"):
        assert errors_of(rows[0]) == [("new_status", "Unknown status “Terminado”: choose one "
                                       "from the list (Not reported, Not started, In progress,"
                                       " Completed, Stalled).")]
    for row in rows[1:6]:
        assert errors_of(row) == [("new_progress", "Progress is a whole number from 0 to 100.")]
    assert errors_of(rows[6])[0][0] == "new_status"


def test_a_version_missing_or_not_a_number_and_a_row_without_code(app):
    data = xlsx([HEADER_EN, [CODE, None, "Completed", 100, "Hecho"],
                 ["MT1-R04-MEX", "dos", None, 10, None], [None, 3, None, 10, None]])
    first, second, third = read_sheet(data, "s.xlsx").rows
    assert [k for k, _ in errors_of(first)] == ["version"]
    assert errors_of(second)[0][1].startswith("The version is missing or changed")
    assert errors_of(third) == [("code", "This row has no code: the code says which "
                                         "commitment the row is about.")]


def test_the_same_code_twice_is_an_error_on_both_rows(app):
    data = csv_bytes([",".join(HEADER_EN), f"{CODE},1,Completed,100,Hecho",
                      "MT1-R04-MEX,1,,,", f"{CODE.lower()},1,Stalled,,Parado"])
    first, second, third = read_sheet(data, "s.csv").rows
    message = ("code", "This code is on more than one row (rows 2, 4): keep one.")
    assert errors_of(first) == [message] and errors_of(third) == [message]
    assert second.errors == []


@pytest.mark.parametrize("data", [b"", b"  \r\n ", ",".join(HEADER_EN).encode(),
                                  (",".join(HEADER_EN) + "\n,,,,\n , ,\t,\n").encode(),
                                  None], ids=["empty", "blank", "header", "empty-rows", "xlsx"])
def test_an_empty_file_or_only_a_header_has_nothing_to_read(app, data):
    data = data if data is not None else xlsx([HEADER_EN])
    assert refusal(data, "s.csv").startswith("There is nothing to read in this file")


def test_empty_rows_are_skipped_and_rows_keep_their_numbers(app):
    data = xlsx([HEADER_EN, [CODE, 1, "Completed", 100, "Hecho"], [], [None, None, " "],
                 ["MT1-R04-MEX", 1, None, 10, None]])
    assert [row.row_number for row in read_sheet(data, "s.xlsx").rows] == [2, 5]
    data = csv_bytes(["", ",".join(HEADER_EN), f"{CODE},1,,,", ",,,,", "MT1-R04-MEX,1,,,"])
    assert [row.row_number for row in read_sheet(data, "s.csv").rows] == [3, 5]


def test_control_characters_are_an_error_values_are_stripped(app):
    data = csv_bytes([",".join(HEADER_EN), f"  {CODE}  ,1,,,\"Bell\x07\"",
                      '"MT1-R04\nMEX",1,,,"Una\r\nnota "'])
    first, second = read_sheet(data, "s.csv").rows
    assert first.values["code"] == CODE
    assert errors_of(first) == [("note", "Remove the control characters (or line breaks) "
                                         "from this cell.")]
    assert [k for k, _ in errors_of(second)] == ["code"]
    assert second.values["note"] == "Una\nnota"


def test_a_note_longer_than_the_form_takes_is_an_error(app):
    data = xlsx([HEADER_EN, [CODE, 1, None, None, "x" * 5001]])
    (row,) = read_sheet(data, "s.xlsx").rows
    assert errors_of(row) == [("note", "This text is longer than 5000 characters.")]


def test_more_rows_than_the_limit_refuse_the_file(app):
    lines = [",".join(HEADER_EN)] + [f"C-{n},1,,," for n in range(10_001)]
    assert refusal(csv_bytes(lines), "s.csv") == \
        "This file has more than 10000 rows: split it into smaller files."
    assert len(read_sheet(csv_bytes(lines[:-1]), "s.csv").rows) == 10_000
    data = xlsx([HEADER_EN] + [[f"C-{n}", 1] for n in range(6)])
    assert "more than 5 rows" in refusal(data, max_rows=5)


def test_my_commitments_links_both_sheets(client, acting_as):
    acting_as("focal_point")
    page = client.get("/my/commitments", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert 'href="/my/commitments.xlsx"' in page and 'href="/my/commitments.csv"' in page
    assert "fill in the new status, progress and note, then upload it" in page


def test_a_cell_far_to_the_right_does_not_widen_every_row(app):
    """One cell in column XFD would make openpyxl build rows of 16,384 cells: only the
    sheet's own columns are read, and a sheet longer than any download is refused."""
    def far_right(sheet):
        for row in range(2, 302):
            sheet.cell(row, 16384).value = "x"

    with app.test_request_context():
        data = xlsx([["Code", "Version (do not change)", "New progress"],
                     ["MT1-R01-MEX", 1, 10]], edit=far_right)
        sheet = read_sheet(data, "hoja.xlsx")
        assert [r.values["new_progress"] for r in sheet.rows] == [10]
        long = xlsx([["Code", "Version (do not change)", "New progress"]]
                    + [[None, None, None]] * 20_001 + [["MT1-R01-MEX", 1, 10]])
        assert "more than 20000 rows" in refusal(long)


def test_a_shared_strings_part_that_unpacks_too_far_is_refused_before_reading(app):
    """A small XLSX whose strings unpack to 40 MB: no sheet is that big."""
    base = xlsx([["Code", "Version (do not change)", "New progress"], ["MT1-R01-MEX", 1, 10]])
    source, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/padding.xml", b"<a>" + b" " * (40 * 1024 * 1024) + b"</a>")
    with app.test_request_context():
        assert "unpacks to more than 30 MB" in refusal(out.getvalue())


def test_a_crafted_country_argument_is_not_found(client, acting_as):
    acting_as("secretariat")
    for value in ("MEX%00", "%00", "MEXICO", "m'x"):
        assert client.get(f"/my/commitments.csv?country={value}").status_code == 404
