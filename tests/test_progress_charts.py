"""Progress you can see: the per-country chart says what its table says, by country name; the
progress over time is the state replayed from the history at each period's end; progress
bars carry the figure they draw; the history costs one query whatever the data size."""

import datetime as dt
import html as html_lib
import re
import unicodedata

import pytest
import sqlalchemy as sa
import time_machine
from conftest import make_config, running_app
from factories import report_status

from tracker.commitments.dashboard import country_breakdown
from tracker.commitments.progress_history import PAST_MONTHS_KEPT, progress_history
from tracker.core.dates import local_today
from tracker.extensions import cache, db
from tracker.models import Country, Status, StatusEvent

EN = {"Accept-Language": "en"}
UTC = dt.timezone.utc
ZONE = "America/Mexico_City"
CHART_ROW = re.compile(r'<li data-key="([^"]+)" data-progress="([^"]+)">\s*'
                       r'<span class="bar-name">([^<]+)</span>'
                       r'.*?<span class="bar-figure">([^<]+)</span>\s*</li>', re.S)
TABLE_ROW = re.compile(r'<tr data-key="([^"]+)">.*?data-progress="([^"]+)">.*?</svg> '
                       r'([^<]+)</span>', re.S)


def section(html: str, start: str, end: str = "</section>") -> str:
    part = html[html.index(start):]
    return part[:part.index(end)]


def country_chart(html: str) -> dict[str, tuple[str, str, str]]:
    """{key: (drawn progress, label, figure beside the bar)} of the per-country chart."""
    chart = section(html, 'class="bar-list progress-chart"', "</ul>")
    return {key: (value, html_lib.unescape(name), figure)
            for key, value, name, figure in CHART_ROW.findall(chart)}


def table_progress(html: str, caption: str) -> dict[str, tuple[str, str]]:
    """{key: (drawn progress, written figure)} of a breakdown table's progress column."""
    table = section(html, caption, "</table>")
    return {key: (value, figure) for key, value, figure in TABLE_ROW.findall(table)}


def mexico_progress() -> float:
    """Mexico's progress counted from its commitments, sharing no code with the app."""
    rows = db.session.execute(sa.text(
        "SELECT c.status, c.progress FROM commitment c JOIN country ON country.id = c.country_id "
        "WHERE country.iso3 = 'MEX'")).all()
    done = sum(100 if status == "completed" else (progress or 0) for status, progress in rows)
    return round(done / len(rows), 1)


@pytest.fixture
def reported(seeded, people):
    """Reports that give Mexico a progress with a decimal (1.6 % once rounded)."""
    focal, secretariat = people["focal_point"], people["secretariat"]
    report_status(focal, "MT1-R01-MEX", "in_progress", progress=33)
    report_status(focal, "MT1-R02-MEX", "in_progress", progress=7)
    report_status(secretariat, "MT1-R01-GTM", "completed", progress=None)
    report_status(secretariat, "MT3-R09-CRI", "stalled", progress=10)
    return people


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_country_chart_draws_and_writes_the_tables_progress(client, reported, language):
    html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    chart = country_chart(html)
    caption = "Compromisos por país y estado" if language == "es" else \
        "Commitments by country and status"
    table = table_progress(html, caption)
    assert len(chart) == 12 and chart.keys() == table.keys()
    for key, (drawn, _name, figure) in chart.items():
        assert (drawn, figure) == table[key]  # one number, rounded and written alike
    mexico = "México" if language == "es" else "Mexico"
    assert mexico_progress() == 1.6 and float(chart["MEX"][0]) == 1.6
    assert chart["MEX"][1] == mexico and chart["MEX"][2] == ("1,6 %" if language == "es"
                                                            else "1.6 %")
    names = {name for _drawn, name, _figure in chart.values()}
    assert not names & {c.iso3 for c in db.session.scalars(sa.select(Country))}
    # the bar's length is that progress: 100 units are 100 %
    bar = re.search(r'data-key="MEX".*?class="done"[^>]*width="([\d.]+)"', html, re.S).group(1)
    assert float(bar) == pytest.approx(float(chart["MEX"][0]), abs=0.05)
    # in the map's and the matrix's order: by name in the reader's language, the CRM last
    keys, table_keys = list(chart), list(table)
    assert keys == table_keys and keys[-1] == "CRM"
    folded = ["".join(c for c in unicodedata.normalize("NFKD", chart[k][1])
                      if not unicodedata.combining(c)).casefold() for k in keys[:-1]]
    assert folded == sorted(folded)
    assert keys.index("DOM") > keys.index("PAN") if language == "es" else \
        keys.index("DOM") < keys.index("GTM")


def test_theme_and_table_rows_carry_progress_bars(client, reported):
    html = client.get("/", headers=EN).get_data(as_text=True)
    themes = table_progress(html, "Commitments by theme and status")
    tables = table_progress(html, "Commitments by working table and status")
    assert themes and tables
    assert all(figure == f"{float(drawn):g} %" for drawn, figure in themes.values())
    # MT1 of the latest meeting holds 33 + 7 + 100 of Mexico's and Guatemala's reports, MT3
    # Costa Rica's 10; every other commitment counts 0
    sizes = dict(db.session.execute(sa.text(
        "SELECT wt.code, count(c.id) FROM commitment c "
        "JOIN recommendation r ON r.id = c.recommendation_id "
        "JOIN working_table wt ON wt.id = r.working_table_id GROUP BY wt.code")).all())
    expected = {"MT1": round((33 + 7 + 100) / sizes["MT1"], 1), "MT2": 0.0,
                "MT3": round(10 / sizes["MT3"], 1)}
    assert {key: float(drawn) for key, (drawn, _figure) in tables.items()} == expected
    assert expected["MT1"] > 0 and expected["MT3"] > 0


def replayed(until: dt.datetime, country: str | None = None) -> tuple[int, float]:
    """(commitments, progress) as the history stood just before ``until``, replayed in
    Python from every event: the last event of each commitment decides."""
    query = sa.select(StatusEvent).order_by(StatusEvent.at, StatusEvent.id)
    if country is not None:
        query = query.where(StatusEvent.commitment.has(country=db.session.scalar(
            sa.select(Country).filter_by(iso3=country))))
    state: dict[int, int] = {}
    for event in db.session.scalars(query):
        if event.at < until:
            done = event.to_status == Status.COMPLETED
            state[event.commitment_id] = 100 if done else (event.progress or 0)
    return len(state), round(sum(state.values()) / len(state), 1)


def day_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=UTC)


@pytest.fixture
def dated_history(seeded, people):
    """Reports at known times after the seed's creation events (which are dated today)."""
    focal, secretariat = people["focal_point"], people["secretariat"]
    start = dt.datetime.now(UTC).replace(day=1, hour=12) + dt.timedelta(days=40)
    first, second, third = start, start + dt.timedelta(days=31), start + dt.timedelta(days=62)
    with time_machine.travel(first, tick=False):
        report_status(focal, "MT1-R01-MEX", "in_progress", progress=40)
        report_status(secretariat, "MT1-R01-GTM", "in_progress", progress=20)
    with time_machine.travel(second, tick=False):
        report_status(focal, "MT1-R01-MEX", "completed", progress=None)
        report_status(focal, "MT1-R02-MEX", "stalled", progress=15)
    with time_machine.travel(third, tick=False):
        report_status(secretariat, "MT1-R01-GTM", "in_progress", progress=60)
    return first.date(), second.date(), third.date()


@pytest.mark.parametrize("country", [None, "MEX"])
def test_progress_over_time_is_the_history_replayed(app, dated_history, country):
    first, second, third = dated_history
    country_id = country and db.session.scalar(sa.select(Country.id).filter_by(iso3=country))
    history = progress_history(third, country_id)
    assert not history.quarterly
    ends = [point.end for point in history.points]
    assert ends[-1] == third and ends == sorted(ends)
    for point in history.points:
        assert (point.commitments, point.progress) == replayed(day_after(point.end), country)
    points = {(p.end.year, p.end.month): p for p in history.points}
    at_first = points[(first.year, first.month)]
    at_second = points[(second.year, second.month)]
    assert at_first.progress != at_second.progress  # the chart moves with the reports
    assert at_first.end.month != (at_first.end + dt.timedelta(days=1)).month  # a month's end


def test_the_last_point_is_todays_dashboard_figure(client, dated_history):
    *_, third = dated_history
    with time_machine.travel(dt.datetime.combine(third, dt.time(18), tzinfo=UTC), tick=False):
        html = client.get("/", headers=EN).get_data(as_text=True)
        history = progress_history(third)
    regional = re.search(r'data-total="progress"><span class="progress wide" '
                         r'data-progress="([^"]+)"', html).group(1)
    assert float(regional) == history.points[-1].progress


def test_the_history_chart_and_its_table_hold_the_same_numbers(client, dated_history):
    *_, third = dated_history
    with time_machine.travel(dt.datetime.combine(third, dt.time(18), tzinfo=UTC), tick=False):
        for address in ("/", "/countries/MEX"):
            html = client.get(address, headers=EN).get_data(as_text=True)
            chart = section(html, 'class="chart progress-history"', "</svg>")
            assert 'role="img"' in chart and 'aria-labelledby="history-chart-label"' in chart
            drawn = re.findall(r'<circle[^>]*data-end="([^"]+)" data-progress="([^"]+)"', chart)
            table = section(html, "history-caption", "</table>")
            rows = re.findall(r'<tr data-end="([^"]+)">.*?data-progress="([^"]+)"', table, re.S)
            assert drawn and drawn == rows
            country = "MEX" if "countries" in address else None
            country_id = country and db.session.scalar(
                sa.select(Country.id).filter_by(iso3=country))
            expected = [(p.end.isoformat(), f"{p.progress}")
                        for p in progress_history(third, country_id).points]
            assert drawn == expected


def test_a_long_history_is_drawn_by_quarter(app, seeded, people):
    later = dt.datetime.now(UTC) + dt.timedelta(days=4 * 365)
    with time_machine.travel(later, tick=False):
        report_status(people["focal_point"], "MT1-R01-MEX", "in_progress", progress=80)
    history = progress_history(later.date())
    assert history.quarterly and 16 <= len(history.points) <= 18
    assert all(p.end.month in (3, 6, 9, 12) for p in history.points[:-1])
    assert history.points[-1].end == later.date()
    assert history.points[-1].progress == replayed(day_after(later.date()))[1]


def test_progress_bars_carry_the_reported_figure(client, reported):
    page = client.get("/commitments/MT1-R01-MEX", headers=EN).get_data(as_text=True)
    fact = section(page, ">Progress</dt>", "</div>")
    assert 'data-progress="33"' in fact and "33 %" in fact
    listing = client.get("/commitments?country=MEX", headers=EN).get_data(as_text=True)
    row = section(listing, "MT1-R02-MEX</code>", "</tr>")
    assert 'class="status status-in_progress"' in row and 'data-progress="7"' in row
    country = client.get("/countries/MEX", headers=EN).get_data(as_text=True)
    row = section(country, "MT1-R01-MEX</code>", "</tr>")
    assert 'data-progress="33"' in row and 'width="33.0"' in row
    total = re.search(r'data-total="progress"><span class="progress wide" data-progress="([^"]+)"',
                      country).group(1)
    assert float(total) == mexico_progress()
    unreported = section(listing, "MT1-R03-MEX</code>", "</tr>")
    assert "data-progress" not in unreported and "—" in unreported


def test_the_history_costs_one_query_whatever_the_data_size(app, client, seeded, count_queries):
    def queries() -> tuple[int, int, list[int]]:
        cache.clear()
        with count_queries() as statements:
            progress_history()
        with count_queries() as again:  # the past months are kept: the tallies alone
            progress_history()
        pages = []
        for address in ("/", "/countries/MEX"):
            cache.clear()  # as the first request after a write: nothing cached
            with count_queries() as page:
                assert client.get(address).status_code == 200
            pages.append(len(page))
        return len(statements), len(again), pages

    small = queries()
    result = app.test_cli_runner().invoke(args=["demo-data", "--commitments", "600"])
    assert result.exit_code == 0, result.output
    assert queries() == small and small[:2] == (2, 1)


def test_a_report_this_month_moves_the_last_point_while_past_months_are_kept(app, reported):
    mexico = db.session.scalar(sa.select(Country.id).filter_by(iso3="MEX"))
    before = progress_history(country_id=mexico)
    assert before.points[-1].progress == mexico_progress()
    report_status(reported["focal_point"], "MT1-R03-MEX", "completed", progress=None)
    after = progress_history(country_id=mexico)
    assert after.points[-1].progress == mexico_progress() > before.points[-1].progress
    assert after.points[:-1] == before.points[:-1]


def history_table(html: str) -> dict[str, float]:
    """{period end: progress} of the page's progress-over-time table."""
    table = section(html, "history-caption", "</table>")
    return {end: float(progress) for end, progress in
            re.findall(r'<tr data-end="([^"]+)">.*?data-progress="([^"]+)"', table, re.S)}


class TestMonthsOfTheConfiguredZone:
    """TRACKER_TIMEZONE=America/Mexico_City (UTC-6 all year since 2022)."""

    @pytest.fixture
    def app(self, tmp_path):
        with running_app(make_config(tmp_path, BABEL_DEFAULT_TIMEZONE=ZONE)) as app:
            yield app

    def test_an_update_on_the_last_evening_counts_in_that_month(self, client, people):
        year = dt.date.today().year + 1
        evening = dt.datetime(year, 2, 1, 1, tzinfo=UTC)  # 19:00 on 31 January in Mexico City
        with time_machine.travel(evening, tick=False):
            report_status(people["focal_point"], "MT1-R01-MEX", "completed", progress=None)
            assert local_today() == dt.date(year, 1, 31)
            page = client.get("/countries/MEX", headers=EN).get_data(as_text=True)
        # "this month" is the zone's: the last point is today there, 31 January
        assert list(history_table(page))[-1] == f"{year}-01-31"
        mexico = db.session.scalar(sa.select(Country.id).filter_by(iso3="MEX"))
        with time_machine.travel(dt.datetime(year, 3, 10, 12, tzinfo=UTC), tick=False):
            points = {p.end: p for p in progress_history(country_id=mexico).points}
        january, february = points[dt.date(year, 1, 31)], points[dt.date(year, 2, 28)]
        end_of_january = dt.datetime(year, 2, 1, 6, tzinfo=UTC)  # midnight in Mexico City
        assert (january.commitments, january.progress) == replayed(end_of_january, "MEX")
        assert january.progress == february.progress
        # cut at UTC midnight, the update would have fallen in February
        assert january.progress > replayed(dt.datetime(year, 2, 1, tzinfo=UTC), "MEX")[1]


def test_past_months_lag_an_import_by_one_window_at_most(client, dated_history, people):
    first, _second, third = dated_history
    noon = dt.datetime.combine(third, dt.time(12), tzinfo=UTC).timestamp()
    window_start = noon // PAST_MONTHS_KEPT * PAST_MONTHS_KEPT
    month_end = f"{_month_end_of(first)}"
    with time_machine.travel(window_start + 60, tick=False):
        before = history_table(client.get("/countries/MEX", headers=EN).get_data(as_text=True))
    # history imported with a past date (as `flask demo-data` or a seed writes it)
    with time_machine.travel(dt.datetime.combine(first, dt.time(13), tzinfo=UTC), tick=False):
        report_status(people["focal_point"], "MT1-R03-MEX", "in_progress", progress=90)
    with time_machine.travel(window_start + PAST_MONTHS_KEPT - 60, tick=False):
        within = history_table(client.get("/countries/MEX", headers=EN).get_data(as_text=True))
    with time_machine.travel(window_start + PAST_MONTHS_KEPT + 1, tick=False):
        after = history_table(client.get("/countries/MEX", headers=EN).get_data(as_text=True))
    assert within[month_end] == before[month_end]  # kept within the window: the lag is honest
    expected = replayed(day_after(_month_end_of(first)), "MEX")[1]
    assert after[month_end] == expected != before[month_end]  # and bounded by it


def _month_end_of(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def test_the_page_hands_its_tallies_to_the_history(app, seeded, count_queries):
    groups = country_breakdown()
    progress_history(groups=groups)  # the past months are now kept
    with count_queries() as statements:
        assert progress_history(groups=groups).points
        assert progress_history(country_id=-1, groups=[]).points == []  # none: nothing read
    assert statements == []
