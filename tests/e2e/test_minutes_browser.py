"""A new meeting's minutes in, as a new secretariat user does it in Chromium: upload a DOCX,
review, edit a title, set one item's owner to the CRM, accept a section, upload a second
document and merge its duplicate, publish; then the matrix and the API show the new
commitments, and the export reloads into an empty database identically.

Its own app and SQLite file (this test publishes; the shared live server stays as seeded)."""

import io
import threading

import pytest
from conftest import make_config
from factories import PASSWORD, make_user
from meeting_contents import cli, contents, only_meeting

from tracker.extensions import db

MEETING = "grcm-2027"
FIRST = [("Mesa de trabajo 4: Movilidad laboral", 1), ("Recomendaciones", 2)]
FIRST_ITEMS = ["Crear un registro regional de trabajadores migrantes temporales.",
               "La CRM puede impulsar un observatorio regional de movilidad laboral.",
               "Armonizar los requisitos de las visas de trabajo temporal."]
SECOND_ITEMS = ["Crear un registro regional de los trabajadores migrantes temporales.",
                "Capacitar a los inspectores de trabajo en derechos de las personas migrantes."]


def docx(headings: list[tuple[str, int]], items: list[str]) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for text, level in headings:
        document.add_heading(text, level=level)
    for text in items:
        document.add_paragraph(text, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def minutes_server(tmp_path_factory, seed_bundle):
    from werkzeug.serving import make_server

    from tracker import create_app
    from tracker.commitments.administration import create_meeting
    from tracker.importer.writer import apply_seed
    from tracker.permissions import SYSTEM

    root = tmp_path_factory.mktemp("minutes-e2e")
    app = create_app(make_config(root, SQLALCHEMY_DATABASE_URI=f"sqlite:///{root / 'm.db'}"))
    with app.app_context():
        db.create_all()
        apply_seed(seed_bundle)
        make_user("secretariat", email="nueva.secretaria@example.org", name="Nueva secretaria")
        create_meeting(SYSTEM, code=MEETING)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def draft(page, text: str):
    return page.locator("div.draft", has_text=text)


def test_a_secretariat_brings_a_meeting_in(new_page, axe, minutes_server, tmp_path, empty):
    from tracker.models import Meeting

    app, base = minutes_server
    page = new_page(base_url=base, locale="en-GB")
    page.goto("/login")
    page.fill("#email", "nueva.secretaria@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()

    first = tmp_path / "acta-movilidad-laboral.docx"
    first.write_bytes(docx(FIRST, FIRST_ITEMS))
    page.goto(f"/admin/meetings/{MEETING}/minutes")
    axe(page)
    page.set_input_files("#file", str(first))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and propose items").click()
    assert "/admin/minutes/acta-movilidad-laboral" in page.url
    assert "3 items were found" in page.locator(".flashes").inner_text()
    assert page.locator("mark").count() == 3  # each quote marked in the text beside
    assert "under the heading «Recomendaciones»" in draft(page, FIRST_ITEMS[0]).inner_text()
    axe(page)

    # Edit a title (both languages) and accept.
    with page.expect_navigation():
        draft(page, FIRST_ITEMS[0]).get_by_role("link", name="Edit").click()
    page.fill("#title_es", "Registro regional de trabajadores temporales")
    page.fill("#title_en", "A regional register of temporary workers")
    page.select_option("#theme", "information")
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and accept").click()
    assert "Accepted" in draft(page, FIRST_ITEMS[0]).inner_text()

    # The observatory is addressed to the Conference itself: owner CRM.
    with page.expect_navigation():
        draft(page, FIRST_ITEMS[1]).get_by_role("link", name="Edit").click()
    page.uncheck("#owners_by_kind")
    page.check("input[name=owners][value=CRM]")
    page.select_option("#theme", "regional-cooperation")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and accept").click()
    assert "Owners: CRM" in draft(page, FIRST_ITEMS[1]).inner_text()

    # The rest of the section at once, with a theme.
    page.select_option("select[name=theme]", "institutions")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept the whole section").click()
    assert "1 item accepted." in page.locator(".flashes").inner_text()

    # A second document repeats an item in other words: merged, not doubled.
    second = tmp_path / "relatoria-movilidad.docx"
    second.write_bytes(docx(FIRST, SECOND_ITEMS))
    page.goto(f"/admin/meetings/{MEETING}/minutes")
    page.set_input_files("#file", str(second))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and propose items").click()
    twin = draft(page, SECOND_ITEMS[0])
    assert "Same item as «Crear un registro regional de trabajadores" in twin.inner_text()
    with page.expect_navigation():
        twin.get_by_role("button", name="Merge").click()
    assert "Merged" in draft(page, SECOND_ITEMS[0]).inner_text()
    with page.expect_navigation():
        draft(page, SECOND_ITEMS[1]).get_by_role("link", name="Edit").click()
    page.select_option("#theme", "human-rights")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and accept").click()

    page.goto(f"/admin/meetings/{MEETING}/minutes")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the accepted items").click()
    assert ("Published. New items: 4; second sources: 1; new commitments: 34."
            in page.locator(".flashes").inner_text())

    # The public sees them: the matrix, and the API (the CRM's commitment included).
    page.goto("/matrix")
    matrix = page.content()
    assert "MT4-R01" in matrix and "MT4-R02" in matrix
    answer = page.request.get("/api/v1/commitments/MT4-R02-CRM")
    assert answer.ok and answer.json()["country"] == "CRM"
    assert page.request.get("/api/v1/commitments/MT4-R02-MEX").status == 404
    registry = page.request.get("/api/v1/commitments/MT4-R01-MEX").json()
    assert "trabajadores" in str(registry)

    # The export of the meeting reloads into an empty database identically.
    result = cli(app, "minutes", "export", MEETING, "-o", str(tmp_path / "export"))
    assert result.exit_code == 0, result.output
    assert cli(empty, "seed", "--path", str(tmp_path / "export")).exit_code == 0
    with app.app_context():
        before = only_meeting(contents(), db.session.query(Meeting).filter_by(code=MEETING).one())
    with empty.app_context():
        assert contents() == before
