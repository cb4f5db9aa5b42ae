"""Issue 18, point 5: dates unambiguous and in the reader's language, in the configured zone;
every error page translated (never Werkzeug's English); editorial notes marked with their
language when not the reader's."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from conftest import make_config, running_app
from factories import commitment, make_user, report_status
from flask import abort, render_template_string
from flask_babel import force_locale
from werkzeug.exceptions import default_exceptions

from tracker.core.dates import format_day, format_moment, utc_offset
from tracker.extensions import db, limiter
from tracker.models import StatusEvent

ZONE = "America/Mexico_City"  # UTC-6 all year since Mexico dropped summer time (2022)
# 07:01 UTC on 2 December is 01:01 in Mexico City; 03:00 UTC on 3 December is still the 2nd.
MOMENT = dt.datetime(2026, 12, 2, 7, 1, tzinfo=dt.timezone.utc)
LATE = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.timezone.utc)
MOMENT_TEXT = {"es": "2 dic 2026, 01:01 UTC-6", "en": "2 Dec 2026, 01:01 UTC-6"}
# A moment as our filter writes it, and as Flask-Babel's "short" wrote it (2/12/26, 1:01).
MOMENT_FORM = re.compile(r"\d{1,2} [A-Za-z]{3} \d{4}, \d{2}:\d{2} UTC-6")
SHORT_FORM = re.compile(r"\d{1,2}/\d{1,2}/\d{2}")


@pytest.fixture
def app(tmp_path):
    """The app with a time zone that is not UTC, as a deployment in Mexico would set it."""
    with running_app(make_config(tmp_path, BABEL_DEFAULT_TIMEZONE=ZONE)) as app:
        yield app


# -- dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["es", "en"])
def test_a_moment_is_written_in_the_zone_with_its_offset(app, locale):
    with force_locale(locale):
        assert format_moment(MOMENT) == MOMENT_TEXT[locale]
        assert format_day(MOMENT) == {"es": "2 dic 2026", "en": "2 Dec 2026"}[locale]
        assert format_day(LATE).startswith("2 ")  # the day in Mexico, not in UTC
        assert format_day(dt.date(2026, 9, 30)) == {"es": "30 sep 2026",
                                                     "en": "30 Sep 2026"}[locale]


@pytest.mark.parametrize("locale", ["es", "en"])
def test_the_template_filters_give_the_same_form_whatever_format_is_asked(app, locale):
    template = ('{{ m|datetimeformat("short") }}|{{ m|datetimeformat }}|{{ d|dateformat }}|'
                '{{ d|dateformat("short") }}|{{ none|dateformat }}')
    with force_locale(locale):
        text = render_template_string(template, m=MOMENT, d=dt.date(2026, 12, 2), none=None)
    day = {"es": "2 dic 2026", "en": "2 Dec 2026"}[locale]
    assert text == f"{MOMENT_TEXT[locale]}|{MOMENT_TEXT[locale]}|{day}|{day}|"


@pytest.mark.parametrize("zone, text", [
    ("UTC", "UTC"), ("America/Mexico_City", "UTC-6"), ("Asia/Kolkata", "UTC+5:30"),
    ("America/St_Johns", "UTC-3:30"), ("America/New_York", "UTC-5")])
def test_the_offset_is_written_utc_plus_or_minus_hours(zone, text):
    from zoneinfo import ZoneInfo

    assert utc_offset(MOMENT.astimezone(ZoneInfo(zone))) == text


def test_summer_time_changes_the_offset(app):
    from zoneinfo import ZoneInfo

    july = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert utc_offset(july.astimezone(ZoneInfo("America/New_York"))) == "UTC-4"


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_commitment_history_shows_the_moment_in_the_zone(app, client, seeded, language):
    focal = make_user("focal_point", country="MEX")
    report_status(focal, "MT1-R03-MEX", "in_progress", 20)
    event = db.session.scalar(sa.select(StatusEvent).order_by(StatusEvent.id.desc()))
    event_text = format_moment(event.at)
    page = client.get("/commitments/MT1-R03-MEX", headers={"Accept-Language": language})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert MOMENT_FORM.search(html) and not SHORT_FORM.search(html)
    with force_locale(language):
        assert format_moment(event.at) in html
    assert event_text.endswith("UTC-6")


@pytest.mark.parametrize("language, percent", [("es", "12,5 %"), ("en", "12.5 %")])
def test_a_percentage_reads_right_in_each_language(app, language, percent):
    with force_locale(language):
        assert render_template_string("{{ p|numberformat }} %", p=12.5) == percent


# -- error pages ---------------------------------------------------------------------

STATUSES = [400, 401, 403, 404, 405, 409, 410, 411, 413, 415, 422, 429, 500, 503]
SPANISH_TITLES = {400: "Solicitud no válida", 401: "Debe iniciar sesión", 403: "No permitido",
                  404: "Página no encontrada", 405: "Método no permitido", 409: "Conflicto",
                  410: "Ya no está disponible", 411: "Falta la longitud",
                  413: "Demasiado grande", 415: "Formato no admitido",
                  422: "No se puede registrar", 429: "Demasiadas solicitudes",
                  500: "Algo salió mal", 503: "Servicio no disponible"}


@pytest.fixture
def failing(app):
    """/fail/<code> answers that status with Werkzeug's default exception, as abort(code)
    does anywhere in the app; /fail/<code>/own with a description of ours."""
    def fail(code: int):
        abort(code)

    def fail_own(code: int):
        abort(code, description="Una descripción nuestra.")

    app.add_url_rule("/fail/<int:code>", "fail", fail)
    app.add_url_rule("/fail/<int:code>/own", "fail_own", fail_own)
    return app


def werkzeug_texts(code: int) -> list[str]:
    exception = default_exceptions[code]()
    return [exception.name, exception.description[:40]]


@pytest.mark.parametrize("code", STATUSES)
def test_every_error_page_is_in_spanish_without_werkzeug_english(failing, client, code):
    response = client.get(f"/fail/{code}", headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert f"<h1>{code} {SPANISH_TITLES[code]}</h1>" in html
    assert 'href="/">Volver al panorama</a>' in html
    name, description = werkzeug_texts(code)
    assert not re.search(rf"\b{re.escape(name)}\b", html)  # "Conflict", not "Conflicto"
    assert description not in html


@pytest.mark.parametrize("code", STATUSES)
def test_every_error_page_is_in_english_without_werkzeug_defaults(failing, client, code):
    response = client.get(f"/fail/{code}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == code and "Back to the dashboard" in html
    assert werkzeug_texts(code)[1] not in html  # ours explains, not Werkzeug's description
    assert "Solicitud" not in html and "Volver" not in html


@pytest.mark.parametrize("code", [400, 403, 404, 409, 413, 422])
def test_a_description_of_ours_still_shows(failing, client, code):
    html = client.get(f"/fail/{code}/own").get_data(as_text=True)
    assert "Una descripción nuestra." in html and SPANISH_TITLES[code] in html


def test_a_real_description_is_kept_translated(client, seeded):
    html = client.get("/matrix?meeting=NO-SUCH").get_data(as_text=True)
    assert "Página no encontrada" in html and "No hay ninguna reunión con este código" in html


@pytest.mark.parametrize("language, title", [("es", "405 Método no permitido"),
                                             ("en", "405 Method not allowed")])
def test_a_wrong_method_is_translated(client, language, title):
    response = client.delete("/", headers={"Accept-Language": language})
    assert response.status_code == 405 and title in response.get_data(as_text=True)


def test_a_wrong_method_on_the_api_points_a_program_to_allow(client):
    response = client.delete("/api/v1/stats", headers={"Accept-Language": "es"})
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.json["error"]["detail"] == (
        "Esta dirección no acepta este método: su encabezado Allow indica los que acepta.")
    page = client.delete("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Ábrala desde un enlace o un formulario del sitio." in page  # a reader's words


def test_an_expired_form_says_so_in_spanish(client):
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Formulario vencido" in html
    assert "CSRF" not in html.replace("csrf_token", "")


def test_the_login_limit_is_explained_not_counted(app, client, auth):
    app.config["LOGIN_RATE_LIMIT"] = "1 per minute"
    for _ in range(2):
        response = auth.post("/login", {"email": "a@example.org", "password": "x" * 12},
                             token_from="/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and "Demasiadas solicitudes en poco tiempo" in html
    assert "per 1 minute" not in html and "Too Many Requests" not in html
    limiter.reset()


def test_an_anonymous_reader_refused_is_offered_to_log_in(failing, client):
    html = client.get("/fail/403?x=1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/login?next=/fail/403?x%3D1">Log in</a>' in html


def test_a_logged_in_reader_refused_is_not_offered_to_log_in(client, auth, seeded):
    focal = make_user("focal_point", country="MEX")
    auth.login(focal.email)
    response = client.get("/admin/", headers={"Accept-Language": "es"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "No permitido" in html
    assert "/login?next=" not in html and "Forbidden" not in html


@pytest.mark.parametrize("language, detail", [
    ("es", "No hay nada en esta dirección"), ("en", "There is nothing at this address")])
def test_json_errors_never_carry_werkzeug_english_detail(client, language, detail):
    answer = client.get("/api/v1/no-such", headers={"Accept-Language": language}).get_json()
    assert answer["error"]["status"] == 404 and detail in answer["error"]["detail"]
    assert "requested URL" not in answer["error"]["detail"]


# -- editorial notes -----------------------------------------------------------------

def page(client, language: str) -> str:
    answer = client.get("/commitments/MT1-R03-MEX", headers={"Accept-Language": language})
    return answer.get_data(as_text=True)


def test_each_page_shows_the_note_in_its_own_language_only(client, seeded):
    english, spanish = "Kept as two items, as written.", "Se mantienen como dos puntos."
    rec = commitment("MT1-R03-MEX").recommendation
    rec.editorial_note, rec.editorial_note_es = english, spanish
    db.session.commit()
    es, en = page(client, "es"), page(client, "en")
    assert f"Nota editorial: {spanish}</p>" in es and english not in es
    assert f"Editorial note: {english}</p>" in en and spanish not in en
    assert "(en inglés)" not in es and 'lang="en">' + english not in es


@pytest.mark.parametrize("missing, language", [("editorial_note_es", "es"),
                                               ("editorial_note", "en")])
def test_a_note_missing_in_the_readers_language_shows_nothing(client, seeded, missing,
                                                              language):
    rec = commitment("MT1-R03-MEX").recommendation
    rec.editorial_note, rec.editorial_note_es = "In English.", "En español."
    setattr(rec, missing, None)
    db.session.commit()
    html = page(client, language)
    assert "Editorial note" not in html and "Nota editorial" not in html
    assert "In English." not in html and "En español." not in html


def test_no_note_no_line(client, seeded):
    rec = commitment("MT1-R03-MEX").recommendation
    rec.editorial_note = rec.editorial_note_es = None
    db.session.commit()
    for language in ("es", "en"):
        html = client.get("/commitments/MT1-R03-MEX", headers={"Accept-Language": language})
        assert "Editorial note" not in html.get_data(as_text=True)
        assert "Nota editorial" not in html.get_data(as_text=True)


# -- e-mails -------------------------------------------------------------------------

@pytest.mark.parametrize("language, due", [("en", "(due 20 Nov 2026)"), ("es", "20 nov 2026")])
def test_a_digest_writes_the_due_date_in_the_readers_language(seeded, language, due):
    from tracker.models import MessageKind, OutboxMessage
    from tracker.reminders.rules import run_rules

    today = dt.date(2026, 11, 23)
    user = make_user("focal_point", country="MEX", email="fp@example.org", language=language)
    commitment("MT1-R01-MEX").due_date = dt.date(2026, 11, 20)
    db.session.commit()
    run_rules(today)
    body = db.session.scalar(sa.select(OutboxMessage.body).filter_by(
        recipient=user.email, kind=MessageKind.DIGEST))
    assert body is not None and due in body and "2026-11-20" not in body
