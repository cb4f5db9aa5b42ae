"""The design system: its page, its colours' contrast, the header every page shares and the
matrix's cells, which tell status by colour, symbol and words together."""

import re

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Commitment, Status
from tracker.public.style_routes import contrast

ES, EN = {"Accept-Language": "es"}, {"Accept-Language": "en"}


def test_contrast_ratio_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just fails AA
    assert contrast("#ffffff", "#ffffff") == 1


@pytest.mark.parametrize("headers, title, badge", [(ES, "Sistema de diseño", "En curso"),
                                                  (EN, "Design system", "In progress")])
def test_the_style_page_shows_every_component_in_the_readers_language(client, headers, title,
                                                                        badge):
    html = client.get("/style", headers=headers).get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    for status in Status:  # each badge has its symbol and its word
        assert f'class="status status-{status.value}" data-status="{status.value}"' in html
    assert f'<span class="symbol" aria-hidden="true">◐</span> {badge}</span>' in html
    assert 'class="progress" data-progress="12.5"' in html and 'class="filters"' in html


def test_every_colour_pair_the_pages_draw_passes_wcag_aa(client):
    html = client.get("/style").get_data(as_text=True)
    pairs = dict(re.findall(r'data-token="([^"]+)" data-contrast="([\d.]+)"', html))
    assert {f"--status-{s.value}" for s in Status} <= set(pairs)
    assert {name: ratio for name, ratio in pairs.items() if float(ratio) < 4.5} == {}


def test_the_palette_is_the_stylesheets(app, client):
    css = client.get("/static/css/tracker.css").get_data(as_text=True)
    html = client.get("/style").get_data(as_text=True)
    for name, colour in re.findall(r"<code>(--[a-z_-]+)</code> (#[0-9a-f]{6})</th>", html):
        assert re.search(rf"{name}:\s*{colour}\b", css), name


@pytest.mark.parametrize("headers, current, other", [(ES, "Español", "English"),
                                                    (EN, "English", "Español")])
def test_the_header_names_the_conference_and_marks_the_language(client, headers, current, other):
    html = client.get("/matrix", headers=headers).get_data(as_text=True)
    assert re.search(rf'<span lang="[a-z]+" aria-current="true">{current}</span>', html)
    assert re.search(rf'hreflang="[a-z]+">{other}</a>', html)
    assert ("Conferencia Regional sobre Migración" if headers is ES
            else "Regional Conference on Migration") in html
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert '<a href="/matrix" aria-current="page">' in html
    assert client.get("/static/img/favicon.svg").status_code == 200


def test_each_matrix_cell_says_country_and_status_in_words(client, seeded):
    html = client.get("/matrix").get_data(as_text=True)
    cells = re.findall(r'<td><a class="status status-(\w+)" data-status="\w+" '
                       r'href="/commitments/([A-Z0-9-]+)">(.*?)</a></td>', html)
    expected = dict(db.session.execute(sa.select(Commitment.code, Commitment.status)).all())
    assert len(cells) > 250
    for status, code, inside in cells:
        assert status == expected[code].value
        words = re.search(r'<span class="visually-hidden">([^<]+)</span>', inside).group(1)
        assert words.endswith(": Sin informe")  # the seed reports nothing yet
        assert '<span class="symbol" aria-hidden="true">?</span>' in inside
    assert html.count('<td class="none">') > 0
