"""The public indicator pages: the list and its filters, an indicator's charts with tables of
the same numbers, small counts suppressed for everyone but the country's focal points and the
secretariat, valid HTML in both languages, a fixed number of queries."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from factories import make_evidence, make_indicator, make_indicator_report, make_user
from workflow_helpers import PDF

from tracker.evidence.storage import Upload
from tracker.extensions import cache

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SVG = re.compile(r"<svg class=\"chart\".*?</svg>", re.S)
DATA_CELL = re.compile(r'<(?:g class="point"|td) (data-country="[^"]*" data-key="[^"]*"'
                       r'(?: data-suppressed="true"| data-value="[^"]*")?)')


class Checker(HTMLParser):
    """Well-formed nesting, unique ids, and every aria-labelledby naming an id."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.ids: list[str] = []
        self.labelled_by: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = [name for name, _value in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"repeated attribute in <{tag}>")
        values = dict(attrs)
        if "id" in values:
            self.ids.append(values["id"])
        if "aria-labelledby" in values:
            self.labelled_by.append(values["aria-labelledby"])
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
        else:
            self.open.pop()


def assert_valid_html(html: str) -> None:
    assert html.startswith("<!doctype html>")
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert checker.problems == [] and checker.open == []
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    assert set(checker.labelled_by) <= set(checker.ids)
    for svg in SVG.findall(html):
        ET.fromstring(svg)  # each chart is well-formed XML


@pytest.fixture
def secretariat(seeded):
    return make_user("secretariat", country=None)


def report(actor, indicator, country, period, total, female=None, male=None):
    cells = {(None, None): total}
    if female is not None:
        cells |= {("F", None): female, ("M", None): male}
    return make_indicator_report(actor, indicator, country, period=period, cells=cells)


@pytest.fixture
def reported(secretariat):
    """IND-MIG-1 (counted yearly by sex): Mexico's 2024 has a 2 (and so 18) to suppress."""
    indicator = make_indicator(targets={"MEX": {"baseline": 10, "baseline_period": "2023",
                                                "target": 50, "target_period": "2030"}},
                               definition_en="People assisted.", definition_es="Personas.")
    report(secretariat, indicator, "MEX", "2023", 30, 12, 18)
    first = report(secretariat, indicator, "MEX", "2024", 25, 5, 20)
    make_indicator_report(secretariat, indicator, "MEX", period="2024", replaces=first,
                          cells={(None, None): 20, ("F", None): 2, ("M", None): 18})
    report(secretariat, indicator, "GTM", "2023", 40, 20, 20)
    report(secretariat, indicator, "GTM", "2024", 44, 24, 20)
    return indicator


def chart_and_table(html: str, section: str) -> tuple[list[str], list[str]]:
    """The data attributes of the points a section's chart draws, and of its table's cells
    that hold a number or the word suppressed."""
    part = html[html.index(f'id="{section}-heading"'):]
    part = part[:part.index("</section>")]
    svg = SVG.search(part).group(0)
    table = part[part.index("<table"):]
    drawn = DATA_CELL.findall(svg)
    listed = [cell for cell in DATA_CELL.findall(table) if "data-value" in cell
              or "data-suppressed" in cell]
    return drawn, listed


@pytest.mark.parametrize("language, words", [
    ("es", ("Indicadores", "Personas migrantes atendidas", "reservado", "Guatemala")),
    ("en", ("Indicators", "Migrants assisted", "suppressed", "Guatemala"))])
def test_the_pages_answer_in_both_languages_with_valid_html(client, reported, language, words):
    headers = {"Accept-Language": language}
    for address in ("/indicators", "/indicators/IND-MIG-1", "/indicators/IND-MIG-1?by=SEX",
                    "/countries/MEX", "/commitments/MT1-R03-MEX"):
        response = client.get(address, headers=headers)
        assert response.status_code == 200, address
        html = response.get_data(as_text=True)
        assert_valid_html(html)
        assert f'<html lang="{language}">' in html
    page = client.get("/indicators/IND-MIG-1", headers=headers).get_data(as_text=True)
    assert all(word in page for word in words)
    assert "/export/indicators.csv" in page and "/api/v1/indicators/IND-MIG-1" in page


def test_the_charts_draw_exactly_the_numbers_of_their_tables(client, reported):
    html = client.get("/indicators/IND-MIG-1", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    drawn, listed = chart_and_table(html, "series")
    assert drawn == listed == [
        'data-country="GTM" data-key="2023" data-value="40"',
        'data-country="GTM" data-key="2024" data-value="44"',
        'data-country="MEX" data-key="2023" data-value="30"',
        'data-country="MEX" data-key="2024" data-value="20"']  # the correction, not the 25
    drawn, listed = chart_and_table(html, "breakdown")
    assert drawn == listed == [
        'data-country="GTM" data-key="F" data-value="24"',
        'data-country="GTM" data-key="M" data-value="20"',
        'data-country="MEX" data-key="F" data-suppressed="true"',
        'data-country="MEX" data-key="M" data-suppressed="true"']
    # The chart's titles name countries, never codes, and the word for a suppressed cell.
    titles = re.findall(r"<title>([^<]*)</title>", "".join(SVG.findall(html)))
    assert "Mexico, 2024: 20" in titles and "Mexico, Female: suppressed" in titles
    assert not any(title.startswith(("MEX", "GTM")) for title in titles)
    assert "Mexico" in html[html.index('class="legend"'):]


def test_each_country_shows_its_own_latest_period_in_the_breakdown(client, reported,
                                                                    secretariat):
    """Mexico reporting 2025 first leaves Guatemala's 2024 breakdown shown, named."""
    report(secretariat, reported, "MEX", "2025", 60, 30, 30)
    html = client.get("/indicators/IND-MIG-1?by=SEX", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    assert_valid_html(html)
    drawn, listed = chart_and_table(html, "breakdown")
    assert drawn == listed == [
        'data-country="GTM" data-key="F" data-value="24"',
        'data-country="GTM" data-key="M" data-value="20"',
        'data-country="MEX" data-key="F" data-value="30"',
        'data-country="MEX" data-key="M" data-value="30"']
    part = html[html.index('id="breakdown-heading"'):]
    assert re.search(r'<tr data-breakdown-row="GTM"><th scope="row">Guatemala</th>'
                     r'<td data-period>2024</td>', part)
    assert re.search(r'<tr data-breakdown-row="MEX"><th scope="row">Mexico</th>'
                     r'<td data-period>2025</td>', part)
    assert "Each country&#39;s latest period by Sex" in part or \
        "Each country's latest period by Sex" in part
    assert "Guatemala (2024)" in part and "Mexico (2025)" in part
    # Once both report 2025, the caption names the one period again.
    report(secretariat, reported, "GTM", "2025", 50, 25, 25)
    cache.clear()
    html = client.get("/indicators/IND-MIG-1?by=SEX", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    assert "2025 by Sex and country" in html


def test_corrections_baselines_and_targets_are_shown(client, reported):
    html = client.get("/indicators/IND-MIG-1", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    versions = html[html.index('id="versions-heading"'):]
    mexico_2024 = re.findall(r'<tr data-report="(\d+)"( data-current)?>\s*<td>Mexico</td>'
                             r'<td>2024</td>\s*<td>(\d)[^<]*</td><td>\d+</td>\s*'
                             r'<td><time[^>]*>[^<]*</time></td>\s*<td>([^<]*)</td>',
                             versions, re.S)
    (first, current, number, replaces), (second, current2, number2, replaces2) = mexico_2024
    assert (current, number, replaces) == ("", "1", "—")
    assert (current2, number2, replaces2) == (" data-current", "2", f"report {first}")
    assert re.search(r'data-target="MEX"><th scope="row">Mexico</th>\s*<td>10 \(2023\)</td>'
                     r'\s*<td>50 \(2030\)</td>', html)


@pytest.mark.parametrize("role, exact", [
    ("anonymous", False), ("auditor", False), ("focal_other", False),
    ("focal_point", True), ("secretariat", True)])
def test_a_small_count_is_exact_only_for_the_countrys_focal_points_and_the_secretariat(
        app, client, reported, acting_as, role, exact):
    client.get("/indicators/IND-MIG-1")  # an anonymous reader's page, kept for anonymous ones
    acting_as(role)
    html = client.get("/indicators/IND-MIG-1?by=SEX", headers={"Accept-Language": "en"}
                      ).get_data(as_text=True)
    drawn, listed = chart_and_table(html, "breakdown")
    mexico = [cell for cell in listed if 'data-country="MEX"' in cell]
    if exact:
        assert mexico == ['data-country="MEX" data-key="F" data-value="2"',
                          'data-country="MEX" data-key="M" data-value="18"'] == drawn[2:]
    else:
        assert all("data-suppressed" in cell for cell in mexico + drawn[2:])
        assert "Mexico, Female: 2" not in html
    # Guatemala's cells are large: the same for every reader.
    assert listed[:2] == ['data-country="GTM" data-key="F" data-value="24"',
                          'data-country="GTM" data-key="M" data-value="20"']
    # Whoever read exact values first, the next anonymous reader gets the suppressed page.
    public = app.test_client().get("/indicators/IND-MIG-1?by=SEX",
                                   headers={"Accept-Language": "en"})
    assert 'data-key="F" data-value="2"' not in public.get_data(as_text=True)


def test_shared_parts_show_only_the_public_total(client, reported, acting_as):
    acting_as("focal_point")  # may see Mexico's exact values, but not on the shared pages
    make_indicator_report(make_user("secretariat", country=None), reported, "MEX",
                          period="2025", cells={(None, None): 3})
    for address in ("/countries/MEX", "/commitments/MT1-R03-MEX"):
        html = client.get(address, headers={"Accept-Language": "en"}).get_data(as_text=True)
        item = re.search(r'<li data-indicator="IND-MIG-1">(.*?)</li>', html, re.S).group(1)
        assert "2025: suppressed" in item and "3" not in item.replace("2025", "")
    html = client.get("/countries/GTM", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'2024: <span data-value="44">44</span>', html)


@pytest.mark.parametrize("address, message", [
    ("/indicators/IND-MIG-1?by=XYZ", "Unknown breakdown: XYZ"),
    ("/indicators?theme=nothing", "Unknown theme: nothing"),
    ("/indicators?country=XXX", "Unknown country: XXX"),
    ("/indicators?unit=kilos", "Unknown unit: kilos")])
def test_unknown_arguments_get_a_clear_400(client, reported, address, message):
    response = client.get(address, headers={"Accept-Language": "en"})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_an_unknown_indicator_is_not_found(client, reported):
    assert client.get("/indicators/NOPE").status_code == 404


def test_the_list_filters_by_theme_country_and_unit(client, reported, secretariat):
    make_indicator("IND-PCT", recommendation=None, commitment="MT1-R01-GTM", unit="percent",
                   dimensions=())

    def listed(query: str) -> list[str]:
        html = client.get(f"/indicators{query}").get_data(as_text=True)
        return re.findall(r'<tr data-indicator="([^"]+)">', html)

    assert listed("") == ["IND-MIG-1", "IND-PCT"]
    assert listed("?unit=percent") == ["IND-PCT"] and listed("?unit=days") == []
    assert listed("?country=GTM") == ["IND-MIG-1", "IND-PCT"]
    assert listed("?country=MEX") == ["IND-MIG-1"]
    theme = reported.recommendation.theme.code
    assert "IND-MIG-1" in listed(f"?theme={theme}")
    html = client.get("/indicators", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = re.search(r'<tr data-indicator="IND-MIG-1">(.*?)</tr>', html, re.S).group(1)
    assert "Migrants assisted" in row and "Sex" in row and "2024" in row and "Yearly" in row


def test_an_indicator_page_runs_a_fixed_number_of_queries(client, reported, secretariat,
                                                           acting_as, count_queries):
    def queries() -> list[int]:
        counts = []
        for address in ("/indicators/IND-MIG-1", "/indicators/IND-MIG-1?by=SEX",
                        "/indicators", "/countries/MEX", "/commitments/MT1-R03-MEX"):
            cache.clear()  # as the first request after a write: nothing kept
            with count_queries() as statements:
                assert client.get(address).status_code == 200
            counts.append(len(statements))
        return counts

    small = queries()  # 2 countries x 2 periods
    for country in ("MEX", "GTM", "CRI", "HND"):
        for year in range(2019, 2025):
            if not (country in ("MEX", "GTM") and year >= 2023):
                report(secretariat, reported, country, str(year), 30 + year % 7, 10, 20 + year % 7)
    for country in ("CRI", "HND"):  # corrections, each suppressed beside what it replaces
        earlier = report(secretariat, reported, country, "2018", 30, 10, 20)
        make_indicator_report(secretariat, reported, country, period="2018", replaces=earlier,
                              cells={(None, None): 23, ("F", None): 3, ("M", None): 20})
    # Reports resting on public and restricted evidence: still no query per row.
    public = make_evidence(secretariat, "MT1-R03-MEX", title="Informe público")
    hidden = make_evidence(secretariat, "MT1-R03-GTM", title="Oficio", visibility="restricted")
    for country, evidence in (("MEX", public), ("GTM", hidden)):
        make_indicator_report(secretariat, reported, country, period="2017",
                              cells={(None, None): 9}, evidence=evidence)
    assert queries() == small  # 4 x 6
    acting_as("secretariat")
    logged_in = queries()
    report(secretariat, reported, "MEX", "2018", 9)
    assert queries() == logged_in


def test_versions_show_source_note_and_only_public_evidence(client, reported, secretariat,
                                                            acting_as):
    public = make_evidence(secretariat, "MT1-R03-MEX", title="Informe anual 2025",
                           upload=Upload("informe.pdf", PDF))
    link = make_evidence(secretariat, "MT1-R03-GTM", title="Boletín en línea",
                         url="https://gob.example/boletin")
    hidden = make_evidence(secretariat, "MT1-R03-GTM", title="Oficio reservado 7",
                           visibility="restricted", url="https://gob.example/oficio-7")
    make_indicator_report(secretariat, reported, "MEX", period="2025", cells={(None, None): 30},
                          note="Cifras preliminares", source="Registro INM", evidence=public)
    make_indicator_report(secretariat, reported, "GTM", period="2025", cells={(None, None): 31},
                          evidence=link)
    make_indicator_report(secretariat, reported, "GTM", period="2022", cells={(None, None): 32},
                          source="Oficio interno", evidence=hidden)
    for role in ("anonymous", "secretariat"):  # the page is shared: the same for both
        acting_as(role)
        html = client.get("/indicators/IND-MIG-1", headers={"Accept-Language": "en"}
                          ).get_data(as_text=True)
        assert_valid_html(html)
        versions = html[html.index('id="versions-heading"'):]
        versions = versions[:versions.index("</section>")]
        row = re.search(r'<tr data-report="\d+" data-current>\s*<td>Mexico</td><td>2025</td>'
                        r'(.*?)</tr>', versions, re.S).group(1)
        assert "Registro INM" in row and "Cifras preliminares" in row
        assert f'<a href="/evidence/{public.id}/download">Informe anual 2025</a>' in row
        assert '<a href="https://gob.example/boletin" rel="nofollow noopener noreferrer">' \
               'Boletín en línea</a>' in versions
        # The restricted evidence's report is listed with its source, never its evidence.
        row = re.search(r'<td>Guatemala</td><td>2022</td>(.*?)</tr>', versions, re.S).group(1)
        assert "Oficio interno" in row and row.rstrip().endswith("<td>—</td>")
        assert "Oficio reservado 7" not in html and "oficio-7" not in html
        assert f"/evidence/{hidden.id}/" not in html
