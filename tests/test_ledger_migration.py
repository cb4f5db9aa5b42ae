"""Ledger format 2's upgrade: format-1 entries holding a restricted file's SHA-256 or a hidden
observation's text are withheld by an announcing entry, and the ledger still verifies, with
both verifiers and against a head saved before the upgrade (SQLite and PostgreSQL)."""

import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading

import sqlalchemy as sa
from conftest import make_config
from test_ledger import VERIFIER
from test_migrations import empty_database_url  # noqa: F401  (the fixture)
from werkzeug.serving import make_server
from workflow_helpers import PDF

from tracker import create_app
from tracker.audit.observations import hide_observation
from tracker.core.columns import UTCDateTime
from tracker.core.time import isoformat_utc
from tracker.extensions import db
from tracker.ledger import chain
from tracker.models import LedgerEntry, Observation, User

BEFORE_FORMAT_2 = "c5d8e1a4b7f2"
AT = dt.datetime(2026, 11, 3, 15, 0, tzinfo=dt.UTC)
HIDDEN_TEXT, HIDDEN_ANSWER = "Insulto ya retirado en 2026", "Respuesta a un insulto retirado"
LATER_HIDDEN, VISIBLE = "Texto que se retirará después", "Observación que sigue visible"


def insert(conn, table: str, **values) -> int:
    """A row as the tracker wrote it before format 2 (the models now have more columns)."""
    def column(name, value):
        kind = UTCDateTime() if isinstance(value, dt.datetime) else \
            sa.Date() if isinstance(value, dt.date) else None
        return sa.column(name, kind) if kind is not None else sa.column(name)
    target = sa.table(table, *[column(n, v) for n, v in values.items()])
    return conn.execute(target.insert().values(**values)
                        .returning(sa.literal_column("id"))).scalar_one()


def append_format1(conn, kind: str, event: dict) -> int:
    """A ledger entry in format 1 (no "v"), as the tracker appended it then."""
    last = conn.execute(sa.text("SELECT seq, hash FROM ledger_entry ORDER BY seq DESC "
                                "LIMIT 1")).one()
    seq = last.seq + 1
    payload = chain.canonical({"kind": kind, "at": isoformat_utc(AT, "microseconds"),
                               "seq": seq, "event": event})
    table = sa.table("ledger_entry", sa.column("seq"), sa.column("at", UTCDateTime()),
                     sa.column("kind"), sa.column("payload"), sa.column("prev_hash"),
                     sa.column("hash"))
    conn.execute(table.insert().values(seq=seq, at=AT, kind=kind, payload=payload,
                                       prev_hash=last.hash,
                                       hash=chain.chain_hash(last.hash, payload)))
    return seq


def format1_history(conn) -> dict:
    """A restricted file, a visible observation, a hidden one with its answer, and one to be
    hidden later; returns their ids and entries' seqs."""
    mex_id, code = conn.execute(sa.text(
        "SELECT c.id, c.code FROM commitment c JOIN country k ON k.id = c.country_id "
        "WHERE k.iso3 = 'MEX' ORDER BY c.code LIMIT 1")).one()
    country = conn.scalar(sa.text("SELECT id FROM country WHERE iso3 = 'MEX'"))
    user = dict(active=True, session_version=1, created_at=AT, digest_frequency="none",
                language="es")
    auditor = insert(conn, "user_account", email="a@example.org", role="auditor",
                     organisation="Red Civil", **user)
    focal = insert(conn, "user_account", email="f@example.org", role="focal_point",
                   country_id=country, **user)
    secretariat = insert(conn, "user_account", email="s@example.org", role="secretariat",
                         **user)
    ids: dict = {"secretariat": secretariat, "seq": {}}
    sha = hashlib.sha256(PDF).hexdigest()
    evidence = insert(conn, "evidence", commitment_id=mex_id, title="Lista reservada",
                      dated=AT.date(), visibility="restricted", stored_name="c" * 32,
                      original_filename="l.pdf", content_type="application/pdf",
                      size=len(PDF), sha256=sha, created_at=AT)
    ids["seq"]["file"] = append_format1(conn, "evidence_added", chain.evidence_record(
        code, evidence, "restricted", sha, "Lista reservada", None, AT.date(), version=1))
    for name, text in (("visible", VISIBLE), ("hidden", HIDDEN_TEXT), ("later", LATER_HIDDEN)):
        ids[name] = insert(conn, "observation", commitment_id=mex_id, author_id=auditor,
                           organisation="Red Civil", assessment="limited", text=text,
                           created_at=AT)
        ids["seq"][name] = append_format1(conn, "observation", chain.observation_record(
            code, ids[name], "Red Civil", None, "limited", text, None, version=1))
    answer = insert(conn, "observation_answer", observation_id=ids["hidden"],
                    text=HIDDEN_ANSWER, author_id=focal, country_id=country, created_at=AT)
    ids["seq"]["answer"] = append_format1(conn, "answer", chain.answer_record(
        code, answer, ids["hidden"], "MEX", HIDDEN_ANSWER, version=1))
    hiding = insert(conn, "observation_hiding", observation_id=ids["hidden"], reason="Insulto",
                    by_id=secretariat, at=AT)
    append_format1(conn, "observation_hidden",
                   chain.hiding_record(code, hiding, ids["hidden"], "Insulto"))
    return ids


def ledger_items(client) -> list[dict]:
    items: list[dict] = []
    while page := client.get(f"/api/v1/ledger?after={items[-1]['seq'] if items else 0}"
                             ).json["items"]:
        items += page
    return items


def run_verifier(url: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(VERIFIER), url, *args], capture_output=True,
                          text=True, timeout=60)


def test_the_upgrade_withholds_format1_entries_and_the_ledger_still_verifies(
        tmp_path, empty_database_url):  # noqa: F811
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner, client = app.test_cli_runner(), app.test_client()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with app.app_context():
            # Seeded by today's models at the head, then taken back before format 2.
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            assert runner.invoke(args=["seed"]).exit_code == 0
            db.session.remove()
            assert runner.invoke(args=["db", "downgrade", BEFORE_FORMAT_2]).exit_code == 0
            with db.engine.begin() as conn:
                ids = format1_history(conn)
                old_head = chain.head(conn)  # what an auditor saved before the upgrade
            result = runner.invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output

            # One announcing entry records the three entries with withdrawn content.
            last = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.seq.desc())
                                      ).first()
            assert last.seq == old_head[0] + 1 and last.kind == "entries_withheld"
            announced = json.loads(last.payload)["event"]["entries"]
            assert [e["seq"] for e in announced] == [ids["seq"][k]
                                                     for k in ("file", "hidden", "answer")]
            verified = runner.invoke(args=["ledger", "verify"])
            assert verified.exit_code == 0, verified.output
            db.session.remove()

        def check_public_ledger(withheld: int, absent: tuple[str, ...]):
            items = ledger_items(client)
            text = json.dumps(items, ensure_ascii=False)
            for value in absent:
                assert value not in text, value
            assert sum(item["payload"] is None for item in items) == withheld
            answer = run_verifier(url, "--checkpoint", f"{old_head[0]}:{old_head[1]}")
            assert answer.returncode == 0, answer.stdout + answer.stderr
            assert f"{withheld} entries withheld" in answer.stdout
            return {item["seq"]: item for item in items}

        gone = (HIDDEN_TEXT, HIDDEN_ANSWER, hashlib.sha256(PDF).hexdigest())
        served = check_public_ledger(3, gone)
        assert served[ids["seq"]["file"]]["withheld_by"] == old_head[0] + 1
        assert VISIBLE in served[ids["seq"]["visible"]]["payload"]["event"]["text"]

        # An observation from before format 2, hidden after the upgrade: its entry too.
        with app.app_context():
            hide_observation(db.session.get_one(User, ids["secretariat"]),
                             db.session.get_one(Observation, ids["later"]), "Difamación")
            assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
            db.session.remove()
        served = check_public_ledger(4, (*gone, LATER_HIDDEN))
        assert served[ids["seq"]["later"]]["withheld_by"] == max(served)

        # A format-1 entry of hidden content that no entry withholds is named.
        with app.app_context():
            with db.engine.begin() as conn:
                seq = append_format1(conn, "answer", chain.answer_record(
                    "X", 999, ids["hidden"], "MEX", "Otra respuesta", version=1))
            broken = runner.invoke(args=["ledger", "verify"])
            assert broken.exit_code == 1
            assert f"entry {seq}: holds withdrawn content, but is still served" in broken.output
            db.session.remove()
            db.engine.dispose()
    finally:
        server.shutdown()
