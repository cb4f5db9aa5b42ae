"""Print and phone layouts in Chromium: print media hides the navigation and prints the
matrix's header across with ISO3 codes (short, so it repeats on every page), keeps the map
whole; on a phone the commitments are cards with every cell visible and the charts' text
stays legible."""

from e2e.test_browser import visit
from e2e.test_design_browser import PHONE

PX_PER_REM = 16


def test_print_media_hides_the_navigation_and_shortens_the_matrix_header(new_page):
    page = new_page()
    visit(page, "/matrix")
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.site-nav', '.account-bar', '.filters', '.language-switch']
        .map(s => document.querySelector(s)).filter(e => e)
        .map(e => getComputedStyle(e).display)""")
    assert hidden and set(hidden) == {"none"}
    head = page.evaluate("""() => {
        const thead = document.querySelector('table.matrix thead');
        const codes = [...thead.querySelectorAll('th.country .country-code')]
            .filter(e => e.offsetParent !== null).map(e => e.textContent.trim());
        const th = thead.querySelector('th.country');
        return {height: thead.getBoundingClientRect().height, codes,
                group: getComputedStyle(thead).display, writing: getComputedStyle(th).writingMode};
        }""")
    assert head["height"] < 3 * PX_PER_REM, head
    assert head["group"] == "table-header-group" and head["writing"] == "horizontal-tb"
    assert "MEX" in head["codes"] and all(len(code) == 3 for code in head["codes"]), head
    assert page.locator("footer .print-source").is_visible()
    page.emulate_media(media="screen")
    assert not page.locator("footer .print-source").is_visible()
    assert page.locator("table.matrix thead th.country .country-name").first.is_visible()


def test_print_keeps_the_map_whole_on_one_page(new_page):
    page = new_page()
    visit(page, "/map")
    page.emulate_media(media="print")
    figure = page.evaluate("""() => {
        const f = document.querySelector('figure.member-map');
        return {height: f.getBoundingClientRect().height,
                avoid: getComputedStyle(f).breakInside}; }""")
    # an A4 page less its margins is 26.7 cm tall: 1009 CSS px
    assert figure["avoid"] == "avoid" and figure["height"] < 26.7 / 2.54 * 96 * 0.85, figure


def test_commitments_are_cards_on_a_phone(new_page):
    for locale in ("es-ES", "en-GB"):
        page = new_page(**PHONE, locale=locale)
        visit(page, "/commitments")
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => !e.closest('thead, .visually-hidden'))  // clipped to 1 px
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(e => e.tagName + '.' + e.className)""")
        assert wide == [], wide
        row = page.locator("table.commitments tbody tr").first
        status = row.locator("td.status-cell")
        assert status.is_visible() and status.locator(".status").is_visible()
        assert row.locator("td.due").is_visible()
        assert row.locator(".cell-label").first.is_visible()
        box = status.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        # on a wide screen the headers say it: no labels in the cells
        page.set_viewport_size({"width": 1280, "height": 900})
        assert not row.locator(".cell-label").first.is_visible()


def test_the_dashboard_charts_text_is_legible_on_a_phone(new_page):
    page = new_page(**PHONE)
    visit(page, "/")
    sizes = page.evaluate("""() => {
        const html = [...document.querySelectorAll('.progress-chart li > span')]
            .map(e => parseFloat(getComputedStyle(e).fontSize));
        const svg = document.querySelector('svg.progress-history');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const drawn = [...svg.querySelectorAll('text')]
            .filter(t => getComputedStyle(t).display !== 'none')
            .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
        const quarters = [...document.querySelectorAll('.progress-history-table tbody th')]
            .map(th => th.getBoundingClientRect().height);
        const line = parseFloat(getComputedStyle(document.body).lineHeight) || 24;
        return {html, drawn, quarters, line}; }""")
    assert sizes["html"] and min(sizes["html"]) >= 11, sizes["html"]
    assert sizes["drawn"] and min(sizes["drawn"]) >= 11, sizes["drawn"]
    assert max(sizes["quarters"]) < 2 * sizes["line"], "a period wraps onto two lines"
