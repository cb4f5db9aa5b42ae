"""The map of member states in a real browser, wide and narrow: axe-core finds no serious
violation, nothing scrolls sideways, and each member state is one link a keyboard reaches,
named with its progress, leading to its page."""

import pytest

from e2e.conftest import WIDE

NARROW = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
MEMBERS = {"BLZ", "CAN", "CRI", "DOM", "GTM", "HND", "MEX", "NIC", "PAN", "SLV", "USA"}


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"GET {path}: {response and response.status}"


def linked_shapes(page) -> dict[str, str]:
    """iso3: the accessible name of each link drawn in the map."""
    links = page.locator("svg.map a[href]")
    found = {}
    for i in range(links.count()):
        link = links.nth(i)
        assert link.locator("path").count() == 1
        found[link.get_attribute("data-iso3")] = link.get_attribute("aria-label")
    return found


@pytest.mark.parametrize("options", [{"viewport": WIDE}, NARROW], ids=["1280px", "390px"])
def test_map_page_is_accessible_and_fits(new_page, axe, options):
    page = new_page(**options)
    visit(page, "/map")
    axe(page)
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, "
                          "inner: window.innerWidth})")
    assert sizes["inner"] == options["viewport"]["width"]
    assert sizes["scroll"] <= sizes["inner"], f"the page scrolls sideways: {sizes}"

    names = linked_shapes(page)
    assert set(names) == MEMBERS
    assert names["MEX"].startswith("México: ") and names["MEX"].endswith(" % de avance")
    # The accessible name is what assistive technology gets, not only an attribute.
    assert page.get_by_role("link", name=names["SLV"], exact=True).count() == 1
    # Each state is drawn big enough to point at, even on a phone: 8 CSS px at least.
    for iso3 in MEMBERS:
        box = page.locator(f'svg.map a[data-iso3="{iso3}"] path').bounding_box()
        assert box and min(box["width"], box["height"]) >= 8, (iso3, box)


def focused_state(page) -> str | None:
    return page.evaluate("() => document.activeElement.getAttribute('data-iso3')")


def test_a_state_is_reached_by_keyboard_and_opens_its_page(new_page):
    page = new_page(viewport=WIDE)
    visit(page, "/map")
    reached = []
    for _press in range(80):  # from the top of the page, with the Tab key only
        page.keyboard.press("Tab")
        reached.append(focused_state(page))
        if reached[-1] == "CRI":
            break
    assert reached[-1] == "CRI", f"Tab never reached Costa Rica: {reached}"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/countries/CRI")
    assert "Costa Rica" in page.get_by_role("heading", level=1).inner_text()


def test_the_dashboard_shows_the_map_on_a_phone(new_page):
    page = new_page(**NARROW)
    visit(page, "/")
    assert set(linked_shapes(page)) == MEMBERS
    width = page.locator("svg.map").bounding_box()["width"]
    assert width <= 390


# Every text of the map, its rendered size: the font size in the SVG's units times its scale.
LABEL_SIZES = """() => [...document.querySelectorAll('svg.map text')].map(text => {
  const ctm = text.getScreenCTM();
  return {text: text.textContent.trim(), size: parseFloat(getComputedStyle(text).fontSize) *
          Math.hypot(ctm.a, ctm.b), height: text.getBoundingClientRect().height};
})"""


@pytest.mark.parametrize("path", ["/map", "/"])
@pytest.mark.parametrize("options", [{"viewport": WIDE}, NARROW], ids=["1280px", "390px"])
def test_every_map_label_renders_at_11_px_at_least(new_page, options, path):
    page = new_page(**options)
    visit(page, path)
    labels = page.evaluate(LABEL_SIZES)
    assert len(labels) >= len(MEMBERS)
    small = [label for label in labels if label["size"] < 11]
    assert not small, f"map text under 11 CSS px at {options['viewport']['width']} px: {small}"
