"""The spreadsheet round trip through real HTTP: a focal point downloads the sheet, fills it
in (openpyxl, as a script or a spreadsheet program would), uploads it, reads the preview and
applies it; every row through the status service, all at once or not at all."""

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa
from factories import make_user, report_status
from workflow_helpers import snapshot

from tracker.commitments.sheets.columns import BY_KEY, in_language
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import Commitment, LedgerEntry, SheetPreview, StatusEvent

PAGE = "/my/commitments/sheet"


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    assert auth.login(user.email).status_code == 302
    return user


def download(client, query: str = "") -> openpyxl.Workbook:
    response = client.get(f"/my/commitments.xlsx{query}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def fill(book: openpyxl.Workbook, code: str, **values) -> None:
    """Type values into the row of ``code``, by column key (new_status, new_progress...)."""
    sheet = book.worksheets[0]
    header = {cell.value: cell.column for cell in sheet[1]}
    columns = {key: header[in_language(BY_KEY[key].label, "en")] for key in BY_KEY
               if in_language(BY_KEY[key].label, "en") in header}
    row = next(r for r in range(2, sheet.max_row + 1)
               if sheet.cell(r, columns["code"]).value == code)
    for key, value in values.items():
        sheet.cell(row, columns[key]).value = value


def add_row(book: openpyxl.Workbook, **values) -> None:
    sheet = book.worksheets[0]
    header = {cell.value: cell.column for cell in sheet[1]}
    row = sheet.max_row + 1
    for key, value in values.items():
        sheet.cell(row, header[in_language(BY_KEY[key].label, "en")]).value = value


def upload(auth, book: openpyxl.Workbook, name: str = "compromisos.xlsx"):
    buffer = io.BytesIO()
    book.save(buffer)
    return auth.post(PAGE, {"file": (io.BytesIO(buffer.getvalue()), name)}, token_from=PAGE,
                     content_type="multipart/form-data")


def preview_of(response) -> SheetPreview:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    return db.session.get(SheetPreview, response.headers["Location"].rsplit("/", 1)[1])


def outcomes(preview: SheetPreview) -> dict[str, str]:
    return {row["code"]: row["outcome"] for row in preview.rows if row["outcome"] != "unchanged"}


def apply(auth, preview: SheetPreview):
    return auth.post(f"{PAGE}/{preview.id}/apply", {}, token_from=f"{PAGE}/{preview.id}")


def ledger_entries() -> int:
    return db.session.scalar(sa.select(sa.func.count(LedgerEntry.seq)))


def events() -> int:
    return db.session.scalar(sa.select(sa.func.count(StatusEvent.id)))


def test_an_unchanged_sheet_records_nothing(client, auth, focal):
    preview = preview_of(upload(auth, download(client)))
    assert outcomes(preview) == {}
    page = client.get(f"{PAGE}/{preview.id}").get_data(as_text=True)
    assert "Nothing to record." in page
    before = snapshot()
    apply(auth, preview)
    assert snapshot() == before


def test_changes_errors_conflicts_and_refusals_are_previewed_then_applied(client, auth, focal):
    book = download(client)
    fill(book, "MT1-R01-MEX", new_status="In progress", new_progress=40,
         note="Mesa interinstitucional instalada.")
    fill(book, "MT1-R02-MEX", new_progress=150)                     # error
    fill(book, "MT1-R03-MEX", new_status="in_progress", new_progress=10)  # conflict, below
    fill(book, "MT1-R04-MEX", new_status="Completado")               # no note: error
    add_row(book, code="MT1-R01-GTM", version=1, new_status="completed", note="x")  # refused
    add_row(book, code="MT9-R99-MEX", version=1, new_progress=5)     # unknown code
    report_status(make_user("secretariat"), "MT1-R03-MEX", "stalled", 5,
                  "Sin presupuesto.")  # someone else, after the download
    before, ledger = events(), ledger_entries()
    preview = preview_of(upload(auth, book))
    assert outcomes(preview) == {"MT1-R01-MEX": "change", "MT1-R02-MEX": "error",
                                 "MT1-R03-MEX": "conflict", "MT1-R04-MEX": "error",
                                 "MT1-R01-GTM": "refused", "MT9-R99-MEX": "refused"}
    page = client.get(f"{PAGE}/{preview.id}").get_data(as_text=True)
    assert "Not reported → In progress" in page and "Progress: — → 40" in page
    assert "Now: Stalled, progress 5" in page  # the newer state of the conflict
    assert "another country" in page and "No commitment has this code" in page
    assert events() == before  # nothing recorded by the preview

    response = apply(auth, preview)
    assert response.status_code == 302
    assert events() == before + 1
    changed = db.session.scalar(sa.select(Commitment).filter_by(code="MT1-R01-MEX"))
    assert (changed.status, changed.progress) == ("in_progress", 40)
    assert changed.events[-1].note == "Mesa interinstitucional instalada."
    assert changed.events[-1].actor_country_id == focal.country_id
    assert ledger_entries() == ledger + 1  # the one event, chained
    # The same preview again: refused; the same file again: nothing new to record.
    again_applied = apply(auth, db.session.get(SheetPreview, preview.id))
    assert "already applied" in client.get(again_applied.headers["Location"]).get_data(
        as_text=True)
    assert events() == before + 1
    again = preview_of(upload(auth, book))
    assert "MT1-R01-MEX" not in outcomes(again)
    apply(auth, again)
    assert events() == before + 1


def test_an_error_anywhere_in_apply_writes_nothing(client, auth, focal):
    book = download(client)
    fill(book, "MT1-R01-MEX", new_status="in_progress", new_progress=20)
    fill(book, "MT1-R02-MEX", new_status="in_progress", new_progress=30)
    preview = preview_of(upload(auth, book))
    assert outcomes(preview) == {"MT1-R01-MEX": "change", "MT1-R02-MEX": "change"}
    report_status(make_user("secretariat"), "MT1-R02-MEX", "stalled", 5,
                  "Sin presupuesto.")  # meanwhile
    before = snapshot("MT1-R01-MEX")
    response = apply(auth, preview)
    assert response.status_code == 302
    assert snapshot("MT1-R01-MEX") == before  # the first row was not recorded either
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "changed since the preview" in page and "nothing was recorded" in page


def test_the_secretariat_sets_due_dates_and_institutions_in_bulk(client, auth, seeded):
    user = make_user("secretariat")
    auth.login(user.email)
    book = download(client, "?country=GTM")
    fill(book, "MT1-R01-GTM", new_due_date=dt.date(2027, 6, 30),
         new_institution="Ministerio de Relaciones Exteriores")
    fill(book, "MT1-R02-GTM", new_status="in_progress", new_progress=15)
    preview = preview_of(upload(auth, book))
    assert outcomes(preview) == {"MT1-R01-GTM": "change", "MT1-R02-GTM": "change"}
    assert apply(auth, preview).status_code == 302
    db.session.expire_all()
    dated = db.session.scalar(sa.select(Commitment).filter_by(code="MT1-R01-GTM"))
    assert dated.due_date == dt.date(2027, 6, 30)
    assert dated.responsible_institution == "Ministerio de Relaciones Exteriores"
    assert len(dated.events) == 1  # dates and institutions are not status history


def test_a_preview_is_its_uploader_s_only_and_expires(client, auth, focal):
    book = download(client)
    fill(book, "MT1-R01-MEX", new_status="in_progress")
    preview = preview_of(upload(auth, book))
    page = client.get(f"{PAGE}/{preview.id}").get_data(as_text=True)
    assert "MT1-R01-MEX" in page and 'name="rows' not in page  # kept on the server
    other = make_user("focal_point", country="MEX")
    auth.logout()
    auth.login(other.email)
    assert client.get(f"{PAGE}/{preview.id}").status_code == 404
    assert auth.post(f"{PAGE}/{preview.id}/apply", {}).status_code == 404
    auth.logout()
    auth.login(focal.email)
    db.session.get(SheetPreview, preview.id).expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"{PAGE}/{preview.id}").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "auditor"])
def test_only_focal_points_and_the_secretariat_upload_sheets(acting_as, client, role):
    acting_as(role)
    assert client.get(PAGE).status_code in (302, 403)


def test_a_bad_file_is_refused_on_the_page_and_writes_nothing(client, auth, focal):
    before = snapshot()
    response = auth.post(PAGE, {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 40),
                                         "foto.xlsx")}, token_from=PAGE,
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'class="errors' in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_focal_point_cannot_set_due_dates_nor_a_version_never_had(client, auth, focal, seeded):
    secretariat = make_user("secretariat")
    auth.logout()
    auth.login(secretariat.email)
    book = download(client, "?country=MEX")  # the secretariat's sheet, with its columns
    auth.logout()
    auth.login(focal.email)
    fill(book, "MT1-R01-MEX", new_due_date=dt.date(2027, 1, 1))
    fill(book, "MT1-R02-MEX", version=99, new_progress=10)
    preview = preview_of(upload(auth, book))
    assert outcomes(preview) == {"MT1-R01-MEX": "error", "MT1-R02-MEX": "error"}
    page = client.get(f"{PAGE}/{preview.id}").get_data(as_text=True)
    assert "set by the secretariat" in page and "not one the commitment has had" in page


def test_a_windows_1252_csv_keeps_its_letters(client, auth, focal):
    """Spreadsheet programs here save CSV as Windows-1252: ñ must stay ñ."""
    text = client.get("/my/commitments.csv").data.decode("utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(",")
    row = next(i for i, line in enumerate(lines) if line.startswith("MT1-R01-MEX"))
    cells = lines[row].split(",")
    cells[header.index("Note")] = "Atención a la niñez y a la compañía este año."
    lines[row] = ",".join(cells)
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    response = auth.post(PAGE, {"file": (io.BytesIO(data), "compromisos.csv")}, token_from=PAGE,
                         content_type="multipart/form-data")
    preview = preview_of(response)
    (row,) = [r for r in preview.rows if r["outcome"] == "change"]
    assert row["changes"]["note"][1] == "Atención a la niñez y a la compañía este año."
