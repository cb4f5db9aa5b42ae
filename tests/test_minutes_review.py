"""A new meeting's minutes in, through real HTTP as the secretariat: upload, review beside
the text, edit, merge, reject, undo, accept a section, publish; and every refusal changes
nothing."""

import hashlib
import io
import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES
from factories import make_user
from meeting_contents import cli, contents, only_meeting
from minutes_documents import docx_minutes
from workflow_helpers import assert_refused, snapshot

from tracker.commitments import administration
from tracker.extensions import db
from tracker.models import (
    DraftDecision,
    DraftItem,
    DraftKind,
    LedgerEntry,
    Meeting,
    Recommendation,
    SourceDocument,
    WorkingTable,
)
from tracker.permissions import SYSTEM

SOURCES = Path(__file__).parent.parent / "tracker" / "seed_data" / "sources"
PLENARY = SOURCES / "plenary-working-tables.txt"
TRAFFICKING = SOURCES / "trafficking-working-group.txt"
MEETING = "crm-2026"


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def meeting(seeded):
    return administration.create_meeting(SYSTEM, code=MEETING)


@pytest.fixture
def secretariat(meeting, auth):
    user = make_user("secretariat", country=None)
    assert auth.login(user.email).status_code == 302
    return user


def upload(auth, path: Path, name: str | None = None, data: bytes | None = None, **fields):
    content = path.read_bytes() if data is None else data
    return auth.post(f"/admin/meetings/{MEETING}/minutes",
                     token_from=f"/admin/meetings/{MEETING}/minutes",
                     data={"file": (io.BytesIO(content), name or path.name), "language": "es",
                           **fields}, content_type="multipart/form-data")


def drafts_of(code: str) -> list[DraftItem]:
    db.session.expire_all()
    document = db.session.scalar(sa.select(SourceDocument).filter_by(code=code))
    return list(document.drafts)


def decide(auth, draft: DraftItem, decision: str):
    return auth.post(f"/admin/drafts/{draft.id}/decision", {"decision": decision},
                     token_from=f"/admin/minutes/{draft.document.code}")


def test_upload_stores_the_original_its_text_and_drafts_nothing_public(secretariat, auth,
                                                                         client):
    before = db.session.scalar(sa.select(sa.func.count(Recommendation.id)))
    response = upload(auth, PLENARY)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/minutes/plenary-working-tables-2")
    document = db.session.scalar(sa.select(SourceDocument)
                                 .filter_by(code="plenary-working-tables-2"))
    assert document.text and document.stored_name and document.meeting.code == MEETING
    assert document.original_filename == "plenary-working-tables.txt"
    drafts = drafts_of(document.code)
    assert len(drafts) > 30 and all(d.decision == DraftDecision.PENDING for d in drafts)
    assert db.session.scalar(sa.select(sa.func.count(Recommendation.id))) == before
    page = client.get(f"/admin/minutes/{document.code}").get_data(as_text=True)
    # Each quote is marked in the text beside the drafts, and each draft says why.
    assert page.count("<mark id=\"q") >= len(drafts) - 2
    assert "under the heading" in page or "after the sentence" in page
    assert client.get(f"/sources/{document.code}/original").data == PLENARY.read_bytes()
    # Not even the document is public before anything from it is published.
    auth.logout()
    assert client.get(f"/sources/{document.code}").status_code == 404
    assert client.get(f"/sources/{document.code}/original").status_code == 404


def test_the_second_document_proposes_overlapping_items_as_merges(secretariat, auth, client,
                                                                  seed_bundle):
    upload(auth, PLENARY)
    upload(auth, TRAFFICKING)
    plenary, trafficking = drafts_of("plenary-working-tables-2"), drafts_of(
        "trafficking-working-group-2")
    duplicates = [d for d in trafficking if d.duplicate_of_id is not None]
    # Exactly the items seed_data/ lists with both documents as sources (38: all but
    # "Compartir información entre los países.").
    both = [i for m in seed_bundle.meetings for t in m.working_tables for i in t.items
            if len(i.quotes) == 2]
    assert len(duplicates) == len(both) == len(trafficking) - 1
    assert {d.duplicate_of.document.code for d in duplicates} == {"plenary-working-tables-2"}
    gua = next(d for d in trafficking if d.text.startswith("GUA: Protocolo"))
    assert gua.duplicate_of.text.startswith("Guatemala: Protocolo")
    assert 0 < gua.duplicate_score <= 100
    assert len({d.duplicate_of_id for d in duplicates}) == len(duplicates)  # each one once
    page = client.get("/admin/minutes/trafficking-working-group-2").get_data(as_text=True)
    assert "merge to record both documents" in page
    assert plenary  # the first document's drafts propose no duplicate of themselves
    assert not [d for d in plenary if d.duplicate_of_id]


def _section_of(drafts, start: str) -> str:
    return next(d.section for d in drafts if d.section.startswith(start))


def test_review_and_publish_a_meeting(secretariat, auth, client):
    upload(auth, PLENARY)
    upload(auth, TRAFFICKING)
    plenary = drafts_of("plenary-working-tables-2")
    ledger_before = db.session.scalar(sa.select(sa.func.count(LedgerEntry.seq)))
    # A whole section at once, with a theme for its recommendations.
    section = _section_of(plenary, "3. Cómo avanzar")
    table = next(d.working_table for d in plenary if d.section == section)
    response = auth.post("/admin/minutes/plenary-working-tables-2/sections",
                         {"working_table": table, "section": section,
                          "theme": "regional-cooperation"},
                         token_from="/admin/minutes/plenary-working-tables-2")
    assert response.status_code == 302
    accepted = [d for d in drafts_of("plenary-working-tables-2") if d.section == section]
    assert accepted and all(d.decision == DraftDecision.ACCEPTED for d in accepted)
    # One item edited: a title in both languages, addressed to the CRM.
    audit = next(d for d in plenary if d.text.startswith("Fiscalización social"))
    response = auth.post(f"/admin/drafts/{audit.id}", {
        "kind": "recommendation", "title_es": "Mecanismo de auditoría social",
        "title_en": "A social-audit mechanism", "theme": "social-audit",
        "working_table": audit.working_table, "section": audit.section,
        "owners": ["CRM"], "accept": "1"}, token_from=f"/admin/drafts/{audit.id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    # A duplicate merged; one item rejected, another accepted then undone.
    trafficking = drafts_of("trafficking-working-group-2")
    twin = next(d for d in trafficking if d.duplicate_of_id in {a.id for a in accepted})
    assert decide(auth, twin, "merged").status_code == 302
    rejected = next(d for d in plenary if d.kind == DraftKind.OBSTACLE)
    decide(auth, rejected, "rejected")
    undone = next(d for d in plenary if d.kind == DraftKind.GOOD_PRACTICE)
    decide(auth, undone, "accepted")
    decide(auth, undone, "undo")
    assert db.session.get(DraftItem, undone.id).decision == DraftDecision.PENDING
    # Nothing public yet.
    assert client.get("/api/v1/commitments/MT4-R01-MEX").status_code == 404

    response = auth.post(f"/admin/meetings/{MEETING}/publish", {},
                         token_from=f"/admin/meetings/{MEETING}/minutes")
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.scalar(sa.select(Meeting).filter_by(code=MEETING))
    recs = [r for t in meeting.working_tables for r in t.recommendations]
    assert len(recs) == len(accepted) + 1
    social = next(r for r in recs if r.title_en == "A social-audit mechanism")
    assert [c.country.iso3 for c in social.commitments] == ["CRM"]
    twin_target = db.session.get(DraftItem, twin.duplicate_of_id)
    merged_rec = db.session.scalar(sa.select(Recommendation)
                                   .filter_by(code=twin_target.published_code))
    assert [q.document.code for q in merged_rec.quotes] == [
        "plenary-working-tables-2", "trafficking-working-group-2"]
    assert len(merged_rec.commitments) == 11
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.seq))) > ledger_before
    # The documents are public now, their uploaded names and hashes kept.
    for path in (PLENARY, TRAFFICKING):
        document = db.session.scalar(sa.select(SourceDocument)
                                     .filter_by(original_filename=path.name))
        assert document.public and document.filename == path.name
        assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # The API and the matrix show the new commitments.
    code = merged_rec.commitments[0].code
    assert client.get(f"/api/v1/commitments/{code}").status_code == 200
    assert social.code in client.get("/matrix").get_data(as_text=True)
    # Published decisions can no longer be undone; publishing again writes nothing new.
    assert decide(auth, db.session.get(DraftItem, audit.id), "undo").status_code == 302
    assert db.session.get(DraftItem, audit.id).decision == DraftDecision.ACCEPTED
    counts = snapshot()["counts"]
    auth.post(f"/admin/meetings/{MEETING}/publish", {},
              token_from=f"/admin/meetings/{MEETING}/minutes")
    assert snapshot()["counts"] == counts


def test_a_recommendation_without_a_theme_is_not_accepted(secretariat, auth):
    upload(auth, PLENARY)
    draft = next(d for d in drafts_of("plenary-working-tables-2")
                 if d.kind == DraftKind.RECOMMENDATION)
    decide(auth, draft, "accepted")
    assert db.session.get(DraftItem, draft.id).decision == DraftDecision.PENDING


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "holds no text"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "format cannot be read"),
    ("big.txt", b"a" * (1024 * 1024 + 1), "larger than"),
    ("damaged.pdf", b"%PDF-1.4 junk", "cannot be read"),
])
def test_bad_uploads_are_refused_and_write_nothing(app, secretariat, auth, name, data, message):
    app.config["MINUTES_MAX_BYTES"] = 1024 * 1024
    before = snapshot()
    uploads = Path(app.config["UPLOAD_FOLDER"])
    files_before = set(uploads.rglob("*")) if uploads.exists() else set()
    response = upload(auth, PLENARY, name=name, data=data)
    assert response.status_code == 400
    assert 'class="errors' in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True).lower()
    assert snapshot() == before
    assert (set(uploads.rglob("*")) if uploads.exists() else set()) == files_before


def test_the_same_file_twice_is_refused(secretariat, auth):
    upload(auth, PLENARY)
    before = snapshot()
    response = upload(auth, PLENARY)
    assert response.status_code == 400
    assert "already imported" in response.get_data(as_text=True)
    assert snapshot() == before


ROUTES = [
    ("get", f"/admin/meetings/{MEETING}/minutes"),
    ("post", f"/admin/meetings/{MEETING}/minutes"),
    ("post", f"/admin/meetings/{MEETING}/publish"),
    ("get", "/admin/minutes/plenary-working-tables-2"),
    ("post", "/admin/minutes/plenary-working-tables-2/sections"),
    ("get", "/admin/drafts/{id}"),
    ("post", "/admin/drafts/{id}"),
    ("post", "/admin/drafts/{id}/decision"),
]


@pytest.mark.parametrize("role", ["anonymous", "auditor", "focal_point"])
def test_only_the_secretariat_reviews_minutes(meeting, acting_as, auth, client, role):
    from tracker.importer.drafts import import_minutes
    import_minutes(SYSTEM, meeting, data=PLENARY.read_bytes(), filename=PLENARY.name)
    draft_id = drafts_of("plenary-working-tables-2")[0].id
    acting_as(role)
    before = snapshot()
    for method, path in ROUTES:
        path = path.format(id=draft_id)
        if method == "get":
            response = client.get(path)
        else:
            response = auth.post(path, {"decision": "accepted", "section": "x"})
        assert_refused(response, role)
    assert snapshot() == before
    assert all(d.decision == DraftDecision.PENDING for d in drafts_of("plenary-working-tables-2"))


def test_a_published_meeting_exported_reloads_identically(app, meeting, empty, tmp_path):
    """The review's outcome is kept reviewable: `flask minutes export` of the new meeting,
    loaded into an empty database, gives the same recommendations, commitments and quotes."""
    from tracker.importer.drafts import import_minutes
    from tracker.importer.publish import publish_meeting
    from tracker.importer.review import accept_section, decide as decide_draft

    plenary = import_minutes(SYSTEM, meeting, data=PLENARY.read_bytes(), filename=PLENARY.name)
    trafficking = import_minutes(SYSTEM, meeting, data=TRAFFICKING.read_bytes(),
                                 filename=TRAFFICKING.name)
    for table, section in {(d.working_table, d.section) for d in plenary.drafts}:
        accept_section(SYSTEM, plenary, table, section, "information")
    for draft in trafficking.drafts:
        if draft.duplicate_of_id:
            decide_draft(SYSTEM, draft, "merged")
    for table, section in {(d.working_table, d.section) for d in trafficking.drafts
                           if d.decision == "pending"}:
        accept_section(SYSTEM, trafficking, table, section, "information")
    publish_meeting(SYSTEM, meeting)
    before = only_meeting(contents(), meeting)
    assert len(before["recommendations"]) == sum(
        d.becomes_recommendation for d in plenary.drafts) + 1  # "Compartir información"
    assert len(before["commitments"]) == 11 * len(before["recommendations"])
    result = cli(app, "minutes", "export", MEETING, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    loaded = cli(empty, "seed", "--path", str(tmp_path / "out"))
    assert loaded.exit_code == 0, loaded.output
    with empty.app_context():
        assert contents() == before



def test_minutes_extract_prints_the_drafts_as_json_and_writes_nothing(app, meeting, runner):
    before = snapshot()
    result = runner.invoke(args=["minutes", "extract", str(PLENARY), str(TRAFFICKING),
                                 "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert {"kind", "text", "section", "working_table", "reason", "duplicate_of"} <= set(items[0])
    first = [i for i in items if i["file"] == PLENARY.name]
    second = [i for i in items if i["file"] == TRAFFICKING.name]
    gua = next(i for i in second if i["text"].startswith("GUA: Protocolo"))
    assert gua["duplicate_of"]["key"].startswith(f"{PLENARY.name}#")
    assert first[int(gua["duplicate_of"]["key"].split("#")[1])]["text"].startswith("Guatemala")
    assert "Recomendaciones" in next(i["reason"] for i in first if i["kind"] == "recommendation"
                                     and i["section"] == "Recomendaciones")
    assert snapshot() == before


def test_minutes_import_stores_the_document_and_its_drafts(app, meeting, runner):
    result = runner.invoke(args=["minutes", "import", str(TRAFFICKING), "--meeting", MEETING])
    assert result.exit_code == 0, result.output
    assert "trafficking-working-group-2" in result.output
    assert len(drafts_of("trafficking-working-group-2")) == 39


@pytest.mark.parametrize("args, message", [
    (["import", str(PLENARY), "--meeting", "no-such-meeting"], "No meeting"),
    (["import", "/nonexistent/acta.docx", "--meeting", MEETING], "acta.docx"),
    (["extract", "{empty}"], "holds no text"),
    (["import", "{empty}", "--meeting", MEETING], "holds no text"),
])
def test_minutes_commands_refuse_bad_input_and_write_nothing(app, meeting, runner, tmp_path,
                                                             args, message):
    (tmp_path / "acta.txt").write_bytes(b"")
    before = snapshot()
    result = runner.invoke(args=["minutes", *[a.format(empty=tmp_path / "acta.txt")
                                              for a in args]])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert snapshot() == before


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent transactions need PostgreSQL")
def test_two_secretaries_publishing_at_once_publish_each_item_once(app, meeting):
    """The second waits for the first, then finds nothing left to publish: no item is
    numbered twice, no error."""
    from tracker.importer.drafts import import_minutes
    from tracker.importer.publish import publish_meeting
    from tracker.importer.review import accept_section

    plenary = import_minutes(SYSTEM, meeting, data=PLENARY.read_bytes(), filename=PLENARY.name)
    for table, section in {(d.working_table, d.section) for d in plenary.drafts}:
        accept_section(SYSTEM, plenary, table, section, "information")
    start, outcomes = threading.Barrier(2), []

    def publish():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(publish_meeting(
                    SYSTEM, db.session.scalar(sa.select(Meeting).filter_by(code=MEETING))).items)
            except Exception as exc:  # noqa: BLE001  (reported below)
                outcomes.append(str(exc))
            db.session.remove()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    published, refused = sorted(outcomes, key=lambda o: isinstance(o, str))
    assert published == len(plenary.drafts)
    assert refused.startswith("Nada que publicar")  # the refusal, in the default language
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Recommendation.id)).join(
        Recommendation.working_table).where(WorkingTable.meeting_id == meeting.id)) == sum(
        d.becomes_recommendation for d in plenary.drafts)


def _edit(auth, draft, **changes):
    values = {"kind": draft.kind.value, "title_es": draft.title_es or "",
              "title_en": draft.title_en or "", "theme": draft.theme.code if draft.theme else "",
              "working_table": draft.working_table, "section": draft.section,
              "owners_by_kind": "y", **changes}
    return auth.post(f"/admin/drafts/{draft.id}", values, token_from=f"/admin/drafts/{draft.id}")


def test_an_accepted_item_cannot_be_edited_into_one_that_could_not_be(secretariat, auth):
    upload(auth, PLENARY)
    draft = next(d for d in drafts_of("plenary-working-tables-2")
                 if d.kind == DraftKind.RECOMMENDATION)
    assert _edit(auth, draft, theme="children", accept="1").status_code == 302
    before = snapshot()
    for change in ({"kind": "other"}, {"theme": ""}):
        response = _edit(auth, db.session.get(DraftItem, draft.id), **change)
        assert response.status_code == 400
        assert snapshot() == before
    kept = db.session.get(DraftItem, draft.id)
    assert (kept.decision, kept.kind, kept.theme.code) == (DraftDecision.ACCEPTED,
                                                           DraftKind.RECOMMENDATION, "children")


def test_save_and_accept_refused_saves_nothing(secretariat, auth):
    upload(auth, PLENARY)
    draft = next(d for d in drafts_of("plenary-working-tables-2")
                 if d.kind == DraftKind.RECOMMENDATION)
    before = snapshot()
    response = _edit(auth, draft, title_es="Un título nuevo", accept="1")  # no theme
    assert response.status_code == 400
    assert "Choose a theme" in response.get_data(as_text=True)
    assert snapshot() == before
    assert db.session.get(DraftItem, draft.id).title_es is None


def test_a_recommendation_without_owners_is_not_accepted(secretariat, auth):
    upload(auth, PLENARY)
    draft = next(d for d in drafts_of("plenary-working-tables-2")
                 if d.kind == DraftKind.RECOMMENDATION)
    response = _edit(auth, draft, theme="children", owners_by_kind="", accept="1")
    assert response.status_code == 400
    assert "at least one owner" in response.get_data(as_text=True)
    assert db.session.get(DraftItem, draft.id).decision == DraftDecision.PENDING


def test_accepting_a_section_stays_in_its_working_table(secretariat, auth):
    """The plenary has «Buenas prácticas» under two working tables: one button, one table."""
    upload(auth, PLENARY)
    drafts = drafts_of("plenary-working-tables-2")
    practices = [d for d in drafts if d.section == "Buenas prácticas"]
    tables = sorted({d.working_table for d in practices})
    assert len(tables) == 2
    auth.post("/admin/minutes/plenary-working-tables-2/sections",
              {"working_table": tables[0], "section": "Buenas prácticas"},
              token_from="/admin/minutes/plenary-working-tables-2")
    decided = {d.working_table: d.decision for d in drafts_of("plenary-working-tables-2")
               if d.section == "Buenas prácticas"}
    assert decided == {tables[0]: DraftDecision.ACCEPTED, tables[1]: DraftDecision.PENDING}


def test_accepting_a_section_leaves_its_proposed_duplicates_to_be_merged(secretariat, auth):
    upload(auth, PLENARY)
    upload(auth, TRAFFICKING)
    trafficking = drafts_of("trafficking-working-group-2")
    section = next(d for d in trafficking if d.section.startswith("3. Cómo avanzar"))
    auth.post("/admin/minutes/trafficking-working-group-2/sections",
              {"working_table": section.working_table, "section": section.section,
               "theme": "information"}, token_from="/admin/minutes/trafficking-working-group-2")
    decided = {d.decision for d in drafts_of("trafficking-working-group-2")
               if d.section == section.section}
    assert decided == {DraftDecision.PENDING}  # every one of them is a duplicate


def test_every_member_state_and_chosen_owners_together_are_refused(secretariat, auth):
    upload(auth, PLENARY)
    draft = next(d for d in drafts_of("plenary-working-tables-2")
                 if d.kind == DraftKind.RECOMMENDATION)
    response = _edit(auth, draft, theme="children", owners=["CRM"], accept="1")
    assert response.status_code == 400
    assert "not both" in response.get_data(as_text=True)
    assert db.session.get(DraftItem, draft.id).decision == DraftDecision.PENDING


@pytest.mark.parametrize("name, data, message", [
    ("acta.pdf", docx_minutes(), "does not match its content"),  # a DOCX named .pdf
    ("acta-utf16.txt", PLENARY.read_text("utf-8").encode("utf-16"),
     "same text is already imported"),
    ("enorme.md", ("# Recomendaciones\n" + "".join(
        f"- Recomendación número {i} sobre cooperación.\n" for i in range(1001))).encode(),
     "More than 1000 items"),
])
def test_misnamed_repeated_or_endless_minutes_are_refused(secretariat, auth, name, data,
                                                          message):
    upload(auth, PLENARY)
    before = snapshot()
    response = upload(auth, PLENARY, name=name, data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_wrong_upload_is_removed_with_its_drafts_and_file(app, secretariat, auth, client):
    upload(auth, PLENARY)
    upload(auth, TRAFFICKING)
    before = {name: count for name, count in snapshot()["counts"].items()}
    document = db.session.scalar(sa.select(SourceDocument).filter_by(
        code="plenary-working-tables-2"))
    stored, drafts = document.stored_name, len(document.drafts)
    response = auth.post("/admin/minutes/plenary-working-tables-2/discard", {},
                         token_from=f"/admin/meetings/{MEETING}/minutes")
    assert response.status_code == 302
    after = snapshot()["counts"]
    assert after["source_document"] == before["source_document"] - 1
    assert after["draft_item"] == before["draft_item"] - drafts
    # The other document's merge proposals into it are gone with it.
    assert all(d.duplicate_of_id is None for d in drafts_of("trafficking-working-group-2"))
    assert client.get("/admin/minutes/plenary-working-tables-2").status_code == 404
    if not ON_POSTGRES:
        assert not (Path(app.config["UPLOAD_FOLDER"]) / stored).exists()


def test_a_document_with_published_items_cannot_be_removed(secretariat, auth, meeting):
    from tracker.importer.drafts import discard_document
    from tracker.importer.minutes import MinutesRefused
    from tracker.importer.publish import publish_meeting
    from tracker.importer.review import accept_section

    upload(auth, PLENARY)
    document = db.session.scalar(sa.select(SourceDocument).filter_by(
        code="plenary-working-tables-2"))
    first = document.drafts[0]
    accept_section(SYSTEM, document, first.working_table, first.section, "children")
    publish_meeting(SYSTEM, meeting)
    with pytest.raises(MinutesRefused):
        discard_document(SYSTEM, document)
