"""The map of member states (/map and the dashboard's): one linked, named shape per state,
the same figures as /api/v1/stats and the table under it, a fixed number of queries, label
colours that read on their fills, and the committed geometry small and complete."""

import datetime as dt
import importlib.util
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal
from factories import make_user, report_status
from flask import render_template_string

from tracker.commitments.dashboard import Group, country_breakdown
from tracker.extensions import db
from tracker.models import Commitment, Country, Status, StatusEvent
from tracker.public.map_routes import MAP_FILE
from tracker.public.style_routes import contrast

REPO = Path(__file__).resolve().parent.parent
MEMBERS = {"BLZ", "CAN", "CRI", "DOM", "GTM", "HND", "MEX", "NIC", "PAN", "SLV", "USA"}
EN = {"Accept-Language": "en"}


class MapPage(HTMLParser):
    """The links drawn inside the map's SVG (with the shapes in each) and the table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []  # href, label, iso3, paths, fills
        self.rows: dict[str, dict] = {}
        self._in_svg = self._in_table = False
        self._link: dict | None = None
        self._row: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "map" in (a.get("class") or "").split():
            self._in_svg, self.view_box, self.svg_attrs = True, a.get("viewbox"), a
        elif tag == "table" and "map-table" in (a.get("class") or ""):
            self._in_table = True
        elif self._in_svg and tag == "a":
            self._link = {"href": a.get("href"), "label": a.get("aria-label"),
                          "iso3": a.get("data-iso3"), "paths": 0, "classes": []}
            self.links.append(self._link)
        elif self._link is not None and tag == "path":
            self._link["paths"] += 1
            self._link["classes"].append(a.get("class"))
            self._link["fill"] = a.get("fill")
        elif self._in_table and tag == "tr" and a.get("data-key"):
            self._row = a["data-key"]
            self.rows[self._row] = {}
        elif self._row and tag == "td" and "data-commitments" in a:
            self.rows[self._row]["commitments"] = int(a["data-commitments"])
        elif self._row and tag == "span" and "data-progress" in a:
            self.rows[self._row]["progress"] = float(a["data-progress"])
        elif self._row and tag == "a":
            self.rows[self._row]["href"] = a.get("href")

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg = False
        elif tag == "a":
            self._link = None
        elif tag == "table":
            self._in_table = False
        elif tag == "tr":
            self._row = None


def parsed(client, path: str = "/map", headers=None) -> MapPage:
    response = client.get(path, headers=headers or {"Accept-Language": "es"})
    assert response.status_code == 200
    page = MapPage()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.fixture
def reported(seeded):
    """The seed with progress that differs by country: 50 % and 30 % reports in Mexico, a
    completed commitment in Guatemala, 10 % in Costa Rica (fractions of a country's mean)."""
    secretariat = make_user("secretariat")
    report_status(secretariat, "MT1-R01-MEX", "in_progress", 50)
    report_status(secretariat, "MT1-R08-MEX", "in_progress", 30)
    report_status(secretariat, "MT1-R01-GTM", "completed", 100)
    report_status(secretariat, "MT3-R09-CRI", "stalled", 10)
    return secretariat


def spanish_label(name: str, progress: float) -> str:
    return f"{name}: {format_decimal(progress, locale='es')} % de avance"


def test_one_linked_named_shape_per_member_state_with_the_stats_figures(client, reported):
    stats = {c["country"]: c for c in client.get("/api/v1/stats").get_json()["by_country"]}
    page = parsed(client)

    assert sorted(link["iso3"] for link in page.links) == sorted(MEMBERS)  # each once
    for link in page.links:
        figures = stats[link["iso3"]]
        assert link["paths"] == 1  # one shape (a multi-part path at most)
        assert link["href"] == f"/countries/{link['iso3']}"
        assert link["label"] == spanish_label(figures["name_es"], figures["progress"])
    by_iso3 = {link["iso3"]: link for link in page.links}
    assert stats["MEX"]["progress"] > 0 and "," in by_iso3["MEX"]["label"]  # a decimal comma
    assert by_iso3["GTM"]["label"].startswith("Guatemala: ")


def test_the_table_has_the_maps_numbers_and_the_crm_only_as_a_row(client, reported):
    stats = {c["country"]: c for c in client.get("/api/v1/stats").get_json()["by_country"]}
    page = parsed(client)

    assert set(page.rows) == MEMBERS | {"CRM"}  # the seed gives the CRM commitments
    assert "CRM" not in {link["iso3"] for link in page.links}
    for key, row in page.rows.items():
        assert row == {"commitments": stats[key]["total"], "progress": stats[key]["progress"],
                       "href": f"/countries/{key}"}
    for link in page.links:
        assert format_decimal(page.rows[link["iso3"]]["progress"], locale="es") in link["label"]


def test_progress_classes_follow_the_legend(client, reported):
    page = parsed(client)
    classes = {link["iso3"]: link["classes"][0] for link in page.links}
    stats = {c["country"]: c["progress"]
             for c in client.get("/api/v1/stats").get_json()["by_country"]}
    for iso3, progress in stats.items():
        if iso3 in MEMBERS:
            assert classes[iso3] == f"map-state p{min(4, int(progress // 20))}", iso3


def test_a_label_writes_the_figure_its_colour_is_read_from(app, seeded):
    """19.6 % is written as the table writes it and coloured "under 20 %" (it was labelled
    "20 %" in the lightest class)."""
    groups = [g for g in country_breakdown() if g.key != "MEX"]
    groups.append(Group("MEX", "México", "Mexico", counts={Status.IN_PROGRESS: 5},
                        progress_sum=98))  # 19.6 %
    with app.test_request_context():
        html = render_template_string('{% from "public/_map.html" import progress_map %}'
                                      '{{ progress_map(groups, "es") }}', groups=groups)
    path = re.search(r'data-iso3="MEX">\s*<path class="map-state (\w+)"', html).group(1)
    label = re.search(r'<text class="map-label main on-(\w+)"[^>]*><tspan[^>]*>MEX</tspan>'
                      r'<tspan[^>]*>([^<]+)</tspan>', html)
    assert (path, label.group(1), label.group(2)) == ("p0", "p0", "19,6 %")
    row = re.search(r'data-key="MEX">.*?</svg> ([^<]+)</span>', html, re.S).group(1)
    assert row == label.group(2)  # the table's figure


def test_the_dashboard_draws_the_same_map(client, reported):
    dashboard, page = parsed(client, "/"), parsed(client)
    assert [(x["iso3"], x["label"], x["href"]) for x in dashboard.links] == [
        (x["iso3"], x["label"], x["href"]) for x in page.links]
    assert dashboard.rows == {}  # the dashboard's own table by country says the numbers


def test_english_names_and_numbers(client, reported):
    labels = {link["iso3"]: link["label"] for link in parsed(client, headers=EN).links}
    assert labels["USA"] == "United States: 0 % progress"
    assert re.fullmatch(r"Mexico: \d+\.\d % progress", labels["MEX"])


def test_a_state_without_commitments_is_hatched_and_says_so(app, client):
    """Only the countries, no commitment yet: every state drawn, named, and marked by a
    pattern, not a colour; the table says 0."""
    for iso3 in sorted(MEMBERS):
        db.session.add(Country(iso3=iso3, name_es=f"País {iso3}", name_en=f"Country {iso3}"))
    db.session.commit()
    page = parsed(client)

    assert len(page.links) == 11
    for link in page.links:
        assert link["label"] == f"País {link['iso3']}: sin compromisos"
        assert link["classes"] == ["map-state none"] and link["fill"] == "url(#map-none)"
    assert all(row == {"commitments": 0, "href": f"/countries/{key}"}
               for key, row in page.rows.items())
    assert 'id="map-none"' in client.get("/map").get_data(as_text=True)


def test_the_map_page_runs_a_fixed_number_of_queries(app, client, seeded, count_queries):
    def queries() -> tuple[int, int]:
        with count_queries() as first:  # after a change: rendered again
            assert client.get("/map").status_code == 200
        with count_queries() as again:  # the same version: from the cache
            assert client.get("/map").status_code == 200
        return len(first), len(again)

    small = queries()
    for commitment in db.session.scalars(sa.select(Commitment)):  # a bigger history
        commitment.events.append(StatusEvent(from_status=commitment.status,
                                             to_status=Status.IN_PROGRESS, progress=40))
        commitment.status, commitment.progress = Status.IN_PROGRESS, 40
        commitment.due_date = dt.date.today() - dt.timedelta(days=1)
    db.session.commit()
    assert queries() == small
    assert small == (2, 1)  # data version + the tallies by country; then the version only


def test_the_svg_scales_to_its_container(client, seeded):
    page = parsed(client)
    assert re.fullmatch(r"0 0 1000 \d+", page.view_box)
    assert "width" not in page.svg_attrs and "height" not in page.svg_attrs
    assert page.svg_attrs["role"] == "group" and page.svg_attrs["aria-labelledby"]


# -- colours and geometry -------------------------------------------------------------

def test_each_label_reads_on_its_class_fill():
    css = (REPO / "tracker/static/css/tracker.css").read_text(encoding="utf-8")
    section = css[css.index("/* Map"):]
    tokens = dict(re.findall(r"(--map-[a-z0-9-]+):\s*(#[0-9a-f]{6})", css))
    for level in range(5):
        rule = re.search(rf"\.map-label\.on-p{level} \{{([^}}]*)\}}", section).group(1)
        text = tokens["--map-label-light" if "--map-label-light" in rule else "--map-label-dark"]
        assert f"var(--map-p{level})" in rule  # the label's halo is its own fill
        assert contrast(text, tokens[f"--map-p{level}"]) >= 4.5, level
    # light to dark, sequential: each class contrasts more with white than the one before
    against_white = [contrast(tokens[f"--map-p{level}"], "#ffffff") for level in range(5)]
    assert against_white == sorted(against_white)


def test_the_committed_geometry_is_small_and_complete():
    assert MAP_FILE.stat().st_size < 60_000
    data = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    assert set(data["states"]) == MEMBERS
    _x, _y, width, height = data["viewBox"]
    for iso3, shape in data["states"].items():
        assert shape["panel"] in {"main", "inset"} and re.match(r"M\d+ \d+l", shape["d"]), iso3
        px, py, pw, ph = data["panels"][shape["panel"]]
        x, y = shape["label"]
        assert px <= x <= px + pw and py <= y <= py + ph, iso3  # labelled inside its panel
    assert (REPO / "tracker/public/MEMBER_MAP_LICENCE.md").exists()
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"public/member_map.json"' in pyproject  # shipped in the wheel


def _builder():
    spec = importlib.util.spec_from_file_location("make_member_map",
                                                  REPO / "tools/make_member_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_builder_simplifies_clips_and_writes_relative_paths():
    build = _builder()
    line = [(0.0, 0.0), (1.0, 0.1), (2.0, -0.1), (3.0, 5.0), (4.0, 0.0)]
    assert build.douglas_peucker(line, 0.5) == [(0.0, 0.0), (2.0, -0.1), (3.0, 5.0), (4.0, 0.0)]
    square = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)]
    assert sorted(build.clip(square, (0, 0, 10, 10))) == [(0, 0), (0, 5), (5, 0), (5, 5.0)]
    assert build.path_data([[(10, 10), (20, 10), (20, 30)], [(40, 40), (50, 40), (50, 50)]]) == (
        "M10 10l10 0 0 20zm30 30l10 0 0 10z")
