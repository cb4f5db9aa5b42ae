"""Secretariat administration through real HTTP: meetings, recommendations and owners,
commitments' dates, accounts. Every change is logged once; every refusal changes nothing."""

import email
import re
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from factories import make_user
from workflow_helpers import assert_refused, version_on

from tracker.accounts import users
from tracker.accounts.api_tokens import create_token
from tracker.commitments import administration
from tracker.core.outbox import deliver_due
from tracker.extensions import db
from tracker.models import (
    AdminAction,
    Commitment,
    Meeting,
    Recommendation,
    Status,
    Theme,
    User,
    WorkingTable,
)
from tracker.permissions import SYSTEM

MEMBER_STATES = ["BLZ", "CAN", "CRI", "DOM", "GTM", "HND", "MEX", "NIC", "PAN", "SLV", "USA"]
MEETING = "crm-salon-londres"
REC = "MT1-R03"
NO_OWNERS_REC = "MT1-A03"  # the seed records it without commitments
COMMITMENT = "MT1-R03-MEX"
SRE = "Secretaría de Relaciones Exteriores"


@pytest.fixture(autouse=True)
def english(client):
    """Source strings, whatever the Spanish catalogue translates."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def secretariat(seeded, auth):
    user = make_user("secretariat", country=None)
    assert auth.login(user.email).status_code == 302
    return user


def snapshot() -> dict:
    """Every row of every table: equal before and after means the request wrote nothing."""
    db.session.expire_all()
    return {t.name: sorted(map(repr, db.session.execute(sa.select(t)).all()))
            for t in db.metadata.sorted_tables}


def actions() -> list[AdminAction]:
    return list(db.session.scalars(sa.select(AdminAction).order_by(AdminAction.id)))


def one(model, **key):
    return db.session.scalar(sa.select(model).filter_by(**key))


def new_actions(before: int, count: int = 1) -> list[AdminAction]:
    """Assert exactly ``count`` AdminActions were added, and return them."""
    added = actions()[before:]
    assert len(added) == count, [(a.action, a.target) for a in added]
    return added


def recommendation_form(**overrides) -> dict:
    table = one(WorkingTable, code="MT1")
    theme = one(Theme, code="children")
    data = {"code": "MT1-R99", "working_table": str(table.id), "theme": str(theme.id),
            "kind": "recommendation", "year": "", "section": "RECOMENDACIONES",
            "text_es": "Fortalecer la protección consular de la niñez migrante",
            "title_es": "Proteger a la niñez migrante", "title_en": "Protect migrant children",
            "owners": MEMBER_STATES}
    data.update(overrides)
    return data


def edit_recommendation_form(**overrides) -> dict:
    rec = one(Recommendation, code=REC)
    data = {"working_table": str(rec.working_table_id), "theme": str(rec.theme_id),
            "kind": rec.kind.value, "year": "" if rec.year is None else str(rec.year),
            "section": rec.section, "text_es": rec.text_es, "title_es": rec.title_es,
            "title_en": rec.title_en}
    data.update(overrides)
    return data


def commitment_form(client, **overrides) -> dict:
    page = client.get(f"/admin/commitments/{COMMITMENT}/edit").get_data(as_text=True)
    data = {"due_date": "2027-06-30", "responsible_institution": SRE,
            "version": version_on(page) if 'name="version"' in page else "1"}
    data.update(overrides)
    return data


# -- meetings ----------------------------------------------------------------------------

def test_secretariat_creates_and_edits_a_meeting(client, auth, secretariat):
    assert client.get("/admin/meetings/new").status_code == 200
    before = len(actions())
    response = auth.post("/admin/meetings/new", {"code": "crm-2026", "name": "", "held_on": "",
                                                 "city": "  ", "venue": "Hotel Central",
                                                 "notes": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/meetings"
    meeting = one(Meeting, code="crm-2026")
    # What was not given stays unknown (NULL), never an empty string or a guess.
    assert (meeting.name, meeting.held_on, meeting.city, meeting.notes) == (None,) * 4
    assert meeting.venue == "Hotel Central"
    (created,) = new_actions(before)
    assert (created.action, created.target, created.actor_id) == (
        "meeting.create", "meeting crm-2026", secretariat.id)

    response = auth.post("/admin/meetings/crm-2026/edit", {
        "name": "XXXI Reunión Viceministerial", "held_on": "2026-06-10", "city": "Panamá",
        "venue": "Hotel Central", "notes": ""})
    assert response.status_code == 302
    meeting = one(Meeting, code="crm-2026")
    assert (meeting.name, meeting.held_on.isoformat(), meeting.city) == (
        "XXXI Reunión Viceministerial", "2026-06-10", "Panamá")
    (updated,) = new_actions(before, 2)[1:]
    assert (updated.action, updated.actor_id) == ("meeting.update", secretariat.id)
    assert updated.details == {"name": [None, "XXXI Reunión Viceministerial"],
                               "held_on": [None, "2026-06-10"], "city": [None, "Panamá"]}
    page = client.get("/admin/meetings").get_data(as_text=True)
    assert "XXXI Reunión Viceministerial" in page and "crm-2026" in page


def test_the_meeting_edit_form_shows_the_current_facts(client, secretariat):
    page = client.get(f"/admin/meetings/{MEETING}/edit").get_data(as_text=True)
    assert 'value="Salón Londres"' in page
    assert 'name="code"' not in page  # a code never changes


def test_saving_an_unchanged_meeting_logs_nothing(client, auth, secretariat):
    meeting = one(Meeting, code=MEETING)
    before = snapshot()
    response = auth.post(f"/admin/meetings/{MEETING}/edit", {
        "name": "", "held_on": "", "city": "", "venue": meeting.venue, "notes": meeting.notes})
    assert response.status_code == 302
    assert snapshot() == before


def test_script_in_a_meeting_name_is_shown_escaped(client, auth, secretariat):
    auth.post(f"/admin/meetings/{MEETING}/edit", {"name": "<script>alert('x')</script>",
                                                  "venue": "Salón Londres"})
    for path in ("/admin/meetings", f"/admin/meetings/{MEETING}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert "&lt;script&gt;" in page and "<script>alert" not in page


# -- recommendations and owners ---------------------------------------------------------

def test_the_new_recommendation_form_offers_every_member_state_checked(client, secretariat):
    page = client.get("/admin/recommendations/new").get_data(as_text=True)
    for iso3 in MEMBER_STATES:
        assert f'value="{iso3}"' in page
    # The CRM (regional) is offered too, last and unchecked: not a member state.
    assert page.count('type="checkbox"') == 12 and page.count("checked") == 11
    crm = re.search(r'<input[^>]*value="CRM"[^>]*>', page).group(0)
    assert "checked" not in crm and page.rindex('type="checkbox"') < page.index(crm) + len(crm)
    assert "meeting code / table code" in page and f"{MEETING} / MT1" in page


def test_secretariat_creates_a_recommendation_with_its_owners(client, auth, secretariat):
    before = len(actions())
    response = auth.post("/admin/recommendations/new", recommendation_form())
    assert response.status_code == 302
    rec = one(Recommendation, code="MT1-R99")
    assert (rec.working_table.code, rec.theme.code, rec.year) == ("MT1", "children", None)
    assert sorted(c.country.iso3 for c in rec.commitments) == MEMBER_STATES
    for commitment in rec.commitments:
        assert commitment.code == f"MT1-R99-{commitment.country.iso3}"
        assert commitment.status == Status.NOT_REPORTED
        (event,) = commitment.events
        assert (event.from_status, event.to_status, event.actor_id, event.actor_role,
                event.note) == (None, Status.NOT_REPORTED, secretariat.id, "secretariat", None)
    (created,) = new_actions(before)
    assert (created.action, created.target, created.actor_id) == (
        "recommendation.create", "recommendation MT1-R99", secretariat.id)
    assert created.details["owners"] == MEMBER_STATES
    assert created.details["working_table"] == f"{MEETING}/MT1"
    assert client.get("/commitments/MT1-R99-MEX").status_code == 200
    assert "MT1-R99" in client.get("/admin/recommendations").get_data(as_text=True)


def test_secretariat_edits_a_recommendation(client, auth, secretariat):
    before = len(actions())
    response = auth.post(f"/admin/recommendations/{REC}/edit",
                         edit_recommendation_form(title_en="A clearer title", year="2016"))
    assert response.status_code == 302
    rec = one(Recommendation, code=REC)
    assert (rec.title_en, rec.year) == ("A clearer title", 2016)
    (updated,) = new_actions(before)
    assert (updated.action, updated.actor_id) == ("recommendation.update", secretariat.id)
    assert updated.details["title_en"][1] == "A clearer title"
    assert updated.details["year"] == [None, 2016]


def test_secretariat_adds_an_owner_country(client, auth, secretariat):
    assert not one(Recommendation, code=NO_OWNERS_REC).commitments
    before = len(actions())
    response = auth.post(f"/admin/recommendations/{NO_OWNERS_REC}/owners", {"country": "MEX"})
    assert response.status_code == 302
    commitment = one(Commitment, code=f"{NO_OWNERS_REC}-MEX")
    assert commitment.status == Status.NOT_REPORTED and commitment.country.iso3 == "MEX"
    (event,) = commitment.events
    assert (event.from_status, event.to_status, event.actor_id, event.actor_role) == (
        None, Status.NOT_REPORTED, secretariat.id, "secretariat")
    (added,) = new_actions(before)
    assert (added.action, added.actor_id, added.details) == (
        "recommendation.add_owner", secretariat.id,
        {"country": "MEX", "commitment": f"{NO_OWNERS_REC}-MEX"})


def test_adding_an_existing_owner_is_refused(client, auth, secretariat):
    before = snapshot()
    response = auth.post(f"/admin/recommendations/{REC}/owners", {"country": "MEX"})
    assert response.status_code == 400
    assert "MEX already owns this recommendation" in response.get_data(as_text=True)
    assert snapshot() == before


# -- commitments ---------------------------------------------------------------------

def test_secretariat_sets_a_due_date_and_institution(client, auth, secretariat):
    page = client.get(f"/admin/commitments/{COMMITMENT}/edit").get_data(as_text=True)
    assert f'href="/commitments/{COMMITMENT}"' in page
    before = len(actions())
    response = auth.post(f"/admin/commitments/{COMMITMENT}/edit", commitment_form(client))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/commitments/{COMMITMENT}"
    commitment = one(Commitment, code=COMMITMENT)
    assert commitment.due_date.isoformat() == "2027-06-30"
    assert commitment.responsible_institution == SRE
    assert commitment.version == 2 and len(commitment.events) == 1  # no status history
    (updated,) = new_actions(before)
    assert (updated.action, updated.target, updated.actor_id) == (
        "commitment.update", f"commitment {COMMITMENT}", secretariat.id)
    assert updated.details == {"due_date": [None, "2027-06-30"],
                               "responsible_institution": [None, SRE]}
    assert SRE in client.get(f"/commitments/{COMMITMENT}").get_data(as_text=True)


def test_a_stale_commitment_form_is_a_409_and_saves_nothing(client, auth, secretariat):
    opened = commitment_form(client, due_date="2030-01-01", responsible_institution="Mine")
    auth.post(f"/admin/commitments/{COMMITMENT}/edit",
              commitment_form(client, responsible_institution="Theirs"))  # someone else, first
    before = snapshot()
    response = auth.post(f"/admin/commitments/{COMMITMENT}/edit", opened)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This commitment changed since you opened it." in page
    assert "Theirs" in page  # the current values
    assert version_on(page) == "2"  # sending again is deliberate
    assert snapshot() == before
    commitment = one(Commitment, code=COMMITMENT)
    assert (commitment.responsible_institution, commitment.due_date.isoformat()) == (
        "Theirs", "2027-06-30")


def test_a_concurrent_write_at_commit_is_a_conflict(app, seeded):
    user = make_user("secretariat", country=None)
    commitment = one(Commitment, code=COMMITMENT)
    # Another process bumps the version after this one loaded the row.
    table = Commitment.__table__  # a Core UPDATE: the loaded object does not see it
    db.session.execute(sa.update(table).where(table.c.id == commitment.id)
                       .values(version=commitment.version + 1))
    with pytest.raises(administration.Conflict):
        administration.update_commitment(user, commitment, due_date=None,
                                         responsible_institution="Mine", seen_version=1)
    db.session.expire_all()
    assert one(Commitment, code=COMMITMENT).responsible_institution is None
    assert actions() == []


# -- accounts ------------------------------------------------------------------------

def test_secretariat_invites_a_focal_point(app, client, auth, secretariat):
    before = len(actions())
    response = auth.post("/admin/users/invite", {"email": "Nueva.Persona@Example.org",
                                                 "role": "focal_point", "country": "MEX",
                                                 "name": "Nueva Persona", "organisation": "",
                                                 "organisation_kind": "civil_society"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    user = one(User, email="nueva.persona@example.org")
    assert user.country.iso3 == "MEX" and user.password_hash is None and user.active
    (created,) = new_actions(before)  # create_user logs it; the view logs nothing more
    assert (created.action, created.actor_id) == ("user.create", secretariat.id)
    deliver_due()  # invitations go through the outbox like every other message
    (eml,) = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "nueva.persona@example.org"
    assert "/invite/" in message.get_content()
    page = client.get("/admin/users").get_data(as_text=True)
    assert "nueva.persona@example.org" in page and "MEX" in page


@pytest.mark.parametrize("fields, error", [
    ({"email": "x@example.org", "role": "focal_point", "country": ""},
     "A focal point needs the ISO3 code of a member state."),
    ({"email": "x@example.org", "role": "auditor", "organisation": ""},
     "An auditor needs an organisation."),
    ({"email": "not-an-address", "role": "secretariat"}, "This is not a valid e-mail address."),
    ({"email": "x@example.org", "role": "admin"}, "Not a valid choice"),
])
def test_a_refused_invitation_writes_and_sends_nothing(app, client, auth, secretariat, fields,
                                                       error):
    before = snapshot()
    response = auth.post("/admin/users/invite", {"organisation_kind": "academia", **fields})
    assert response.status_code == 400 and error in response.get_data(as_text=True)
    assert snapshot() == before
    assert not list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))


def test_inviting_an_existing_address_is_refused(client, auth, secretariat):
    before = snapshot()
    response = auth.post("/admin/users/invite", {"email": secretariat.email.upper(),
                                                 "role": "secretariat"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert snapshot() == before


def test_secretariat_deactivates_an_account(client, auth, secretariat):
    focal = make_user("focal_point", country="GTM")
    before = len(actions())
    response = auth.post(f"/admin/users/{focal.id}/deactivate")
    assert response.status_code == 302
    assert one(User, id=focal.id).active is False
    (deactivated,) = new_actions(before)
    assert (deactivated.action, deactivated.actor_id) == ("user.deactivate", secretariat.id)
    assert "deactivated" in client.get("/admin/users").get_data(as_text=True)
    # Twice is refused, and logged once only.
    response = auth.post(f"/admin/users/{focal.id}/deactivate")
    assert response.status_code == 400 and "already deactivated" in response.get_data(as_text=True)
    new_actions(before)


def test_the_secretariat_cannot_deactivate_itself(client, auth, secretariat):
    before = snapshot()
    response = auth.post(f"/admin/users/{secretariat.id}/deactivate")
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert snapshot() == before


# -- who may: every POST route × every role ----------------------------------------------

def _deactivation_target(client) -> tuple[str, dict]:
    target = users.create_user(SYSTEM, email="target@example.org", role="focal_point",
                                  country="GTM")
    return f"/admin/users/{target.id}/deactivate", {}


def _token_to_revoke(client) -> tuple[str, dict]:
    owner = users.create_user(SYSTEM, email="holder@example.org", role="focal_point",
                              country="GTM")
    token, _ = create_token(SYSTEM, owner, name="Sistema", scopes=["status:write"])
    return f"/admin/tokens/{token.id}/revoke", {}


POST_ROUTES = {
    "create meeting": lambda client: ("/admin/meetings/new", {"code": "crm-2026", "name": "X"}),
    "edit meeting": lambda client: (f"/admin/meetings/{MEETING}/edit",
                                    {"name": "Reunión", "venue": "Salón Londres"}),
    "create recommendation": lambda client: ("/admin/recommendations/new", recommendation_form()),
    "edit recommendation": lambda client: (f"/admin/recommendations/{REC}/edit",
                                           edit_recommendation_form(title_en="Changed")),
    "add owner": lambda client: (f"/admin/recommendations/{NO_OWNERS_REC}/owners",
                                 {"country": "MEX"}),
    "edit commitment": lambda client: (f"/admin/commitments/{COMMITMENT}/edit",
                                       {"due_date": "2027-06-30", "version": "1",
                                        "responsible_institution": "SRE"}),
    "invite user": lambda client: ("/admin/users/invite", {
        "email": "new@example.org", "role": "auditor", "organisation": "Red",
        "organisation_kind": "academia"}),
    "deactivate user": _deactivation_target,
    "revoke token": _token_to_revoke,
    "create working table": lambda client: (f"/admin/meetings/{MEETING}/tables/new", {
        "code": "MT4", "name_es": "Niñez", "name_en": "Children"}),
    "edit working table": lambda client: (f"/admin/meetings/{MEETING}/tables/MT2/edit", {
        "name_es": "Diálogo", "name_en": "Dialogue", "place": "1"}),
    "rename section": lambda client: (f"/admin/meetings/{MEETING}/tables/MT1/sections/rename",
                                      {"section": "Obstáculos", "name": "Obstáculos comunes"}),
    "edit source document": lambda client: ("/admin/sources/plenary-working-tables/edit", {
        "title": "Acta", "language": "es", "restricted": "y"}),
}
GET_PAGES = ["/admin/", "/admin/meetings", "/admin/meetings/new", f"/admin/meetings/{MEETING}/edit",
             "/admin/recommendations", "/admin/recommendations/new",
             f"/admin/recommendations/{REC}/edit", f"/admin/commitments/{COMMITMENT}/edit",
             "/admin/users", "/admin/users/invite", f"/admin/meetings/{MEETING}",
             f"/admin/meetings/{MEETING}/tables/new", f"/admin/meetings/{MEETING}/tables/MT1/edit",
             f"/admin/meetings/{MEETING}/tables/MT1/sections/rename?section=Obstáculos",
             "/admin/sources/plenary-working-tables/edit", "/admin/tokens"]
ROLES = ["anonymous", "auditor", "focal_point", "deactivated_secretariat", "secretariat"]





@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_only_the_secretariat_may_change_anything(client, auth, acting_as, route, role):
    acting_as(role)
    path, data = POST_ROUTES[route](client)
    before = snapshot()
    response = auth.post(path, data)
    if role == "secretariat":  # the same request is valid: the refusals are about the role
        assert response.status_code == 302
        assert snapshot() != before
    else:
        assert_refused(response, role)
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_sees_the_administration(client, acting_as, role):
    acting_as(role)
    for path in GET_PAGES:
        response = client.get(path)
        if role == "secretariat":
            assert response.status_code == 200, path
        else:
            assert_refused(response, role)
    home = client.get("/").get_data(as_text=True)
    assert ('href="/admin/"' in home) == (role == "secretariat")


def test_the_home_page_links_every_area(client, secretariat):
    page = client.get("/admin/").get_data(as_text=True)
    for path in ("/admin/meetings", "/admin/meetings/new", "/admin/recommendations",
                 "/admin/recommendations/new", "/admin/users", "/admin/users/invite"):
        assert f'href="{path}"' in page


def test_the_home_page_lists_the_latest_changes(client, auth, secretariat):
    auth.post(f"/admin/meetings/{MEETING}/edit", {"name": "Reunión", "venue": "Salón Londres"})
    page = client.get("/admin/").get_data(as_text=True)
    assert f"meeting.update meeting {MEETING}" in page


# -- bad input: a form error, a 400, nothing written --------------------------------------

BAD_INPUT = {
    "duplicate recommendation code": (
        "/admin/recommendations/new", lambda: recommendation_form(code=REC),
        "A recommendation with this code already exists."),
    "unknown theme": ("/admin/recommendations/new", lambda: recommendation_form(theme="9999"),
                      "Choose a theme from the list."),
    "theme that is not a number": (
        f"/admin/recommendations/{REC}/edit", lambda: edit_recommendation_form(theme="abc"),
        "Choose a theme from the list."),
    "unknown working table": (
        "/admin/recommendations/new", lambda: recommendation_form(working_table="9999"),
        "Choose a working table from the list."),
    "unknown owner country": ("/admin/recommendations/new",
                              lambda: recommendation_form(owners=["MEX", "XXX"]),
                              "&#39;XXX&#39; is not a valid choice"),
    "title too long": (f"/admin/recommendations/{REC}/edit",
                       lambda: edit_recommendation_form(title_en="x" * 301),
                       "Field cannot be longer than 300 characters."),
    "blank text": (f"/admin/recommendations/{REC}/edit",
                   lambda: edit_recommendation_form(text_es="   "), "This field is required."),
    "code with a slash": ("/admin/recommendations/new", lambda: recommendation_form(code="MT1/R9"),
                          "Use letters, digits, dots, hyphens and underscores only."),
    "year out of range": (f"/admin/recommendations/{REC}/edit",
                          lambda: edit_recommendation_form(year="20016"),
                          "Number must be between 1900 and 2100."),
    "unknown owner added": (f"/admin/recommendations/{NO_OWNERS_REC}/owners",
                            lambda: {"country": "ZZZ"}, "Choose a member state from the list."),
    "duplicate meeting code": ("/admin/meetings/new", lambda: {"code": MEETING},
                               "A meeting with this code already exists."),
    "bad meeting date": ("/admin/meetings/new",
                         lambda: {"code": "crm-2026", "held_on": "2026-13-45"},
                         "Enter a real date as YYYY-MM-DD"),
    "bad date on edit": (f"/admin/meetings/{MEETING}/edit", lambda: {"held_on": "2026-13-45"},
                         "Enter a real date as YYYY-MM-DD"),
    "meeting name too long": (f"/admin/meetings/{MEETING}/edit", lambda: {"name": "x" * 301},
                              "Field cannot be longer than 300 characters."),
    "bad due date": (f"/admin/commitments/{COMMITMENT}/edit",
                     lambda: {"due_date": "2026-13-45", "version": "1"},
                     "Enter a real date as YYYY-MM-DD"),
    "institution too long": (f"/admin/commitments/{COMMITMENT}/edit",
                             lambda: {"responsible_institution": "x" * 301, "version": "1"},
                             "Field cannot be longer than 300 characters."),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_a_form_error_and_changes_nothing(client, auth, secretariat, case):
    path, build, error = BAD_INPUT[case]
    data = build()
    before = snapshot()
    response = auth.post(path, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error in page and 'class="errors' in page and "Traceback" not in page
    assert snapshot() == before


@pytest.mark.parametrize("route", POST_ROUTES)
def test_missing_csrf_token_is_refused(client, secretariat, route):
    path, data = POST_ROUTES[route](client)
    before = snapshot()
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert snapshot() == before


# -- the services guard themselves, whoever calls them ---------------------------------

def test_services_refuse_anyone_but_the_secretariat(app, seeded):
    from tracker.permissions import PermissionDenied

    focal = make_user("focal_point", country="MEX")
    rec, commitment = one(Recommendation, code=REC), one(Commitment, code=COMMITMENT)
    before = snapshot()
    calls = [
        lambda: administration.create_meeting(focal, code="crm-2026"),
        lambda: administration.update_meeting(focal, one(Meeting, code=MEETING), name="X",
                                              held_on=None, city=None, venue=None, notes=None),
        lambda: administration.add_owner(focal, rec, "MEX"),
        lambda: administration.update_commitment(focal, commitment, due_date=None,
                                                 responsible_institution="X", seen_version=1),
        lambda: users.deactivate_user(focal, focal),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert snapshot() == before


@pytest.mark.parametrize("override, field", [({"theme_id": 9999}, "theme"),
                                             ({"working_table_id": 9999}, "working_table"),
                                             ({"kind": "promise"}, "kind"),
                                             ({"owners": ["MEX", "ESP"]}, "owners"),
                                             ({"title_en": "x" * 301}, "title_en"),
                                             ({"code": REC}, "code")])
def test_the_service_refuses_what_a_form_might_let_through(app, seeded, override, field):
    values = dict(code="MT1-R99", working_table_id=one(WorkingTable, code="MT1").id,
                  theme_id=one(Theme, code="children").id, kind="recommendation", year=None,
                  section="S", text_es="T", title_es="T", title_en="T", owners=["MEX"])
    before = snapshot()
    with pytest.raises(administration.AdminRefused) as refused:
        administration.create_recommendation(SYSTEM, **{**values, **override})
    assert refused.value.field == field
    db.session.rollback()
    assert snapshot() == before
