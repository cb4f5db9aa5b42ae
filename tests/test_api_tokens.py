"""API tokens for people and operators: the account page (the value shown once), the
secretariat's list, the command line, and the checks every request's token goes through."""

import datetime as dt
import hashlib
import re

import pytest
import sqlalchemy as sa
from factories import make_user
from workflow_helpers import assert_refused

from tracker.accounts import users
from tracker.accounts.api_tokens import TokenInvalid, create_token, token_for
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.models import AdminAction, ApiToken, User
from tracker.permissions import SYSTEM

VALUE = re.compile(r"crm_[A-Za-z0-9_-]{43}")
FORM = {"name": "Sistema nacional de seguimiento", "scopes": ["status:write"], "days": "30"}


@pytest.fixture(autouse=True)
def english(client):
    """Source strings, whatever the Spanish catalogue translates."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def snapshot() -> dict:
    """Every row of every table: equal before and after means nothing was written."""
    db.session.expire_all()
    return {t.name: sorted(map(repr, db.session.execute(sa.select(t)).all()))
            for t in db.metadata.sorted_tables}


def tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def token_of(user, name: str = "Otro sistema", scopes=("status:write",)) -> tuple[ApiToken, str]:
    return create_token(SYSTEM, db.session.get(User, user.id), name=name, scopes=list(scopes))


# -- the account page -----------------------------------------------------------------

def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(client, auth, acting_as):
    focal = acting_as("focal_point")
    response = auth.post("/account/tokens", FORM)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    (value,) = set(VALUE.findall(page))
    assert "will not be shown again" in page and f"Authorization: Bearer {value}" in page
    assert 'href="/api/v1/openapi.json"' in page
    (token,) = tokens()
    assert token.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert (token.user_id, token.country.iso3, token.scopes) == (focal.id, "MEX", "status:write")
    assert dt.timedelta(days=29) < token.expires_at - utcnow() <= dt.timedelta(days=30)
    assert value not in repr(snapshot())  # neither the token row nor the admin log hold it
    with client.session_transaction() as session:
        assert value not in repr(dict(session))
    assert all(value not in c for c in response.headers.getlist("Set-Cookie"))
    later = client.get("/account/tokens").get_data(as_text=True)
    assert value not in later and token.prefix in later and "active" in later
    assert token_for(f"Bearer {value}").id == token.id


@pytest.mark.parametrize("fields, error", [
    ({"scopes": []}, "Choose what the token may do"),
    ({"scopes": ["admin:write"]}, "is not a valid choice"),
    ({"scopes": ["status:write", "status:read"]}, "is not a valid choice"),
    ({"days": "0"}, "A token lasts from 1 to 366 days."),
    ({"days": "367"}, "A token lasts from 1 to 366 days."),
    ({"days": "-5"}, "A token lasts from 1 to 366 days."),
    ({"days": "99999999999999999999999"}, "A token lasts from 1 to 366 days."),
    ({"days": "ninety"}, "Not a valid integer value."),
    ({"days": ""}, "This field is required."),
    ({"name": "   "}, "This field is required."),
    ({"name": "x" * 101}, "Field cannot be longer than 100 characters."),
])
def test_a_refused_token_writes_nothing(auth, acting_as, fields, error):
    acting_as("focal_point")
    before = snapshot()
    response = auth.post("/account/tokens", {**FORM, **fields})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and error in page and "Traceback" not in page
    assert not VALUE.search(page)
    assert snapshot() == before


def test_both_scopes_and_the_default_lifetime(auth, acting_as):
    acting_as("secretariat")
    response = auth.post("/account/tokens", {"name": "Scripts", "days": "90",
                                             "scopes": ["evidence:write", "status:write"]})
    assert response.status_code == 200
    (token,) = tokens()
    assert token.scope_list == ["evidence:write", "status:write"]
    assert token.country_id is None  # a secretariat token writes for every country
    assert 'value="90"' in auth.client.get("/account/tokens").get_data(as_text=True)


def test_a_focal_point_sees_only_their_tokens(client, acting_as):
    focal = acting_as("focal_point")
    token_of(focal, "Mío")
    token_of(make_user("focal_point", country="GTM"), "Ajeno de Guatemala")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Mío" in page and "Ajeno de Guatemala" not in page


def test_a_focal_point_revokes_their_own_token(client, auth, acting_as):
    focal = acting_as("focal_point")
    token, value = token_of(focal)
    response = auth.post(f"/account/tokens/{token.id}/revoke", token_from="/account/tokens")
    assert response.status_code == 302 and response.headers["Location"] == "/account/tokens"
    (revoked,) = tokens()
    assert revoked.revoked_at is not None and revoked.revoked_by_id == focal.id
    with pytest.raises(TokenInvalid):
        token_for(f"Bearer {value}")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "revoked" in page and f"/account/tokens/{token.id}/revoke" not in page
    # Twice changes nothing more.
    before = snapshot()
    assert auth.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert snapshot() == before


def test_a_focal_point_cannot_revoke_another_ones_token(auth, acting_as):
    acting_as("focal_point")
    other, value = token_of(make_user("focal_point", country="MEX"))
    before = snapshot()
    for path in (f"/account/tokens/{other.id}/revoke", f"/admin/tokens/{other.id}/revoke"):
        assert auth.post(path).status_code == 403
    assert snapshot() == before
    assert token_for(f"Bearer {value}").id == other.id
    assert auth.post("/account/tokens/999999/revoke").status_code == 404


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("auditor", 403),
                                             ("focal_point", 200), ("secretariat", 200)])
def test_who_has_a_token_page(client, acting_as, role, expected):
    acting_as(role)
    response = client.get("/account/tokens")
    assert response.status_code == expected
    if expected == 302:
        assert response.headers["Location"].startswith("/login")
    home = client.get("/").get_data(as_text=True)
    assert ('href="/account/tokens"' in home) == (expected == 200)


# -- who may: every POST route of the account page x every role -------------------------

def _create(user):
    return "/account/tokens", FORM


def _revoke(user):
    owner = user or make_user("focal_point", country="GTM")  # anonymous: someone's token
    token, _ = token_of(owner)
    return f"/account/tokens/{token.id}/revoke", {}


POST_ROUTES = {"create token": _create, "revoke own token": _revoke}
ROLES = ["anonymous", "auditor", "focal_point", "secretariat", "deactivated"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_only_token_holders_may_post(auth, acting_as, route, role):
    user = acting_as(role)
    if role in ("auditor", "deactivated"):  # they cannot hold one: someone else's token
        user = None if route == "revoke own token" else user
    path, data = POST_ROUTES[route](user)
    before = snapshot()
    response = auth.post(path, data)
    if role in ("focal_point", "secretariat"):
        assert response.status_code in (200, 302)
        assert snapshot() != before
    else:
        assert_refused(response, "anonymous" if role == "deactivated" else role)
        assert snapshot() == before


@pytest.mark.parametrize("route", POST_ROUTES)
def test_missing_csrf_token_is_refused(client, acting_as, route):
    user = acting_as("focal_point")
    path, data = POST_ROUTES[route](user)
    before = snapshot()
    assert client.post(path, data=data).status_code == 400
    assert snapshot() == before


# -- the secretariat's list ------------------------------------------------------------

def test_the_secretariat_sees_and_revokes_every_token(client, auth, acting_as):
    secretariat = acting_as("secretariat")
    mexico = make_user("focal_point", country="MEX", email="fp.mex@example.org")
    guatemala = make_user("focal_point", country="GTM", email="fp.gtm@example.org")
    mine, _ = token_of(mexico, "Sistema de México")
    theirs, value = token_of(guatemala, "Sistema de Guatemala",
                             scopes=("status:write", "evidence:write"))
    assert 'href="/admin/tokens"' in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/tokens").get_data(as_text=True)
    for text in ("fp.mex@example.org", "Sistema de México", mine.prefix, "MEX",
                 "fp.gtm@example.org", "Sistema de Guatemala", theirs.prefix, "GTM",
                 "evidence:write"):
        assert text in page
    response = auth.post(f"/admin/tokens/{theirs.id}/revoke", token_from="/admin/tokens")
    assert response.status_code == 302
    revoked = db.session.get(ApiToken, theirs.id)
    assert revoked.revoked_by_id == secretariat.id
    with pytest.raises(TokenInvalid):
        token_for(f"Bearer {value}")
    assert db.session.get(ApiToken, mine.id).revoked_at is None
    action = db.session.scalars(sa.select(AdminAction).order_by(AdminAction.id.desc())).first()
    assert (action.action, action.actor_id) == ("token.revoke", secretariat.id)


# -- the checks a request's token goes through ------------------------------------------

def test_an_expired_token_or_a_deactivated_owner_opens_nothing(app, seeded):
    focal = make_user("focal_point", country="MEX")
    token, value = token_of(focal)
    assert token_for(f"Bearer {value}").id == token.id
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(TokenInvalid):
        token_for(f"Bearer {value}")
    token.expires_at = utcnow() + dt.timedelta(days=1)
    db.session.commit()
    users.deactivate_user(SYSTEM, db.session.get(User, focal.id))
    with pytest.raises(TokenInvalid):
        token_for(f"Bearer {value}")
    for header in (None, "", value, f"Basic {value}", f"Bearer {value}x", "Bearer crm_"):
        with pytest.raises(TokenInvalid):
            token_for(header)


# -- the command line ---------------------------------------------------------------------

def test_the_command_line_makes_lists_and_revokes(runner, seeded):
    focal = make_user("focal_point", country="MEX", email="fp@example.org")
    result = runner.invoke(args=["tokens", "create", "FP@example.org", "--name", "SIMORE",
                                 "--scope", "status:write", "--scope", "evidence:write",
                                 "--days", "10"])
    assert result.exit_code == 0, result.output
    value = result.stdout.strip()
    assert VALUE.fullmatch(value)
    token = token_for(f"Bearer {value}")
    assert (token.user_id, token.name, token.scopes) == (focal.id, "SIMORE",
                                                        "evidence:write status:write")
    assert f"Token {token.id} for fp@example.org" in result.stderr
    assert token.expires_at - utcnow() <= dt.timedelta(days=10)
    listing = runner.invoke(args=["tokens", "list", "fp@example.org"]).output
    assert token.prefix in listing and "MEX" in listing and "active" in listing
    assert value not in listing
    result = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert result.exit_code == 0 and "Revoked" in result.output
    with pytest.raises(TokenInvalid):
        token_for(f"Bearer {value}")
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output


# The operator reads the services' refusals in the site's default language, Spanish.
@pytest.mark.parametrize("args, error", [
    (["nobody@example.org", "--scope", "status:write"], "No account"),
    (["auditor@example.org", "--scope", "status:write"], "Solo un punto focal o la secretaría"),
    (["fp@example.org", "--scope", "admin"], "--scope status:write or evidence:write"),
    (["fp@example.org", "--scope", "status:write", "--days", "0"], "de 1 a 366 días"),
    (["fp@example.org", "--scope", "status:write", "--days", "400"], "de 1 a 366 días"),
    (["fp@example.org", "--scope", "status:write", "--days", "many"], "de 1 a 366 días"),
    (["former@example.org", "--scope", "status:write"], "Solo un punto focal o la secretaría"),
])
def test_the_command_line_refuses_and_writes_nothing(runner, seeded, args, error):
    make_user("focal_point", country="MEX", email="fp@example.org")
    make_user("auditor", email="auditor@example.org")
    make_user("focal_point", country="GTM", email="former@example.org", active=False)
    before = snapshot()
    result = runner.invoke(args=["tokens", "create", *args, "--name", "X"])
    assert result.exit_code == 1 and error in result.output, result.output
    assert "Traceback" not in result.output and not VALUE.search(result.output)
    assert snapshot() == before


def test_revoking_an_unknown_token_at_the_command_line(runner, seeded):
    for token_id in ("12345", "99999999999"):
        result = runner.invoke(args=["tokens", "revoke", token_id])
        assert result.exit_code == 1 and "No token" in result.output
