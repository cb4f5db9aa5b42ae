"""Small things readers see: the icon browsers ask for, where the breadcrumb leads, no empty
section, a bad flag explained in the reader's language, recent updates that say what
changed, per-country figures in the map's order."""

import struct

import sqlalchemy as sa
from factories import report_status

from tracker.extensions import db
from tracker.models import Recommendation

EN = {"Accept-Language": "en"}
ES = {"Accept-Language": "es"}


def test_favicon_is_a_real_icon_cached_long(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.cache_control.max_age >= 24 * 3600
    data = response.get_data()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO header, not an SVG renamed
    sizes = {(data[6 + 16 * i] or 256, data[7 + 16 * i] or 256) for i in range(count)}
    assert (32, 32) in sizes and (16, 16) in sizes


def test_the_breadcrumb_leads_to_the_list(client, seeded):
    html = client.get("/commitments/MT1-R01-MEX", headers=EN).get_data(as_text=True)
    assert '<p class="breadcrumb"><a href="/commitments">Commitments</a>' in html


def test_a_recommendation_without_quotes_has_no_empty_heading(client, seeded):
    quoted = client.get("/commitments/MT1-R02-MEX", headers=EN).get_data(as_text=True)
    assert "What the minutes say" in quoted
    rec = db.session.scalar(sa.select(Recommendation).where(Recommendation.code == "MT1-R01"))
    rec.quotes.clear()
    db.session.commit()
    html = client.get("/commitments/MT1-R01-MEX", headers=EN).get_data(as_text=True)
    assert "What the minutes say" not in html and 'id="text-heading"' not in html


def test_a_bad_overdue_flag_is_explained_as_the_links_write_it(client, seeded):
    es = client.get("/commitments?overdue=maybe", headers=ES)
    assert es.status_code == 400
    assert "overdue debe ser 1 (solo los compromisos vencidos) o 0." in es.get_data(as_text=True)
    en = client.get("/commitments?overdue=maybe", headers=EN).get_data(as_text=True)
    assert "overdue must be 1 (overdue commitments only) or 0." in en
    assert "true or false" not in en
    assert client.get("/commitments?overdue=1").status_code == 200


def test_a_recent_update_of_progress_alone_says_what_changed(client, people):
    focal = people["focal_point"]
    report_status(focal, "MT1-R01-MEX", "in_progress", progress=30)
    report_status(focal, "MT1-R01-MEX", "in_progress", progress=50)
    html = client.get("/", headers=ES).get_data(as_text=True)
    recent = html[html.index('id="recent-heading"'):]
    assert "En curso 30 % → En curso 50 %" in recent
    assert "Sin informe → En curso 30 %" in recent


def test_the_printed_page_says_where_it_came_from(client, seeded):
    html = client.get("/matrix", headers=EN).get_data(as_text=True)
    assert 'class="print-only print-source">Printed from http://localhost/matrix on ' in html
