"""Reporting indicator values through the write API: the indicator:write scope, the token's
country, the body's shape, the service's rules, corrections (409 unless the current report is
named), idempotent retries, and the answer as GET /indicators/{code} shows it; every refusal
writes nothing."""

import datetime as dt
import itertools

import pytest
import schemathesis
import sqlalchemy as sa
from factories import make_evidence, make_indicator, make_user
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tracker.accounts.api_tokens import create_token
from tracker.extensions import db
from tracker.models import ApiToken, IndicatorReport, IndicatorValue, LedgerEntry, User
from tracker.permissions import SYSTEM

CODE = "IND-MIG-1"
REPORTS = f"/api/v1/indicators/{CODE}/reports"
EN = {"Accept-Language": "en"}
CELLS = [{"SEX": "_T", "value": 40}, {"SEX": "F", "value": 22}, {"SEX": "M", "value": 18}]
_SERIAL = itertools.count(1)


@pytest.fixture
def indicator(seeded):
    """Counted yearly by sex on MT1-R03, which every member state owns."""
    return make_indicator(CODE)


@pytest.fixture
def focal(indicator):
    return make_user("focal_point", country="MEX")


def token_of(user, scopes=("indicator:write",)) -> str:
    """A new token each call (live tokens of one person have distinct names)."""
    return create_token(SYSTEM, db.session.get(User, user.id), name=f"SNI {next(_SERIAL)}",
                        scopes=list(scopes))[1]


def bearer(value: str, **more) -> dict:
    return {"Authorization": f"Bearer {value}", **EN, **more}


def send(client, value: str, key: str | None = None, path: str = REPORTS, **body):
    """POST a report: 2024's total and its breakdown by sex unless told otherwise."""
    body = {"period": "2024", "cells": CELLS, **body}
    return client.post(path, json=body, headers=bearer(value, **(
        {"Idempotency-Key": key} if key else {})))


def counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (IndicatorReport, IndicatorValue, LedgerEntry))


def test_a_report_is_recorded_and_answered_as_sent(client, focal):
    before = counts()
    response = send(client, token_of(focal), note="Registro administrativo", source="INM")
    assert response.status_code == 201, response.json
    report = db.session.scalar(sa.select(IndicatorReport))
    assert response.json == {"indicator": CODE, "country": "MEX", "period": "2024",
                             "report": report.id, "replaces": None, "evidence": None,
                             "cells": CELLS}
    assert response.headers["Location"].endswith(f"/api/v1/indicators/{CODE}")
    assert response.headers["Cache-Control"] == "no-store"
    assert (report.actor_id, report.actor_role, report.note, report.source) == \
        (focal.id, "focal_point", "Registro administrativo", "INM")
    assert counts()[:2] == (before[0] + 1, before[1] + 3)


def test_the_answer_is_what_get_shows_and_exact_where_get_suppresses(client, focal):
    value = token_of(focal)
    answer = send(client, value).json
    detail = client.get(f"/api/v1/indicators/{CODE}").json
    (shown,) = detail["values"]
    assert answer["indicator"] == detail["code"]
    assert {k: shown[k] for k in ("country", "period", "report", "replaces")} == \
        {k: answer[k] for k in ("country", "period", "report", "replaces")}
    assert [{k: v for k, v in c.items() if k != "status"} for c in shown["cells"]] == \
        answer["cells"]
    small = [{"SEX": "_T", "value": 12}, {"SEX": "F", "value": 3}, {"SEX": "M", "value": 9}]
    answer = send(client, value, period="2023", cells=small).json
    assert answer["cells"] == small  # the reporter's own values, exact
    shown = [v for v in client.get(f"/api/v1/indicators/{CODE}").json["values"]
             if v["period"] == "2023"][0]
    assert shown["report"] == answer["report"]
    assert [c["value"] for c in shown["cells"]] == [12, None, None]


def test_a_fractional_total_and_order_are_answered_as_get_orders_them(client, seeded):
    make_indicator("IND-PCT", unit="percent", dimensions=())
    focal = make_user("focal_point", country="MEX")
    response = send(client, token_of(focal), path="/api/v1/indicators/IND-PCT/reports",
                    cells=[{"value": 37.5}])
    assert response.status_code == 201, response.json
    assert response.json["cells"] == [{"value": 37.5}]
    (shown,) = client.get("/api/v1/indicators/IND-PCT").json["values"]
    assert shown["cells"] == [{"value": 37.5, "status": "published"}]


def test_a_correction_names_the_current_report(client, focal):
    value = token_of(focal)
    first = send(client, value).json["report"]
    before = counts()
    again = send(client, value, cells=[{"SEX": "_T", "value": 41}])
    assert again.status_code == 409 and again.json["error"]["field"] == "replaces"
    assert f"report {first}" in again.json["error"]["detail"]
    assert again.json["current"]["report"] == first and again.json["current"]["cells"] == CELLS
    assert counts() == before
    corrected = send(client, value, replaces=first, cells=[{"SEX": "_T", "value": 41}],
                     note="Cifra revisada")
    assert corrected.status_code == 201, corrected.json
    second = corrected.json["report"]
    assert corrected.json["replaces"] == first
    (shown,) = client.get(f"/api/v1/indicators/{CODE}").json["values"]
    assert (shown["report"], shown["replaces"], shown["cells"][0]["value"]) == (second, first, 41)
    before = counts()
    stale = send(client, value, replaces=first, cells=[{"SEX": "_T", "value": 42}])
    assert stale.status_code == 409 and stale.json["current"]["report"] == second
    assert "already corrected" in stale.json["error"]["detail"]
    elsewhere = send(client, value, replaces=first, period="2023")
    assert elsewhere.status_code == 422 and elsewhere.json["error"]["field"] == "replaces"
    unknown = send(client, value, replaces=999_999)
    assert unknown.status_code == 422 and unknown.json["error"]["field"] == "replaces"
    assert counts() == before


def test_a_retry_with_the_same_key_gets_the_first_answer_and_records_once(client, focal):
    value = token_of(focal)
    first = send(client, value, key="sni-2024-mex")
    before = counts()
    again = send(client, value, key="sni-2024-mex")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert counts() == before
    other = send(client, value, key="sni-2024-mex", cells=[{"SEX": "_T", "value": 1}])
    assert other.status_code == 422 and other.json["error"]["field"] == "Idempotency-Key"
    assert send(client, value, key="another").status_code == 409  # a new request: reported
    assert counts() == before


def test_a_token_without_the_scope_is_forbidden(client, focal):
    before = counts()
    response = send(client, token_of(focal, ("status:write", "evidence:write")))
    assert response.status_code == 403 and "indicator:write" in response.json["error"]["detail"]
    assert counts() == before


def test_a_token_of_another_country_is_forbidden(client, focal):
    guatemala = make_user("focal_point", country="GTM")
    before = counts()
    response = send(client, token_of(guatemala), country="MEX")
    assert response.status_code == 403 and "GTM only" in response.json["error"]["detail"]
    response = send(client, token_of(focal), country="gtm")
    assert response.status_code == 403 and "not for GTM" in response.json["error"]["detail"]
    assert counts() == before
    # its own country, named or not, is Guatemala's report
    assert send(client, token_of(guatemala), country="GTM").json["country"] == "GTM"


def test_a_token_whose_holder_lost_the_right_is_forbidden(client, focal):
    value = token_of(focal)
    focal.role, focal.organisation = "auditor", "Red"
    db.session.commit()
    before = counts()
    response = send(client, value)
    assert response.status_code == 403 and counts() == before


def test_a_secretariat_token_names_a_country_that_reports_the_indicator(client, indicator):
    value = token_of(make_user("secretariat", country=None))
    make_indicator("IND-MEX", recommendation=None, commitment="MT1-R03-MEX")
    before = counts()
    for country, path, detail in [
            (None, REPORTS, "name it in country"),
            ("XYZ", REPORTS, "Unknown country: XYZ"),
            ("M\x00X", REPORTS, "Unknown country"),
            ("GTM", "/api/v1/indicators/IND-MEX/reports", "GTM does not report IND-MEX")]:
        response = send(client, value, path=path, country=country)
        assert response.status_code == 422, (country, response.json)
        assert response.json["error"]["field"] == "country"
        assert detail in response.json["error"]["detail"]
    assert counts() == before
    response = send(client, value, country="GTM")
    assert response.status_code == 201 and response.json["country"] == "GTM"
    assert db.session.scalar(sa.select(IndicatorReport)).actor_role == "secretariat"


@pytest.mark.parametrize("body, field", [
    (b"{not json", None),
    (b"[1, 2]", None),
    (b'{"cells": [{"value": 1}]}', "period"),
    (b'{"period": 2024, "cells": [{"value": 1}]}', "period"),
    (b'{"period": "2024"}', "cells"),
    (b'{"period": "2024", "cells": []}', "cells"),
    (b'{"period": "2024", "cells": {"_T": 1}}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": "_T"}]}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": "40"}]}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": true}]}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": NaN}]}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": null, "value": 40}]}', "cells"),
    (b'{"period": "2024", "cells": [3]}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": "' + b"F" * 31 + b'", "value": 1}]}', "cells"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "country": "MEXX"}',
     "country"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "country": 484}', "country"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "note": ["x"]}', "note"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "source": "' + b"x" * 301
     + b'"}', "source"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "replaces": "3"}', "replaces"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "replaces": 2.5}', "replaces"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "replaces": 0}', "replaces"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "replaces": 2147483648}',
     "replaces"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": "1"}', "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": 0}', "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": -3}', "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": 1.5}', "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": true}', "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": {"id": 1}}',
     "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidence": 2147483648}',
     "evidence"),
    (b'{"period": "2024", "cells": [{"SEX": "_T", "value": 40}], "evidences": 1}', "evidences"),
])
def test_a_malformed_body_is_400_naming_the_field(client, focal, body, field):
    before = counts()
    response = client.post(REPORTS, data=body, headers={
        **bearer(token_of(focal)), "Content-Type": "application/json"})
    assert response.status_code == 400, response.json
    assert response.json["error"]["field"] == field and response.json["error"]["detail"]
    assert counts() == before


@pytest.mark.parametrize("body, field, detail", [
    ({"period": "2024-H1"}, "period", "Write the period as 2025"),
    ({"period": "2099"}, "period", "once it has ended"),
    ({"period": str(dt.date.today().year)}, "period", "report it once it has ended."),
    ({"cells": [{"value": 40}]}, "cells", "exactly these properties: SEX, value"),
    ({"cells": [{"SEX": "_T", "AGE": "_T", "value": 40}]}, "cells", "SEX, value"),
    ({"cells": [{"SEX": "_T", "value": 40}, {"SEX": "_T", "value": 41}]}, "cells",
     "SEX=_T is sent twice"),
    ({"cells": [{"SEX": "X", "value": 40}]}, "cells", "X is not a value of"),
    ({"cells": [{"SEX": "_T", "value": 40.5}]}, "cells", "A count is a whole number"),
    ({"cells": [{"SEX": "_T", "value": -1}]}, "cells", "cannot be negative"),
    ({"cells": [{"SEX": "_T", "value": 40}, {"SEX": "F", "value": 30},
                {"SEX": "M", "value": 30}, {"SEX": "_O", "value": 0}]}, "cells",
     "add up to 60, not to their total 40"),
    ({"note": "a\x00b"}, "note", "control characters"),
])
def test_a_report_the_rules_refuse_is_422_with_its_field(client, focal, body, field, detail):
    before = counts()
    response = send(client, token_of(focal), **body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == field and detail in response.json["error"]["detail"]
    assert counts() == before


def test_a_refusal_is_in_the_readers_language(client, focal):
    response = client.post(REPORTS, json={"period": "2024-H1", "cells": CELLS},
                           headers={**bearer(token_of(focal)), "Accept-Language": "es"})
    assert response.status_code == 422
    assert "periodo" in response.json["error"]["detail"].lower()
    response = send(client, token_of(make_user("secretariat", country=None)))
    assert response.json["error"]["detail"].startswith("A secretariat token")
    response = client.post(REPORTS, json={"period": "2024", "cells": CELLS}, headers={
        **bearer(token_of(make_user("secretariat", country=None))), "Accept-Language": "es"})
    assert response.status_code == 422 and "secretaría" in response.json["error"]["detail"]


def test_unknown_indicator_no_token_and_not_json(client, focal):
    value = token_of(focal)
    response = send(client, value, path="/api/v1/indicators/NO-SUCH/reports")
    assert response.status_code == 404 and "NO-SUCH" in response.json["error"]["detail"]
    response = client.post(REPORTS, json={"period": "2024", "cells": CELLS}, headers=EN)
    assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    # The header named once, then why: none was sent.
    assert response.json["error"]["detail"] == ("Send a valid API token: Authorization: Bearer "
                                                "<token> (no bearer token in the Authorization "
                                                "header).")
    spanish = client.post(REPORTS, json={"period": "2024", "cells": CELLS},
                          headers={"Accept-Language": "es"}).json["error"]["detail"]
    assert spanish.count("Authorization: Bearer") == 1
    response = client.post(REPORTS, data={"period": "2024"}, headers=bearer(value))
    assert response.status_code == 415 and response.is_json
    assert counts()[0] == 0


def test_the_rate_limit_counts_per_token(app, client, focal):
    app.config["API_WRITE_RATE_LIMIT"] = "2 per minute"
    value = token_of(focal)
    answers = [client.post(REPORTS, json={}, headers=bearer(value)).status_code
               for _ in range(3)]
    assert answers == [400, 400, 429]


def test_the_token_page_offers_the_scope(client, auth, focal):
    assert auth.login(focal.email).status_code == 302
    response = auth.post("/account/tokens", {"name": "SNI", "days": "30",
                                             "scopes": ["indicator:write"]},
                         token_from="/account/tokens")
    assert response.status_code == 200
    (token,) = db.session.scalars(sa.select(ApiToken)).all()
    assert token.scope_list == ["indicator:write"]
    page = client.get("/account/tokens", headers=EN).get_data(as_text=True)
    assert "Report indicator values" in page
    explanation = page[page.index("<h1>API tokens</h1>"):page.index("Your tokens")]
    assert "report indicator values (indicator:write)" in explanation


# A schema-valid report may be refused by the indicator's rules (422), for a country not the
# token's (403) or by the reports already there (409); never a 400 (the body reader takes
# what the document promises) or a 5xx.
ACCEPTED = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["201", "403", "409", "422"]}}})
EXAMPLES = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def test_generated_reports_on_a_real_indicator_keep_to_the_document(app, focal):
    """Schemathesis' bodies sent to an indicator that exists (its own mostly meet a 404)."""
    app.config["API_WRITE_RATE_LIMIT"] = "100000 per minute"
    headers = {"Authorization": f"Bearer {token_of(focal)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=ACCEPTED)
    (operation,) = [r.ok() for r in schema.get_all_operations()
                    if r.ok().path == "/indicators/{code}/reports"]

    def on_the_indicator(case):
        case.path_parameters = {"code": CODE}
        return case

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @EXAMPLES
        @given(case=operation.as_strategy(generation_mode=mode).map(on_the_indicator))
        def keeps_to_the_document(case):
            case.call_and_validate(headers=headers)

        keeps_to_the_document()


SEX = ("_T", "F", "M", "_O")


@EXAMPLES
@given(cells=st.dictionaries(st.sampled_from(SEX), st.integers(0, 10**6), min_size=1),
       period=st.integers(1990, 2025).map(str))
def test_whatever_is_recorded_is_what_get_shows_to_the_reporter(app, focal, cells, period):
    """Every recorded report is answered as GET shows it; every refusal writes nothing."""
    headers = bearer(token_of(focal))
    before = counts()
    client = app.test_client()
    sent = [{"SEX": code, "value": value} for code, value in cells.items()]
    response = client.post(REPORTS, json={"period": period, "cells": sent}, headers=headers)
    assert response.status_code in (201, 409, 422), response.json
    if response.status_code != 201:
        assert counts() == before
        return
    assert sorted(response.json["cells"], key=lambda c: SEX.index(c["SEX"])) == \
        sorted(sent, key=lambda c: SEX.index(c["SEX"]))
    shown = [v for v in client.get(f"/api/v1/indicators/{CODE}").json["values"]
             if v["period"] == period][0]
    assert shown["report"] == response.json["report"]
    assert [{"SEX": c["SEX"]} for c in shown["cells"]] == \
        [{"SEX": c["SEX"]} for c in response.json["cells"]]
    assert all(c["value"] in (None, a["value"])
               for c, a in zip(shown["cells"], response.json["cells"], strict=True))


def test_a_number_too_large_for_a_float_is_refused_not_a_server_error(client, focal):
    before = counts()
    huge = [{**cell, "value": 10 ** 400} if cell["SEX"] == "F" else cell for cell in CELLS]
    response = send(client, token_of(focal), cells=huge)
    assert response.status_code in (400, 422) and response.json["error"]["field"] == "cells"
    assert counts() == before


def test_a_report_rests_on_evidence_of_the_countrys_commitment(client, focal):
    evidence = make_evidence(focal, "MT1-R03-MEX", title="Oficio", visibility="restricted")
    response = send(client, token_of(focal), evidence=evidence.id)
    assert response.status_code == 201, response.json
    assert response.json["evidence"] == evidence.id
    report = db.session.scalar(sa.select(IndicatorReport))
    assert report.evidence_id == evidence.id
    # Restricted: the public GET does not name it.
    (shown,) = client.get(f"/api/v1/indicators/{CODE}").json["values"]
    assert shown["evidence"] is None and "Oficio" not in str(shown)


def test_evidence_of_another_country_or_unknown_is_422_writing_nothing(client, focal):
    guatemala = make_evidence(make_user("focal_point", country="GTM"), "MT1-R03-GTM",
                              title="Informe de Guatemala")
    # Mexico's own, but on a commitment the indicator is not on: the form does not offer it.
    elsewhere = make_evidence(focal, "MT1-R01-MEX", title="Otro compromiso")
    value = token_of(focal)
    before = counts()
    for evidence in (guatemala.id, elsewhere.id, 999_999):
        response = send(client, value, evidence=evidence)
        assert response.status_code == 422, response.json
        assert response.json["error"]["field"] == "evidence"
        # The same words for both: an id never tells whether evidence exists.
        assert response.json["error"]["detail"] == \
            "The evidence must be stored on the commitment this indicator concerns " \
            "(MT1-R03-MEX)."
    assert counts() == before
