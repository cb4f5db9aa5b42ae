"""A meeting's structure in the administration: working tables, sections, source documents,
and the download of a document's original. Every change is logged once; every refusal
writes nothing; a restricted original reaches the secretariat only."""

import hashlib
import re

import pytest
import sqlalchemy as sa
from factories import make_user
from workflow_helpers import PDF, assert_refused, store_original

from tracker.commitments import meeting_structure
from tracker.commitments.administration import AdminRefused, create_meeting
from tracker.extensions import db
from tracker.models import (
    AdminAction,
    ContextItem,
    Meeting,
    Recommendation,
    SourceDocument,
    WorkingTable,
)
from tracker.permissions import SYSTEM, PermissionDenied, can_view_source_original

MEETING = "crm-salon-londres"
PLENARY, TRAFFICKING = "plenary-working-tables", "trafficking-working-group"
RECOMMENDATIONS = "Como recomendaciones a las que este grupo de trabajo llegó se pueden mencionar las siguientes"  # noqa: E501
TABLE_PAGE = f"/admin/meetings/{MEETING}/tables"


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def secretariat(seeded, auth):
    user = make_user("secretariat", country=None)
    assert auth.login(user.email).status_code == 302
    return user


def one(model, **key):
    return db.session.scalar(sa.select(model).filter_by(**key))


def table(code: str) -> WorkingTable:
    db.session.expire_all()
    return db.session.scalar(sa.select(WorkingTable).join(WorkingTable.meeting)
                             .where(Meeting.code == MEETING, WorkingTable.code == code))


def actions() -> list[AdminAction]:
    return list(db.session.scalars(sa.select(AdminAction).order_by(AdminAction.id)))


def snapshot() -> dict:
    """Every row of every table: equal before and after means the request wrote nothing."""
    db.session.expire_all()
    return {t.name: sorted(map(repr, db.session.execute(sa.select(t)).all()))
            for t in db.metadata.sorted_tables}


def order() -> list[str]:
    db.session.expire_all()
    return [t.code for t in one(Meeting, code=MEETING).working_tables]


def sections(code: str) -> dict[str, int]:
    return {s.name: s.items for s in meeting_structure.sections_of(table(code))}


def table_form(code: str = "MT2", **overrides) -> dict:
    t = table(code)
    data = {"name_es": t.name_es, "name_en": t.name_en, "facilitators": t.facilitators or "",
            "place": str(order().index(code) + 1)}
    return data | overrides


NEW_TABLE = {"code": "MT4", "name_es": "Niñez migrante", "name_en": "Migrant children",
             "facilitators": "UNICEF"}


# -- working tables ----------------------------------------------------------------------

def test_the_meeting_page_lists_its_tables_and_documents(client, secretariat):
    assert f'href="/admin/meetings/{MEETING}"' in client.get("/admin/meetings").get_data(
        as_text=True)
    page = client.get(f"/admin/meetings/{MEETING}").get_data(as_text=True)
    for code in ("MT1", "MT2", "MT3"):
        assert f'href="{TABLE_PAGE}/{code}/edit"' in page
    for code in (PLENARY, TRAFFICKING):
        assert f'href="/admin/sources/{code}/edit"' in page
    assert "none stored: the text is the original" in page


def test_secretariat_creates_a_working_table(client, auth, secretariat):
    assert client.get(f"{TABLE_PAGE}/new").status_code == 200
    before = len(actions())
    response = auth.post(f"{TABLE_PAGE}/new", NEW_TABLE)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/meetings/{MEETING}"
    assert order() == ["MT1", "MT2", "MT3", "MT4"]  # a new table comes last
    created = table("MT4")
    assert (created.name_es, created.name_en, created.facilitators) == (
        "Niñez migrante", "Migrant children", "UNICEF")
    (logged,) = actions()[before:]
    assert (logged.action, logged.target, logged.actor_id) == (
        "working_table.create", f"working table {MEETING}/MT4", secretariat.id)
    # Recommendations can now be filed under it.
    page = client.get("/admin/recommendations/new").get_data(as_text=True)
    assert f"{MEETING} / MT4 — Migrant children" in page


def test_a_table_code_is_unique_in_its_meeting_only(app, seeded):
    other = create_meeting(SYSTEM, code="crm-2026")
    created = meeting_structure.create_working_table(SYSTEM, other, code="MT1", name_es="A",
                                                     name_en="A")
    assert created.meeting.code == "crm-2026" and created.position == 0


def test_secretariat_edits_and_moves_a_working_table(client, auth, secretariat):
    page = client.get(f"{TABLE_PAGE}/MT3/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="place"[^>]*value="3"', page)  # its place now
    before = len(actions())
    response = auth.post(f"{TABLE_PAGE}/MT3/edit", table_form(
        "MT3", name_en="Trafficking and smuggling", facilitators="", place="1"))
    assert response.status_code == 302
    assert order() == ["MT3", "MT1", "MT2"]
    moved = table("MT3")
    assert moved.name_en == "Trafficking and smuggling" and moved.facilitators is None
    (logged,) = actions()[before:]
    assert logged.action == "working_table.update"
    assert logged.details["order"] == [["MT1", "MT2", "MT3"], ["MT3", "MT1", "MT2"]]
    assert logged.details["name_en"][1] == "Trafficking and smuggling"
    rec = db.session.scalar(sa.select(Recommendation).filter_by(working_table_id=moved.id))
    public = client.get(f"/commitments/{rec.commitments[0].code}").get_data(as_text=True)
    assert "Trafficking and smuggling" in public


def test_a_place_beyond_the_end_puts_the_table_last(client, auth, secretariat):
    assert auth.post(f"{TABLE_PAGE}/MT1/edit", table_form("MT1", place="99")).status_code == 302
    assert order() == ["MT2", "MT3", "MT1"]


def test_saving_an_unchanged_table_writes_nothing(client, auth, secretariat):
    before = snapshot()
    assert auth.post(f"{TABLE_PAGE}/MT2/edit", table_form()).status_code == 302
    assert snapshot() == before


# -- sections ----------------------------------------------------------------------------

def test_the_table_page_shows_each_section_with_its_counts(client, secretariat):
    page = client.get(f"{TABLE_PAGE}/MT1/edit").get_data(as_text=True)
    assert sections("MT1")[RECOMMENDATIONS] > 1
    assert "Obstáculos" in page and "rename?section=" in page


def test_renaming_a_section_renames_every_item_of_it(client, auth, secretariat):
    mt2 = table("MT2")
    items = sections("MT2")["Buenas prácticas"]
    untouched = sections("MT3")["Buenas prácticas"]  # the same heading in another table
    rename = f"{TABLE_PAGE}/MT2/sections/rename"
    form = client.get(rename, query_string={"section": "Buenas prácticas"})
    assert form.status_code == 200 and 'value="Buenas prácticas"' in form.get_data(as_text=True)
    before = len(actions())
    response = auth.post(rename, {"section": "Buenas prácticas",
                                  "name": "Buenas prácticas identificadas"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{TABLE_PAGE}/MT2/edit"
    assert sections("MT2")["Buenas prácticas identificadas"] == items
    assert "Buenas prácticas" not in sections("MT2")
    assert sections("MT3")["Buenas prácticas"] == untouched
    left = sa.select(sa.func.count()).select_from(ContextItem).filter_by(
        working_table_id=mt2.id, section="Buenas prácticas")
    assert db.session.scalar(left) == 0
    (logged,) = actions()[before:]
    assert logged.action == "section.rename" and len(logged.details["items"]) == items
    assert logged.details["section"] == ["Buenas prácticas", "Buenas prácticas identificadas"]


def test_a_renamed_recommendation_section_shows_on_public_pages(client, auth, secretariat):
    auth.post(f"{TABLE_PAGE}/MT1/sections/rename",
              {"section": RECOMMENDATIONS, "name": "Recomendaciones del grupo"})
    recs = list(db.session.scalars(sa.select(Recommendation).filter_by(
        working_table_id=table("MT1").id, section="Recomendaciones del grupo")))
    assert len(recs) > 1
    auth.logout()
    for rec in recs:
        page = client.get(f"/commitments/{rec.commitments[0].code}").get_data(as_text=True)
        assert "Recomendaciones del grupo" in page and RECOMMENDATIONS not in page


def test_renaming_a_section_that_is_not_there_is_a_404_or_a_refusal(client, auth, secretariat):
    rename = f"{TABLE_PAGE}/MT1/sections/rename"
    assert client.get(rename, query_string={"section": "Nada"}).status_code == 404
    before = snapshot()
    response = auth.post(rename, {"section": "Nada", "name": "Algo"})
    assert response.status_code == 400
    assert "someone renamed it first" in response.get_data(as_text=True)
    assert snapshot() == before


# -- bad input: a form error, a 400, nothing written --------------------------------------

BAD_INPUT = {
    "duplicate table code": (f"{TABLE_PAGE}/new", lambda: NEW_TABLE | {"code": "MT1"},
                             "This meeting already has a working table with this code."),
    "table code with a slash": (f"{TABLE_PAGE}/new", lambda: NEW_TABLE | {"code": "MT/4"},
                                "Use letters, digits, dots, hyphens and underscores only."),
    "table code too long": (f"{TABLE_PAGE}/new", lambda: NEW_TABLE | {"code": "M" * 21},
                            "Field cannot be longer than 20 characters."),
    "empty table name": (f"{TABLE_PAGE}/new", lambda: NEW_TABLE | {"name_es": "  "},
                         "This field is required."),
    "table name too long": (f"{TABLE_PAGE}/MT2/edit", lambda: table_form(name_en="x" * 401),
                            "Field cannot be longer than 400 characters."),
    "control character in a name": (f"{TABLE_PAGE}/MT2/edit",
                                    lambda: table_form(name_es="Mesa\x07"),
                                    "Remove the control characters"),
    "place zero": (f"{TABLE_PAGE}/MT2/edit", lambda: table_form(place="0"),
                   "Number must be between 1 and 999."),
    "place not a number": (f"{TABLE_PAGE}/MT2/edit", lambda: table_form(place="first"),
                           "Not a valid integer value."),
    "empty section name": (f"{TABLE_PAGE}/MT1/sections/rename",
                           lambda: {"section": "Obstáculos", "name": " "},
                           "This field is required."),
    "section name too long": (f"{TABLE_PAGE}/MT1/sections/rename",
                              lambda: {"section": "Obstáculos", "name": "x" * 401},
                              "Field cannot be longer than 400 characters."),
    "line break in a section name": (f"{TABLE_PAGE}/MT1/sections/rename",
                                     lambda: {"section": "Obstáculos", "name": "Obs\ntáculos"},
                                     "Remove the control characters"),
    "two sections merged": (f"{TABLE_PAGE}/MT1/sections/rename",
                            lambda: {"section": "Obstáculos", "name": RECOMMENDATIONS},
                            "Another section of this working table already has this name."),
    "empty document title": (f"/admin/sources/{PLENARY}/edit",
                             lambda: {"title": "", "language": "es"}, "This field is required."),
    "document title too long": (f"/admin/sources/{PLENARY}/edit",
                                lambda: {"title": "x" * 301, "language": "es"},
                                "Field cannot be longer than 300 characters."),
    "unknown language": (f"/admin/sources/{PLENARY}/edit",
                         lambda: {"title": "Acta", "language": "fr"},
                         "Choose Spanish or English."),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_a_form_error_and_changes_nothing(client, auth, secretariat, case):
    path, build, error = BAD_INPUT[case]
    data = build()
    before = snapshot()
    response = auth.post(path, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error in page and "Traceback" not in page
    assert snapshot() == before


def test_the_services_refuse_what_a_form_might_let_through(app, seeded):
    mt1 = table("MT1")
    before = snapshot()
    calls = {
        "name_es": lambda: meeting_structure.update_working_table(
            SYSTEM, mt1, name_es="A\x00", name_en="B", facilitators=None, place=1),
        "place": lambda: meeting_structure.update_working_table(
            SYSTEM, mt1, name_es="A", name_en="B", facilitators=None, place=0),
        "name": lambda: meeting_structure.rename_section(
            SYSTEM, mt1, section="Obstáculos", new_name="x" * 401),
        "language": lambda: meeting_structure.update_source_document(
            SYSTEM, one(SourceDocument, code=PLENARY), title="Acta", language="fr",
            restricted=False),
    }
    for field, call in calls.items():
        with pytest.raises(AdminRefused) as refused:
            call()
        assert refused.value.field == field
        db.session.rollback()
    assert snapshot() == before


def test_the_services_refuse_anyone_but_the_secretariat(app, seeded):
    focal = make_user("focal_point", country="MEX")
    meeting, mt1 = one(Meeting, code=MEETING), table("MT1")
    before = snapshot()
    calls = [
        lambda: meeting_structure.create_working_table(focal, meeting, code="MT9", name_es="A",
                                                       name_en="A"),
        lambda: meeting_structure.update_working_table(focal, mt1, name_es="A", name_en="A",
                                                       facilitators=None, place=1),
        lambda: meeting_structure.rename_section(focal, mt1, section="Obstáculos",
                                                 new_name="X"),
        lambda: meeting_structure.update_source_document(
            focal, one(SourceDocument, code=PLENARY), title="X", language="es",
            restricted=True),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert snapshot() == before


# -- source documents --------------------------------------------------------------------

def test_secretariat_edits_a_source_document(client, auth, secretariat):
    page = client.get(f"/admin/sources/{TRAFFICKING}/edit").get_data(as_text=True)
    assert 'value="Grupo de trabajo sobre Trata y Tráfico"' in page
    before = len(actions())
    response = auth.post(f"/admin/sources/{TRAFFICKING}/edit", {
        "title": "Acta del grupo de trabajo sobre Trata y Tráfico", "language": "en",
        "restricted": "y"})
    assert response.status_code == 302
    document = one(SourceDocument, code=TRAFFICKING)
    assert (document.title, document.language, document.restricted) == (
        "Acta del grupo de trabajo sobre Trata y Tráfico", "en", True)
    (logged,) = actions()[before:]
    assert (logged.action, logged.target) == ("source_document.update",
                                              f"source document {TRAFFICKING}")
    assert logged.details["restricted"] == [False, True]
    auth.logout()
    public = client.get(f"/sources/{TRAFFICKING}").get_data(as_text=True)
    assert "Acta del grupo de trabajo sobre Trata y Tráfico" in public and 'lang="en"' in public


# -- the original file -------------------------------------------------------------------

def test_a_public_original_is_linked_and_downloadable(client, seeded):
    document = store_original(PLENARY, PDF, "Acta de reunión.pdf")
    page = client.get(f"/sources/{PLENARY}").get_data(as_text=True)
    assert f'href="/sources/{PLENARY}/original"' in page
    assert "Acta de reunión.pdf" in page and "PDF" in page and f"{len(PDF)} Bytes" in page

    response = client.get(f"/sources/{PLENARY}/original")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Acta%20de%20reuni%C3%B3n.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["ETag"] == f'"{document.sha256}"'
    again = client.get(f"/sources/{PLENARY}/original",
                       headers={"If-None-Match": f'"{document.sha256}"'})
    assert again.status_code == 304 and again.data == b""
    part = client.get(f"/sources/{PLENARY}/original", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.data == PDF[:8]


def test_without_a_stored_original_there_is_nothing_to_download(client, seeded):
    assert client.get(f"/sources/{PLENARY}/original").status_code == 404
    assert client.get("/sources/no-such-document/original").status_code == 404
    assert "/original" not in client.get(f"/sources/{PLENARY}").get_data(as_text=True)


def test_an_original_whose_file_is_missing_is_a_404(client, seeded):
    document = one(SourceDocument, code=PLENARY)
    document.stored_name, document.original_filename = "0" * 32, "acta.pdf"
    document.content_type, document.size = "application/pdf", 10
    document.sha256 = hashlib.sha256(b"never stored").hexdigest()
    db.session.commit()
    assert client.get(f"/sources/{PLENARY}/original").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "auditor", "focal_point", "secretariat"])
def test_a_restricted_original_reaches_the_secretariat_only(client, acting_as, role):
    data = PDF + b"%reservado"
    document = store_original(TRAFFICKING, data, "acta-reservada.pdf", restricted=True)
    acting_as(role)
    page = client.get(f"/sources/{TRAFFICKING}").get_data(as_text=True)
    response = client.get(f"/sources/{TRAFFICKING}/original")
    shown = role == "secretariat"
    assert ("acta-reservada.pdf" in page) == shown
    assert (f"/sources/{TRAFFICKING}/original" in page) == shown
    assert document.sha256[:16] not in page  # the hash would confirm a copy
    assert "Grupo de trabajo sobre Trata y Tráfico" in page  # the text stays public
    if shown:
        assert response.status_code == 200 and response.data == data
        assert response.headers["Cache-Control"] == "private, no-store"
    else:
        assert_refused(response, role)
        assert data not in response.data


def test_the_predicate(app, seeded):
    document = one(SourceDocument, code=PLENARY)
    auditor, secretariat = make_user("auditor"), make_user("secretariat")
    assert can_view_source_original(auditor, document)
    document.restricted = True
    assert not can_view_source_original(auditor, document)
    assert can_view_source_original(secretariat, document) and can_view_source_original(
        SYSTEM, document)
    db.session.rollback()


def test_the_items_under_no_heading_can_be_given_one(client, auth, secretariat):
    """Published minutes may leave items with no section (""): that one is renamed too."""
    db.session.execute(sa.update(ContextItem).where(
        ContextItem.working_table_id == table("MT2").id,
        ContextItem.section == "Buenas prácticas").values(section=""))
    db.session.commit()
    items = sections("MT2")[""]
    response = auth.post(f"{TABLE_PAGE}/MT2/sections/rename",
                         {"section": "", "name": "Buenas prácticas"})
    assert response.status_code == 302
    assert sections("MT2")["Buenas prácticas"] == items and "" not in sections("MT2")
