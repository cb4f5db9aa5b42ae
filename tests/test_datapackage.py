"""The data package (/export/datapackage.json) validates with frictionless over the files as
served, on the seed data and with indicators; its code lists come from code, not data; the
data dictionary (/data) describes the same columns in both languages."""

import json
from pathlib import Path

import pytest
from factories import make_indicator, make_indicator_report, make_user, report_status
from frictionless import validate
from markupsafe import escape
from validators import vnu_messages

from tracker.extensions import db
from tracker.models import Meeting
from tracker.opendata.schema import COMMITMENTS, HISTORY, RECOMMENDATIONS

PACKAGE = "/export/datapackage.json"


def served_package(client, folder: Path) -> dict:
    """The descriptor and every resource it names, fetched from the app into folder at the
    relative paths the descriptor gives."""
    response = client.get(PACKAGE)
    assert response.status_code == 200 and response.mimetype == "application/json"
    descriptor = response.get_json()
    (folder / "datapackage.json").write_bytes(response.get_data())
    for resource in descriptor["resources"]:
        data = client.get(f"/export/{resource['path']}")
        assert data.status_code == 200, resource["path"]
        (folder / resource["path"]).write_bytes(data.get_data())
    return descriptor


def assert_valid(folder: Path) -> None:
    report = validate(str(folder / "datapackage.json"))
    errors = [(task.name, error.type, error.note) for task in report.tasks
              for error in task.errors] + [(e.type, e.note) for e in report.errors]
    assert report.valid, errors


@pytest.fixture
def updated(seeded):
    """Status changes with notes a spreadsheet would take for formulas, and a multi-line one."""
    secretariat = make_user("secretariat", country=None)
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 30, "=SUM(A1)")
    report_status(secretariat, "MT1-R01-GTM", "stalled", None, "-sin fondos")
    report_status(make_user("focal_point", country="MEX"), "MT1-R03-MEX", "completed", 100,
                  'Informe "final"\nsegunda línea')


def test_the_package_validates_over_the_seed_data(client, updated, tmp_path):
    descriptor = served_package(client, tmp_path)
    assert [r["name"] for r in descriptor["resources"]] == [
        "commitments", "history", "recommendations"]  # no indicator defined yet
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0" and descriptor["sources"]
    assert_valid(tmp_path)


def test_the_package_validates_with_indicators(client, updated, tmp_path):
    assert len(client.get(PACKAGE).get_json()["resources"]) == 3  # kept, until the data change
    indicator = make_indicator(dimensions=("SEX", "AGE"))
    mexico = make_user("focal_point", country="MEX")
    make_indicator_report(mexico, indicator, "MEX", period="2024", cells={
        (None, None): 40, ("F", None): 30, ("M", None): 2, ("_O", None): 8})
    make_indicator_report(make_user("focal_point", country="GTM"), indicator, "GTM",
                          period="2024")
    make_indicator("IND-GASTO", unit="currency", currency="USD", dimensions=())
    descriptor = served_package(client, tmp_path)
    indicators = descriptor["resources"][-1]
    assert indicators["name"] == "indicators"
    names = [f["name"] for f in indicators["schema"]["fields"]]
    assert {"SEX", "AGE", "value", "flags"} <= set(names)
    assert indicators["schema"]["primaryKey"][:3] == ["indicator", "country", "period"]
    body = (tmp_path / "indicators.csv").read_text(encoding="utf-8-sig")
    assert ",suppressed" in body  # the small count is in the file, empty and flagged
    assert_valid(tmp_path)


def test_a_file_that_breaks_its_schema_fails_validation(client, updated, tmp_path):
    """The check has teeth: a status outside the code list and a broken key are caught."""
    served_package(client, tmp_path)
    history = tmp_path / "history.csv"
    history.write_text(history.read_text(encoding="utf-8-sig")
                       .replace(",stalled,", ",abandoned,", 1)
                       .replace("MT1-R01-GTM", "MT9-R99-GTM"), encoding="utf-8-sig")
    report = validate(str(tmp_path / "datapackage.json"))
    kinds = {error.type for task in report.tasks for error in task.errors}
    assert {"constraint-error", "foreign-key"} <= kinds


def test_code_lists_do_not_follow_the_data(client, seeded):
    """Codes are the vocabularies fixed in code: a new meeting changes no schema."""
    before = client.get(PACKAGE).get_json()
    db.session.add(Meeting(code="CRM-2099"))
    db.session.commit()
    assert client.get(PACKAGE).get_json()["resources"] == before["resources"]
    fields = {f["name"]: f for f in before["resources"][0]["schema"]["fields"]}
    assert fields["status"]["constraints"]["enum"] == [
        "not_reported", "not_started", "in_progress", "completed", "stalled"]
    assert {"value": "stalled", "label": "Stalled", "label_es": "Estancado"} in \
        fields["status"]["categories"]
    assert "enum" not in fields["meeting"].get("constraints", {})
    assert fields["updated_at"]["format"] == "%Y-%m-%d %H:%M:%S"
    assert "UTC" in fields["updated_at"]["description"]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_data_dictionary_describes_every_column(client, seeded, language):
    page = client.get("/data", headers={"Accept-Language": language})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for table in (COMMITMENTS, HISTORY, RECOMMENDATIONS):
        assert f'href="/export/{table.name}.xlsx"' in html
        for column in table.columns:
            assert f"<code>{column.name}</code>" in html
            assert str(escape(column.description(language))) in html
    stalled = "Estancado" if language == "es" else "Stalled"
    assert f"<dt><code>stalled</code></dt><dd>{stalled}</dd>" in html
    assert 'href="/export/datapackage.json"' in html
    listing = client.get("/commitments", headers={"Accept-Language": language})
    assert 'href="/data"' in listing.get_data(as_text=True)


def test_the_package_is_cached_like_the_exports(client, seeded):
    first = client.get(PACKAGE)
    again = client.get(PACKAGE, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert json.loads(first.get_data())["resources"][0]["path"] == "commitments.csv"


def test_the_data_dictionary_is_valid_html(client, seeded, tmp_path):
    make_indicator(dimensions=("SEX",))  # the indicators' table too
    pages = []
    for language in ("es", "en"):
        page = tmp_path / f"data-{language}.html"
        page.write_bytes(client.get("/data", headers={"Accept-Language": language}).get_data())
        pages.append(page)
    assert vnu_messages(pages) == []
