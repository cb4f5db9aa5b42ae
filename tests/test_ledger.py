"""The public ledger: intact when untouched, and any tampering named by both verifiers."""

import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ON_POSTGRES
from factories import commitment, make_evidence, make_observation, make_user, report_status
from werkzeug.serving import make_server
from workflow_helpers import PDF, SECRETS, add_restricted_evidence

from tracker.extensions import db
from tracker.models import Commitment, Evidence, LedgerEntry

VERIFIER = Path(__file__).resolve().parent.parent / "tools" / "verify_ledger.py"


@pytest.fixture
def history(seeded):
    """Status updates, public and restricted evidence, by a focal point with a known name."""
    focal = make_user("focal_point", country="MEX", email="persona.privada@example.org",
                      name="Nombre Privado")
    for code, status, progress in (("MT1-R01-MEX", "in_progress", 20),
                                   ("MT1-R02-MEX", "completed", 100),
                                   ("MT1-R01-MEX", "in_progress", 60)):
        report_status(focal, code, status, progress, f"Avance {progress} %")
    mex = commitment("MT1-R01-MEX")
    add_restricted_evidence(focal, mex)
    make_evidence(focal, mex, title="Informe público", url="https://gob.example/informe")
    return focal


def verify(runner):
    return runner.invoke(args=["ledger", "verify"])


def tamper(sql: str, *tables: str) -> None:
    """Change rows behind the application's back (on PostgreSQL past its triggers too);
    statements separated by ';' run one by one, in one transaction."""
    with db.engine.begin() as conn:
        if ON_POSTGRES:
            for table in tables:
                conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        for statement in sql.split(";"):
            conn.execute(sa.text(statement))
        if ON_POSTGRES:
            for table in tables:
                conn.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    db.session.expire_all()


def test_an_untouched_database_verifies(runner, history):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    entries = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.seq)).all()
    kinds = [e.kind for e in entries]
    assert kinds.count("commitment_created") == 277 and kinds.count("status_change") == 3
    assert kinds.count("evidence_added") == 3
    assert f"head {len(entries)}:{entries[-1].hash}" in result.output


def test_no_personal_data_or_restricted_content_in_the_ledger(history):
    entries = db.session.scalars(sa.select(LedgerEntry)).all()
    for entry in entries:
        for secret in SECRETS:
            assert secret not in entry.payload, (secret, entry.seq)
    restricted = [json.loads(e.payload)["event"] for e in entries if e.kind == "evidence_added"
                  and json.loads(e.payload)["event"]["visibility"] == "restricted"]
    assert len(restricted) == 2
    assert all(set(event) == {"commitment", "evidence_id", "visibility", "sha256_commitment"}
               for event in restricted)
    # The file as sha256(salt + sha256), which only its readers can open; the link not at all.
    file = db.session.get_one(Evidence, restricted[0]["evidence_id"])
    assert restricted[0]["sha256_commitment"] == hashlib.sha256(
        (file.ledger_salt + hashlib.sha256(PDF).hexdigest()).encode()).hexdigest()
    assert restricted[1]["sha256_commitment"] is None
    assert not any(file.sha256 in e.payload or file.ledger_salt in e.payload for e in entries)


def first_change_seq() -> int:
    return db.session.scalar(sa.select(sa.func.min(LedgerEntry.seq))
                             .where(LedgerEntry.kind == "status_change"))


def test_a_changed_history_row_is_named(runner, history):
    seq = first_change_seq()
    event_id = json.loads(db.session.get(LedgerEntry, seq).payload)["event"]["event_id"]
    tamper(f"UPDATE status_event SET to_status = 'completed' WHERE id = {event_id}",
           "status_event")
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {seq}: differs from event {event_id}" in result.output


def test_a_deleted_ledger_row_is_named(runner, history):
    tamper("DELETE FROM ledger_entry WHERE seq = 100", "ledger_entry")
    result = verify(runner)
    assert result.exit_code == 1 and "entry 101: expected sequence number 100" in result.output


def test_two_reordered_entries_are_named(runner, history):
    tamper("UPDATE ledger_entry SET seq = -1 WHERE seq = 50; "
           "UPDATE ledger_entry SET seq = 50 WHERE seq = 51; "
           "UPDATE ledger_entry SET seq = 51 WHERE seq = -1", "ledger_entry")
    result = verify(runner)
    assert result.exit_code == 1 and "entry 50:" in result.output


@pytest.fixture
def live_url(app, history):
    """The app served over real HTTP on loopback, for the stand-alone verifier."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def run_verifier(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(VERIFIER), *args], capture_output=True,
                          text=True, timeout=60)


def test_the_standalone_verifier_over_http(live_url, client):
    head = client.get("/api/v1/ledger?after=0&limit=1").json["head"]
    intact = run_verifier(live_url, "--checkpoint", f"{head['seq']}:{head['hash']}")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert f"{head['seq']} entries verified" in intact.stdout
    tamper("DELETE FROM ledger_entry WHERE seq = 7", "ledger_entry")
    broken = run_verifier(live_url)
    assert broken.returncode == 1 and "entry 7: missing" in broken.stdout


def test_the_verifier_detects_a_cut_or_rebuilt_chain_with_a_checkpoint(live_url, client):
    head = client.get("/api/v1/ledger?after=0&limit=1").json["head"]
    tamper(f"DELETE FROM ledger_entry WHERE seq >= {head['seq'] - 1}", "ledger_entry")
    assert run_verifier(live_url).returncode == 0  # a cut chain is still a valid chain...
    cut = run_verifier(live_url, "--checkpoint", f"{head['seq']}:{head['hash']}")
    assert cut.returncode == 1 and "is not in the ledger" in cut.stdout  # ...but not this one


def test_the_api_pages_the_ledger(client, history):
    first = client.get("/api/v1/ledger?after=0&limit=10").json
    assert [e["seq"] for e in first["items"]] == list(range(1, 11))
    assert first["items"][0]["prev_hash"] == "0" * 64
    following = client.get("/api/v1/ledger?after=10&limit=5").json["items"]
    assert following[0]["prev_hash"] == first["items"][-1]["hash"]
    assert client.get("/api/v1/ledger?after=abc").status_code == 400
    assert client.get("/api/v1/ledger?limit=5000").status_code == 400


def test_a_page_read_before_is_served_as_the_rows_are_now(client, history):
    """The JSON of a page is kept between requests, but never past a change to its rows, even
    one made below the application, which does not move the data version."""
    url = "/api/v1/ledger?after=0&limit=10"
    first = client.get(url).json
    assert client.get(url).json == first
    changed = dict(json.loads(db.session.get_one(LedgerEntry, 5).payload), seq=-5)
    tamper(f"UPDATE ledger_entry SET payload = '{json.dumps(changed)}' WHERE seq = 5",
           "ledger_entry")
    now = client.get(url).json
    assert now["items"][4]["payload"] == changed and now["items"][:4] == first["items"][:4]
    announcement = json.dumps({"event": {"entries": [{"seq": 3, "prev_hash": "x", "hash": "y"}]}})
    withhold = ("INSERT INTO ledger_entry (seq, at, kind, payload, prev_hash, hash) SELECT "
                f"seq + 1, at, 'entries_withheld', '{announcement}', hash, 'z' FROM ledger_entry "
                "ORDER BY seq DESC LIMIT 1")
    tamper(withhold, "ledger_entry")
    assert client.get(url).json["items"][2]["payload"] is None


def test_the_head_is_published_on_the_dashboard_feed_and_exports(client, history):
    head = client.get("/api/v1/ledger?limit=1").json["head"]
    checkpoint = f"{head['seq']}:{head['hash']}"
    assert checkpoint in client.get("/").get_data(as_text=True)
    assert f'seq="{head["seq"]}" hash="{head["hash"]}"' in client.get("/feed.atom").get_data(
        as_text=True)
    for path in ("/export/commitments.csv", "/export/history.csv", "/calendar.ics"):
        response = client.get(path)
        response.get_data()
        assert response.headers["X-Ledger-Head"] == checkpoint, path


@pytest.mark.skipif(not ON_POSTGRES, reason="the triggers exist on PostgreSQL only")
def test_postgresql_refuses_to_change_history_and_ledger(app, seeded):
    for sql in ("UPDATE status_event SET note = 'x'", "DELETE FROM status_event",
                "UPDATE ledger_entry SET kind = 'x'", "DELETE FROM ledger_entry"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(sql))


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent sessions need PostgreSQL")
def test_the_chain_stays_valid_under_concurrent_updates(app, runner, seeded):
    focal = make_user("focal_point", country="GTM")
    codes = list(db.session.scalars(sa.select(Commitment.code)
                                    .where(Commitment.code.like("%-GTM"))))[:16]
    errors = []

    def report(code):
        with app.app_context():
            try:
                user = db.session.merge(focal)
                for progress in (10, 30, 50):
                    report_status(user, code, "in_progress", progress, f"{code} {progress}")
            except Exception as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)

    threads = [threading.Thread(target=report, args=(code,)) for code in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 277 + 48
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_observations_answers_and_hidings_are_chained_and_checked(runner, history):
    from tracker.audit.observations import answer_observation, hide_observation

    auditor = make_user("auditor", country=None, organisation="Red Regional de la Sociedad Civil")
    secretariat = make_user("secretariat", country=None)
    c = commitment("MT1-R02-MEX")
    observation = make_observation(auditor, c, text="Sin evidencia pública del protocolo.",
                                   links="https://ong.example/informe")
    answer_observation(history, observation, "El protocolo se publicará en diciembre.")
    hide_observation(secretariat, make_observation(auditor, c, assessment="no_evidence",
                                                   text="Texto"),
                     "Lenguaje ofensivo")
    kinds = db.session.scalars(sa.select(LedgerEntry.kind).order_by(LedgerEntry.seq)).all()
    assert kinds[-4:] == ["observation", "answer", "observation", "observation_hidden"]
    assert verify(runner).exit_code == 0
    for entry in db.session.scalars(sa.select(LedgerEntry)).all():
        assert auditor.email not in entry.payload and history.email not in entry.payload
    tamper(f"UPDATE observation SET text = 'Todo bien' WHERE id = {observation.id}",
           "observation")
    result = verify(runner)
    assert result.exit_code == 1 and f"differs from observation {observation.id}" in result.output


def test_both_verifiers_check_visible_texts_against_their_commitments(live_url, client,
                                                                     runner, history):
    """A visible text comes with its opening, which both verifiers check; a hidden one's
    entry verifies without it."""
    from tracker.audit.observations import answer_observation, hide_observation

    auditor = make_user("auditor", country=None)
    visible = make_observation(auditor, "MT1-R01-MEX", text="Falta el presupuesto.")
    answer_observation(history, visible, "El presupuesto se aprobó en octubre.")
    hide_observation(make_user("secretariat"), make_observation(auditor, "MT1-R01-MEX"),
                     "Datos personales")
    intact = run_verifier(live_url)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "2 texts checked against their commitments" in intact.stdout
    assert verify(runner).exit_code == 0

    seq = db.session.scalar(sa.select(sa.func.min(LedgerEntry.seq))  # the visible one's
                            .where(LedgerEntry.kind == "observation"))
    tamper(f"UPDATE observation SET text = 'Todo bien' WHERE id = {visible.id}", "observation")
    broken = run_verifier(live_url)
    assert broken.returncode == 1
    assert f"entry {seq}: its text does not match text_commitment" in broken.stdout
    assert f"entry {seq}: differs from observation {visible.id}" in verify(runner).output


@pytest.mark.parametrize("kind", ["status_change", "commitment_created", "entries_withheld"])
def test_the_verifier_refuses_a_withheld_entry_that_may_not_be(kind):
    """Only entries that can hold withdrawn content may be withheld: withholding a status
    change would hide history from every auditor."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("verify_ledger", VERIFIER)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)

    def entry(seq, prev, payload):
        digest = hashlib.sha256((prev + tool.canonical(payload)).encode()).hexdigest()
        return {"seq": seq, "kind": payload["kind"], "at": payload["at"], "prev_hash": prev,
                "hash": digest, "payload": payload}

    at = "2026-01-01T00:00:00.000000+00:00"
    served: list[dict] = []
    prev, seq = tool.GENESIS, 1
    hidden = entry(seq, prev, {"v": 1, "seq": seq, "kind": kind, "at": at,
                               "event": {"note": "lo que se quiere esconder"}})
    announcement = entry(seq + 1, hidden["hash"], {
        "v": 2, "seq": seq + 1, "kind": "entries_withheld", "at": at, "event": {
            "cause": "observation_hidden",
            "entries": [{"seq": seq, "prev_hash": prev, "hash": hidden["hash"]}]}})
    hidden.update(payload=None, withheld_by=seq + 1)
    problem, _ = tool.verify([*served, hidden, announcement], None, {})
    assert problem is not None and f"entry {seq}: withheld" in problem
