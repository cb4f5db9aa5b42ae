"""The CRM itself as an owner of commitments: what the minutes address to the Conference is
one commitment coded ``...-CRM``, shown as "CRM (regional)", reported by the secretariat and
never by a focal point; "member states" still means the eleven."""

import csv
import datetime as dt
import io
import re
import shutil

import pytest
import sqlalchemy as sa
from factories import make_user
from flask_babel import force_locale

from tracker.accounts import invitations, users
from tracker.audit.observations import answer_observation, file_observation
from tracker.commitments import administration
from tracker.commitments.matrix import build_matrix
from tracker.extensions import db
from tracker.importer.errors import SeedError
from tracker.importer.reader import read_seed_directory
from tracker.importer.writer import apply_seed
from tracker.models import (
    AdminAction,
    Commitment,
    Country,
    OutboxMessage,
    Recommendation,
    Status,
    Theme,
    User,
    WorkingTable,
)
from tracker.permissions import SYSTEM, can_answer, can_have_focal_point, can_observe, can_update
from tracker.reminders.rules import queue_weekly_summaries, run_rules

NAME = "CRM (regional)"
REGIONAL = ["MT1-A04-CRM", "MT2-R02-CRM"]  # the only commitments of the CRM in the seed
MEMBER_STATES = ["BLZ", "CAN", "CRI", "DOM", "GTM", "HND", "MEX", "NIC", "PAN", "SLV", "USA"]
# The matrix's columns: the states by their name in the reader's language, accents aside.
BY_NAME = {"en": ["BLZ", "CAN", "CRI", "DOM", "SLV", "GTM", "HND", "MEX", "NIC", "PAN", "USA"],
           "es": ["BLZ", "CAN", "CRI", "SLV", "USA", "GTM", "HND", "MEX", "NIC", "PAN", "DOM"]}


def one(model, **by):
    return db.session.scalar(sa.select(model).filter_by(**by))


def codes_of(recommendation_code: str) -> list[str]:
    return sorted(db.session.scalars(sa.select(Commitment.code).join(Recommendation).where(
        Recommendation.code == recommendation_code)))


def written() -> dict[str, int]:
    """Row counts of what an account request could write."""
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (User, AdminAction, OutboxMessage)}


# -- the seed ----------------------------------------------------------------------------

def test_the_seed_gives_what_the_minutes_address_to_the_crm_one_commitment(seeded):
    crm = one(Country, iso3="CRM")
    assert (crm.name_es, crm.name_en, crm.regional) == (NAME, NAME, True)
    assert codes_of("MT2-R02") == ["MT2-R02-CRM"]
    assert codes_of("MT1-A04") == ["MT1-A04-CRM"]
    assert sorted(db.session.scalars(sa.select(Commitment.code).where(
        Commitment.country_id == crm.id))) == REGIONAL


def test_member_states_means_the_eleven_without_the_crm(seeded):
    states = sorted(db.session.scalars(sa.select(Country.iso3).where(Country.regional.is_(False))))
    assert states == MEMBER_STATES
    # MT1-R01 takes the default owners (member_states): eleven commitments, none of the CRM.
    assert codes_of("MT1-R01") == sorted(f"MT1-R01-{iso3}" for iso3 in MEMBER_STATES)


def test_seeding_again_never_removes_the_state_commitments_of_an_earlier_seed(app, seeded):
    """A database seeded when MT2-R02 belonged to the states keeps those commitments."""
    rec = one(Recommendation, code="MT2-R02")
    administration.add_owner(SYSTEM, rec, "MEX")
    report = apply_seed(read_seed_directory(app.config["SEED_DATA_DIR"]))
    assert report.total("created") == 0
    assert codes_of("MT2-R02") == ["MT2-R02-CRM", "MT2-R02-MEX"]


def test_a_regional_flag_that_is_not_yes_or_no_is_named_by_file_and_line(app, tmp_path):
    root = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DATA_DIR"], root)
    path = root / "countries.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("regional: true", 'regional: "sí"'),
                    encoding="utf-8")
    with pytest.raises(SeedError) as refused:
        read_seed_directory(root)
    assert "countries.yaml:13: country: field 'regional' must be true or false" in str(
        refused.value.problems[0])


# -- public pages ------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["es", "en"])
def test_the_matrix_orders_the_states_by_name_then_the_crm(client, seeded, language):
    html = client.get("/matrix", headers={"Accept-Language": language}).get_data(as_text=True)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert re.findall(r'href="/countries/([A-Z]{3})"', head) == BY_NAME[language] + ["CRM"]


def test_the_matrix_shows_the_crm_column_after_the_member_states(client, seeded):
    html = client.get("/matrix", headers={"Accept-Language": "en"}).get_data(as_text=True)
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    columns = re.findall(r'href="/countries/([A-Z]{3})"', head)
    assert columns == BY_NAME["en"] + ["CRM"]
    assert re.search(rf'data-regional><a href="/countries/CRM">(<span[^>]*>)?{re.escape(NAME)}<',
                     head)
    rows = dict(re.findall(r'<tr data-recommendation="([^"]+)">(.*?)</tr>', html, re.S))
    assert 'href="/commitments/MT2-R02-CRM"' in rows["MT2-R02"]
    assert rows["MT2-R02"].count('<td class="none">') == 11  # no state owns it
    assert 'href="/commitments/MT1-R01-CRM"' not in rows["MT1-R01"]
    assert "Recommendations by member state and by the CRM as a regional body" in html


def test_a_meeting_without_crm_commitments_has_no_crm_column(app, seeded):
    meeting = administration.create_meeting(SYSTEM, code="sin-crm")
    table = WorkingTable(meeting_id=meeting.id, code="MT1", position=0, name_es="Mesa",
                         name_en="Table")
    db.session.add(table)
    db.session.commit()
    administration.create_recommendation(
        SYSTEM, code="X-R01", working_table_id=table.id, theme_id=one(Theme, code="children").id,
        kind="recommendation", year=None, section="S", text_es="Texto", title_es="Texto",
        title_en="Text", owners=["MEX"])
    matrix = build_matrix("sin-crm")
    assert [c.iso3 for c in matrix.countries] == BY_NAME["es"]
    assert [c.iso3 for c in build_matrix("crm-salon-londres", "en").countries] == (
        BY_NAME["en"] + ["CRM"])


def test_the_list_filters_on_the_crm(client, seeded):
    html = client.get("/commitments?country=CRM").get_data(as_text=True)
    assert re.findall(r'<td><a href="/commitments/([^"]+)"', html) == REGIONAL
    options = re.findall(r'<option value="([A-Z]{3})"[^>]*>([^<]+)</option>', html)
    assert options[-1] == ("CRM", NAME) and [o for o, _ in options[:-1]] == sorted(MEMBER_STATES)


def test_the_country_page_of_the_crm_says_the_secretariat_reports(client, seeded):
    html = client.get("/countries/crm", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"<h1>{NAME}</h1>" in html and "The secretariat reports these commitments." in html
    assert sorted(set(re.findall(r'href="/commitments/(MT[^"]+)"', html))) == REGIONAL
    mexico = client.get("/countries/MEX").get_data(as_text=True)
    assert "data-regional" not in mexico


def test_the_dashboard_lists_the_crm_last_and_counts_every_commitment(client, seeded):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html.rindex(NAME) > html.rindex("United States")
    assert re.search(r'data-total="all">([^<]+)<', html).group(1) == "277"


# -- API and exports ---------------------------------------------------------------------

def test_the_api_marks_the_regional_owner(client, seeded):
    items = client.get("/api/v1/countries").json["items"]
    assert [(c["iso3"], c["regional"]) for c in items] == (
        [(iso3, False) for iso3 in MEMBER_STATES] + [("CRM", True)])
    crm = client.get("/api/v1/countries/CRM").json
    assert (crm["name_en"], crm["regional"], crm["total"]) == (NAME, True, 2)
    commitment = client.get("/api/v1/commitments/MT2-R02-CRM").json
    assert (commitment["country"], commitment["recommendation_code"]) == ("CRM", "MT2-R02")
    listed = client.get("/api/v1/commitments?country=CRM").json
    assert [c["code"] for c in listed["items"]] == REGIONAL
    rec = client.get("/api/v1/recommendations/MT2-R02").json
    assert [c["country"] for c in rec["commitments"]] == ["CRM"]
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Country"]
    assert schema["properties"]["regional"]["type"] == "boolean"


def test_the_csv_export_carries_the_crm(client, seeded):
    text = client.get("/export/commitments.csv?country=CRM").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [(r["code"], r["country"]) for r in rows] == [(code, "CRM") for code in REGIONAL]


# -- who reports -------------------------------------------------------------------------

def test_the_secretariat_reports_the_crm_commitment(client, auth, seeded):
    secretariat = make_user("secretariat", country=None)
    auth.login(secretariat.email)
    commitment = one(Commitment, code="MT2-R02-CRM")
    response = auth.post("/commitments/MT2-R02-CRM/status", {
        "status": "in_progress", "progress": "20", "note": "Borrador del mecanismo",
        "version": str(commitment.version)})
    assert response.status_code == 302
    db.session.expire_all()
    commitment = one(Commitment, code="MT2-R02-CRM")
    assert (commitment.status, commitment.progress) == (Status.IN_PROGRESS, 20)
    event = commitment.events[-1]
    assert (event.actor_role, event.actor_country_id) == ("secretariat", None)


def test_a_focal_point_of_mexico_cannot_report_for_the_crm(client, auth, seeded):
    focal = make_user("focal_point", country="MEX")
    commitment = one(Commitment, code="MT2-R02-CRM")
    assert not can_update(focal, commitment)
    auth.login(focal.email)
    response = auth.post("/commitments/MT2-R02-CRM/status", {
        "status": "completed", "progress": "100", "note": "No es nuestro",
        "version": str(commitment.version)})
    assert response.status_code == 403
    db.session.expire_all()
    assert one(Commitment, code="MT2-R02-CRM").status == Status.NOT_REPORTED


def test_auditors_observe_crm_commitments_like_any_other(seeded):
    auditor = make_user("auditor", country=None)
    commitment = one(Commitment, code="MT2-R02-CRM")
    assert can_observe(auditor, commitment)
    observation = file_observation(auditor, commitment, "no_evidence", "Sin mecanismo aún.", None)
    assert observation.commitment.code == "MT2-R02-CRM"


def test_the_secretariat_answers_observations_on_the_crm_commitments_only(seeded):
    """The CRM has no focal point: the secretariat, which reports for it, answers for it."""
    auditor, secretariat = make_user("auditor", country=None), make_user("secretariat")
    on_crm = file_observation(auditor, one(Commitment, code="MT2-R02-CRM"), "no_evidence",
                              "Sin mecanismo aún.", None)
    on_mexico = file_observation(auditor, one(Commitment, code="MT1-R03-MEX"), "limited",
                                 "Sin pruebas.", None)
    assert can_answer(secretariat, on_crm) and not can_answer(secretariat, on_mexico)
    assert not can_answer(make_user("focal_point", country="MEX"), on_crm)
    answer = answer_observation(secretariat, on_crm, "El mecanismo se discute en 2027.")
    assert answer.country.iso3 == "CRM"
    # The secretariat is told of the observation it must answer; no focal point is.
    told = db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.subject.contains("MT2-R02-CRM"))).all()
    assert told == [secretariat.email]


# -- no focal point for the CRM ----------------------------------------------------------

def test_no_focal_point_can_be_invited_for_the_crm(client, auth, seeded):
    secretariat = make_user("secretariat", country=None)
    assert not can_have_focal_point(one(Country, iso3="CRM"))
    assert can_have_focal_point(one(Country, iso3="MEX"))
    auth.login(secretariat.email)
    form = client.get("/admin/users/invite").get_data(as_text=True)
    assert 'value="MEX"' in form and 'value="CRM"' not in form
    before = written()
    response = auth.post("/admin/users/invite", {
        "email": "punto.crm@example.org", "role": "focal_point", "country": "CRM",
        "organisation_kind": "civil_society"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Choose a member state from the list." in response.get_data(as_text=True)
    assert written() == before
    with pytest.raises(users.AccountError) as refused:  # the service itself refuses it too
        invitations.invite_user(secretariat, email="punto.crm@example.org",
                                role="focal_point", country="crm")
    with force_locale("en"):
        assert "The CRM as a regional body has no focal point" in str(refused.value)
    assert refused.value.field == "country"
    db.session.rollback()
    assert written() == before


def test_the_command_line_refuses_a_focal_point_for_the_crm(runner, seeded):
    before = written()
    result = runner.invoke(args=["users", "create", "punto.crm@example.org", "--role",
                                 "focal_point", "--country", "CRM", "--password-stdin"],
                           input="tortuga-azul-bajo-el-volcán\n")
    # The command line speaks the default language, Spanish.
    assert result.exit_code == 1 and "La CRM como órgano regional no tiene punto focal" in \
        result.output
    assert written() == before


# -- reminders ---------------------------------------------------------------------------

def test_reminders_send_nothing_about_the_crm_and_the_weekly_summary_shows_it(app, seeded):
    """The CRM has no focal point: its overdue commitment is in nobody's digest (and no
    message goes to nobody); the secretariat sees it in the weekly summary."""
    today = dt.date.today()  # the seed's commitments were just updated: none is stale
    make_user("focal_point", country="MEX", email="fp.mex@example.org")
    make_user("secretariat", country=None, email="secretaria@example.org")
    for code in ("MT2-R02-CRM", "MT1-R01-MEX"):
        one(Commitment, code=code).due_date = today - dt.timedelta(days=40)
    db.session.commit()
    planned = run_rules(today)
    assert [(p.recipient, p.codes) for p in planned] == [("fp.mex@example.org", ["MT1-R01-MEX"])]
    assert all("CRM" not in code for p in planned for code in p.codes)
    (summary,) = queue_weekly_summaries(today)
    body = db.session.scalar(sa.select(OutboxMessage.body).where(
        OutboxMessage.recipient == summary.recipient, OutboxMessage.kind == summary.kind))
    assert f"{NAME} (CRM): 1 /" in body



def test_the_crm_commitment_lists_no_other_countries(client, seeded):
    """MT2-R02 is the CRM's alone: no empty "in other countries" section."""
    page = client.get("/commitments/MT2-R02-CRM").get_data(as_text=True)
    assert "others-heading" not in page
    assert "others-heading" in client.get("/commitments/MT1-R03-MEX").get_data(as_text=True)
