"""Every ``<time datetime>`` on the pages that show dates is a value HTML accepts (a date, or
a global date and time with at most three digits of a second: a column's microseconds are
not), and names the same instant as the text beside it, to the second, in UTC."""

import datetime as dt
import re

from factories import make_observation, make_user, report_status

from tracker.accounts.api_tokens import create_token
from tracker.audit.observations import answer_observation
from tracker.core.dates import html_datetime
from tracker.models import StatusEvent
from tracker.permissions import SYSTEM

# HTML's "valid date string" and "valid global date and time string" (section 2.3.5).
HTML_DATE = r"\d{4,}-\d\d-\d\d"
HTML_GLOBAL = HTML_DATE + r"[T ]\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:?\d\d)"
VALID = re.compile(f"{HTML_DATE}|{HTML_GLOBAL}")
TIME = re.compile(r'<time datetime="([^"]*)"')


def datetimes(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return TIME.findall(response.get_data(as_text=True))


def test_time_elements_hold_valid_html_instants(client, auth, seeded):
    focal, auditor = make_user("focal_point", country="MEX"), make_user("auditor", country=None)
    secretariat = make_user("secretariat", country=None)
    event = report_status(focal, "MT1-R03-MEX", "in_progress", 40, "Avance")
    assert isinstance(event, StatusEvent) and event.at.microsecond  # what .isoformat() wrote
    answer_observation(focal, make_observation(auditor, "MT1-R03-MEX"), "Respuesta")
    create_token(SYSTEM, focal, name="Sistema nacional", scopes=["status:write"])
    pages = {None: ["/", "/commitments/MT1-R03-MEX", "/countries/MEX"],
             focal: ["/account/tokens"], auditor: ["/my/observations"],
             secretariat: ["/admin/", "/admin/reminders", "/admin/tokens"]}
    found: dict[str, list[str]] = {}
    for user, paths in pages.items():
        if user is not None:
            assert auth.login(user.email).status_code == 302
        found.update({path: datetimes(client, path) for path in paths})
        if user is not None:
            auth.logout()
    assert all(found[path] for path in ("/", "/commitments/MT1-R03-MEX", "/my/observations",
                                        "/account/tokens"))
    invalid = {path: [v for v in values if not VALID.fullmatch(v)]
               for path, values in found.items()}
    assert invalid == {path: [] for path in found}
    second = html_datetime(event.at)
    assert second == f"{event.at:%Y-%m-%dT%H:%M:%S}Z"
    assert second in found["/commitments/MT1-R03-MEX"] and second in found["/"]


def test_html_datetime_writes_days_and_instants_html_accepts():
    instant = dt.datetime(2026, 12, 2, 1, 1, 7, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    assert html_datetime(instant) == "2026-12-02T07:01:07Z"
    assert html_datetime(dt.date(2026, 12, 2)) == "2026-12-02"
    assert html_datetime(None) == ""
    assert not VALID.fullmatch(instant.isoformat())  # six digits of a second: not HTML
