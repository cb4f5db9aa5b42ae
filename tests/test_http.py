"""HTTP done properly, over the real app: compressed answers with validators that still give
304, HEAD answered as GET, Vary only on what an answer depends on, the open data readable
from any origin, ?lang= on pages, feed and calendar, robots.txt, a description per page."""

import datetime as dt
import gzip
import re
import urllib.robotparser

import brotli
import pytest
import sqlalchemy as sa
from factories import make_user, report_status
from lxml import html as lxml_html

from tracker.extensions import db
from tracker.models import Commitment
from tracker.public.site_routes import ROBOTS_TXT

DECOMPRESS = {"gzip": gzip.decompress, "br": brotli.decompress}
# One of each media type; the exports are streamed while written the first time, then sent
# from their file.
COMPRESSED = [("/", "text/html"), ("/api/v1/commitments?per_page=100", "application/json"),
              ("/export/commitments.csv", "text/csv"), ("/export/history.csv", "text/csv"),
              ("/feed.atom", "application/atom+xml"), ("/calendar.ics", "text/calendar")]
PUBLIC_URLS = ["/", "/commitments?country=MEX", "/commitments/MT1-R01-MEX", "/matrix", "/map",
               "/countries/MEX", "/indicators", "/style", "/data", "/api/v1/stats",
               "/export/commitments.csv", "/export/commitments.xlsx", "/feed.atom",
               "/calendar.ics", "/favicon.ico", "/robots.txt", "/static/css/tracker.css"]
# What a cache or a client reads of an answer; Date, request ids and rate-limit counters
# differ between any two requests.
HEADERS = ("Cache-Control", "ETag", "Vary", "Content-Type", "Content-Length",
           "Content-Encoding", "Content-Disposition", "Last-Modified", "X-Ledger-Head",
           "Access-Control-Allow-Origin")


@pytest.fixture
def public_data(seeded):
    """The seed with a few updates (the feed has entries) and due dates (the calendar has
    events): every export is big enough to be worth compressing."""
    secretariat = make_user("secretariat", country=None)
    for code in ("MT1-R01-MEX", "MT1-R03-MEX", "MT1-R01-GTM"):
        report_status(secretariat, code, "in_progress", 40, "Avance informado en la reunión")
    for number, item in enumerate(db.session.scalars(
            sa.select(Commitment).order_by(Commitment.code).limit(20))):
        item.due_date = dt.date(2027, 1, 1) + dt.timedelta(days=number)
    db.session.commit()


def vary(response) -> set[str]:
    return {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def read(response) -> bytes:
    """The whole body, closing the answer (a streamed export holds its request open)."""
    try:
        return response.get_data()
    finally:
        response.close()


@pytest.mark.parametrize("encoding", sorted(DECOMPRESS))
@pytest.mark.parametrize("path, mimetype", COMPRESSED)
def test_each_text_answer_is_compressed_with_its_own_etag_and_still_answers_304(
        client, public_data, count_queries, path, mimetype, encoding):
    asks = {"Accept-Encoding": encoding}
    first = client.get(path, headers=asks)  # an export: streamed (compressed) and written
    packed = read(first)
    again = client.get(path, headers=asks)  # an export: sent from its file
    plain = client.get(path)
    assert read(plain) == DECOMPRESS[encoding](packed) == DECOMPRESS[encoding](read(again))
    assert first.mimetype == plain.mimetype == mimetype
    assert first.headers["Content-Encoding"] == again.headers["Content-Encoding"] == encoding
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in vary(first) and "Accept-Encoding" in vary(plain)
    assert len(packed) < len(read(plain))
    # A compressed body is another representation: its own strong ETag, the same each time.
    etag = first.headers["ETag"]
    assert etag == again.headers["ETag"] == plain.headers["ETag"][:-1] + f':{encoding}"'
    for held in (etag, plain.headers["ETag"], f"W/{plain.headers['ETag']}"):  # W/: nginx's
        unchanged = client.get(path, headers={**asks, "If-None-Match": held})
        assert unchanged.status_code == 304 and read(unchanged) == b""
        assert unchanged.headers["ETag"] == held.removeprefix("W/")
        assert "Accept-Encoding" in vary(unchanged)
    if path != "/":  # the API and the exports answer it before any work
        with count_queries() as statements:
            assert client.get(path, headers={**asks, "If-None-Match": etag}).status_code == 304
        assert len(statements) == 1 and "data_version" in statements[0]


@pytest.mark.parametrize("encoding", sorted(DECOMPRESS))
def test_a_streamed_csv_stays_streamed_when_compressed(client, public_data, encoding):
    streamed = client.get("/export/history.csv", headers={"Accept-Encoding": encoding})
    assert streamed.is_streamed and "Content-Length" not in streamed.headers
    body = DECOMPRESS[encoding](read(streamed))
    assert body.startswith("\ufeff".encode()) and body == read(client.get("/export/history.csv"))
    # From its file: compressed as it is read, never read whole to count its length.
    kept = client.get("/export/history.csv", headers={"Accept-Encoding": encoding})
    assert kept.is_streamed and "Content-Length" not in kept.headers
    assert DECOMPRESS[encoding](read(kept)) == body


def test_a_range_is_never_compressed_and_a_compressed_answer_offers_none(client, public_data):
    whole = read(client.get("/export/history.csv"))  # now kept as a file
    packed = client.get("/export/history.csv", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br" and "Accept-Ranges" not in packed.headers
    read(packed)
    part = client.get("/export/history.csv", headers={"Accept-Encoding": "br",
                                                      "Range": "bytes=3-99"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers
    assert read(part) == whole[3:100]


def test_small_answers_and_binary_files_are_not_compressed(client, public_data):
    small = client.get("/api/v1/themes/NO-SUCH", headers={"Accept-Encoding": "br"})
    assert small.status_code == 404 and "Content-Encoding" not in small.headers
    workbook = client.get("/export/commitments.xlsx", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in workbook.headers and "Accept-Encoding" not in vary(workbook)
    read(workbook)


@pytest.mark.parametrize("encoding", ["", "br"])
def test_head_answers_with_the_headers_of_get(client, public_data, encoding):
    asks = {"Accept-Encoding": encoding} if encoding else {}
    for path in PUBLIC_URLS:
        read(client.get(path, headers=asks))  # the exports: written to their files
        head = client.head(path, headers=asks)
        get = client.get(path, headers=asks)
        assert head.status_code == get.status_code == 200, path
        assert read(head) == b"" and read(get), path
        assert {h: head.headers.get(h) for h in HEADERS} == \
            {h: get.headers.get(h) for h in HEADERS}, path
        assert head.headers.get("ETag") and head.headers.get("Cache-Control"), path
        unchanged = client.head(path, headers={**asks, "If-None-Match": get.headers["ETag"]})
        assert unchanged.status_code == 304, path


def test_vary_names_only_what_each_answer_depends_on(client, public_data, auth):
    asks = {"Accept-Encoding": "br"}

    def varies(path: str) -> set[str]:
        response = client.get(path, headers=asks)
        read(response)
        return vary(response)
    # A page: the session (a logged-in reader's header) and the language, unless fixed.
    assert varies("/commitments") == {"Cookie", "Accept-Language", "Accept-Encoding"}
    assert varies("/commitments?lang=en") == {"Cookie", "Accept-Encoding"}
    # A translated export: the language only, from the cookie or the browser, or neither.
    assert varies("/feed.atom") == varies("/calendar.ics") == {
        "Cookie", "Accept-Language", "Accept-Encoding"}
    assert varies("/feed.atom?lang=en") == varies("/calendar.ics?lang=es") == {"Accept-Encoding"}
    # The same for everyone: a CSV, the API, static files, the icon, robots.txt.
    for path in ("/export/commitments.csv", "/export/indicators.csv",
                 "/api/v1/commitments?per_page=100", "/static/css/tracker.css",
                 "/favicon.ico", "/robots.txt"):
        assert "Cookie" not in varies(path) and "Accept-Language" not in varies(path), path
    assert varies("/export/commitments.xlsx") == set()  # a workbook is compressed already
    # Logged in: the pages are the reader's own; the shared answers stay shared and do not
    # refresh the session cookie.
    auth.login(make_user("focal_point", country="MEX").email)
    page = client.get("/commitments", headers=asks)
    assert page.headers["Cache-Control"] == "private, no-store" and "Cookie" in vary(page)
    for path in ("/export/commitments.csv", "/static/css/tracker.css"):
        shared = client.get(path, headers=asks)
        read(shared)
        assert "Cookie" not in vary(shared) and "Set-Cookie" not in shared.headers, path


@pytest.mark.parametrize("path", ["/export/commitments.csv", "/export/history.csv",
                                  "/export/indicators.csv", "/feed.atom", "/calendar.ics",
                                  "/api/v1/stats"])
def test_the_open_data_is_readable_from_any_origin(client, public_data, path):
    origin = {"Origin": "https://observatorio.example.org"}
    response = client.get(path, headers=origin)
    read(response)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert "ETag" in exposed and ("X-Ledger-Head" in exposed or path.startswith("/api/"))
    preflight = client.options(path, headers={
        **origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match, accept-language"})
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "if-none-match" in allowed and "accept-language" in allowed
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0
    assert "Cookie" not in vary(preflight) and "Set-Cookie" not in preflight.headers


def test_pre_flights_do_not_spend_the_exports_budget(app, client, public_data):
    app.config["EXPORT_RATE_LIMIT"] = "2 per minute"
    for _ in range(3):
        assert client.options("/export/commitments.csv", headers={
            "Origin": "https://observatorio.example.org",
            "Access-Control-Request-Method": "GET"}).status_code == 200
    for _ in range(2):
        assert client.get("/export/commitments.csv").status_code == 200
    refused = client.get("/export/commitments.csv", headers={"Origin": "https://x.example"})
    # A script is told when to come back.
    assert refused.status_code == 429 and refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]


def test_pages_are_not_open_to_other_origins(client, public_data):
    response = client.get("/commitments", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def html_lang(response) -> str:
    return lxml_html.fromstring(response.get_data()).get("lang")


def test_lang_in_the_url_fixes_a_pages_language(client, public_data):
    assert html_lang(client.get("/commitments?lang=en", headers={"Accept-Language": "es"})) == "en"
    client.set_cookie("lang", "en")  # the switcher's choice, overridden by the link
    assert html_lang(client.get("/commitments?lang=es")) == "es"
    assert html_lang(client.get("/commitments")) == "en"
    client.delete_cookie("lang")
    for ignored in ("fr", "", "EN"):  # ignored, as an unknown parameter is
        response = client.get(f"/commitments?lang={ignored}", headers={"Accept-Language": "en"})
        assert response.status_code == 200 and html_lang(response) == "en"
    # Its links to subscribe keep the page's language; the switch drops the URL's.
    page = client.get("/commitments?country=MEX&lang=en").get_data(as_text=True)
    assert re.search(r'href="/feed\.atom\?[^"]*lang=en', page)
    assert re.search(r'href="/calendar\.ics\?[^"]*lang=en', page)
    switched = client.get("/language/es?next=/commitments?country%3DMEX%26lang%3Den")
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/commitments?country=MEX"
    assert html_lang(client.get(switched.headers["Location"])) == "es"


def test_lang_in_the_url_fixes_the_feeds_and_the_calendars_language(client, public_data):
    english = client.get("/feed.atom?country=MEX&lang=en", headers={"Accept-Language": "es"})
    body = read(english)
    feed = lxml_html.etree.fromstring(body)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    self_link = feed.find("{http://www.w3.org/2005/Atom}link[@rel='self']").get("href")
    assert self_link.endswith("/feed.atom?country=MEX&lang=en")
    # The same file and ETag as for a reader whose browser asks for English.
    by_browser = client.get("/feed.atom?country=MEX", headers={"Accept-Language": "en"})
    assert read(by_browser) == body and by_browser.headers["ETag"] == english.headers["ETag"]
    calendar = read(client.get("/calendar.ics?lang=en", headers={"Accept-Language": "es"}))
    assert b"Due dates of the CRM commitments" in calendar
    spanish = read(client.get("/calendar.ics?lang=es", headers={"Accept-Language": "en"}))
    assert b"Due dates of the CRM commitments" not in spanish
    # The feed every page offers is in the page's language.
    page = client.get("/?lang=en").get_data(as_text=True)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" '
                     r'href="/feed\.atom\?lang=en"', page)


def test_robots_txt_lets_crawlers_read_the_public_site_only(app, client, public_data):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain" and "public" in response.headers["Cache-Control"]
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(response.get_data(as_text=True).splitlines())
    for path in ("/", "/commitments?country=MEX", "/commitments/MT1-R01-MEX", "/countries/MEX",
                 "/matrix", "/indicators", "/sources/x", "/reports", "/feed.atom",
                 "/export/commitments.csv", "/api/v1/commitments", "/static/css/tracker.css"):
        assert robots.can_fetch("*", path), path
    for path in ("/admin/", "/my/commitments", "/account/password", "/login", "/reset",
                 "/language/en?next=/", "/reports/summary.pdf", "/unsubscribe/t"):
        assert not robots.can_fetch("*", path), path
    # Every line still names routes the app has: a renamed area cannot slip out of it.
    rules = [re.sub(r"<[^>]+>", "x", rule.rule) for rule in app.url_map.iter_rules()]
    for line in ROBOTS_TXT.splitlines():
        if line.startswith("Disallow: "):
            pattern = re.escape(line.removeprefix("Disallow: ")).replace(r"\*", "[^/]+")
            assert any(re.match(pattern, rule) for rule in rules), line


PAGES = ["/", "/commitments", "/commitments/MT1-R01-MEX", "/commitments/MT1-R03-GTM",
         "/matrix", "/map", "/countries/MEX", "/countries/GTM", "/indicators", "/style",
         "/reports", "/data"]


def description(response) -> str:
    found = lxml_html.fromstring(response.get_data()).xpath("//meta[@name='description']")
    assert len(found) == 1
    return found[0].get("content")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_public_page_describes_itself(client, public_data, lang):
    texts = {path: description(client.get(f"{path}?lang={lang}" if "?" not in path
                                          else f"{path}&lang={lang}")) for path in PAGES}
    assert all(len(text) > 40 for text in texts.values()), texts
    assert len(set(texts.values())) == len(PAGES), texts  # each its own
    assert "MT1-R01-MEX" in texts["/commitments/MT1-R01-MEX"]
    other = "en" if lang == "es" else "es"
    assert description(client.get(f"/?lang={other}")) != texts["/"]
