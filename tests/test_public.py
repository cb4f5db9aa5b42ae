"""Public pages: the dashboard's numbers equal the database's, in both languages; the list's
filters, search and pages; the language switcher; a fixed number of queries."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from factories import make_user

from tracker.extensions import cache, db
from tracker.models import Commitment, Status, StatusEvent

ROW = re.compile(r'<tr data-key="([^"]+)">\s*<th scope="row">[^<]*</th>(.*?)</tr>', re.S)
CELL = re.compile(r"<td>([^<]*)</td>")


def number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def table_counts(html: str, caption: str) -> dict[str, list[int]]:
    """{row key: [count per status..., total]} of the table with this caption."""
    section = html[html.index(caption):]
    section = section[: section.index("</table>")]
    # (the progress cell holds a progress bar, not a plain number: CELL leaves it out)
    return {key: [number(c) for c in CELL.findall(cells)]
            for key, cells in ROW.findall(section)}


def independent_counts(group_sql: str) -> dict[str, list[int]]:
    """The same breakdown computed with plain SQL, sharing no code with the app."""
    rows = db.session.execute(sa.text(
        f"SELECT {group_sql} AS k, c.status, count(*) FROM commitment c "
        "JOIN country ON country.id = c.country_id "
        "JOIN recommendation r ON r.id = c.recommendation_id "
        "JOIN theme ON theme.id = r.theme_id GROUP BY k, c.status")).all()
    result: dict[str, list[int]] = {}
    order = [s.value for s in Status]
    for key, status, count in rows:
        result.setdefault(key, [0] * (len(order) + 1))
        result[key][order.index(status)] = count
        result[key][-1] += count
    return result


@pytest.fixture
def reported(seeded):
    """Some reports, so the breakdowns are not all 'not reported'."""
    changes = {"MT1-R01-MEX": (Status.IN_PROGRESS, 50), "MT1-R01-GTM": (Status.COMPLETED, None),
               "MT3-R09-CRI": (Status.STALLED, 10), "MT2-R02-CRM": (Status.NOT_STARTED, None),
               "MT1-R08-MEX": (Status.COMPLETED, 100)}
    for code, (status, progress) in changes.items():
        c = db.session.scalar(sa.select(Commitment).filter_by(code=code))
        c.events.append(StatusEvent(from_status=c.status, to_status=status, progress=progress,
                                    note="Informe"))
        c.status, c.progress = status, progress
    overdue = db.session.scalar(sa.select(Commitment).filter_by(code="MT3-R01-HND"))
    overdue.due_date = dt.date.today() - dt.timedelta(days=5)
    db.session.commit()


@pytest.mark.parametrize("language, caption", [
    ("es", "Compromisos por país y estado"), ("en", "Commitments by country and status")])
def test_dashboard_numbers_equal_the_database(client, reported, language, caption):
    html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert table_counts(html, caption) == independent_counts("country.iso3")
    totals = dict(db.session.execute(sa.text(
        "SELECT status, count(*) FROM commitment GROUP BY status")).all())
    for status in Status:
        shown = re.search(rf'data-total="{status.value}"><a[^>]*>([^<]+)</a>', html).group(1)
        assert number(shown) == totals.get(status.value, 0)
    assert number(re.search(r'data-total="all">([^<]+)<', html).group(1)) == sum(totals.values())
    assert number(re.search(r'data-total="overdue"><a[^>]*>([^<]+)<', html).group(1)) == 1


def test_dashboard_theme_breakdown_equals_the_database(client, reported):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert table_counts(html, "Commitments by theme and status") == independent_counts("theme.code")


def test_dashboard_regional_progress(client, reported):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    expected = round((50 + 100 + 10 + 100) / 277, 1)  # 25 * 11 + 2 commitments (CRM's too)
    shown = re.search(r'data-total="progress"><span class="progress wide" data-progress="([^"]+)"',
                      html).group(1)
    assert float(shown) == expected


def test_dashboard_shows_recent_updates_and_overdue(client, reported):
    html = client.get("/").get_data(as_text=True)
    assert "MT3-R01-HND" in html and "MT1-R01-MEX" in html


def count_rows(html: str) -> int:
    return html.count('<td><a href="/commitments/')


@pytest.mark.parametrize("args, expected_sql", [
    ("country=MEX", "country.iso3 = 'MEX'"),
    ("theme=children", "theme.code = 'children'"),
    ("status=completed", "c.status = 'completed'"),
    ("country=GTM&status=completed", "country.iso3 = 'GTM' AND c.status = 'completed'"),
])
def test_list_filters(client, reported, args, expected_sql):
    expected = db.session.scalar(sa.text(
        "SELECT count(*) FROM commitment c JOIN country ON country.id = c.country_id "
        "JOIN recommendation r ON r.id = c.recommendation_id JOIN theme ON theme.id = r.theme_id "
        f"WHERE {expected_sql}"))
    html = client.get(f"/commitments?{args}&sort=country").get_data(as_text=True)
    assert count_rows(html) == min(expected, 50)
    assert re.search(rf"\b{expected}\b", html)


def test_search_ignores_accents_and_case(client, reported):
    plain = client.get("/commitments?q=ninez").get_data(as_text=True)
    accented = client.get("/commitments?q=NIÑEZ").get_data(as_text=True)
    # "Homologar políticas … niñez" (11 states) and the CRM's MT1-A04 "… Ad-Hoc sobre niñez"
    assert count_rows(plain) == count_rows(accented) == 12
    assert "MT1-R01-MEX" in plain


def test_search_finds_notes(client, reported):
    c = db.session.scalar(sa.select(Commitment).filter_by(code="MT2-R01-PAN"))
    c.events.append(StatusEvent(from_status=c.status, to_status=c.status,
                                note="Financiación aprobada"))
    db.session.commit()
    html = client.get("/commitments?q=financiacion aprobada").get_data(as_text=True)
    assert count_rows(html) == 1 and "MT2-R01-PAN" in html


def test_overdue_filter_and_pages(client, reported):
    assert count_rows(client.get("/commitments?overdue=1").get_data(as_text=True)) == 1
    first = client.get("/commitments").get_data(as_text=True)
    last = client.get("/commitments?page=6").get_data(as_text=True)
    assert count_rows(first) == 50 and count_rows(last) == 277 - 5 * 50
    assert 'rel="next" href="/commitments?page=2"' in first


@pytest.mark.parametrize("args", ["status=done", "page=abc", "page=0", "sort=evil"])
def test_bad_filters_get_a_clear_400(client, seeded, args):
    response = client.get(f"/commitments?{args}")
    assert response.status_code == 400 and "Traceback" not in response.get_data(as_text=True)


def test_language_switcher_remembers_the_choice(client, seeded):
    assert "Compromisos" in client.get("/").get_data(as_text=True)
    response = client.get("/language/en?next=/commitments?country=MEX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/commitments?country=MEX"
    page = client.get("/commitments?country=MEX").get_data(as_text=True)
    assert '<html lang="en">' in page and "Mexico" in page
    for evil in ("https://evil.example/", "//evil.example/", "/%5Cevil.example/"):
        # a browser reads /\evil.example as //evil.example: another site
        assert client.get(f"/language/en?next={evil}").headers["Location"] == "/"
    assert client.get("/language/fr").status_code == 404


def test_public_pages_run_a_fixed_number_of_queries(app, client, seeded, count_queries):
    pages = ["/", "/commitments", "/commitments?q=ninez&country=MEX", "/matrix",
             "/countries/MEX", "/commitments/MT1-R01-MEX", "/commitments?country=CRM",
             "/countries/CRM", "/commitments/MT2-R02-CRM"]

    def queries_per_page():
        cache.clear()  # as in a worker that starts: the past months of the history too
        counts = []
        for page in pages:
            with count_queries() as statements:
                assert client.get(page).status_code == 200
            counts.append(len(statements))
        return counts

    small = queries_per_page()
    for commitment in db.session.scalars(sa.select(Commitment)):  # a bigger history
        for step in range(3):
            commitment.events.append(StatusEvent(from_status=commitment.status,
                                                 to_status=Status.IN_PROGRESS, progress=step))
        commitment.status, commitment.progress = Status.IN_PROGRESS, 2
        commitment.due_date = dt.date.today() - dt.timedelta(days=1)
    db.session.commit()
    assert queries_per_page() == small


def test_matrix_cells_equal_the_database(client, reported):
    html = client.get("/matrix", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-recommendation="([^"]+)">(.*?)</tr>', html, re.S))
    expected = db.session.execute(sa.text(
        "SELECT r.code, c.code, c.status FROM commitment c "
        "JOIN recommendation r ON r.id = c.recommendation_id")).all()
    assert len(rows) == 27  # every recommendation but one recap item without owners
    for rec_code, commitment_code, status in expected:
        assert f'data-status="{status}" href="/commitments/{commitment_code}"' in rows[rec_code]
    progress = re.search(r'data-progress="([\d.]+)"', rows["MT1-R01"]).group(1)
    assert float(progress) == round((50 + 100) / 11, 1)  # MEX 50 %, GTM completed


def test_matrix_in_spanish_shows_status_as_text(client, reported):
    html = client.get("/matrix").get_data(as_text=True)
    assert "México: Cumplido</span>" in html and "México: En curso</span>" in html
    assert client.get("/matrix?meeting=no-such").status_code == 404


def test_country_scorecard(client, reported):
    html = client.get("/countries/mex", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # 25: MT2-R02 and MT1-A04 are the CRM's, MT1-A03 nobody's.
    assert "<h1>Mexico</h1>" in html and html.count('href="/commitments/MT') == 25
    assert client.get("/countries/XYZ").status_code == 404


def test_source_document_highlights_the_quote(client, seeded):
    html = client.get("/commitments/MT3-R11-MEX").get_data(as_text=True)
    link = re.search(r'href="(/sources/trafficking-working-group\?quote=\d+#quote)"', html).group(1)
    source = client.get(link.split("#")[0]).get_data(as_text=True)
    assert '<mark id="quote">Compartir información entre los países.</mark>' in source


def test_public_pages_answer_304_when_unchanged(client, seeded):
    first = client.get("/commitments?country=MEX")
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    again = client.get("/commitments?country=MEX", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "Accept-Language" in first.headers["Vary"]


def test_pages_for_logged_in_users_are_never_cached(client, seeded, auth):
    auth.login(make_user("focal_point", country="MEX").email)
    for path in ("/", "/commitments/MT1-R01-MEX", "/my/commitments"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers
