"""Logged-in readers get the public part of a page from the cache the anonymous page uses,
inside their own header: the same content, never another reader's header, never stale."""

import re

import pytest
from factories import report_status

PAGES = ["/commitments?country=MEX", "/matrix", "/countries/MEX"]


def main_part(html: str) -> str:
    return re.search(r"<main[^>]*>(.*)</main>", html, re.S).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_a_logged_in_reader_sees_the_public_content_in_their_own_header(
        app, client, acting_as, path):
    anonymous = app.test_client().get(path).get_data(as_text=True)  # fills the cache
    user = acting_as("focal_point")
    mine = client.get(path).get_data(as_text=True)
    assert main_part(mine) == main_part(anonymous)
    assert "logout" in mine and "logout" not in anonymous
    assert user.email not in anonymous
    again = app.test_client().get(path).get_data(as_text=True)  # the content, not my page
    assert "logout" not in again


def test_a_write_shows_at_once_to_logged_in_readers(client, acting_as, people):
    acting_as("focal_point")
    before = client.get("/commitments?country=MEX").get_data(as_text=True)
    assert 'status-stalled' not in main_part(before)
    report_status(people["secretariat"], "MT1-R01-MEX", "stalled", progress=5)
    after = client.get("/commitments?country=MEX").get_data(as_text=True)
    assert 'status-stalled' in main_part(after)


def test_my_commitments_is_shared_by_country_only(app, seeded, auth):
    from conftest import AuthActions
    from factories import make_user

    pages = {}
    for iso3 in ("MEX", "GTM", "MEX"):
        browser = app.test_client()
        AuthActions(browser).login(make_user("focal_point", country=iso3).email)
        pages.setdefault(iso3, []).append(browser.get("/my/commitments").get_data(as_text=True))
    assert "-GTM" in main_part(pages["GTM"][0]) and "-MEX" not in main_part(pages["GTM"][0])
    assert "-MEX" in main_part(pages["MEX"][0])
    assert main_part(pages["MEX"][0]) == main_part(pages["MEX"][1])


def test_the_commitment_page_shares_its_head_and_history_never_the_readers_forms(
        app, client, acting_as):
    from factories import commitment
    from workflow_helpers import add_restricted_evidence

    focal = acting_as("focal_point")
    add_restricted_evidence(focal, commitment("MT1-R01-MEX"))
    report_status(focal, "MT1-R01-MEX", "in_progress", progress=40, note="Avance del plan")
    mine = client.get("/commitments/MT1-R01-MEX").get_data(as_text=True)  # fills the cache
    anonymous = app.test_client().get("/commitments/MT1-R01-MEX").get_data(as_text=True)
    for page in (mine, anonymous):
        assert "Avance del plan" in page and "40 %" in page  # the shared history and facts
    assert 'id="update-heading"' in mine and "Lista secreta de víctimas" in mine
    assert 'id="update-heading"' not in anonymous and "csrf_token" not in anonymous
    assert "Lista secreta de víctimas" not in anonymous
    shared = main_part(anonymous).split('<section aria-labelledby="history-heading">')[1]
    assert shared in main_part(mine)  # the history and siblings, as the cache gave them
