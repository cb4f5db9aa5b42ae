"""Status updates: history appended, stale forms refused, bad input changes nothing."""

import pytest
import sqlalchemy as sa
from conftest import AuthActions
from factories import make_user
from workflow_helpers import snapshot, version_on

from tracker.commitments.status_updates import Conflict, update_status
from tracker.extensions import db
from tracker.models import Commitment, Status, StatusEvent

CODE = "MT1-R03-MEX"
PAGE = f"/commitments/{CODE}"
STATUS_URL = f"/commitments/{CODE}/status"


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    auth.login(user.email)
    return user


def submit(auth, client, **fields):
    version = version_on(client.get(PAGE).get_data(as_text=True))
    return auth.post(STATUS_URL, {"version": version, **fields})


def test_focal_point_records_an_update_and_it_shows_in_the_history(client, auth, focal):
    response = submit(auth, client, status="in_progress", progress="40",
                      note="Mesa interinstitucional instalada")
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    commitment = db.session.scalar(sa.select(Commitment).filter_by(code=CODE))
    assert (commitment.status, commitment.progress) == (Status.IN_PROGRESS, 40)
    last = commitment.events[-1]
    assert (last.from_status, last.to_status, last.progress) == (
        Status.NOT_REPORTED, Status.IN_PROGRESS, 40)
    assert last.actor_id == focal.id and last.actor_country.iso3 == "MEX"
    assert last.note == "Mesa interinstitucional instalada"
    page = client.get(PAGE).get_data(as_text=True)
    assert "Mesa interinstitucional instalada" in page and "40 %" in page


@pytest.mark.parametrize("status", ["stalled", "completed"])
def test_a_note_is_required_for_stalled_and_completed(client, auth, focal, status):
    before = snapshot()
    response = submit(auth, client, status=status, progress="", note="  ")
    assert response.status_code == 400
    assert "note" in response.get_data(as_text=True).lower()
    assert snapshot() == before


@pytest.mark.parametrize("fields", [
    {"status": "done"},
    {"status": "in_progress", "progress": "150"},
    {"status": "in_progress", "progress": "-1"},
    {"status": "in_progress", "progress": "abc"},
    {"status": "not_reported", "progress": "", "note": ""},  # nothing to record
    {"status": "in_progress", "note": "x" * 5001},
])
def test_bad_input_is_a_form_error_and_changes_nothing(client, auth, focal, fields):
    before = snapshot()
    response = submit(auth, client, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="errors"' in page and "Traceback" not in page
    assert snapshot() == before


def test_missing_csrf_token_is_refused(client, auth, focal):
    before = snapshot()
    version = version_on(client.get(PAGE).get_data(as_text=True))
    response = client.post(STATUS_URL, data={"status": "in_progress", "version": version})
    assert response.status_code == 400
    assert snapshot() == before


def test_script_in_a_note_is_shown_escaped(client, auth, focal):
    submit(auth, client, status="in_progress", note="<script>alert('x')</script>")
    auth.logout()
    for path in (PAGE, "/commitments/MT1-R03-GTM"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in client.get(PAGE).get_data(as_text=True)


def test_two_people_submit_at_once_the_second_is_told_and_nothing_is_lost(app, seeded):
    focal, secretariat = make_user("focal_point", country="MEX"), make_user("secretariat")
    first, second = app.test_client(), app.test_client()
    first_auth, second_auth = AuthActions(first), AuthActions(second)
    first_auth.login(focal.email)
    second_auth.login(secretariat.email)
    first_version = version_on(first.get(PAGE).get_data(as_text=True))
    second_version = version_on(second.get(PAGE).get_data(as_text=True))
    assert first_version == second_version

    accepted = first_auth.post(STATUS_URL, {"version": first_version, "status": "in_progress",
                                            "progress": "30", "note": "Primera"})
    assert accepted.status_code == 302
    conflict = second_auth.post(STATUS_URL, {"version": second_version, "status": "stalled",
                                             "note": "Segunda, sin ver la primera"})
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    assert "changed since you opened it" in page or "cambió desde que lo abrió" in page
    assert "Primera" in page                      # the newer state is shown
    assert "Segunda, sin ver la primera" in page  # and what was typed is kept in the form

    commitment = db.session.scalar(sa.select(Commitment).filter_by(code=CODE))
    assert [(e.to_status, e.note) for e in commitment.events[1:]] == [
        (Status.IN_PROGRESS, "Primera")]
    # Resubmitting the kept form is now a deliberate, accepted update.
    again = second_auth.post(STATUS_URL, {"version": version_on(page), "status": "stalled",
                                          "note": "Segunda, sin ver la primera"})
    assert again.status_code == 302


def test_a_write_racing_past_the_check_is_caught_by_the_version_column(app, seeded):
    secretariat = make_user("secretariat")
    commitment = db.session.scalar(sa.select(Commitment).filter_by(code=CODE))
    seen = commitment.version
    with db.engine.begin() as other:  # another worker commits in between
        other.execute(sa.update(Commitment).where(Commitment.id == commitment.id)
                      .values(version=seen + 1, status="in_progress"))
    with pytest.raises(Conflict):
        update_status(secretariat, commitment, status="completed", progress=100,
                      note="Hecho", seen_version=seen)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatusEvent)
                             .where(StatusEvent.commitment_id == commitment.id)) == 1


def test_my_commitments_lists_overdue_first(client, focal):
    import datetime as dt

    today = dt.date.today()
    rows = {c.code: c for c in db.session.scalars(sa.select(Commitment).where(
        Commitment.code.in_(["MT3-R11-MEX", "MT1-R01-MEX", "MT2-R01-MEX"])))}
    rows["MT3-R11-MEX"].due_date = today - dt.timedelta(days=3)    # overdue
    rows["MT1-R01-MEX"].due_date = today + dt.timedelta(days=30)   # due later
    rows["MT2-R01-MEX"].due_date = today - dt.timedelta(days=1)
    rows["MT2-R01-MEX"].status = Status.COMPLETED                   # done: not overdue
    db.session.commit()
    page = client.get("/my/commitments").get_data(as_text=True)
    order = [page.index(code) for code in ("MT3-R11-MEX", "MT2-R01-MEX", "MT1-R01-MEX")]
    assert order[0] < order[2] and order[0] < order[1]
    assert page.index("MT1-R01-MEX") < page.index("MT1-A01-MEX")  # dated before undated
    assert page.count('class="overdue"') == 1
