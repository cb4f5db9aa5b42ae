"""The pages' pickers: every choice, the chosen one marked, labels escaped, and the same
answer from the cache as from the data (rendered once per version, language and choice)."""

import datetime as dt
import re

from factories import make_people

from tracker.commitments.administration import create_meeting


def options(html: str, select_id: str) -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, bool(selected), label) for value, selected, label in re.findall(
        r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)]


def test_meeting_pickers_list_every_meeting_and_mark_the_chosen_one(client, seeded):
    secretariat = make_people()["secretariat"]
    create_meeting(secretariat, code="XXX-2027", name='Reunión <b>"técnica"</b>',
                   held_on=dt.date(2027, 3, 1))
    html = client.get("/commitments?meeting=crm-salon-londres").get_data(as_text=True)
    listed = options(html, "meeting")
    assert sorted(v for v, _, _ in listed) == ["", "XXX-2027", "crm-salon-londres"]
    assert [v for v, chosen, _ in listed if chosen] == ["crm-salon-londres"]
    assert ("XXX-2027", False, "Reunión &lt;b&gt;&#34;técnica&#34;&lt;/b&gt;") in listed

    # The matrix lists the latest first and marks the one shown; a second request, from
    # the cache, marks another one when another is asked for.
    matrix = options(client.get("/matrix").get_data(as_text=True), "meeting")
    assert matrix[0][:2] == ("XXX-2027", True)
    chosen = options(client.get("/matrix?meeting=crm-salon-londres").get_data(as_text=True),
                     "meeting")
    assert [v for v, c, _ in chosen if c] == ["crm-salon-londres"]


def test_a_new_meeting_appears_in_the_pickers_at_once(client, seeded):
    before = options(client.get("/commitments").get_data(as_text=True), "meeting")
    create_meeting(make_people()["secretariat"], code="NEW-2027")
    after = options(client.get("/commitments").get_data(as_text=True), "meeting")
    assert len(after) == len(before) + 1 and ("NEW-2027", False, "NEW-2027") in after
    english = options(client.get("/commitments", headers={"Accept-Language": "en"})
                      .get_data(as_text=True), "country")
    assert ("MEX", False, "Mexico") in english


def test_a_meeting_code_with_control_characters_names_no_meeting(client, seeded):
    for code in ("%00", "crm-salon-londres%00", "%1b[31m"):
        response = client.get(f"/matrix?meeting={code}")
        assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)
