"""What a reader does in a real browser, with axe-core on every page reached."""

from urllib.parse import parse_qs, urlsplit

from e2e.conftest import EVIDENCE_CODE, PUBLIC_EVIDENCE, RESTRICTED_EVIDENCE, STATUS_UPDATES

COUNTRY, COUNTRY_ES, COUNTRY_EN = "MEX", "México", "Mexico"
STATUS = "in_progress"
EXPECTED_CODES = sorted(code for code, (status, _, _) in STATUS_UPDATES.items()
                        if status == STATUS and code.endswith(f"-{COUNTRY}"))


def visit(page, path: str):
    response = page.goto(path)
    assert response is not None and response.ok, f"GET {path}: {response and response.status}"
    return response


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def check_dashboard(page, language: str = "es") -> None:
    heading = {"es": "¿Se cumplen las recomendaciones de la CRM?",
               "en": "Are the CRM's recommendations being carried out?"}[language]
    caption = {"es": "Compromisos por país y estado",
               "en": "Commitments by country and status"}[language]
    assert page.get_by_role("heading", level=1).inner_text().strip() == heading
    table = page.locator("table.numbers", has=page.locator("caption", has_text=caption))
    assert table.count() == 1, f"no table captioned {caption!r}"
    # One row per owner in seed_data/: the 11 member states, then the CRM (regional).
    assert table.locator("tbody tr").count() == 12
    assert "CRM (regional)" in table.locator("tbody tr").last.inner_text()
    assert table.locator(f'tbody tr[data-key="{COUNTRY}"]').count() == 1


def filter_commitments(page) -> None:
    """Choose a country and a status in the form and submit it, as a reader would."""
    page.locator("#country").select_option(COUNTRY)
    page.locator("#status").select_option(STATUS)
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()


def check_filtered_list(page) -> list[str]:
    args = query(page)
    assert args.get("country") == [COUNTRY] and args.get("status") == [STATUS], page.url
    rows = page.locator("table.commitments tbody tr")
    assert rows.count() >= 1
    countries = rows.locator("td:nth-child(2)").all_inner_texts()
    assert {c.strip() for c in countries} == {COUNTRY_ES}, countries
    # a badge reads its symbol, then its word
    assert {s.split(maxsplit=1)[-1] for s in
            rows.locator("td:nth-child(4) .status").all_inner_texts()} == {"En curso"}
    codes = sorted(c.strip() for c in rows.locator("td:first-child code").all_inner_texts())
    assert codes == EXPECTED_CODES
    # The form shows the filters it applied.
    assert page.locator("#country").input_value() == COUNTRY
    assert page.locator("#status").input_value() == STATUS
    return codes


def test_dashboard(page, axe):
    visit(page, "/")
    assert html_lang(page) == "es"
    check_dashboard(page)
    # progress by country, a labelled list of bars in text; progress over time, a labelled image
    assert page.locator("ul.progress-chart[aria-labelledby] li").count() == 12
    assert page.locator("svg.progress-history[role=img][aria-labelledby]").count() == 1
    axe(page)


def test_filter_the_list_and_open_a_commitment(page, axe):
    visit(page, "/commitments")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Compromisos"
    axe(page)

    filter_commitments(page)
    codes = check_filtered_list(page)
    axe(page)

    code = codes[0]
    with page.expect_navigation():
        page.locator("table.commitments").get_by_role("link", name=code, exact=True).click()
    assert urlsplit(page.url).path == f"/commitments/{code}"
    assert page.locator("p.breadcrumb code").inner_text() == code
    history = page.locator("section[aria-labelledby=history-heading]")
    assert history.get_by_role("heading", level=2).inner_text() == "Historial"
    events = history.locator("ol.timeline > li")
    assert events.count() == 2  # newest first: the update, then the creation
    status, progress, note = STATUS_UPDATES[code]
    newest = events.nth(0).inner_text()
    assert "En curso" in newest and f"{progress} %" in newest
    assert events.nth(0).locator("p.note").inner_text() == note
    assert "Compromiso creado" in events.nth(1).inner_text()
    assert events.nth(0).locator("time").get_attribute("datetime")
    # An anonymous reader sees the public evidence only.
    evidence = page.locator("section[aria-labelledby=evidence-heading]").inner_text()
    if code == EVIDENCE_CODE:
        assert PUBLIC_EVIDENCE in evidence and RESTRICTED_EVIDENCE not in evidence
    axe(page)


def test_evidence_shown_to_the_public(page, axe):
    visit(page, f"/commitments/{EVIDENCE_CODE}")
    evidence = page.locator("section[aria-labelledby=evidence-heading]")
    assert evidence.get_by_role("link", name=PUBLIC_EVIDENCE).count() == 1
    assert RESTRICTED_EVIDENCE not in evidence.inner_text()
    assert "restringida" not in evidence.inner_text()
    axe(page)


def test_language_switch_persists(page, axe):
    visit(page, "/commitments")  # in the browser's cache, in Spanish
    assert html_lang(page) == "es"
    visit(page, "/")
    assert html_lang(page) == "es"

    with page.expect_navigation():
        page.locator(".language-switch").get_by_role("link", name="English", exact=True).click()
    assert urlsplit(page.url).path == "/"
    assert html_lang(page) == "en"
    check_dashboard(page, "en")
    switch = page.locator(".language-switch")
    assert switch.get_by_role("link", name="Español", exact=True).count() == 1
    axe(page)

    # The choice holds on the next page, even one the browser cached in Spanish.
    with page.expect_navigation():
        page.locator("header nav").get_by_role("link", name="Commitments", exact=True).click()
    assert urlsplit(page.url).path == "/commitments"
    assert html_lang(page) == "en"
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Commitments"
    filter_commitments(page)
    assert html_lang(page) == "en"
    countries = page.locator("table.commitments tbody td:nth-child(2)").all_inner_texts()
    assert countries and {c.strip() for c in countries} == {COUNTRY_EN}
    axe(page)

    # And back to Spanish, staying on the filtered list.
    filtered = page.url
    with page.expect_navigation():
        page.locator(".language-switch").get_by_role("link", name="Español", exact=True).click()
    assert page.url == filtered
    assert html_lang(page) == "es"
    check_filtered_list(page)
    visit(page, "/")
    assert html_lang(page) == "es"
    axe(page)


def test_works_without_javascript(new_page, axe):
    page = new_page(java_script_enabled=False)
    assert page.evaluate("() => 1") == 1  # the tests' own scripts still run; the page's do not
    visit(page, "/")
    check_dashboard(page)
    assert page.evaluate("() => document.querySelectorAll('script').length") == 0
    axe(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Compromisos", exact=True).first.click()
    filter_commitments(page)
    check_filtered_list(page)
    axe(page)


NARROW = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_narrow_window_has_no_horizontal_overflow(new_page):
    page = new_page(**NARROW)
    visit(page, "/")
    check_dashboard(page)
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, "
                          "inner: window.innerWidth})")
    assert sizes["inner"] == 390
    assert sizes["scroll"] <= sizes["inner"] + 1, f"the page scrolls sideways: {sizes}"


def test_narrow_window_accessibility(new_page, axe):
    """Separate from the overflow check: the wide tables scroll inside their own boxes here."""
    page = new_page(**NARROW)
    visit(page, "/")
    axe(page)


def test_content_security_policy(new_page):
    """The app's own pages load under its strict CSP (the other tests bypass it for axe)."""
    page = new_page(bypass_csp=False)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in ("/", "/commitments?country=MEX", f"/commitments/{EVIDENCE_CODE}"):
        response = visit(page, path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert not problems, problems
