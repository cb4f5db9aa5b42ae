"""`flask minutes export`: a meeting written back in seed_data/ form. Loaded into an empty
database it gives the same recommendations, commitments, quotes and context; seeded again
into its own database it changes nothing; a refused export writes nothing."""

import dataclasses
import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from conftest import SEED_DIR
from meeting_contents import cli, contents

from tracker.commitments.opening import open_commitment
from tracker.extensions import db
from tracker.importer.bundle import SeedBundle
from tracker.importer.export import meeting_seed, seed_bundle
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed
from tracker.models import Country, Meeting, Recommendation, SourceQuote
from tracker.permissions import SYSTEM

MEETING = "crm-salon-londres"


def export(app, target: Path, *options: str):
    return cli(app, "minutes", "export", MEETING, "-o", str(target), *options)


def test_an_export_loaded_into_an_empty_database_gives_the_same_meeting(app, seeded, empty,
                                                                         tmp_path):
    before = contents()
    assert len(before["recommendations"]) > 25 and len(before["commitments"]) > 200
    assert len(before["context"]) > 35 and len(before["quotes"]) > 100
    result = export(app, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"meetings/{MEETING}.yaml" in result.output
    assert "sources/trafficking-working-group.txt" in result.output

    loaded = cli(empty, "seed", "--path", str(tmp_path / "out"))
    assert loaded.exit_code == 0, loaded.output
    with empty.app_context():
        assert contents() == before


def test_the_export_of_the_seeded_meeting_reads_as_the_hand_written_seed(app, seeded, tmp_path):
    """Same items in the same sections and order, same quotes, owners and notes."""
    assert export(app, tmp_path / "out").exit_code == 0

    def plain(root: Path) -> list:
        bundle = read_seed_directory(root)
        return [_without_origin(m) for m in bundle.meetings] + [
            _without_origin(c) for c in bundle.countries + bundle.themes]

    assert plain(tmp_path / "out") == plain(SEED_DIR)
    for name in ("plenary-working-tables", "trafficking-working-group"):
        assert ((tmp_path / "out" / "sources" / f"{name}.txt").read_bytes()
                == (SEED_DIR / "sources" / f"{name}.txt").read_bytes())


def _without_origin(seed) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "origin"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(dataclasses.asdict(seed))


def test_exporting_and_seeding_the_same_database_changes_nothing(app, seeded, tmp_path):
    meeting = db.session.scalar(sa.select(Meeting).filter_by(code=MEETING))
    report = apply_seed(SeedBundle(countries=[], themes=[], meetings=[meeting_seed(meeting)]))
    assert report.total("created") == report.total("updated") == 0
    assert report.total("unchanged") > 300
    report = apply_seed(seed_bundle(meeting))
    assert report.total("created") == report.total("updated") == 0

    before = contents()
    assert export(app, tmp_path / "out").exit_code == 0
    again = cli(app, "seed", "--path", str(tmp_path / "out"))
    assert again.exit_code == 0, again.output
    assert "Total: 0 created, 0 updated" in again.output
    assert contents() == before


def test_texts_yaml_would_read_as_other_values_come_back_as_texts(app, seeded, empty, tmp_path):
    meeting = db.session.scalar(sa.select(Meeting).filter_by(code=MEETING))
    meeting.name, meeting.city, meeting.venue, meeting.notes = "2015", "yes", "null", "2016-05-01"
    meeting.held_on = dt.date(2016, 5, 1)
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-R01"))
    rec.title_es, rec.title_en, rec.editorial_note = "no", "1e3", "~"
    db.session.commit()
    before = contents()

    assert export(app, tmp_path / "out").exit_code == 0, "refused"
    assert cli(empty, "seed", "--path", str(tmp_path / "out")).exit_code == 0
    with empty.app_context():
        assert contents() == before
    again = cli(app, "seed", "--path", str(tmp_path / "out"))
    assert "Total: 0 created, 0 updated" in again.output


def test_owners_other_than_every_member_state_are_listed(app, seeded, empty, tmp_path):
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-A03"))
    assert rec.commitments == []
    for iso3 in ("MEX", "GTM"):
        open_commitment(SYSTEM, rec, db.session.scalar(sa.select(Country).filter_by(iso3=iso3)))
    db.session.commit()
    before = contents()

    assert export(app, tmp_path / "out").exit_code == 0
    text = (tmp_path / "out" / "meetings" / f"{MEETING}.yaml").read_text(encoding="utf-8")
    assert "owners:\n" in text and "- GTM\n" in text
    assert cli(empty, "seed", "--path", str(tmp_path / "out")).exit_code == 0
    with empty.app_context():
        after = contents()
    assert after == before and {"MT1-A03-GTM", "MT1-A03-MEX"} <= set(after["commitments"])


def test_the_regional_owner_is_exported_as_regional(app, seeded, empty, tmp_path):
    crm = db.session.scalar(sa.select(Country).filter_by(iso3="CRM"))
    if crm is None:
        crm = Country(iso3="CRM", name_es="Conferencia Regional sobre Migración",
                      name_en="Regional Conference on Migration", regional=True)
        db.session.add(crm)
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-A03"))
    open_commitment(SYSTEM, rec, crm)
    db.session.commit()
    before = contents()

    assert export(app, tmp_path / "out").exit_code == 0
    countries = (tmp_path / "out" / "countries.yaml").read_text(encoding="utf-8")
    assert "iso3: CRM" in countries and "regional: true" in countries
    assert cli(empty, "seed", "--path", str(tmp_path / "out")).exit_code == 0
    with empty.app_context():
        assert contents() == before


def test_an_unknown_meeting_is_refused_and_nothing_is_written(app, seeded, tmp_path):
    result = cli(app, "minutes", "export", "no-such-meeting", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "no-such-meeting" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance"]


def test_the_default_folder_is_named_after_the_meeting(app, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli(app, "minutes", "export", MEETING)
    assert result.exit_code == 0, result.output
    assert read_seed_directory(tmp_path / f"{MEETING}-seed").meetings[0].code == MEETING


def test_a_folder_that_is_not_empty_is_refused_without_force(app, seeded, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "countries.yaml").write_text("kept\n")
    result = export(app, target)
    assert result.exit_code == 1 and str(target) in result.output
    assert [p.name for p in target.iterdir()] == ["countries.yaml"]
    assert (target / "countries.yaml").read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance", "out"]


def test_force_replaces_an_earlier_export_but_no_other_folder(app, seeded, tmp_path):
    target = tmp_path / "out"
    assert export(app, target).exit_code == 0
    (target / "meetings" / "stale.yaml").write_text("meeting: {}\n")
    (target / "README.md").write_text("Reviewed.\n")
    assert export(app, target).exit_code == 1
    assert export(app, target, "--force").exit_code == 0
    assert not (target / "meetings" / "stale.yaml").exists()
    assert (target / "README.md").read_text() == "Reviewed.\n"
    assert read_seed_directory(target).meetings[0].code == MEETING

    other = tmp_path / "project"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n")
    assert export(app, other, "--force").exit_code == 1
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance", "out", "project"]


def test_an_export_that_would_not_load_back_writes_nothing(app, seeded, tmp_path):
    quote = db.session.scalar(sa.select(SourceQuote).join(SourceQuote.recommendation)
                              .where(Recommendation.code == "MT1-R02"))
    quote.quote = "Un pasaje que las actas no contienen."
    db.session.commit()
    result = export(app, tmp_path / "out")
    assert result.exit_code == 1 and "MT1-R02" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance"]


def test_a_folder_that_cannot_be_made_is_refused(app, seeded, tmp_path):
    (tmp_path / "a-file").write_text("not a folder\n")
    result = export(app, tmp_path / "a-file" / "out")
    assert result.exit_code == 1 and "a-file" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "a-file").read_text() == "not a folder\n"
