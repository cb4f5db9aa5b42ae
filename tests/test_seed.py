"""The seed data: what the minutes hold is loaded once, quoted exactly, and re-seeding is safe."""

import hashlib
import shutil

import pytest
import sqlalchemy as sa
from minutes import PLENARY, RECOMMENDATION_LISTS, TRAFFICKING, list_after, read, squash

from tracker.extensions import db
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed
from tracker.models import (
    Commitment,
    ContextItem,
    Country,
    Recommendation,
    SourceDocument,
    SourceQuote,
    Status,
    StatusEvent,
    Theme,
    WorkingTable,
)

MEMBER_STATES = {"BLZ", "CAN", "CRI", "DOM", "SLV", "GTM", "HND", "MEX", "NIC", "PAN", "USA"}
# What the minutes address to the Conference itself: one commitment of the CRM (regional).
REGIONAL_ITEMS = ("MT1-A04", "MT2-R02")
TABLES = (Country, Theme, WorkingTable, SourceDocument, Recommendation, SourceQuote,
          ContextItem, Commitment, StatusEvent)


def rows(model) -> list:
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def quotes_by_document(rec: Recommendation) -> dict[str, str]:
    return {q.document.code: squash(q.quote) for q in rec.quotes}


def test_member_states_are_the_eleven_crm_countries(seeded):
    assert {c.iso3 for c in rows(Country) if not c.regional} == MEMBER_STATES
    assert [(c.iso3, c.name_es, c.name_en) for c in rows(Country) if c.regional] == [
        ("CRM", "CRM (regional)", "CRM (regional)")]
    assert all(c.name_es and c.name_en for c in rows(Country))


@pytest.mark.parametrize("document, heading, kind, year", RECOMMENDATION_LISTS)
def test_every_listed_item_is_one_recommendation(seeded, document, heading, kind, year):
    recommendations = rows(Recommendation)
    for item in list_after(document, heading):
        matches = [r for r in recommendations if quotes_by_document(r).get(document) == item]
        assert len(matches) == 1, f"{item!r} is loaded {len(matches)} times"
        rec = matches[0]
        assert rec.kind == kind and rec.year == year
        assert rec.title_en and rec.title_es and rec.section and rec.working_table


def test_no_recommendation_beyond_the_lists(seeded):
    listed = {(doc, item) for doc, heading, _, _ in RECOMMENDATION_LISTS
              for item in list_after(doc, heading)}
    for rec in rows(Recommendation):
        assert any((doc, quote) in listed for doc, quote in quotes_by_document(rec).items())
    # 7 earlier agreements, 8 + 2 + 7 + 4 recommendations, the overlap loaded once.
    assert len(rows(Recommendation)) == 28


def test_overlapping_documents_are_loaded_once_with_both_sources(seeded):
    recommendations = rows(Recommendation)
    plenary_text = squash(read(PLENARY))
    for heading in ("3. Cómo avanzar", "4. Contribuciones"):
        for item in list_after(TRAFFICKING, heading):
            (rec,) = [r for r in recommendations if quotes_by_document(r).get(TRAFFICKING) == item]
            expected = {PLENARY, TRAFFICKING} if item in plenary_text else {TRAFFICKING}
            assert set(quotes_by_document(rec)) == expected
    only_in_group_notes = [r for r in recommendations
                           if set(quotes_by_document(r)) == {TRAFFICKING}]
    assert [squash(r.text_es) for r in only_in_group_notes] == [
        "Compartir información entre los países."]
    texts = [squash(r.text_es).lower() for r in recommendations]
    assert len(texts) == len(set(texts))


def test_context_items_reported_by_both_documents_are_loaded_once(seeded):
    context = rows(ContextItem)
    texts = [squash(c.text_es).lower() for c in context]
    assert len(texts) == len(set(texts))
    obstacles = list_after(TRAFFICKING, "2. Obstáculos")
    for obstacle in obstacles:
        (item,) = [c for c in context if squash(c.text_es) == obstacle]
        assert item.kind == "obstacle"
        assert {q.document.code for q in item.quotes} == {PLENARY, TRAFFICKING}
    assert not any(squash(c.text_es) == squash(r.text_es)
                   for c in context for r in rows(Recommendation))


def test_every_quote_is_verbatim_in_its_source_document(seeded):
    quotes = rows(SourceQuote)
    assert quotes
    for quote in quotes:
        assert squash(quote.quote) in squash(quote.document.text), quote.quote
    for rec in rows(Recommendation):
        assert rec.source_quote and squash(rec.source_quote) in squash(rec.quotes[0].document.text)


def test_source_documents_keep_the_full_original_text(seeded):
    for document in rows(SourceDocument):
        original = read(document.code)
        assert document.text == original
        assert document.sha256 == hashlib.sha256(original.encode("utf-8")).hexdigest()


def test_each_regional_recommendation_has_one_commitment_per_member_state(seeded):
    for rec in rows(Recommendation):
        codes = {c.country.iso3 for c in rec.commitments}
        if rec.code == "MT1-A03":  # an acknowledgement, not an undertaking
            assert codes == set()
            continue
        if rec.code in REGIONAL_ITEMS:
            assert [c.code for c in rec.commitments] == [f"{rec.code}-CRM"]
            continue
        assert len(rec.commitments) == 11 and codes == MEMBER_STATES
        for commitment in rec.commitments:
            assert commitment.code == f"{rec.code}-{commitment.country.iso3}"
            assert commitment.status == Status.NOT_REPORTED
            assert [(e.from_status, e.to_status) for e in commitment.events] == [
                (None, Status.NOT_REPORTED)]
    # 28 recommendations: 25 of the member states, 2 of the CRM, 1 without owners.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == 25 * 11 + 2


def snapshot():
    return {model.__name__: [(row.id, getattr(row, "code", None)) for row in rows(model)]
            for model in TABLES}


def test_seeding_twice_changes_nothing(app, seeded):
    before = snapshot()
    report = apply_seed(read_seed_directory(app.config["SEED_DATA_DIR"]))
    assert report.total("created") == 0 and report.total("updated") == 0
    assert report.total("unchanged") == seeded.total("created")
    assert snapshot() == before


def test_seeding_again_after_an_edit_updates_the_title_and_keeps_history(app, seeded, tmp_path):
    commitment = db.session.scalar(sa.select(Commitment).filter_by(code="MT1-R03-MEX"))
    commitment.status = Status.IN_PROGRESS
    commitment.events.append(StatusEvent(from_status=Status.NOT_REPORTED,
                                         to_status=Status.IN_PROGRESS, note="Mesa instalada"))
    db.session.commit()
    history = [(e.id, e.to_status) for e in commitment.events]

    edited = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DATA_DIR"], edited)
    meeting_file = edited / "meetings" / "crm-salon-londres.yaml"
    text = meeting_file.read_text(encoding="utf-8")
    assert "title_en: Permanent spaces for dialogue\n" in text
    meeting_file.write_text(text.replace("title_en: Permanent spaces for dialogue\n",
                                         "title_en: Standing spaces for dialogue\n"),
                            encoding="utf-8")
    report = apply_seed(read_seed_directory(edited))

    assert report.counts["recommendations"]["updated"] == 1
    assert report.total("created") == 0
    db.session.expire_all()
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-R03"))
    assert rec.title_en == "Standing spaces for dialogue"
    commitment = db.session.scalar(sa.select(Commitment).filter_by(code="MT1-R03-MEX"))
    assert commitment.status == Status.IN_PROGRESS
    assert [(e.id, e.to_status) for e in commitment.events] == history


def test_every_editorial_note_is_seeded_in_both_languages(seeded):
    noted = [r for r in rows(Recommendation) if r.editorial_note or r.editorial_note_es]
    assert noted and all(r.editorial_note and r.editorial_note_es for r in noted)
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-R04"))
    assert rec.note("es").startswith("En el acta") and rec.note("en").startswith("In the minutes")


def test_seeding_again_after_a_spanish_note_edit_updates_it(app, seeded, tmp_path):
    edited = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DATA_DIR"], edited)
    meeting_file = edited / "meetings" / "crm-salon-londres.yaml"
    text = meeting_file.read_text(encoding="utf-8")
    old = "note_es: El acta no indica qué Estados participan;"
    assert old in text
    meeting_file.write_text(text.replace(old, "note_es: El acta no nombra a los Estados;"),
                            encoding="utf-8")
    report = apply_seed(read_seed_directory(edited))
    assert report.counts["recommendations"]["updated"] == 1 and report.total("created") == 0
    db.session.expire_all()
    notes = db.session.scalars(sa.select(Recommendation.editorial_note_es)).all()
    assert any(n and n.startswith("El acta no nombra a los Estados;") for n in notes)


def test_seed_command_reports_what_it_did(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "commitments      created  277" in first.output  # 25 * 11 + 2 (see above)
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0
    assert "Total: 0 created, 0 updated" in second.output
