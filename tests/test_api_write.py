"""The write API for national systems: bearer tokens, scopes, countries, idempotent retries,
version conflicts, evidence, the rate limit; every refusal writes nothing."""

import datetime as dt
import io
import itertools
import threading
import time

import pytest
import sqlalchemy as sa
import time_machine
from databases import ON_POSTGRES
from factories import commitment, make_user
from workflow_helpers import PDF

from tracker.accounts.api_tokens import create_token, revoke_token
from tracker.api.idempotency import forget_old_answers
from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Evidence,
    IdempotentRequest,
    LedgerEntry,
    StatusEvent,
    Visibility,
)
from tracker.permissions import SYSTEM

CODE = "MT1-R03-MEX"
UPDATES = f"/api/v1/commitments/{CODE}/updates"
EVIDENCE = f"/api/v1/commitments/{CODE}/evidence"
EN = {"Accept-Language": "en"}


@pytest.fixture
def focal(seeded):
    return make_user("focal_point", country="MEX")


def token_of(user, scopes=("status:write", "evidence:write"), days=30) -> str:
    """A new token each call (live tokens of one person have distinct names)."""
    name = f"SIMORE {next(_SERIAL)}"
    return create_token(SYSTEM, user, name=name, scopes=list(scopes), days=days)[1]


_SERIAL = itertools.count(1)


def bearer(value: str, **more) -> dict:
    return {"Authorization": f"Bearer {value}", **EN, **more}


def version() -> int:
    return commitment(CODE).version


def update(client, value: str, key: str | None = None, **body):
    body = {"status": "in_progress", "progress": 30, "note": "Informe", "version": version(),
            **body}
    headers = bearer(value, **({"Idempotency-Key": key} if key else {}))
    return client.post(UPDATES, json=body, headers=headers)


def send_evidence(client, value: str | None, data: dict, key: str | None = None):
    """POST the evidence form as multipart, as curl -F and national systems send it."""
    headers = bearer(value) if value else dict(EN)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(EVIDENCE, data=data, headers=headers, content_type="multipart/form-data")


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (StatusEvent, Evidence, LedgerEntry))


def test_an_update_is_recorded_with_its_history_and_ledger_entry(client, focal):
    before, old = counts(), version()
    response = update(client, token_of(focal))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["code"], body["status"], body["progress"]) == (CODE, "in_progress", 30)
    assert body["version"] == old + 1 == version()
    assert body["event"]["to_status"] == "in_progress" and body["event"]["note"] == "Informe"
    assert (body["event"]["actor_role"], body["event"]["actor_country"]) == ("focal_point", "MEX")
    assert response.headers["Location"].endswith(f"/api/v1/commitments/{CODE}")
    assert counts() == (before[0] + 1, before[1], before[2] + 1)
    event = db.session.scalars(sa.select(StatusEvent).order_by(StatusEvent.id.desc())).first()
    assert event.actor_id == focal.id and event.commitment.code == CODE
    history = client.get(f"/api/v1/commitments/{CODE}").json["history"]
    assert history[-1]["progress"] == 30
    token = db.session.scalar(sa.select(ApiToken))
    assert token.last_used_at is not None


def test_a_tokens_use_is_noted_once_a_minute(client, focal, count_queries):
    value = token_of(focal)
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc), tick=False):
        assert update(client, value, status="in_progress", progress=10).status_code == 201
        with count_queries() as statements:
            assert update(client, value, status="in_progress", progress=20).status_code == 201
    assert not any(s.startswith("UPDATE api_token") for s in statements)
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, 1, 30, tzinfo=dt.timezone.utc),
                             tick=False):
        assert update(client, value, status="in_progress", progress=30).status_code == 201
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken)).last_used_at == \
        dt.datetime(2026, 12, 3, 10, 1, 30, tzinfo=dt.timezone.utc)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_records_once(client, focal):
    value, before = token_of(focal), counts()
    first = update(client, value, key="run-42/MT1-R03-MEX")
    body = {"status": "in_progress", "progress": 30, "note": "Informe",
            "version": first.json["version"] - 1}
    again = client.post(UPDATES, json=body, headers=bearer(value, **{
        "Idempotency-Key": "run-42/MT1-R03-MEX"}))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert counts()[0] == before[0] + 1
    # another key is another request: this one is stale now
    other = client.post(UPDATES, json=body, headers=bearer(value, **{"Idempotency-Key": "b"}))
    assert other.status_code == 409


def test_the_same_key_for_another_request_is_refused(client, focal):
    value = token_of(focal)
    assert update(client, value, key="k1").status_code == 201
    before = counts()
    response = update(client, value, key="k1", progress=50)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "Idempotency-Key"
    assert "already used for another request" in response.json["error"]["detail"]
    assert counts() == before


@pytest.mark.parametrize("key", ["", "x" * 201, "clé", "a\tb"])
def test_a_malformed_key_is_refused(client, focal, key):
    before = counts()
    response = client.post(UPDATES, json={"status": "in_progress", "version": version()},
                           headers=bearer(token_of(focal), **{"Idempotency-Key": key}))
    assert response.status_code == 400 and "Idempotency-Key" in response.json["error"]["detail"]
    assert counts() == before


def test_refusals_are_kept_for_a_retry_but_not_a_bad_token(client, focal):
    value = token_of(focal)
    first = update(client, value, key="k", status="completed", note=None)
    assert first.status_code == 422 and first.json["error"]["field"] == "note"
    again = update(client, value, key="k", status="completed", note=None)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert client.post(UPDATES, json={}, headers={"Authorization": "Bearer crm_nope",
                                                  "Idempotency-Key": "k"}).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 1


def test_a_version_conflict_answers_the_current_state(client, focal):
    value = token_of(focal)
    stale = version()
    assert update(client, value).status_code == 201
    before = counts()
    response = update(client, value, version=stale, status="stalled", note="Sin fondos")
    assert response.status_code == 409 and response.json["error"]["field"] == "version"
    current = response.json["current"]
    assert (current["status"], current["progress"], current["version"]) == \
        ("in_progress", 30, version())
    assert dt.datetime.fromisoformat(current["updated_at"]).tzinfo is not None
    assert counts() == before


def test_another_countrys_commitment_is_forbidden(client, seeded):
    guatemala = make_user("focal_point", country="GTM")
    before = counts()
    response = update(client, token_of(guatemala))
    assert response.status_code == 403 and "another country" in response.json["error"]["detail"]
    assert counts() == before


def test_a_secretariat_token_writes_for_every_country(client, seeded):
    secretariat = make_user("secretariat", country=None)
    assert update(client, token_of(secretariat)).status_code == 201


def test_a_token_writes_only_what_its_scopes_allow(client, focal):
    before = counts()
    status_only, evidence_only = token_of(focal, ["status:write"]), token_of(focal,
                                                                            ["evidence:write"])
    response = update(client, evidence_only)
    assert response.status_code == 403 and "status:write" in response.json["error"]["detail"]
    response = send_evidence(client, status_only, {"title": "Informe", "dated": "2026-11-01",
                                                   "visibility": "public",
                                                   "url": "https://gob.example/i"})
    assert response.status_code == 403 and "evidence:write" in response.json["error"]["detail"]
    assert counts() == before


def test_a_token_whose_holder_lost_the_right_is_forbidden(client, focal):
    value = token_of(focal)
    focal.role = "auditor"
    focal.organisation = "Red"
    db.session.commit()
    assert update(client, value).status_code == 403


@pytest.mark.parametrize("case", ["missing", "malformed", "unknown", "revoked", "expired",
                                  "not bearer"])
def test_no_live_token_answers_401_with_a_challenge(client, focal, case):
    value = token_of(focal)
    if case == "revoked":
        revoke_token(SYSTEM, db.session.scalar(sa.select(ApiToken)))
    headers = {"missing": EN, "malformed": {"Authorization": "Bearer", **EN},
               "unknown": bearer("crm_" + "x" * 43), "revoked": bearer(value),
               "expired": bearer(value), "not bearer": {"Authorization": f"Basic {value}", **EN}}
    before = counts()
    with time_machine.travel(dt.datetime.now(dt.timezone.utc)
                             + dt.timedelta(days=31 if case == "expired" else 0)):
        response = client.post(UPDATES, json={"status": "in_progress", "version": version()},
                               headers=headers[case])
    assert response.status_code == 401 and response.is_json
    assert response.headers["WWW-Authenticate"] == \
        'Bearer realm="crm-tracker", error="invalid_token"'
    assert "API token" in response.json["error"]["detail"]
    assert counts() == before


def test_a_logged_in_browser_without_a_token_gets_401(client, auth, focal):
    assert auth.login(focal.email).status_code == 302  # logged in: the session cookie is sent
    before = counts()
    response = client.post(UPDATES, json={"status": "in_progress", "version": version()},
                           headers=EN)
    assert response.status_code == 401
    response = send_evidence(client, None, {"title": "x", "dated": "2026-11-01",
                                            "visibility": "public", "url": "https://a.example"})
    assert response.status_code == 401
    assert counts() == before


def test_the_csrf_exemption_stays_on_the_token_routes(client, auth, focal):
    """The web form for the same change still needs its CSRF token; the only views exempt
    are the token writes and the one-click unsubscribe (RFC 8058, no session)."""
    from tracker.extensions import csrf

    assert sorted(csrf._exempt_views) == [
        "tracker.api.indicator_writes.indicator_report",
        "tracker.api.write_routes.commitment_evidence",
        "tracker.api.write_routes.commitment_update",
        "tracker.reminders.routes.unsubscribe_now"]
    auth.login(focal.email)
    before = counts()
    response = client.post(f"/commitments/{CODE}/status", headers=bearer(token_of(focal)),
                           data={"status": "in_progress", "progress": "30", "note": "x",
                                 "version": str(version())})
    assert response.status_code == 400
    response = client.post(f"/commitments/{CODE}/evidence",
                           data={"title": "x", "dated": "2026-11-01", "visibility": "public",
                                 "url": "https://a.example"})
    assert response.status_code == 400
    assert counts() == before


def test_unknown_commitment_is_404(client, focal):
    response = client.post("/api/v1/commitments/NO-SUCH/updates", headers=bearer(
        token_of(focal)), json={"status": "in_progress", "version": 1})
    assert response.status_code == 404 and "NO-SUCH" in response.json["error"]["detail"]


@pytest.mark.parametrize("body, field", [
    (b"{not json", None),
    (b"[1, 2]", None),
    (b"\xff\xfe", None),
    (b'{"status": "done", "version": 1}', "status"),
    (b'{"status": 3, "version": 1}', "status"),
    (b'{"status": "in_progress", "progress": "30", "version": 1}', "progress"),
    (b'{"status": "in_progress", "progress": true, "version": 1}', "progress"),
    (b'{"status": "in_progress", "progress": 3.5, "version": 1}', "progress"),
    (b'{"status": "in_progress", "progress": NaN, "version": 1}', "progress"),
    (b'{"status": "in_progress", "note": ["x"], "version": 1}', "note"),
    (b'{"status": "in_progress", "version": "1"}', "version"),
    (b'{"status": "in_progress"}', "version"),
    (b'{"status": "in_progress", "version": 1, "notes": "x"}', "notes"),
])
def test_a_malformed_body_is_400_and_writes_nothing(client, focal, body, field):
    before = counts()
    response = client.post(UPDATES, data=body, headers={
        **bearer(token_of(focal)), "Content-Type": "application/json"})
    assert response.status_code == 400, response.json
    assert response.json["error"]["field"] == field and response.json["error"]["detail"]
    assert counts() == before


def test_a_refused_update_is_422_with_its_field(client, focal):
    before = counts()
    response = update(client, token_of(focal), progress=101)
    assert response.status_code == 422 and response.json["error"]["field"] == "progress"
    assert counts() == before


def test_not_json_is_415(client, focal):
    response = client.post(UPDATES, data={"status": "in_progress"}, headers=bearer(
        token_of(focal)))
    assert response.status_code == 415 and response.is_json
    response = client.post(EVIDENCE, json={"title": "x"}, headers=bearer(token_of(focal)))
    assert response.status_code == 415


def test_evidence_file_and_link_restricted_stays_restricted(client, focal):
    value = token_of(focal)
    response = send_evidence(client, value, key="f1", data={
        "title": "Lista secreta", "dated": "2026-11-01", "visibility": "restricted",
        "file": (io.BytesIO(PDF), "lista.pdf")})
    assert response.status_code == 201, response.json
    assert (response.json["kind"], response.json["visibility"]) == ("file", "restricted")
    assert response.json["size"] == len(PDF) and response.json["content_type"] == \
        "application/pdf"
    retry = send_evidence(client, value, key="f1", data={
        "title": "Lista secreta", "dated": "2026-11-01", "visibility": "restricted",
        "file": (io.BytesIO(PDF), "lista.pdf")})
    assert retry.json == response.json and retry.headers["Idempotent-Replayed"] == "true"
    link = send_evidence(client, value, {"title": "Informe", "dated": "2026-10-01",
                                         "visibility": "public",
                                         "url": "https://gob.example/informe"})
    assert link.status_code == 201 and link.json["url"] == "https://gob.example/informe"
    stored = db.session.scalars(sa.select(Evidence).order_by(Evidence.id)).all()
    assert [e.visibility for e in stored] == [Visibility.RESTRICTED, Visibility.PUBLIC]
    public = client.get(f"/api/v1/commitments/{CODE}").json["evidence"]
    assert [e["title"] for e in public] == ["Informe"]
    anonymous = client.get(f"/evidence/{stored[0].id}/download")
    assert anonymous.status_code in (302, 401, 403)


@pytest.mark.parametrize("data, status, field", [
    ({"dated": "2026-11-01", "visibility": "public", "url": "https://a.example"}, 400, "title"),
    ({"title": "x", "dated": "01/11/2026", "visibility": "public", "url": "https://a.example"},
     400, "dated"),
    ({"title": "x", "dated": "2026-02-30", "visibility": "public", "url": "https://a.example"},
     400, "dated"),
    ({"title": "x", "dated": "2026-11-01", "visibility": "secret", "url": "https://a.example"},
     400, "visibility"),
    ({"title": "x", "dated": "2026-11-01", "visibility": "public"}, 422, "file"),
    ({"title": "x", "dated": "2026-11-01", "visibility": "public", "url": "javascript:x"},
     422, "url"),
    ({"title": "x", "dated": "2026-11-01", "visibility": "public",
      "file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "a.pdf")}, 422, "file"),
])
def test_refused_evidence_writes_nothing(client, focal, data, status, field):
    before = counts()
    response = send_evidence(client, token_of(focal), data)
    assert response.status_code == status and response.json["error"]["field"] == field
    assert counts() == before


def test_the_rate_limit_counts_per_token(app, client, focal):
    app.config["API_WRITE_RATE_LIMIT"] = "2 per minute"
    first, second = token_of(focal), token_of(focal)
    answers = [client.post(UPDATES, json={}, headers=bearer(first)).status_code
               for _ in range(3)]
    assert answers == [400, 400, 429]
    limited = client.post(UPDATES, json={}, headers=bearer(first))
    assert limited.status_code == 429 and limited.is_json
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many writes" in limited.json["error"]["detail"]
    assert client.post(UPDATES, json={}, headers=bearer(second)).status_code == 400


def test_old_answers_are_forgotten_after_a_day(client, focal):
    value = token_of(focal)
    update(client, value, key="old")
    assert forget_old_answers() == 0
    assert forget_old_answers(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=25)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent transactions need PostgreSQL")
def test_two_requests_with_one_key_at_once_record_once(app, focal):
    """Both read no kept answer, then race to claim the key: the table is locked until both
    wait on their insert, so the unique constraint decides, not the timing."""
    value, body = token_of(focal), {"status": "in_progress", "progress": 30, "note": "x",
                                    "version": version()}
    before, answers = counts()[0], []

    def send():
        with app.app_context():  # a thread has none; each request opens its own inside
            response = app.test_client().post(UPDATES, json=body, headers=bearer(
                value, **{"Idempotency-Key": "same"}))
        answers.append((response.status_code, response.headers.get("Idempotent-Replayed")))

    with db.engine.connect() as locker:
        locker.execute(sa.text("LOCK TABLE idempotent_request IN EXCLUSIVE MODE"))
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and locker.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                "'idempotent_request'::regclass")).scalar() < 2:
            time.sleep(0.05)
        locker.rollback()  # releases the lock: both inserts go, one wins
    for thread in threads:
        thread.join(20)
    assert counts()[0] == before + 1
    assert sorted(answers)[0] == (201, None)
    assert sorted(answers)[1] in ((201, "true"), (409, None))
