"""The reports page in Chromium: a reader picks a past day and a report; the report's page says
it is being prepared (202) and reloads by itself; its links carry the day chosen."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from e2e.test_browser import visit


def test_a_reader_picks_a_day_then_a_report_and_is_told_it_is_being_prepared(page, axe):
    visit(page, "/reports")
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.locator("#as_of").fill(yesterday)
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert parse_qs(urlsplit(page.url).query)["as_of"] == [yesterday]
    assert axe(page) == []
    link = page.locator('a[data-report="summary-pdf"]')
    assert parse_qs(urlsplit(link.get_attribute("href")).query)["as_of"] == [yesterday]
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response.status == 202 and response.headers["retry-after"].isdigit()
    assert "refresh" in response.headers
    assert page.get_by_role("heading", level=1).inner_text() == "Informe en preparación"
    assert axe(page) == []
