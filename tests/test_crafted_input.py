"""Crafted requests: each gets a 400, 404, 413 or 415 and writes nothing, never a 500; no
refused value comes back larger than its field, and no control character is stored."""

import io

import pytest
from factories import make_user
from workflow_helpers import snapshot, version_on

from tracker.core.request_checks import MAX_ID

PAGE = "/commitments/MT1-R03-MEX"
TOO_BIG = [str(MAX_ID + 1), str(2**63), "9" * 30]


@pytest.fixture
def secretariat(seeded, auth):
    user = make_user("secretariat")
    auth.login(user.email)
    return user


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize("route", ["/users/{}/deactivate", "/observations/{}/answers",
                                   "/observations/{}/hide", "/my/follows/{}/delete"])
def test_ids_beyond_the_database_integers_are_no_route(client, auth, secretariat, route, number):
    before = snapshot()
    response = auth.post(route.format(number), {"reason": "x", "text": "x"})
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("number", TOO_BIG)
def test_a_download_id_beyond_range_is_a_404(client, seeded, number):
    assert client.get(f"/evidence/{number}/download").status_code == 404


def test_ledger_after_beyond_range_is_a_400_in_json(client, seeded):
    response = client.get(f"/api/v1/ledger?after={MAX_ID + 1}")
    assert response.status_code == 400 and response.is_json
    assert client.get(f"/api/v1/ledger?after={MAX_ID}").get_json()["items"] == []


def test_a_quote_id_beyond_range_is_ignored(client, seeded):
    response = client.get(f"/sources/plenary-working-tables?quote={2**63}")
    assert response.status_code == 200


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20evil=1", "/ok%0aX-Evil:%201",
                                    "/%09tab", "/%7f"])
def test_a_line_break_in_next_is_not_followed(client, seeded, target):
    response = client.get(f"/language/en?next={target}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "evil" not in str(response.headers).lower()


def test_a_json_array_with_a_valid_csrf_token_is_a_415(client, auth, secretariat):
    before = snapshot()
    for body in ([1, 2], {"email": "a@b.org"}, "texto"):
        response = client.post("/logout", json=body, headers={"X-CSRFToken": auth.csrf()})
        assert response.status_code == 415
    assert snapshot() == before


@pytest.mark.parametrize("url", ["https://gob.example/a\r\nb", "https://gob.example/\x00",
                                 "https://gob.example/\x1b[31m", "https://gob.example/\u2028"])
def test_a_link_with_control_characters_is_refused(client, auth, secretariat, url):
    before = snapshot()
    response = auth.post(f"{PAGE}/evidence", {"title": "Informe", "dated": "2026-11-20",
                                              "visibility": "public", "url": url},
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("title", ["Informe\r\nfalso", "Informe\x00", "Informe\x85"])
def test_a_control_character_in_a_one_line_field_is_refused(client, auth, secretariat, title):
    before = snapshot()
    response = auth.post(f"{PAGE}/evidence", {"title": title, "dated": "2026-11-20",
                                              "visibility": "public",
                                              "url": "https://gob.example/informe"},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "control" in page
    assert snapshot() == before


def test_line_breaks_stay_welcome_in_a_note(client, auth, secretariat):
    version = version_on(client.get(PAGE).get_data(as_text=True))
    response = auth.post(f"{PAGE}/status", {"status": "in_progress", "progress": "20",
                                            "note": "Primera línea.\r\nSegunda línea.",
                                            "version": version}, token_from=PAGE)
    assert response.status_code == 302


@pytest.mark.parametrize("content_type", [None, "multipart/form-data"])
def test_a_refused_megabyte_note_is_not_echoed_back(client, auth, secretariat, content_type):
    before = snapshot()
    version = version_on(client.get(PAGE).get_data(as_text=True))
    fields = {"status": "in_progress", "progress": "20", "note": "x" * 1024 * 1024,
              "version": version}
    kwargs = {"content_type": content_type} if content_type else {}
    response = auth.post(f"{PAGE}/status", fields, token_from=PAGE, **kwargs)
    assert response.status_code == 413
    assert len(response.data) < 50_000
    assert snapshot() == before


def test_a_refused_long_note_comes_back_at_its_field_length(client, auth, secretariat):
    version = version_on(client.get(PAGE).get_data(as_text=True))
    response = auth.post(f"{PAGE}/status", {"status": "in_progress", "progress": "20",
                                            "note": "y" * 20_000, "version": version},
                         token_from=PAGE)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "y" * 5000 in page and "y" * 5001 not in page


def test_a_refusal_of_the_whole_form_is_shown_above_it(app):
    """A service's refusal that names no field (refuse(form, Refused(msg))) is read."""
    from flask import render_template_string

    from tracker.core.forms import TrackerForm, refuse
    from tracker.core.refusals import Refused

    with app.test_request_context("/", method="POST"):
        form = TrackerForm(meta={"csrf": False})
        form.validate()
        refuse(form, Refused("Otra persona cambió este compromiso."))
        page = render_template_string('{% from "_forms.html" import form_errors %}'
                                      "{{ form_errors(form) }}", form=form)
    assert "Otra persona cambió este compromiso." in page
    assert "marked fields" not in page and "campos marcados" not in page


def test_a_chunked_url_encoded_form_is_refused_before_it_is_read(client, auth, secretariat):
    before = snapshot()
    body = io.BytesIO(b"status=in_progress&note=" + b"x" * 1024 * 1024)
    response = client.post(f"{PAGE}/status", input_stream=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"})
    assert response.status_code == 411 and len(response.data) < 50_000
    assert snapshot() == before
