"""No public page shows restricted evidence or personal data, whatever the database holds;
no public surface (pages, API, exports, feed, ledger) keeps a hidden observation's text or a
restricted file's SHA-256."""

import hashlib
import json
import re

import sqlalchemy as sa
from factories import (
    commitment,
    make_evidence,
    make_indicator,
    make_indicator_report,
    make_observation,
    make_user,
    report_status,
)
from workflow_helpers import PDF, SECRETS, add_restricted_evidence, store_original

from tracker.audit.observations import answer_observation, hide_observation
from tracker.evidence.storage import Upload
from tracker.extensions import db
from tracker.models import Commitment, Country, Evidence, Indicator, SourceDocument


def public_paths(app) -> list[str]:
    """Every GET route of the public blueprint, with every value its argument can take."""
    values = {
        "code": [c for c in db.session.scalars(sa.select(Commitment.code))],
        "iso3": [c for c in db.session.scalars(sa.select(Country.iso3))],
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("public.") or "GET" not in rule.methods:
            continue
        if rule.endpoint == "public.set_language":
            continue  # a redirect, no page
        if rule.endpoint == "public.source_document":
            codes = db.session.scalars(sa.select(SourceDocument.code))
            paths += [f"/sources/{d}?quote=1" for d in codes]
        elif rule.endpoint == "public.source_original":  # the public originals stored
            codes = db.session.scalars(sa.select(SourceDocument.code).where(
                SourceDocument.stored_name.is_not(None), SourceDocument.restricted.is_(False)))
            paths += [f"/sources/{d}/original" for d in codes]
        elif rule.endpoint == "public.indicator":  # the indicators defined, if any
            paths += [f"/indicators/{i}" for i in db.session.scalars(sa.select(Indicator.code))]
        elif not rule.arguments:
            paths.append(rule.rule)
        else:
            (argument,) = rule.arguments
            paths += [rule.rule.replace(f"<{argument}>", v) for v in values[argument]]
    return paths + ["/commitments?q=secreta", "/commitments?country=MEX&sort=updated"]


def test_no_public_page_shows_restricted_evidence_or_personal_data(app, client, seeded):
    focal = make_user("focal_point", country="MEX", email="persona.privada@example.org",
                      name="Nombre Privado")
    mex = commitment("MT3-R01-MEX")
    report_status(focal, mex, "in_progress", 20, "Avance público")
    add_restricted_evidence(focal, mex)
    make_evidence(focal, mex, title="Informe público", upload=Upload("informe.pdf", PDF))
    store_original("plenary-working-tables", PDF, "acta-plenaria.pdf")
    store_original("trafficking-working-group", PDF + b"%reservada", "lista-secreta.pdf",
                   restricted=True)

    paths = public_paths(app)
    assert "/commitments/MT3-R01-MEX" in paths and "/matrix" in paths and len(paths) > 290
    assert "/sources/plenary-working-tables/original" in paths
    for language in ("es", "en"):
        for path in paths:
            response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200, path
            page = response.get_data().decode("utf-8", "replace")  # /favicon.ico is binary
            for secret in SECRETS:
                assert secret not in page, f"{secret!r} on {path}"
    page = client.get("/commitments/MT3-R01-MEX").get_data(as_text=True)
    assert "Informe público" in page and "Avance público" in page  # public things do show


# -- withdrawn text and restricted files, on every public surface including the ledger -----

def ledger_items(client) -> list[dict]:
    items: list[dict] = []
    while True:
        page = client.get(f"/api/v1/ledger?after={items[-1]['seq'] if items else 0}").json
        if not page["items"]:
            return items
        items += page["items"]


def every_public_surface(app, client, code: str):
    """(path, text) of every public page, every API answer and export about the commitment
    (its recommendation, theme, meeting and country), the feed, the calendar, the ledger."""
    c = commitment(code)
    rec = c.recommendation
    indicator = make_indicator("IND-SURFACE", recommendation=rec.code)  # its pages too
    make_indicator_report(make_user("focal_point", country=c.country.iso3), indicator,
                          c.country.iso3, cells={(None, None): 40, ("F", None): 38,
                                                 ("M", None): 2, ("_O", None): 0})
    values = {"code": [code, rec.code, rec.theme.code, rec.working_table.meeting.code,
                       indicator.code],
              "iso3": [c.country.iso3]}
    paths = [(path, path) for path in public_paths(app)]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("api", "exports") or "GET" not in rule.methods:
            continue
        if not rule.arguments:
            paths.append((rule.rule, rule.rule))
        else:  # each value is tried; the one of the route's kind answers
            (argument,) = rule.arguments
            paths += [(rule.rule.replace(f"<{argument}>", v), rule.rule)
                      for v in values[argument]]
    answered = set()
    for path, route in paths + [(f"/commitments?q={code}", "search"),
                                (f"/export/history.csv?country={c.country.iso3}", "history")]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        if response.status_code == 200:
            answered.add(route)
        yield path, response.get_data().decode("utf-8", "replace")  # /favicon.ico is binary
    # A surface whose every try was a 404 was not scanned at all.
    assert {route for _path, route in paths} | {"search", "history"} == answered
    yield "/api/v1/ledger (every page)", json.dumps(ledger_items(client), ensure_ascii=False)


OBSERVATION = "Texto injurioso contra la funcionaria Pérez"
LINK = "https://difamacion.example/nota"
ANSWER = "El gobierno responde a un texto que se retirará"


def test_a_hidden_observation_and_its_answer_leave_every_public_surface(app, client, seeded,
                                                                          runner):
    auditor = make_user("auditor", country=None, organisation="Colectivo Vigilante")
    focal, secretariat = make_user("focal_point", country="MEX"), make_user("secretariat")
    observation = make_observation(auditor, "MT1-R02-MEX", text=OBSERVATION, links=LINK)
    answer_observation(focal, observation, ANSWER)

    # While visible, the ledger serves each text with its salt beside an entry holding
    # only sha256(salt + text); an auditor saves both.
    opened = {i["kind"]: i for i in ledger_items(client) if "opening" in i}
    assert opened["observation"]["opening"] == {"salt": observation.text_salt,
                                                "text": OBSERVATION, "links": LINK}
    assert opened["answer"]["opening"]["text"] == ANSWER
    saved = {kind: (item["seq"], item["opening"]) for kind, item in opened.items()}
    for item in opened.values():
        assert OBSERVATION not in json.dumps(item["payload"], ensure_ascii=False)
        assert ANSWER not in json.dumps(item["payload"], ensure_ascii=False)

    hide_observation(secretariat, observation, "Lenguaje ofensivo")
    withdrawn = (OBSERVATION, LINK, ANSWER, saved["observation"][1]["salt"],
                 saved["answer"][1]["salt"])
    seen_reason = False
    for path, text in every_public_surface(app, client, "MT1-R02-MEX"):
        for value in withdrawn:
            assert value not in text, f"{value!r} on {path}"
        seen_reason |= "Lenguaje ofensivo" in text
    assert seen_reason  # the reason is public by design

    # The chain still verifies, and the saved texts still open their entries.
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    by_seq = {i["seq"]: i for i in ledger_items(client)}
    for seq, opening in saved.values():
        event = by_seq[seq]["payload"]["event"]
        assert "opening" not in by_seq[seq]
        digest = hashlib.sha256((opening["salt"] + opening["text"]).encode()).hexdigest()
        assert event["text_commitment"] == digest


def test_a_restricted_file_is_committed_to_with_a_salt_only_its_readers_see(app, client,
                                                                            seeded, auth):
    focal = make_user("focal_point", country="MEX")
    mex = commitment("MT1-R01-MEX")
    add_restricted_evidence(focal, mex)
    file = db.session.scalars(sa.select(Evidence).where(Evidence.stored_name.is_not(None))).one()
    assert file.sha256 == hashlib.sha256(PDF).hexdigest() and file.ledger_salt
    for path, text in every_public_surface(app, client, "MT1-R01-MEX"):
        for value in (file.sha256, file.sha256[:12], file.ledger_salt):
            assert value not in text, f"{value!r} on {path}"

    # The ledger holds sha256(salt + sha256); the country and the secretariat see the salt.
    (entry,) = [i for i in ledger_items(client) if i["kind"] == "evidence_added"
                and i["payload"]["event"]["evidence_id"] == file.id]
    commitment_value = entry["payload"]["event"]["sha256_commitment"]
    for reader, sees in ((focal, True), (make_user("secretariat"), True),
                         (make_user("focal_point", country="GTM"), False)):
        auth.login(reader.email)
        page = client.get("/commitments/MT1-R01-MEX").get_data(as_text=True)
        auth.logout()
        assert (file.ledger_salt in page) is sees
        if sees:
            salt = re.search(r'class="hint ledger-opening">[^<]*<code>([0-9a-f]{32})</code>', page)
            assert salt, page
            assert hashlib.sha256((salt.group(1) + hashlib.sha256(PDF).hexdigest())
                                  .encode()).hexdigest() == commitment_value
