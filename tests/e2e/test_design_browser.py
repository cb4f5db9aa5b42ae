"""Issue 18's checks in Chromium, page by page, at 1280 px and at 390 px: axe finds no
violation at all (any impact, contrast included), the text drawn in SVG charts and maps
passes contrast against what it is drawn on, nothing scrolls sideways but a labelled,
keyboard-focusable region, and the regional matrix fits its container at 1280 px."""

from pathlib import Path

import pytest

from e2e.conftest import EVIDENCE_CODE, WIDE, format_violations
from e2e.test_browser import visit

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PAGES = ["/", "/commitments", "/commitments?country=MEX&status=in_progress", "/matrix", "/map",
         f"/commitments/{EVIDENCE_CODE}", "/countries/MEX", "/countries/CRM", "/indicators",
         "/style", "/login", "/reports"]
SCREENSHOT_PAGES = {"dashboard": "/", "matrix": "/matrix", "map": "/map",
                    "commitment": f"/commitments/{EVIDENCE_CODE}", "country": "/countries/MEX"}

# Run in the page (page.evaluate): see each file's opening comment.
OVERFLOW = (HERE / "overflow.js").read_text(encoding="utf-8")
SVG_TEXT = (HERE / "svg_contrast.js").read_text(encoding="utf-8")


def _checked(page, axe) -> None:
    violations = axe(page)
    assert violations == [], f"axe on {page.url}:\n{format_violations(violations)}"
    texts = page.evaluate(SVG_TEXT)
    low = [t for t in texts if t["ratio"] < t["needed"]]
    assert not low, f"SVG text below contrast on {page.url}: {low[:5]}"


@pytest.mark.parametrize("path", PAGES)
def test_wide_window(new_page, axe, path):
    page = new_page(viewport=WIDE)
    visit(page, path)
    _checked(page, axe)
    sizes = page.evaluate(OVERFLOW)
    assert sizes["page"] <= sizes["window"] and sizes["bad"] == [], sizes


@pytest.mark.parametrize("path", PAGES)
def test_phone(new_page, axe, path):
    page = new_page(**PHONE)
    visit(page, path)
    _checked(page, axe)
    sizes = page.evaluate(OVERFLOW)
    assert sizes["window"] == 390
    assert sizes["page"] <= sizes["window"], f"{path} scrolls sideways: {sizes}"
    assert sizes["bad"] == [], f"{path}: a box scrolls that is no labelled region: {sizes['bad']}"


def test_the_matrix_fits_at_1280_with_every_state_and_the_regional_column(new_page):
    page = new_page(viewport=WIDE)
    visit(page, "/matrix")
    sizes = page.evaluate("""() => {
        const frame = document.querySelector('.matrix-frame');
        const table = frame.querySelector('table');
        const names = [...table.querySelectorAll('thead th.country .country-name')]
            .map(a => a.textContent);
        return {table: table.getBoundingClientRect().width, frame: frame.clientWidth,
                scroll: frame.scrollWidth, columns: names}; }""")
    assert sizes["table"] <= sizes["frame"] and sizes["scroll"] <= sizes["frame"], sizes
    assert len(sizes["columns"]) == 12 and sizes["columns"][-1].startswith("CRM")
    assert "El Salvador" in sizes["columns"] and "Estados Unidos" in sizes["columns"]
    # The header row stays in view when the reader scrolls down the recommendations.
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(100)
    top = page.evaluate("() => document.querySelector('table.matrix thead th')"
                        ".getBoundingClientRect().top")
    assert 0 <= top <= 2


def test_the_matrix_on_a_phone_is_a_card_per_recommendation(new_page):
    page = new_page(**PHONE)
    visit(page, "/matrix")
    row = page.locator("table.matrix tbody tr").first
    box = row.bounding_box()
    assert box["width"] <= 390
    chips = row.locator("td a.status")
    assert chips.count() >= 11
    assert chips.first.inner_text().split()[0] in {"BLZ", "CAN"}  # the country beside the symbol


@pytest.mark.parametrize("name, path", SCREENSHOT_PAGES.items())
def test_screenshots(new_page, screenshots, name, path):
    """docs/screenshots/: each page in Spanish at 1280 px and in English at 390 px."""
    for suffix, options in (("es-1280", {"viewport": WIDE, "locale": "es-ES"}),
                            ("en-390", {**PHONE, "locale": "en-GB"})):
        page = new_page(**options)
        visit(page, path)
        assert page.locator("html").get_attribute("lang") == suffix[:2]
        target = screenshots / f"{name}-{suffix}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.read_bytes()[:4] == b"\x89PNG" and target.stat().st_size > 10_000
