"""Observations: who may file, answer and hide; bad input; the contested rule; attribution;
the focal points' notice; fixed query counts."""

import datetime as dt

import pytest
import sqlalchemy as sa
from factories import make_observation, report_status

from tracker.audit.observations import (
    ObservationRefused,
    answer_observation,
    file_observation,
    hide_observation,
)
from tracker.audit.ratings import claimed_assessment, contested
from tracker.extensions import cache, db
from tracker.models import (
    Commitment,
    Country,
    MessageKind,
    Observation,
    ObservationAnswer,
    ObservationHiding,
    OutboxMessage,
    Recommendation,
    User,
)
from tracker.permissions import PermissionDenied

CODE = "MT1-R03-MEX"
ORGANISATION = "Red Regional de Organizaciones Civiles"


def commitment(code: str = CODE) -> Commitment:
    return db.session.scalar(sa.select(Commitment).filter_by(code=code))


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Observation, ObservationAnswer, ObservationHiding, OutboxMessage))


# `people` (conftest): the auditor of ORGANISATION, the focal points of MEX ("focal_same",
# reading mail in English) and GTM ("focal_other"), the secretariat; looked up by id here,
# for whichever session.

def observe(people, assessment="limited", code=CODE, text="Sin pruebas públicas."):
    return make_observation(db.session.get(User, people["auditor"].id), code,
                            assessment=assessment, text=text, links="https://example.org/informe")


def set_status(people, status, progress=None, code=CODE):
    report_status(db.session.get(User, people["focal_same"].id), code, status, progress,
                  "Informe oficial")


# -- permissions ----------------------------------------------------------------------

FILE = ("/commitments/%s/observations" % CODE,
        {"assessment": "limited", "text": "Observación", "links": ""}, "csrf_token")


@pytest.mark.parametrize("role,allowed", [("auditor", True), ("focal_same", False),
                                          ("focal_other", False), ("secretariat", False)])
def test_only_auditors_file(client, auth, people, role, allowed):
    auth.login(people[role].email)
    before = counts()
    response = auth.post(FILE[0], FILE[1])
    if allowed:
        assert response.status_code == 302 and counts()[0] == before[0] + 1
    else:
        assert response.status_code == 403 and counts() == before


@pytest.mark.parametrize("role,allowed", [("auditor", False), ("focal_same", True),
                                          ("focal_other", False), ("secretariat", False)])
def test_only_the_countrys_focal_points_answer(client, auth, people, role, allowed):
    observation_id = observe(people).id
    auth.login(people[role].email)
    before = counts()
    response = auth.post(f"/observations/{observation_id}/answers",
                         {f"answer-{observation_id}-text": "Respuesta oficial",
                          f"answer-{observation_id}-csrf_token": auth.csrf()})
    if allowed:
        assert response.status_code == 302 and counts()[1] == before[1] + 1
    else:
        assert response.status_code == 403 and counts() == before


def test_a_hidden_observation_cannot_be_answered(client, auth, people):
    observation = observe(people)
    hide_observation(db.session.get(User, people["secretariat"].id), observation, "Insultos")
    auth.login(people["focal_same"].email)
    assert f"answer-{observation.id}-text" not in client.get(f"/commitments/{CODE}").get_data(
        as_text=True)
    before = counts()
    response = auth.post(f"/observations/{observation.id}/answers",
                         {f"answer-{observation.id}-text": "Respuesta oficial",
                          f"answer-{observation.id}-csrf_token": auth.csrf()})
    assert response.status_code == 403 and counts() == before


@pytest.mark.parametrize("role,allowed", [("auditor", False), ("focal_same", False),
                                          ("secretariat", True)])
def test_only_the_secretariat_hides(client, auth, people, role, allowed):
    observation_id = observe(people).id
    auth.login(people[role].email)
    before = counts()
    response = auth.post(f"/observations/{observation_id}/hide",
                         {f"hide-{observation_id}-reason": "Insultos",
                          f"hide-{observation_id}-csrf_token": auth.csrf()})
    if allowed:
        assert response.status_code == 302 and counts()[2] == before[2] + 1
    else:
        assert response.status_code == 403 and counts() == before


def test_hiding_twice_says_so_and_writes_nothing(client, auth, people):
    """A second tab or a double click: the form is refused with the reason, not a 403."""
    observation = observe(people)
    hide_observation(db.session.get(User, people["secretariat"].id), observation, "Insultos")
    auth.login(people["secretariat"].email)
    assert f"/observations/{observation.id}/hide" not in client.get(
        f"/commitments/{CODE}").get_data(as_text=True)
    before = counts()
    response = auth.post(f"/observations/{observation.id}/hide",
                         {f"hide-{observation.id}-reason": "Otra vez",
                          f"hide-{observation.id}-csrf_token": auth.csrf()})
    assert response.status_code == 400 and counts() == before
    page = response.get_data(as_text=True)
    assert "Esta observación ya está oculta." in page or "already hidden" in page


def test_anonymous_is_sent_to_log_in(client, auth, people):
    observation_id = observe(people).id
    before = counts()
    for path in (FILE[0], f"/observations/{observation_id}/answers",
                 f"/observations/{observation_id}/hide"):
        response = auth.post(path, {"text": "x", "reason": "x", "assessment": "limited"})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert counts() == before


def test_services_check_permissions(people):
    observation = observe(people)
    with pytest.raises(PermissionDenied):
        file_observation(db.session.get(User, people["focal_same"].id), commitment(),
                         "limited", "x", None)
    with pytest.raises(PermissionDenied):
        answer_observation(db.session.get(User, people["focal_other"].id), observation, "x")
    with pytest.raises(PermissionDenied):
        hide_observation(db.session.get(User, people["auditor"].id), observation, "x")


@pytest.mark.parametrize("data", [
    {"assessment": "excellent", "text": "Texto"},
    {"assessment": "limited", "text": "   "},
    {"assessment": "limited", "text": "x" * 5001},
    {"assessment": "limited", "text": "Texto", "links": "javascript:alert(1)"},
    {"assessment": "limited", "text": "Texto",
     "links": "\n".join(f"https://example.org/{i}" for i in range(6))},
])
def test_bad_observations_are_refused_and_nothing_is_written(client, auth, people, data):
    auth.login(people["auditor"].email)
    before = counts()
    response = auth.post(FILE[0], data)
    assert response.status_code == 400 and counts() == before
    assert 'class="errors"' in response.get_data(as_text=True)


def test_service_refuses_bad_input(people):
    auditor = db.session.get(User, people["auditor"].id)
    for assessment, text, links in [("nope", "x", None), ("limited", "", None),
                                    ("limited", "x", "ftp://example.org"),
                                    ("limited", "x", "https://a.org\n" * 6)]:
        with pytest.raises(ObservationRefused):
            file_observation(auditor, commitment(), assessment, text, links)
    observation = observe(people)
    with pytest.raises(ObservationRefused):
        hide_observation(db.session.get(User, people["secretariat"].id), observation, " ")
    assert counts()[0] == 1 and counts()[2] == 0


# -- the contested rule --------------------------------------------------------------

def test_claims_on_the_ogp_scale():
    assert claimed_assessment("completed", None) == "complete"
    assert claimed_assessment("in_progress", 49) == "limited"
    assert claimed_assessment("in_progress", 50) == "substantial"
    assert claimed_assessment("stalled", 80) == "not_started"
    assert contested("completed", None, "limited") and not contested("completed", None, None)
    assert not contested("not_reported", None, "no_evidence")
    assert not contested("completed", None, "limited", rated_at=dt.datetime(2026, 1, 1),
                         updated_at=dt.datetime(2026, 2, 1))


def api_record(client, code=CODE):
    return client.get(f"/api/v1/commitments/{code}").get_json()


def test_completed_but_rated_limited_is_contested_until_resolved(client, people):
    set_status(people, "completed")
    observe(people, "limited")
    page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
    assert 'data-contested="true"' in page
    listing = client.get("/commitments?country=MEX").get_data(as_text=True)
    assert listing.count('data-contested="true"') == 1
    assert 'data-contested="true"' in client.get("/countries/MEX").get_data(as_text=True)
    assert 'data-contested="true"' in client.get("/matrix").get_data(as_text=True)
    record = api_record(client)
    assert record["contested"] is True and record["assessment"] == "limited"
    listed = client.get("/api/v1/commitments?country=MEX&per_page=100").get_json()["items"]
    assert [r["code"] for r in listed if r["contested"]] == [CODE]

    set_status(people, "completed", 100)  # a newer government update resolves it
    assert api_record(client)["contested"] is False
    observe(people, "limited")  # until a newer rating contests it again
    assert api_record(client)["contested"] is True
    observe(people, "complete")  # a newer rating agreeing resolves it
    record = api_record(client)
    assert record["contested"] is False and record["assessment"] == "complete"


def test_the_dashboard_lists_the_first_contested_claims_by_code(people):
    from tracker.commitments.dashboard import compute_dashboard
    from tracker.commitments.opening import open_commitment

    # A commitment opened later for the first recommendation: the newest id, the first code.
    secretariat = db.session.get(User, people["secretariat"].id)
    owned = set(db.session.execute(sa.select(Commitment.recommendation_id,
                                             Commitment.country_id)).all())
    recommendation, country = next(
        (r, c) for r in db.session.scalars(sa.select(Recommendation).order_by(Recommendation.code))
        for c in db.session.scalars(sa.select(Country)) if (r.id, c.id) not in owned)
    newest = open_commitment(secretariat, recommendation, country)
    db.session.commit()
    older = db.session.scalar(sa.select(Commitment).where(Commitment.code > newest.code)
                              .order_by(Commitment.id).limit(1))
    for code in (older.code, newest.code):
        report_status(secretariat, code, "completed", None, "Informe oficial")
        observe(people, "limited", code=code)
    dashboard = compute_dashboard(overdue_limit=1)
    assert dashboard.contested_count == 2
    assert [c.code for c in dashboard.contested] == [newest.code]


def test_a_hidden_rating_no_longer_counts(client, people):
    set_status(people, "completed")
    observe(people, "complete")
    low = observe(people, "limited")
    assert api_record(client)["contested"] is True
    hide_observation(db.session.get(User, people["secretariat"].id), low, "Abusivo")
    record = api_record(client)
    assert record["contested"] is False and record["assessment"] == "complete"
    hidden = [o for o in record["observations"] if o["hidden"]]
    assert hidden == [{**hidden[0], "text": None, "links": [], "hidden_reason": "Abusivo"}]
    page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
    assert "Abusivo" in page and "Sin pruebas públicas." in page  # the visible one remains


# -- pages, attribution, notices --------------------------------------------------------

def test_a_new_observation_and_answer_appear_at_once_with_attribution(client, auth, people):
    assert "Sin pruebas" not in client.get(f"/commitments/{CODE}").get_data(as_text=True)
    observation = observe(people)
    page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
    assert "Sin pruebas públicas." in page and ORGANISATION in page
    answer_observation(db.session.get(User, people["focal_same"].id),
                       db.session.get(Observation, observation.id), "Publicaremos el informe.")
    page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
    api = client.get(f"/api/v1/commitments/{CODE}").get_data(as_text=True)
    assert "Publicaremos el informe." in page and "(MEX)" in page
    for text in (page, api):
        for user in people.values():
            assert user.email not in text
        assert "Ana Auditora Secreta" not in text
    answers = api_record(client)["observations"][0]["answers"]
    assert answers[0]["country"] == "MEX" and answers[0]["text"] == "Publicaremos el informe."


def test_forms_show_by_the_same_predicates(client, auth, people):
    observation_id = observe(people).id
    for role, observe_form, answer, hide in [("auditor", True, False, False),
                                             ("focal_same", False, True, False),
                                             ("focal_other", False, False, False),
                                             ("secretariat", False, False, True)]:
        auth.login(people[role].email)
        page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
        assert (f"/commitments/{CODE}/observations" in page) == observe_form, role
        assert (f"/observations/{observation_id}/answers" in page) == answer, role
        assert (f"/observations/{observation_id}/hide" in page) == hide, role
        auth.logout()


def test_the_countrys_focal_points_get_a_notice_in_their_language(people):
    observation = observe(people)
    messages = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {m.recipient for m in messages} == {people["focal_same"].email}
    (message,) = messages
    assert message.kind == MessageKind.OBSERVATION and message.language == "en"
    assert CODE in message.subject and "observation" in message.subject.lower()
    assert f"/commitments/{CODE}" in message.body and ORGANISATION in message.body
    assert observation.text in message.body


def test_public_pages_keep_a_fixed_number_of_queries(client, people, count_queries):
    pages = ["/commitments", "/matrix", "/countries/MEX", f"/commitments/{CODE}",
             "/api/v1/commitments", f"/api/v1/commitments/{CODE}"]

    def queries_per_page():
        cache.clear()  # as after a write in a new hour: the country page's past months too
        result = []
        for page in pages:
            with count_queries() as statements:
                assert client.get(page).status_code == 200
            result.append(len(statements))
        return result

    observe(people)
    small = queries_per_page()
    for c in db.session.scalars(sa.select(Commitment).where(Commitment.code.like("MT1-%"))):
        observe(people, "substantial", code=c.code)
    observation = observe(people, "limited")
    answer_observation(db.session.get(User, people["focal_same"].id), observation, "Respuesta")
    assert queries_per_page() == small


def test_history_rows_are_append_only(people):
    from tracker.models import HistoryIsAppendOnly

    observation = observe(people)
    observation.text = "reescrito"
    with pytest.raises(HistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()
