"""Temporary smoke test of the auth fixtures (replaced by test_auth.py)."""


def test_focal_point_can_log_in_and_out(client, seeded, make_user, auth):
    user = make_user("focal_point", country="MEX")
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/my/commitments"
    page = client.get("/my/commitments").get_data(as_text=True)
    assert "MT1-R03-MEX" in page and "MT1-R03-GTM" not in page
    assert client.get("/commitments/MT1-R03-MEX").status_code == 200
    response = auth.logout()
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert client.get("/my/commitments").status_code == 302
