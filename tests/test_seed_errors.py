"""Bad seed data stops the loader with a message naming the file and line, and writes nothing."""

import shutil

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Commitment, Country, Recommendation

MEETING = "meetings/crm-salon-londres.yaml"


@pytest.fixture
def seed_copy(app, tmp_path):
    """A copy of seed_data/ to break, and a function that edits one file of it."""
    root = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DATA_DIR"], root)

    def edit(relative: str, old: str, new: str) -> int:
        """Replace old by new once; return the 1-based line where the change starts."""
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not unique in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return text[: text.index(old)].count("\n") + 1

    return root, edit


def run_seed(runner, root):
    return runner.invoke(args=["seed", "--path", str(root)])


def row_count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_nothing_written():
    assert row_count(Country) == row_count(Recommendation) == row_count(Commitment) == 0


def test_malformed_yaml_names_file_and_line(runner, seed_copy):
    root, edit = seed_copy
    line = edit("countries.yaml", "- {iso3: PAN,", "- {iso3: [PAN,")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert f"countries.yaml:{line}: malformed YAML" in result.output
    assert "Traceback" not in result.output
    assert_nothing_written()


def test_unknown_country_code_names_the_item(runner, seed_copy):
    root, edit = seed_copy
    line = edit(MEETING, "  - code: MT1-A07\n",
                "  - code: MT1-A07\n            owners: [MEX, XYZ]\n")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert f"{MEETING}:{line}: item MT1-A07: unknown country code 'XYZ'" in result.output
    assert_nothing_written()


def test_duplicate_code_names_both_places(runner, seed_copy):
    root, edit = seed_copy
    line = edit(MEETING, "code: MT1-R02\n", "code: MT1-R01\n")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert f"{MEETING}:{line}: duplicate item code 'MT1-R01' (first at {MEETING}:" in result.output
    assert_nothing_written()


def test_a_quote_not_in_the_minutes_is_refused(runner, seed_copy):
    root, edit = seed_copy
    line = edit(MEETING, "text: Tecnología en todos los Consulados\n",
                "text: Tecnología de punta en todos los Consulados\n")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert f"{MEETING}:{line - 1}: item MT1-R08: quote not found verbatim" in result.output
    assert_nothing_written()


def test_the_same_item_listed_twice_is_refused(runner, seed_copy):
    root, edit = seed_copy
    edit(MEETING, "text: Buscar proyectos conjuntos que tenga mayor impacto regional.\n",
         "text: Fortalecer la voluntad política.\n")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert "item MT3-R04 repeats the text of MT3-R03" in result.output


@pytest.mark.parametrize("old, new, message", [
    ("title_en: Technology in every consulate\n            theme: consular-protection",
     "title_en: Technology in every consulate\n            theme: kids",
     "unknown theme 'kids'"),
    ("kind: approach", "kind: aproach", "unknown kind 'aproach'"),
    ("title_en: Technology in every consulate", "titel_en: Technology in every consulate",
     "unknown field 'titel_en'"),
    ("file: sources/trafficking-working-group.txt", "file: ../../etc/passwd",
     "not found inside the seed directory"),
])
def test_other_mistakes_are_named(runner, seed_copy, old, new, message):
    root, edit = seed_copy
    edit(MEETING, old, new)
    result = run_seed(runner, root)
    assert result.exit_code == 1 and message in result.output
    assert_nothing_written()


def test_a_bad_edit_to_a_seeded_database_changes_nothing(runner, seeded, seed_copy):
    root, edit = seed_copy
    edit(MEETING, "title_en: Permanent spaces for dialogue", "title_en: Changed title")
    edit("countries.yaml", "{iso3: USA,", "{iso3: usa,")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert "iso3 must be three capital letters" in result.output
    rec = db.session.scalar(sa.select(Recommendation).filter_by(code="MT1-R03"))
    assert rec.title_en == "Permanent spaces for dialogue"


@pytest.mark.parametrize("relative, old, new, message", [
    ("countries.yaml", "name_es: Belice,", "name_es: [Belice],",
     "countries.yaml:2: country: field 'name_es' must be text, not a list"),
    ("countries.yaml", "name_es: Belice,", "name_es: 12,",
     "countries.yaml:2: country: field 'name_es' must be text, not a number (put it in quotes)"),
    ("themes.yaml", "{code: children,", "{code: {a: 1},",
     "themes.yaml:3: theme: field 'code' must be text, not a mapping"),
    (MEETING, "  venue: Salón Londres", "  venue: [1]",
     f"{MEETING}:17: meeting: field 'venue' must be text"),
    (MEETING, "  held_on: null", "  held_on: 2015-13-45",
     f"{MEETING}:19: malformed YAML: '2015-13-45' is not a date (month must be in 1..12)"),
    (MEETING, "  held_on: null", "  held_on: 2015-06-01 10:00",
     f"{MEETING}:17: meeting: field 'held_on' must be a date written YYYY-MM-DD"),
    (MEETING, "    file: sources/trafficking-working-group.txt", "    file: [x]",
     f"{MEETING}:30: document: field 'file' must be text"),
    (MEETING, "          - code: MT1-A01\n", "          - code: [MT1-A01]\n",
     f"{MEETING}:45: item: field 'code' must be text"),
    (MEETING, "        year: 2014\n", "        year: 99999999999999999999\n",
     f"{MEETING}:40: section: field 'year' must be a year"),
    (MEETING, "        kind: earlier_agreement\n        year: 2014",
     "        kind: [earlier_agreement]\n        year: 2014",
     f"{MEETING}:40: section: field 'kind' must be text"),
    ("countries.yaml", "name_es: Belice,", "name_es: " + "B" * 101 + ",",
     "countries.yaml:2: country: field 'name_es' is 101 characters long, more than the 100 "
     "allowed"),
    ("countries.yaml", "name_es: Belice,", 'name_es: "Bel\\0ice",',
     "countries.yaml:2: country: field 'name_es' holds control characters or line breaks"),
    ("countries.yaml", "- {iso3: BLZ,", "- {? [BLZ]: 1, iso3: BLZ,",
     "countries.yaml:2: malformed YAML: a key must be a plain value"),
    (MEETING, 'quote: "GUA: Protocolo de repatriación',
     'page: 3\n                quote: "GUA: Protocolo de repatriación',
     f"{MEETING}:263: source: unknown field 'page'"),
    (MEETING, "note_es: El acta no indica", "note_es: [1]\n            x: El acta no indica",
     f"{MEETING}:84: item: field 'note_es' must be text"),
])
def test_wrong_types_and_sizes_are_named_not_a_traceback(runner, seed_copy, relative, old, new,
                                                         message):
    root, edit = seed_copy
    edit(relative, old, new)
    result = run_seed(runner, root)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert_nothing_written()


@pytest.mark.parametrize("relative, content", [
    ("countries.yaml", ""),
    ("countries.yaml", "# the member states\n"),
    ("themes.yaml", "[]\n"),
    (MEETING, "---\n"),
])
def test_an_empty_required_file_is_refused(runner, seed_copy, relative, content):
    root, _ = seed_copy
    (root / relative).write_text(content, encoding="utf-8")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert f"  {relative}: the file is empty" in result.output
    assert_nothing_written()


def test_a_recommendation_too_long_for_its_default_title_needs_one(runner, seed_copy):
    root, edit = seed_copy
    long_text = "Fortalecer la voluntad política. " * 10  # not in the minutes either
    line = edit(MEETING, "text: Fortalecer la voluntad política.\n", f"text: {long_text}\n")
    result = run_seed(runner, root)
    assert result.exit_code == 1
    assert (f"{MEETING}:{line - 1}: item MT3-R04: the text is longer than a title may be "
            "(300 characters): give a shorter title_es") in result.output
