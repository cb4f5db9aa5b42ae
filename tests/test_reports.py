"""The follow-up reports: the PDF's text and the DOCX hold the API's counts; a report as of a
day is the history replayed to that day's end, with the ledger head of that moment; nothing
restricted or personal is in any report; the CLI refuses bad input and leaves no file."""

import datetime as dt
import io
import re
import zipfile

import pytest
import sqlalchemy as sa
import time_machine
from docx import Document
from docx.oxml.ns import qn
from factories import (
    make_evidence,
    make_indicator,
    make_indicator_report,
    make_observation,
    report_status,
)
from pypdf import PdfReader

from tracker.audit.observations import hide_observation
from tracker.extensions import db
from tracker.models import Commitment, Country, Status, User
from tracker.reports import as_of, content
from tracker.reports.docx import render_docx
from tracker.reports.html import render_html

UTC = dt.timezone.utc
MEETING = "crm-salon-londres"
FIGURE_LABELS = {
    "en": {"total": "Commitments", Status.NOT_REPORTED: "Not reported",
           Status.NOT_STARTED: "Not started", Status.IN_PROGRESS: "In progress",
           Status.COMPLETED: "Completed", Status.STALLED: "Stalled", "progress": "Progress"},
    "es": {"total": "Compromisos", Status.NOT_REPORTED: "Sin informe",
           Status.NOT_STARTED: "No iniciado", Status.IN_PROGRESS: "En curso",
           Status.COMPLETED: "Cumplido", Status.STALLED: "Estancado", "progress": "Avance"}}


def number(text: str) -> float:
    """A figure as either language writes it (1.234,5 or 1,234.5)."""
    text = text.replace("%", "").strip()
    if "," in text and ("." not in text or text.rindex(",") > text.rindex(".")):
        text = text.replace(".", "").replace(",", ".")
    return float(text.replace(",", ""))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_figures(text: str, lang: str) -> dict:
    """The key figures as the PDF's first table prints them ("Commitments 277")."""
    block = text[text.index({"en": "Key figures", "es": "Cifras clave"}[lang]):]
    found = {}
    for key, label in FIGURE_LABELS[lang].items():
        match = re.search(rf"^(?:\S )?{re.escape(label)} ([\d.,]+)(?: %)?$", block, re.M)
        assert match, f"{label} not in the PDF's key figures"
        found[key] = number(match.group(1))
    return found


def docx_figures(data: bytes, lang: str) -> dict:
    """The key figures from the DOCX's first table, read back with python-docx."""
    table = Document(io.BytesIO(data)).tables[0]
    rows = {re.sub(r"^\S ", "", row.cells[0].text): row.cells[1].text for row in table.rows}
    return {key: number(rows[label]) for key, label in FIGURE_LABELS[lang].items()}


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def make(runner, tmp_path, *args, fmt="pdf", lang="en") -> bytes:
    """A report through the CLI, its bytes."""
    out = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.{fmt}"
    result = runner.invoke(args=["report", *args, "--lang", lang, "--format", fmt,
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def api_figures(record: dict) -> dict:
    figures = {Status(s): n for s, n in record["by_status"].items()}
    return figures | {"total": record["total"], "progress": record["progress"]}


@pytest.fixture
def reported(seeded, people):
    focal, secretariat = people["focal_point"], people["secretariat"]
    report_status(focal, "MT1-R01-MEX", "in_progress", progress=33)
    report_status(focal, "MT1-R02-MEX", "completed")
    report_status(secretariat, "MT1-R01-GTM", "stalled", progress=7)
    return people


@pytest.mark.parametrize(("scope", "lang"), [(("summary",), "en"), (("country", "MEX"), "es"),
                                             (("meeting", MEETING), "en")])
def test_pdf_and_docx_hold_the_apis_counts(client, runner, reported, tmp_path, scope, lang):
    stats = client.get("/api/v1/stats").get_json()
    if scope[0] == "country":
        expected = api_figures(next(c for c in stats["by_country"] if c["country"] == "MEX"))
    elif scope[0] == "summary":
        expected = api_figures(stats)
    else:  # the meeting's commitments as the API lists them
        expected = {s: client.get(f"/api/v1/commitments?meeting={MEETING}&status={s.value}")
                    .get_json()["total"] for s in Status}
        expected["total"] = client.get(f"/api/v1/commitments?meeting={MEETING}").get_json()["total"]
        expected["progress"] = stats["progress"]  # every seeded commitment is this meeting's
    assert expected["total"] > 0 and expected[Status.COMPLETED] >= 1
    assert pdf_figures(pdf_text(make(runner, tmp_path, *scope, lang=lang)), lang) == expected
    assert docx_figures(make(runner, tmp_path, *scope, fmt="docx", lang=lang), lang) == expected


def replayed(end: dt.datetime) -> dict[str, Status]:
    """Each commitment's status at ``end``, from the history, sharing no code with the app."""
    state: dict[str, tuple] = {}
    for code, at, event_id, status in db.session.execute(sa.text(
            "SELECT c.code, e.at, e.id, e.to_status FROM status_event e "
            "JOIN commitment c ON c.id = e.commitment_id")):
        at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        if at < end and (code not in state or (at, event_id) > state[code][:2]):
            state[code] = (at, event_id, Status(status))
    return {code: status for code, (_at, _id, status) in state.items()}


def head_before(end: dt.datetime) -> str:
    seq, digest = db.session.execute(sa.text(
        "SELECT seq, hash FROM ledger_entry WHERE at < :end ORDER BY seq DESC LIMIT 1"),
        {"end": end}).one()
    return f"{seq}:{digest}"


@pytest.fixture
def dated(seeded, people):
    """Updates at known times after the seed's creation events (dated today), and the
    observations and evidence between them."""
    focal, auditor = people["focal_point"], people["auditor"]
    first = dt.datetime.now(UTC).replace(hour=12, minute=0) + dt.timedelta(days=10)
    second = first + dt.timedelta(days=20)
    with time_machine.travel(first, tick=False):
        report_status(focal, "MT1-R01-MEX", "in_progress", progress=40)
        report_status(people["secretariat"], "MT1-R02-GTM", "completed")
    with time_machine.travel(first + dt.timedelta(hours=1), tick=False):
        make_observation(auditor, "MT1-R01-MEX", assessment="no_evidence",
                         text="Ninguna prueba pública todavía.")
    with time_machine.travel(second, tick=False):
        report_status(focal, "MT1-R01-MEX", "completed")
        report_status(focal, "MT1-R03-MEX", "stalled", progress=10)
        make_evidence(focal, "MT1-R03-MEX", title="Informe público de avance")
    return first.date(), second.date()


def test_an_as_of_report_is_the_history_replayed_and_its_ledger_head(app, runner, dated,
                                                                       tmp_path):
    first, second = dated
    end = dt.datetime.combine(first + dt.timedelta(days=1), dt.time(), tzinfo=UTC)
    with time_machine.travel(dt.datetime.combine(second, dt.time(18), tzinfo=UTC), tick=False):
        then = replayed(end)
        report = content.regional_report(MEETING, first)
        assert {line.code: line.state.status for section in report.sections
                for line in section.lines} == then
        assert then["MT1-R01-MEX"] == Status.IN_PROGRESS and then["MT1-R03-MEX"] == \
            Status.NOT_REPORTED
        assert [line.code for line in report.contested] == ["MT1-R01-MEX"]
        expected = {s: sum(1 for v in then.values() if v == s) for s in Status}
        pdf = make(runner, tmp_path, "meeting", MEETING, "--as-of", first.isoformat())
        docx = make(runner, tmp_path, "meeting", MEETING, "--as-of", first.isoformat(),
                    fmt="docx")
        text = pdf_text(pdf)
        for figures in (pdf_figures(text, "en"), docx_figures(docx, "en")):
            assert {s: figures[s] for s in Status} == expected
        head = head_before(end)
        assert head in re.sub(r"\s", "", text) and head in docx_text(docx)
        assert head != head_before(dt.datetime.now(UTC))
        today = docx_figures(make(runner, tmp_path, "meeting", MEETING, fmt="docx"), "en")
        assert today[Status.COMPLETED] == expected[Status.COMPLETED] + 1
        assert today[Status.STALLED] == expected[Status.STALLED] + 1


def test_what_changed_between_two_days(app, dated):
    first, second = dated
    with time_machine.travel(dt.datetime.combine(second, dt.time(18), tzinfo=UTC), tick=False):
        changes = content.regional_report(MEETING, second, since=first).changes
    assert changes is not None
    assert {(line.code, before, line.state.status) for line, before in changes.moved} == {
        ("MT1-R01-MEX", Status.IN_PROGRESS, Status.COMPLETED),
        ("MT1-R03-MEX", Status.NOT_REPORTED, Status.STALLED)}
    assert [e.title for _line, e in changes.evidence] == ["Informe público de avance"]
    assert changes.ratings == []  # the observation came before the first day ended


def test_the_day_ends_at_midnight_in_the_trackers_zone(app):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/Mexico_City"
    assert as_of.end_of(dt.date(2026, 12, 2)) == dt.datetime(2026, 12, 3, 6, tzinfo=UTC)


def test_overdue_is_counted_on_the_trackers_day_like_the_api(app, client, seeded):
    """At 21:00 in Mexico City it is already tomorrow in UTC: a commitment due today there is
    not overdue yet, in the report as on the site."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/Mexico_City"

    later = dt.datetime.now(UTC).replace(hour=3, minute=0) + dt.timedelta(days=10)
    local_day = later.date() - dt.timedelta(days=1)  # 21:00 the evening before, in Mexico
    dues = {"MT1-R01-MEX": local_day - dt.timedelta(days=1), "MT1-R02-MEX": local_day}
    for code, due in dues.items():
        db.session.execute(sa.update(Commitment).where(Commitment.code == code)
                           .values(due_date=due))
    db.session.commit()
    with time_machine.travel(later, tick=False):
        api = client.get("/api/v1/stats").get_json()["overdue"]
        report = content.summary(local_day).totals.overdue
        listed = client.get("/api/v1/commitments?overdue=1").get_json()["total"]
    assert (api, report, listed) == (1, 1, 1)


def test_no_report_shows_restricted_evidence_withdrawn_text_or_personal_data(
        app, runner, reported, tmp_path):
    focal, secretariat, auditor = (reported["focal_point"], reported["secretariat"],
                                   reported["auditor"])
    make_evidence(focal, "MT1-R01-MEX", title="Anexo público de seguimiento")
    make_evidence(focal, "MT1-R01-MEX", title="Oficio confidencial 77", visibility="restricted",
                  url="https://intranet.gob.example/oficio-77")
    make_observation(auditor, "MT1-R01-MEX", text="Texto visible de la red.")
    hidden = make_observation(auditor, "MT1-R02-MEX", text="Insulto retirado por abuso.")
    hide_observation(secretariat, hidden, "Lenguaje ofensivo")
    people = db.session.scalars(sa.select(User)).all()
    secrets = ["Oficio confidencial 77", "intranet.gob.example", "Insulto retirado"]
    secrets += [p.email for p in people] + [p.name for p in people if p.name]
    texts = [pdf_text(make(runner, tmp_path, "country", "MEX")),
             pdf_text(make(runner, tmp_path, "meeting", MEETING, lang="es")),
             docx_text(make(runner, tmp_path, "country", "MEX", fmt="docx")),
             docx_text(make(runner, tmp_path, "meeting", MEETING, fmt="docx", lang="es"))]
    for text in texts:
        flat = re.sub(r"\s+", " ", text)
        assert not [s for s in secrets if s in flat]
        assert "Texto visible de la red." in flat
    assert "Anexo público de seguimiento" in re.sub(r"\s+", " ", texts[0])


REFUSALS = [
    (["meeting", "nada"], "en", "No meeting has the code nada."),
    (["meeting", "nada"], "es", "Ninguna reunión tiene el código nada."),
    (["country", "XYZ"], "es", "Ningún Estado miembro ni responsable tiene el código XYZ."),
    (["summary", "--as-of", "2026-13-01"], "en", "The date must be written YYYY-MM-DD"),
    (["summary", "--as-of", "20261130"], "es", "La fecha debe escribirse AAAA-MM-DD"),
    (["summary", "--as-of", "2999-01-01"], "en", "not as of a future one"),
    (["summary", "--as-of", "2999-01-01"], "es", "no de un día futuro"),
    (["summary", "--since", "2999-01-01"], "en", "not as of a future one"),
]


@pytest.mark.parametrize(("args", "lang", "message"), REFUSALS)
def test_the_cli_refuses_bad_input_in_the_chosen_language(runner, seeded, tmp_path, args,
                                                          lang, message):
    folder = tmp_path / "reports"
    folder.mkdir()
    result = runner.invoke(args=["report", *args, "--lang", lang, "-o", str(folder / "r.pdf")])
    assert result.exit_code == 1 and message in result.output
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("target", ["missing/report.docx", "."])
def test_an_unwritable_target_is_refused_and_nothing_is_left(runner, seeded, tmp_path, target):
    folder = tmp_path / "reports"
    folder.mkdir()
    result = runner.invoke(args=["report", "summary", "--lang", "es", "--format", "docx",
                                 "-o", str(folder / target)])
    assert result.exit_code == 1 and "no se puede escribir" in result.output.lower()
    assert list(folder.iterdir()) == []


def test_a_report_reads_the_database_a_fixed_number_of_times(app, reported, count_queries):
    day = as_of.local_today()
    make_observation(reported["auditor"], "MT1-R01-MEX", assessment="limited")
    db.session.expire_all()
    with count_queries() as before:
        content.regional_report(MEETING, day)
        content.country_report("MEX", day)
        content.summary(day)
    for code in ("MT1-R03-MEX", "MT1-R04-MEX", "MT1-R05-GTM"):
        report_status(reported["focal_point"] if code.endswith("MEX")
                      else reported["secretariat"], code, "in_progress", progress=50)
        make_evidence(reported["secretariat"], code)
        make_observation(reported["auditor"], code, assessment="limited")
    db.session.expire_all()
    with count_queries() as after:
        report = content.regional_report(MEETING, day)
        content.country_report("MEX", day)
        content.summary(day)
    assert len(after) == len(before) and len(report.ratings) == 4


def test_the_docx_has_real_headings_and_tables(app, reported):
    data = render_docx(content.regional_report(MEETING, as_of.local_today()), "es")
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["Contenido", "Avance regional", "La matriz"]
    matrix = doc.tables[2]
    assert matrix.rows[0].cells[0].text == "Recomendación" and len(matrix.rows) > 20


def test_indicator_values_are_those_current_then_as_published(app, seeded, people):
    """A correction replaces a value from the day it was made; a small count stays
    suppressed in a report as on every public surface."""
    focal = people["focal_point"]
    first = dt.datetime.now(UTC).replace(hour=12, minute=0) + dt.timedelta(days=5)
    with time_machine.travel(first, tick=False):
        indicator = make_indicator(dimensions=())
        original = make_indicator_report(focal, indicator, period="2024",
                                         cells={(None, None): 100})
        make_indicator_report(people["focal_other"], indicator, "GTM", period="2024",
                              cells={(None, None): 3})
    with time_machine.travel(first + dt.timedelta(days=3), tick=False):
        make_indicator_report(focal, indicator, period="2024", cells={(None, None): 120},
                              replaces=original, note="Cifra corregida")
    with time_machine.travel(first + dt.timedelta(days=4), tick=False):
        def figures(day):
            return {(db.session.get(Country, f.country_id).iso3, f.period):
                    [(c.value, c.suppressed) for c in f.cells]
                    for f in content.regional_report(MEETING, day).indicators}
        assert figures(first.date() - dt.timedelta(days=1)) == {}
        small = {("GTM", "2024"): [(None, True)]}
        assert figures(first.date()) == {("MEX", "2024"): [(100, False)]} | small
        assert figures(first.date() + dt.timedelta(days=3)) == \
            {("MEX", "2024"): [(120, False)]} | small


def test_an_observation_hidden_later_counts_then_without_its_text(app, seeded, people):
    first = dt.datetime.now(UTC).replace(hour=12, minute=0) + dt.timedelta(days=2)
    with time_machine.travel(first, tick=False):
        observation = make_observation(people["auditor"], "MT1-R01-MEX",
                                       text="Palabras que se retirarán.")
    with time_machine.travel(first + dt.timedelta(days=2), tick=False):
        hide_observation(people["secretariat"], observation, "Lenguaje ofensivo")
        then = content.country_report("MEX", first.date()).ratings
        now = content.country_report("MEX", first.date() + dt.timedelta(days=2)).ratings
    assert [(line.code, rating.text) for line, rating in then] == [("MT1-R01-MEX", None)]
    assert now == []


def test_indicator_cells_are_named_in_the_reports_language(app, seeded, people):
    indicator = make_indicator()  # by sex
    make_indicator_report(people["focal_point"], indicator,
                          cells={(None, None): 100, ("F", None): 60, ("M", None): 40})
    report = content.regional_report(MEETING, as_of.local_today())
    assert "Total: 100; Mujeres: 60; Hombres: 40" in docx_text(render_docx(report, "es"))
    assert "Total: 100; Female: 60; Male: 40" in docx_text(render_docx(report, "en"))
    assert "Total: 100; Female: 60; Male: 40" in render_html(report, "en")


def test_the_docx_is_a4_in_the_reports_language_with_its_own_metadata_and_same_bytes(
        app, reported):
    report = content.regional_report(MEETING, as_of.local_today())
    data = render_docx(report, "es")
    assert render_docx(report, "es") == data  # no date of its making inside
    doc = Document(io.BytesIO(data))
    assert [(round(s.page_width.mm), round(s.page_height.mm)) for s in doc.sections][:2] == [
        (210, 297), (297, 210)]  # A4, then the matrix's landscape pages
    language = doc.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert language.get(qn("w:val")) == "es-MX"
    props = doc.core_properties
    assert (props.author, props.comments) == ("Conferencia Regional sobre Migración", "")
    assert props.created.date() == report.frame.end.date()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        app_xml = archive.read("docProps/app.xml")
    assert "docProps/thumbnail.jpeg" not in names and b"python-docx" not in app_xml
    assert doc.settings.element.find(qn("w:updateFields")) is not None  # the contents fill in
    header = doc.tables[0].rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
