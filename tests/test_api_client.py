"""A client generated from the OpenAPI document keeps working after the data grows: the
document names no meeting, theme or country, so a meeting added later is one more string."""

import datetime as dt
import hashlib
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import served

from tracker.importer.bundle import (
    DocumentSeed,
    ItemSeed,
    MeetingSeed,
    QuoteSeed,
    SeedBundle,
    WorkingTableSeed,
)
from tracker.importer.writer import apply_seed

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
NEW_MEETING = "crm-2027-panama"
MINUTES = "Fortalecer la cooperación consular en los puntos fronterizos."


@pytest.fixture
def generated_client(client, tmp_path, monkeypatch):
    """The package openapi-python-client makes from today's document, imported."""
    document = tmp_path / "openapi.json"
    document.write_bytes(client.get("/api/v1/openapi.json").get_data())
    (tmp_path / "generator.yaml").write_text("post_hooks: []\n")  # no formatter run
    done = subprocess.run([str(GENERATOR), "generate", "--path", str(document), "--meta", "none",
                           "--output-path", str(tmp_path / "crm_api_client"),
                           "--config", str(tmp_path / "generator.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr  # nothing left out
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("crm_api_client")
    for name in [n for n in sys.modules if n.split(".")[0] == "crm_api_client"]:
        del sys.modules[name]


def test_a_client_generated_before_a_meeting_lists_its_commitments(app, seeded,
                                                                   generated_client):
    from crm_api_client.api.commitments import list_commitments
    from crm_api_client.api.reference import list_meetings
    from crm_api_client.models import Error

    with served(app) as url:
        api = generated_client.Client(base_url=f"{url}/api/v1", raise_on_unexpected_status=True)
        before = list_commitments.sync(client=api, meeting="crm-salon-londres", per_page=100)
        assert before.total > 100 and {c.meeting for c in before.items} == {"crm-salon-londres"}
        unknown = list_commitments.sync(client=api, meeting=NEW_MEETING)
        assert isinstance(unknown, Error) and NEW_MEETING in unknown.error.detail

        _add_meeting(NEW_MEETING, owners=["MEX", "GTM", "CRI"])

        after = list_commitments.sync(client=api, meeting=NEW_MEETING)
        assert sorted((c.code, c.meeting, c.working_table, c.status.value)
                      for c in after.items) == [
            (f"MT9-R01-{iso3}", NEW_MEETING, "MT9", "not_reported")
            for iso3 in ("CRI", "GTM", "MEX")]
        assert after.total == 3
        meetings = list_meetings.sync(client=api, per_page=100)
        assert NEW_MEETING in [m.code for m in meetings.items]


def _add_meeting(code: str, owners: list[str]) -> None:
    """A meeting of one working table and one recommendation, loaded as `flask seed` does."""
    minutes = DocumentSeed(code=f"{code}-minutes", title="Acta", language="es",
                           filename=f"{code}.txt", text=MINUTES,
                           sha256=hashlib.sha256(MINUTES.encode()).hexdigest())
    recommendation = ItemSeed(
        code="MT9-R01", kind="recommendation", section="Recomendaciones", text_es=MINUTES,
        quotes=[QuoteSeed(minutes.code, MINUTES)], theme="consular-protection", owners=owners,
        title_es="Cooperación consular en las fronteras",
        title_en="Strengthen consular cooperation at border posts")
    apply_seed(SeedBundle(countries=[], themes=[], meetings=[MeetingSeed(
        code=code, name="XXXII Reunión Viceministerial", held_on=dt.date(2027, 6, 10),
        city="Ciudad de Panamá", venue=None, notes=None, documents=[minutes],
        working_tables=[WorkingTableSeed(code="MT9", name_es="Protección consular",
                                         name_en="Consular protection", facilitators=None,
                                         items=[recommendation])])]))
