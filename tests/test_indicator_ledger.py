"""Indicator reports in the public ledger: one entry per report, in the same transaction; a
report with a small count holds only a salted commitment to its cells; both verifiers still
pass, and a value changed below the application is named."""

import hashlib
import json
import threading

import pytest
import sqlalchemy as sa
from factories import make_indicator, make_indicator_report, make_user
from test_ledger import run_verifier, tamper, verify
from werkzeug.serving import make_server

from tracker.extensions import db
from tracker.models import DimensionValue, IndicatorValue, LedgerEntry

# By sex: 3 men is below the threshold (5), so the 7 women (10 - 3) are suppressed too.
SMALL = {(None, None): 10, ("F", None): 7, ("M", None): 3}
SMALL_CELLS = [["_T", "_T", "10"], ["F", "_T", "7"], ["M", "_T", "3"]]
LARGE = {(None, None): 100, ("F", None): 60, ("M", None): 40}
LARGE_CELLS = [["_T", "_T", "100"], ["F", "_T", "60"], ["M", "_T", "40"]]


@pytest.fixture
def focal(seeded):
    return make_user("focal_point", country="MEX")


@pytest.fixture
def indicator(focal):
    """A share by sex: not a count of people, so its cells stand in clear."""
    return make_indicator(unit="percent")


@pytest.fixture
def counted(focal):
    """A count of people by sex: always sealed."""
    return make_indicator("IND-COUNT")


def entries(kind: str = "indicator_report") -> list[LedgerEntry]:
    return list(db.session.scalars(sa.select(LedgerEntry).filter_by(kind=kind)
                                   .order_by(LedgerEntry.seq)))


def event_of(entry: LedgerEntry) -> dict:
    return json.loads(entry.payload)["event"]


def opening(salt: str, cells: list) -> str:
    """sha256(salt + canonical JSON of the cells), computed here independently."""
    text = json.dumps(cells, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()


def test_each_report_is_one_entry_with_its_cells_in_clear(runner, focal, indicator):
    before = db.session.scalar(sa.select(sa.func.max(LedgerEntry.seq)))
    first = make_indicator_report(focal, indicator, cells=LARGE, source="INM")
    (entry,) = entries()
    assert entry.seq == before + 1  # chained by the report's own commit
    assert event_of(entry) == {
        "indicator": "IND-MIG-1", "country": "MEX", "report_id": first.id, "period": "2024",
        "replaces_id": None, "note": None, "source": "INM",
        "cells": [["_T", "_T", "100"], ["F", "_T", "60"], ["M", "_T", "40"]]}
    second = make_indicator_report(focal, indicator, cells={(None, None): 99},
                                   replaces=first, note="Corrected total")
    assert [event_of(e)["report_id"] for e in entries()] == [first.id, second.id]
    assert event_of(entries()[1]) | {"cells": None} == {
        "indicator": "IND-MIG-1", "country": "MEX", "report_id": second.id, "period": "2024",
        "replaces_id": first.id, "note": "Corrected total", "source": None, "cells": None}
    assert event_of(entries()[1])["cells"] == [["_T", "_T", "99"]]
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_values_are_written_as_typed_whatever_the_database_returns(runner, focal):
    rate = make_indicator("IND-RATE", unit="percent", dimensions=())
    make_indicator_report(focal, rate, cells={(None, None): "12.50"})
    assert event_of(entries()[0])["cells"] == [["_T", "_T", "12.5"]]
    db.session.expire_all()  # read back: 12.5000
    assert verify(runner).exit_code == 0


@pytest.mark.parametrize("cells", [SMALL, LARGE], ids=["small", "none_small"])
def test_a_count_leaves_only_a_commitment_to_the_cells(runner, focal, counted, cells):
    """Even with nothing small in it: a later correction may be, and the two would differ by
    its small count."""
    report = make_indicator_report(focal, counted, cells=cells)
    (entry,) = entries()
    event = event_of(entry)
    assert set(event) == {"indicator", "country", "report_id", "period", "replaces_id", "note",
                          "source", "values_commitment"}
    # No number of the report anywhere, as a value or inside a text.
    for number in {str(v) for v in cells.values()}:
        assert f'"{number}"' not in entry.payload and f",{number}]" not in entry.payload
    assert report.ledger_salt not in entry.payload
    # It opens with the report's salt and its exact cells, in the documented order.
    exact = SMALL_CELLS if cells is SMALL else LARGE_CELLS
    assert event["values_commitment"] == opening(report.ledger_salt, exact)
    assert event["values_commitment"] != opening(report.ledger_salt, exact[::-1])
    assert verify(runner).exit_code == 0


def cell_id(report_id: int, first_code: str) -> int:
    return db.session.scalar(
        sa.select(IndicatorValue.id).join(IndicatorValue.first_value)
        .where(IndicatorValue.report_id == report_id, DimensionValue.code == first_code))


@pytest.mark.parametrize("unit", ["percent", "count"], ids=["in_clear", "committed"])
def test_a_changed_value_is_named(runner, focal, unit):
    measured = make_indicator("IND-CHANGED", unit=unit)
    report = make_indicator_report(focal, measured, cells=SMALL)
    seq = entries()[0].seq
    tamper(f"UPDATE indicator_value SET value = 4 WHERE id = {cell_id(report.id, 'F')}",
           "indicator_value")
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {seq}: differs from report {report.id} of IND-CHANGED" in result.output


def test_a_changed_report_is_named(runner, focal, indicator):
    report = make_indicator_report(focal, indicator, cells=LARGE)
    seq = entries()[0].seq
    tamper(f"UPDATE indicator_report SET period = '2023' WHERE id = {report.id}",
           "indicator_report")
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {seq}: differs from report {report.id} of IND-MIG-1" in result.output


@pytest.fixture
def live_url(app, focal, indicator, counted):
    """Reports in clear and committed, served over real HTTP for the stand-alone verifier."""
    make_indicator_report(focal, indicator, cells=LARGE)
    make_indicator_report(focal, counted, period="2023", cells=SMALL)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_standalone_verifier_checks_report_entries(live_url, client):
    head = client.get("/api/v1/ledger?after=0&limit=1").json["head"]
    intact = run_verifier(live_url, "--checkpoint", f"{head['seq']}:{head['hash']}")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert f"{head['seq']} entries verified" in intact.stdout
    served = client.get(f"/api/v1/ledger?after={head['seq'] - 2}").json["items"]
    assert [item["kind"] for item in served] == ["indicator_report", "indicator_report"]
    assert served[1]["payload"]["event"]["values_commitment"]
    (entry, _sealed) = entries()
    cell, changed = '["F","_T","60"]', '["F","_T","61"]'
    tamper(f"UPDATE ledger_entry SET payload = replace(payload, '{cell}', '{changed}') "
           f"WHERE seq = {entry.seq}", "ledger_entry")
    broken = run_verifier(live_url)
    assert broken.returncode == 1 and f"entry {entry.seq}: hash does not match" in broken.stdout
