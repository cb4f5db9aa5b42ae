"""The reports page in Chromium: a reader picks a day before the public record begins and is
told why not, then asks for a report and is told it is being prepared (202), on a page that
reloads itself at the address naming the request."""

from urllib.parse import parse_qs, urlsplit

from e2e.test_browser import visit


def test_a_reader_picks_a_day_then_a_report_and_is_told_it_is_being_prepared(page, axe):
    visit(page, "/reports")
    page.locator("#as_of").fill("2001-01-01")
    with page.expect_navigation() as navigation:
        page.locator("form.filters button[type=submit]").click()
    assert navigation.value.status == 400
    assert "El registro público comienza el" in page.locator("main").inner_text()
    assert axe(page) == []
    visit(page, "/reports")
    with page.expect_navigation() as navigation:
        page.locator('a[data-report="summary-pdf"]').click()
    response = navigation.value
    assert response.status == 202 and response.headers["retry-after"].isdigit()
    seconds, target = response.headers["refresh"].split("; url=")
    assert seconds == response.headers["retry-after"]
    assert parse_qs(urlsplit(target).query)["request"][0].isdigit()
    assert page.get_by_role("heading", level=1).inner_text() == "Informe en preparación"
    assert axe(page) == []
