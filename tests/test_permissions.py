"""The permission matrix: every state-changing route × every role; refusals change nothing."""

import io

import pytest
import sqlalchemy as sa
from factories import make_user
from workflow_helpers import PDF, snapshot, version_on

from tracker import permissions
from tracker.extensions import db
from tracker.models import Commitment, Evidence
from tracker.permissions import SYSTEM

CODE = "MT1-R03-MEX"
ROLES = ["anonymous", "auditor", "focal_same", "focal_other", "secretariat", "deactivated"]


def status_form(client):
    page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
    version = version_on(page) if 'name="version"' in page else "1"
    return f"/commitments/{CODE}/status", {"status": "in_progress", "progress": "10",
                                            "note": "Avance", "version": version}


def evidence_form(client):
    return f"/commitments/{CODE}/evidence", {
        "title": "Informe", "dated": "2026-11-01", "visibility": "public", "url": "",
        "file": (io.BytesIO(PDF), "informe.pdf")}


ROUTES = {"status update": (status_form, {"focal_same", "secretariat"}),
          "add evidence": (evidence_form, {"focal_same", "secretariat"})}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES)
def test_state_changing_routes(client, auth, acting_as, route, role):
    build, allowed = ROUTES[route]
    acting_as(role)
    path, data = build(client)
    before = snapshot()
    response = auth.post(path, data, content_type="multipart/form-data")
    if role in allowed:
        assert response.status_code == 302 and response.headers["Location"].endswith(CODE)
        assert snapshot() != before
    else:
        expected = 302 if role in ("anonymous", "deactivated") else 403
        assert response.status_code == expected
        if expected == 302:
            assert response.headers["Location"].startswith("/login")
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_forms_are_shown_by_the_same_rule(client, acting_as, role):
    acting_as(role)
    page = client.get(f"/commitments/{CODE}").get_data(as_text=True)
    shown = f'action="/commitments/{CODE}/status"' in page
    assert shown == (role in {"focal_same", "secretariat"})
    assert (f'action="/commitments/{CODE}/evidence"' in page) == shown


def test_predicates(app, seeded):
    mex = db.session.scalar(sa.select(Commitment).filter_by(code=CODE))
    focal_mex = make_user("focal_point", country="MEX")
    focal_gtm = make_user("focal_point", country="GTM")
    auditor, secretariat = make_user("auditor"), make_user("secretariat")
    assert permissions.can_update(focal_mex, mex) and permissions.can_update(secretariat, mex)
    assert not permissions.can_update(focal_gtm, mex) and not permissions.can_update(auditor, mex)
    focal_mex.active = False
    assert not permissions.can_update(focal_mex, mex)
    restricted = Evidence(commitment=mex, visibility="restricted", title="x", dated=None)
    assert permissions.can_view_evidence(secretariat, restricted)
    assert not permissions.can_view_evidence(auditor, restricted)
    assert permissions.can_administer(SYSTEM) and not permissions.can_administer(focal_gtm)
    db.session.rollback()


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("auditor", 403),
                                             ("secretariat", 403), ("focal_same", 200)])
def test_my_commitments_is_for_focal_points(client, acting_as, role, expected):
    acting_as(role)
    assert client.get("/my/commitments").status_code == expected
