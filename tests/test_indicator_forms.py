"""The indicator forms through real HTTP: the secretariat defines an indicator, a focal point
(or the secretariat, for any owner) reports a period's value and corrects it. Every refusal
is shown on its field and writes nothing; a stale correction is a 409, never a 500."""

import datetime as dt
import html
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from factories import commitment, make_evidence, make_indicator, make_indicator_report, make_user
from workflow_helpers import snapshot

from tracker.extensions import db
from tracker.indicators.reporting import current_reports, history_of
from tracker.models import AdminAction, Country, Indicator, IndicatorReport

BY_SEX = "IND-MIG-1"  # on MT1-R03: every member state reports it, by sex (F, M, _O)
ON_MEX = "IND-MEX-1"  # on MT1-R03-MEX: only Mexico reports it, a total only
CROSS = "IND-X"  # by sex and age group
REPORT = f"/my/indicators/{BY_SEX}/report"
ROLES = ["anonymous", "auditor", "focal_same", "focal_other", "secretariat", "deactivated",
         "deactivated_secretariat"]
LOGIN_FIRST = {"anonymous", "deactivated", "deactivated_secretariat"}


@pytest.fixture(autouse=True)
def english(client):
    """Source strings, unless a test asks for Spanish."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def indicators(seeded):
    """The three indicators the tests report on, defined by the operator."""
    return {BY_SEX: make_indicator(BY_SEX),
            ON_MEX: make_indicator(ON_MEX, commitment="MT1-R03-MEX", dimensions=()),
            CROSS: make_indicator(CROSS, dimensions=("SEX", "AGE"))}


@pytest.fixture
def secretariat(seeded, auth):
    user = make_user("secretariat", country=None)
    assert auth.login(user.email).status_code == 302
    return user


@pytest.fixture
def focal(seeded, auth):
    user = make_user("focal_point", country="MEX")
    assert auth.login(user.email).status_code == 302
    return user


def indicator(code: str) -> Indicator:
    return db.session.scalar(sa.select(Indicator).filter_by(code=code))


def country(iso3: str) -> Country:
    return db.session.scalar(sa.select(Country).filter_by(iso3=iso3))


def reports() -> list[IndicatorReport]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(IndicatorReport).order_by(IndicatorReport.id)))


def cells_of(report: IndicatorReport) -> dict:
    """A report's cells as (first code, second code) -> number."""
    return {(v.first_value.code if v.first_value else None,
             v.second_value.code if v.second_value else None): v.value for v in report.values}


def define_form(**overrides) -> dict:
    data = {"code": "IND-NEW", "name_es": "Niñas y niños atendidos",
            "name_en": "Children assisted", "definition_es": "Personas menores de 18 años.",
            "definition_en": "People under 18.", "unit": "count", "currency": "",
            "frequency": "year", "source": "Registro nacional", "recommendation_code": "MT1-R03",
            "commitment_code": "", "first_dimension": "SEX", "second_dimension": "AGE",
            "targets": "MEX 120 2023 200 2027\nGTM - - 50 2028\n\nhnd 7 2024\n"}
    data.update(overrides)
    return data


def report_form(**overrides) -> dict:
    """A complete report of BY_SEX for 2024: a total of 10, by sex 6 + 3 + 1."""
    data = {"period": "2024", "cell_0_0": "10", "cell_1_0": "6", "cell_2_0": "3",
            "cell_3_0": "1", "note": "", "source": "Registro", "replaces": ""}
    data.update(overrides)
    return data


def errors_of(page: str, field_id: str) -> str:
    """The text of the errors shown on one field (empty if none)."""
    found = re.search(rf'<ul class="errors" id="{field_id}-errors"[^>]*>(.*?)</ul>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def field_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    found = re.search(r'value="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else ""


# -- HTML: well formed, ids unique, every reference to an id resolves ----------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Checker(HTMLParser):
    """Problems a browser would paper over: unclosed or stray tags, duplicate ids, labels and
    ARIA references to ids that are not on the page, a form inside a form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.ids: list[str] = []
        self.references: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form" and "form" in self.open:
            self.problems.append("a form inside a form")
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "label" and values.get("for"):
            self.references.append(values["for"])
        for name in ("aria-labelledby", "aria-describedby"):
            self.references.extend((values.get(name) or "").split())
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            if tag in self.open:
                while self.open.pop() != tag:
                    pass
            return
        self.open.pop()


def assert_valid_html(page: str) -> None:
    checker = Checker()
    checker.feed(page)
    checker.close()
    duplicates = {i for i in checker.ids if checker.ids.count(i) > 1}
    missing = set(checker.references) - set(checker.ids)
    assert (checker.problems, checker.open, duplicates, missing) == ([], [], set(), set())
    assert page.lstrip().startswith("<!doctype html>") and "Traceback" not in page


# -- who may: every route x every role ----------------------------------------------------

GET_PAGES = {"/admin/indicators": {"secretariat"},
             "/admin/indicators/new": {"secretariat"},
             "/my/indicators": {"focal_same", "focal_other", "secretariat"},
             f"/my/indicators/{ON_MEX}/report": {"focal_same", "secretariat"},
             REPORT: {"focal_same", "focal_other", "secretariat"}}
POST_ROUTES = {"define": ("/admin/indicators/new", define_form, {"secretariat"}),
               "report": (f"/my/indicators/{ON_MEX}/report",
                          lambda: {"period": "2024", "cell_0_0": "5", "country": "MEX"},
                          {"focal_same", "secretariat"})}


def assert_refused(response, role: str) -> None:
    """No valid session: the login page first; a session without the right: 403."""
    if role in LOGIN_FIRST:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_indicator_pages(client, acting_as, indicators, role):
    acting_as(role)
    for path, allowed in GET_PAGES.items():
        response = client.get(path)
        if role in allowed:
            assert response.status_code == 200, path
        else:
            assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ROUTES)
def test_who_may_define_and_report(client, auth, acting_as, indicators, route, role):
    path, build, allowed = POST_ROUTES[route]
    acting_as(role)
    before = snapshot()
    response = auth.post(path, build())
    if role in allowed:  # the same request is valid: the refusals are about the role
        assert response.status_code == 302
        assert snapshot() != before
    else:
        assert_refused(response, role)
        assert snapshot() == before


def test_an_unknown_indicator_or_owner_is_a_404(client, secretariat, indicators):
    assert client.get("/my/indicators/NOPE/report").status_code == 404
    assert client.get(f"{REPORT}?country=ZZZ").status_code == 404
    assert client.get(f"/my/indicators/{ON_MEX}/report?country=GTM").status_code == 404


@pytest.mark.parametrize("route", POST_ROUTES)
def test_a_form_without_its_csrf_token_is_refused(client, secretariat, indicators, route):
    path, build, _ = POST_ROUTES[route]
    before = snapshot()
    response = client.post(path, data=build())
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert snapshot() == before


def test_the_links_lead_to_the_indicators(client, auth, seeded):
    secretariat = make_user("secretariat", country=None)
    assert auth.login(secretariat.email).status_code == 302
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/indicators"' in page and 'href="/admin/indicators/new"' in page
    auth.logout()
    focal = make_user("focal_point", country="MEX")
    assert auth.login(focal.email).status_code == 302
    assert 'href="/my/indicators"' in client.get("/my/commitments").get_data(as_text=True)


# -- the secretariat defines an indicator -------------------------------------------------

def test_the_secretariat_defines_an_indicator(client, auth, secretariat):
    page = client.get("/admin/indicators/new").get_data(as_text=True)
    assert_valid_html(page)
    assert '<option value="SEX">Sex</option>' in page
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(AdminAction))
    response = auth.post("/admin/indicators/new", define_form())
    assert response.status_code == 302 and response.headers["Location"] == "/admin/indicators"
    made = indicator("IND-NEW")
    assert (made.name_en, made.unit.value, made.frequency.value, made.recommendation.code,
            made.source) == ("Children assisted", "count", "year", "MT1-R03", "Registro nacional")
    assert [d.code for d in made.dimensions] == ["SEX", "AGE"]
    targets = {t.country.iso3: (t.baseline, t.baseline_period, t.target, t.target_period)
               for t in made.targets}
    assert targets == {"MEX": (Decimal(120), "2023", Decimal(200), "2027"),
                       "GTM": (None, None, Decimal(50), "2028"),
                       "HND": (Decimal(7), "2024", None, None)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdminAction)) == logged + 1
    listing = client.get("/admin/indicators").get_data(as_text=True)
    assert_valid_html(listing)
    assert "<code>IND-NEW</code>" in listing and "Sex × Age group" in listing
    assert "The indicator IND-NEW is defined." in listing


def test_an_indicator_on_one_commitment_in_a_currency(client, auth, secretariat):
    response = auth.post("/admin/indicators/new", define_form(
        unit="currency", currency="USD", recommendation_code="", commitment_code="MT1-R03-MEX",
        first_dimension="", second_dimension="", targets="mex - - 1000.5 2027"))
    assert response.status_code == 302
    made = indicator("IND-NEW")
    assert (made.commitment.code, made.currency, made.recommendation, made.dimensions) == \
        ("MT1-R03-MEX", "USD", None, [])
    assert [(t.country.iso3, t.target) for t in made.targets] == [("MEX", Decimal("1000.5"))]


DEFINE_REFUSALS = {
    "duplicate code": ({"code": BY_SEX}, "code", "An indicator with this code already exists."),
    "code with a slash": ({"code": "IND/1"}, "code", "Use at most 40 letters, digits, dots"),
    "no name": ({"name_es": "  "}, "name_es", "This field is required."),
    "control character": ({"name_en": "Mig\x07rants"}, "name_en", "Remove the control"),
    "unknown unit": ({"unit": "kg"}, "unit", "Not a valid choice"),
    "currency of a count": ({"currency": "USD"}, "currency",
                            "Only an amount of money has a currency."),
    "money without a currency": ({"unit": "currency"}, "currency", "ISO 4217 code"),
    "unknown currency": ({"unit": "currency", "currency": "XYZ"}, "currency", "ISO 4217 code"),
    "unknown frequency": ({"frequency": "monthly"}, "frequency", "Not a valid choice"),
    "both subjects": ({"commitment_code": "MT1-R03-MEX"}, "recommendation_code",
                      "Give either a recommendation or a commitment, not both."),
    "no subject": ({"recommendation_code": ""}, "recommendation_code",
                   "Give the recommendation or the commitment the indicator measures."),
    "unknown recommendation": ({"recommendation_code": "MT9-R99"}, "recommendation_code",
                               "Unknown recommendation."),
    "unknown commitment": ({"recommendation_code": "", "commitment_code": "MT1-R03-ZZZ"},
                           "commitment_code", "Unknown commitment."),
    "unknown dimension": ({"first_dimension": "COLOUR"}, "first_dimension",
                          "Choose a dimension from the list."),
    "the same dimension twice": ({"second_dimension": "SEX"}, "second_dimension",
                                 "Choose each dimension once."),
    "a second dimension alone": ({"first_dimension": ""}, "second_dimension",
                                 "Choose the first dimension before the second."),
    "a target line cut short": ({"targets": "MEX 120"}, "targets", "Line 1: write ISO3"),
    "a country twice": ({"targets": "MEX 1 2023 - -\nmex 2 2023 - -"}, "targets",
                        "Line 2: MEX is given twice."),
    "a country that does not report it": ({"targets": "ZZZ 1 2023 2 2027"}, "targets",
                                          "ZZZ does not report this indicator."),
    "a baseline not measured yet": ({"targets": "MEX 1 2031 - -"}, "targets",
                                    "Line 1: 2031 ends on 31 Dec 2031: report it once it "
                                    "has ended."),
    "a number that is not one, on its line": ({"targets": "MEX 1 2023 - -\nGTM diez 2023 - -"},
                                              "targets", "Line 2: Each value must be a number."),
    "an exponent, on its line": ({"targets": "MEX 1e3 2023 - -"}, "targets",
                                 "Line 1: Write the number in full, without an exponent"),
    "a bad period, on its line": ({"targets": "MEX 1 2023 - -\n\nGTM 1 2023-H1 - -"},
                                  "targets", "Line 3: Write the period as 2025"),
    "a target before its baseline": ({"targets": "MEX 10 2024 20 2023"}, "targets",
                                     "MEX: the target's period must come after the baseline's."),
    "a count with decimals": ({"targets": "MEX 1.5 2024 - -"}, "targets",
                              "A count is a whole number."),
    "a number without its period": ({"targets": "MEX 1 - - -"}, "targets",
                                    "MEX: give each number with its period."),
}


@pytest.mark.parametrize("case", DEFINE_REFUSALS)
def test_a_refused_definition_is_shown_on_its_field(client, auth, secretariat, indicators,
                                                    case):
    overrides, field, message = DEFINE_REFUSALS[case]
    before = snapshot()
    response = auth.post("/admin/indicators/new", define_form(**overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in errors_of(page, field), errors_of(page, field) or page
    assert_valid_html(page)
    assert snapshot() == before


# -- a focal point reports ------------------------------------------------------------------

def test_the_focal_points_list_shows_what_their_country_reports(client, auth, seeded,
                                                                indicators):
    make_indicator_report(make_user("secretariat", country=None), indicators[BY_SEX], "MEX",
                          period="2025")
    mexico, guatemala = make_user("focal_point", country="MEX"), make_user("focal_point",
                                                                             country="GTM")
    assert auth.login(mexico.email).status_code == 302
    page = client.get("/my/indicators").get_data(as_text=True)
    assert_valid_html(page)
    assert "Indicators of Mexico" in page
    rows = dict(re.findall(r"<tr>\s*<td><code>([^<]+)</code></td>.*?<td>([^<]*)</td>\s*<td><a",
                           page, re.S))
    assert rows == {BY_SEX: "2025", CROSS: "none reported yet", ON_MEX: "none reported yet"}
    auth.logout()
    assert auth.login(guatemala.email).status_code == 302
    page = client.get("/my/indicators").get_data(as_text=True)
    assert BY_SEX in page and CROSS in page and ON_MEX not in page
    assert "2025" not in page  # Mexico's period, not Guatemala's


def test_a_focal_point_reports_a_breakdown(client, auth, focal, indicators):
    page = client.get(REPORT).get_data(as_text=True)
    assert_valid_html(page)
    assert field_value(page, "period") == "2025"  # the last period ended (today: 2026)
    assert "Report the value" in page and field_value(page, "replaces") == ""
    response = auth.post(REPORT, report_form(note="Cifras preliminares"))
    assert response.status_code == 302
    [report] = reports()
    assert (report.country.iso3, report.period, report.actor_id, report.replaces_id,
            report.note, report.source) == ("MEX", "2024", focal.id, None,
                                            "Cifras preliminares", "Registro")
    assert cells_of(report) == {(None, None): 10, ("F", None): 6, ("M", None): 3,
                                ("_O", None): 1}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The value of 2024 is recorded." in page
    assert re.search(r"<td>2024</td>\s*<td>10</td>", page)


def test_a_reported_period_opens_as_a_correction_with_its_exact_values(client, auth, focal,
                                                                       indicators):
    first = make_indicator_report(focal, indicators[BY_SEX], period="2024",
                                  cells={(None, None): 10, ("F", None): 6, ("M", None): 3,
                                         ("_O", None): 1})
    page = client.get(f"{REPORT}?period=2024").get_data(as_text=True)
    assert_valid_html(page)
    # One person is below the publication threshold: its own country sees it exactly.
    assert [field_value(page, f"cell_{i}_0") for i in range(4)] == ["10", "6", "3", "1"]
    assert field_value(page, "replaces") == str(first.id) and "Send the correction" in page
    assert "Other or unknown: 1" in page
    response = auth.post(REPORT, report_form(cell_0_0="11", cell_3_0="2",
                                             replaces=str(first.id)))
    assert response.status_code == 302
    later = reports()[-1]
    assert later.replaces_id == first.id and cells_of(later)[None, None] == 11
    mexico = country("MEX")
    assert [r.id for r in history_of(indicator(BY_SEX), mexico, "2024")] == [first.id, later.id]
    assert [r.id for r in current_reports(indicator(BY_SEX), mexico)] == [later.id]
    assert "The correction of 2024 is recorded." in \
        client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_correction_starts_without_the_previous_note(client, auth, focal, indicators):
    """The note let the first version's parts differ from its total: shown for reference,
    never sent again unnoticed, so the sum check applies to the correction."""
    first = make_indicator_report(focal, indicators[BY_SEX], period="2024",
                                  note="Dos registros se superponen.",
                                  cells={(None, None): 10, ("F", None): 8, ("M", None): 3,
                                         ("_O", None): 1})
    page = client.get(f"{REPORT}?period=2024").get_data(as_text=True)
    assert_valid_html(page)
    note = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert note.strip() == ""
    assert re.search(r"<blockquote data-previous-note>Dos registros se superponen.</blockquote>",
                     page)
    assert "Published as written, with the values: no personal data and no small counts" \
        in page
    before = snapshot()
    opened = report_form(cell_1_0="8", replaces=str(first.id))  # as the form sends it
    refused = auth.post(REPORT, opened)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "add up to 12, not to their total 10" in errors_of(page, "cells")
    assert "Dos registros se superponen." in page  # still shown after the refusal
    assert snapshot() == before
    response = auth.post(REPORT, dict(opened, note="Los registros siguen superpuestos."))
    assert response.status_code == 302
    assert reports()[-1].note == "Los registros siguen superpuestos."


def test_a_stale_correction_is_a_409_showing_the_current_version(client, auth, focal,
                                                                  indicators):
    first = make_indicator_report(focal, indicators[BY_SEX], period="2024")
    opened = report_form(cell_0_0="12", cell_1_0="", cell_2_0="", cell_3_0="",
                         replaces=str(first.id))
    assert auth.post(REPORT, opened).status_code == 302  # someone corrects it first
    current = reports()[-1]
    before = snapshot()
    response = auth.post(REPORT, dict(opened, cell_0_0="13"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert_valid_html(page)
    assert (f"Report {first.id} was already corrected; correct report {current.id}, the "
            "current version.") in html.unescape(page)
    assert field_value(page, "replaces") == str(current.id)
    assert field_value(page, "cell_0_0") == "13"  # what was typed is kept
    assert "Current version of 2024" in page
    assert snapshot() == before
    assert auth.post(REPORT, dict(opened, cell_0_0="13",
                                  replaces=str(current.id))).status_code == 302


def test_a_period_reported_meanwhile_is_a_409_not_a_second_report(client, auth, focal,
                                                                   indicators):
    first = make_indicator_report(focal, indicators[BY_SEX], period="2024")
    before = snapshot()
    response = auth.post(REPORT, report_form())
    assert response.status_code == 409
    page = html.unescape(response.get_data(as_text=True))
    assert f"2024 is already reported; send it as a correction of report {first.id}." in page
    assert field_value(page, "replaces") == str(first.id)
    assert snapshot() == before


def test_a_tampered_report_to_correct_is_refused(client, auth, focal, indicators):
    before = snapshot()
    for replaces in ("abc", "999999", "²", "9" * 30):  # not ASCII digits; past any id
        response = auth.post(REPORT, report_form(replaces=replaces))
        assert response.status_code == 409
        assert "Unknown report to correct" in response.get_data(as_text=True)
    assert snapshot() == before


THIS_YEAR = dt.date.today().year  # under way whenever the tests run

REPORT_REFUSALS = {
    "a future period": ({"period": "2031"}, "period", "2031 ends on 31 Dec 2031: report it "
                                                      "once it has ended."),
    "the period under way": ({"period": str(THIS_YEAR)}, "period",
                             f"{THIS_YEAR} ends on 31 Dec {THIS_YEAR}: report it once it has "
                             "ended."),
    "an exponent": ({"cell_0_0": "1e1"}, "cell_0_0", "without an exponent (1000, not 1e3)"),
    "a thousand as an exponent": ({"cell_1_0": "1e3"}, "cell_1_0", "without an exponent"),
    "parts above an incomplete total": ({"cell_0_0": "23", "cell_1_0": "1000", "cell_2_0": "",
                                         "cell_3_0": ""}, "cells",
                                        "The values by Sex add up to 1000, more than their "
                                        "total 23"),
    "a quarter of a yearly indicator": ({"period": "2024-Q1"}, "period",
                                        "Write the period as 2025 for this indicator."),
    "no period": ({"period": ""}, "period", "This field is required."),
    "a negative number": ({"cell_1_0": "-1"}, "cell_1_0", "The value cannot be negative."),
    "a fraction of a count": ({"cell_2_0": "2.5"}, "cell_2_0", "A count is a whole number."),
    "not a number": ({"cell_0_0": "diez"}, "cell_0_0", "Each value must be a number."),
    "too many decimals": ({"cell_0_0": "1.00001"}, "cell_0_0", "At most four decimal places."),
    "nothing reported": ({"cell_0_0": "", "cell_1_0": "", "cell_2_0": "", "cell_3_0": ""},
                         "cells", "Report at least the total or one value."),
    "parts that do not add up": ({"cell_3_0": "2"}, "cells",
                                 "The values by Sex add up to 11, not to their total 10"),
    "a control character in the note": ({"note": "Nota\x07"}, "note",
                                        "Remove the control characters"),
    "a source too long": ({"source": "x" * 301}, "source",
                          "Field cannot be longer than 300 characters."),
}


@pytest.mark.parametrize("case", REPORT_REFUSALS)
def test_a_refused_report_is_shown_on_its_field(client, auth, focal, indicators, case):
    overrides, field, message = REPORT_REFUSALS[case]
    before = snapshot()
    response = auth.post(REPORT, report_form(**overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in errors_of(page, field), errors_of(page, field) or page
    assert_valid_html(page)
    assert snapshot() == before


def test_a_note_explains_parts_that_do_not_add_up(client, auth, focal, indicators):
    response = auth.post(REPORT, report_form(cell_3_0="2", note="Dos casos sin sexo."))
    assert response.status_code == 302 and cells_of(reports()[0])["_O", None] == 2


def test_a_cross_of_two_dimensions_is_a_grid_with_its_margins(client, auth, focal,
                                                              indicators):
    path = f"/my/indicators/{CROSS}/report"
    page = client.get(path).get_data(as_text=True)
    assert_valid_html(page)
    assert "<caption>Sex × Age group</caption>" in page
    # F x 0-11 years is labelled by its row and its column; the margins come last.
    assert re.search(r'<input aria-labelledby="row-1 col-1"[^>]*name="cell_1_1"', page)
    headers = re.findall(r'<th scope="col" id="col-(\d+)">', page)
    assert headers == ["1", "2", "3", "4", "5", "6", "0"]
    response = auth.post(path, {"period": "2024", "cell_1_1": "2", "cell_2_1": "3",
                                "cell_0_1": "5", "cell_0_0": "9", "replaces": ""},
                         token_from=path)
    assert response.status_code == 302
    assert cells_of(reports()[0]) == {("F", "Y0T11"): 2, ("M", "Y0T11"): 3,
                                      (None, "Y0T11"): 5, (None, None): 9}
    refused = auth.post(path, {"period": "2023", "cell_1_1": "2", "cell_2_1": "4",
                               "cell_3_1": "0", "cell_0_1": "5"})
    assert refused.status_code == 400
    assert "add up to 6, not to their total 5" in errors_of(refused.get_data(as_text=True),
                                                            "cells")


def test_the_secretariat_reports_for_any_owner(client, auth, secretariat, indicators):
    page = client.get(f"{REPORT}?country=GTM").get_data(as_text=True)
    assert_valid_html(page)
    assert '<option selected value="GTM">' in page and "Periods reported by Guatemala" in page
    response = auth.post(REPORT, report_form(country="GTM"))
    assert response.status_code == 302 and response.headers["Location"].endswith("country=GTM")
    [report] = reports()
    assert (report.country.iso3, report.actor_role) == ("GTM", "secretariat")
    corrections = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="{REPORT}?period=2024&amp;country=GTM"' in corrections


def test_the_secretariat_may_choose_only_an_owner(client, auth, secretariat, indicators):
    before = snapshot()
    response = auth.post(f"/my/indicators/{ON_MEX}/report",
                         {"period": "2024", "cell_0_0": "5", "country": "GTM"})
    assert response.status_code == 400
    assert "Choose a country that reports this indicator." in \
        errors_of(response.get_data(as_text=True), "country")
    assert snapshot() == before


# -- both languages ---------------------------------------------------------------------

def test_the_forms_speak_spanish_by_default(client, auth, secretariat, indicators):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    page = client.get("/admin/indicators/new").get_data(as_text=True)
    assert '<html lang="es">' in page and "Nuevo indicador" in page
    assert '<option value="SEX">Sexo</option>' in page
    refused = auth.post("/admin/indicators/new", define_form(code=BY_SEX))
    assert "Ya existe un indicador con este código." in errors_of(
        refused.get_data(as_text=True), "code")
    page = client.get(f"{REPORT}?country=MEX").get_data(as_text=True)
    assert "Informar el valor" in page and "Mujeres" in page and "México" in page
    refused = auth.post(REPORT, report_form(country="MEX", cell_3_0="2"))
    assert "Los valores por Sexo suman 11, no su total 10" in errors_of(
        refused.get_data(as_text=True), "cells")


# -- evidence: chosen among what the country's commitment already holds ---------------------

def options_of(page: str, name: str) -> dict[str, str]:
    """A select's options: value -> label."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {html.unescape(value): html.unescape(label) for value, label in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)}


def selected_of(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    found = re.search(r'<option selected value="([^"]*)"', select)
    return found.group(1) if found else None


@pytest.fixture
def evidence(indicators):
    """Mexico's evidence on MT1-R03-MEX (the one BY_SEX concerns), public and restricted;
    Mexico's on another commitment and Guatemala's on MT1-R03-GTM, neither a choice."""
    mexico = make_user("focal_point", country="MEX")
    return {"public": make_evidence(mexico, "MT1-R03-MEX", title="Informe anual"),
            "restricted": make_evidence(mexico, "MT1-R03-MEX", title="Oficio interno",
                                        visibility="restricted"),
            "elsewhere": make_evidence(mexico, "MT1-R01-MEX", title="Otro compromiso"),
            "guatemala": make_evidence(make_user("focal_point", country="GTM"), "MT1-R03-GTM",
                                       title="Informe de Guatemala")}


def test_the_evidence_choices_are_the_commitments_own(client, auth, focal, evidence):
    page = client.get(REPORT).get_data(as_text=True)
    assert_valid_html(page)
    options = options_of(page, "evidence")
    assert list(options) == ["", str(evidence["restricted"].id), str(evidence["public"].id)]
    assert options[""] == "No evidence"
    assert options[str(evidence["public"].id)] == "Informe anual — 1 Nov 2026"
    assert options[str(evidence["restricted"].id)] == "Oficio interno — 1 Nov 2026 (restricted)"
    assert "Otro compromiso" not in page and "Informe de Guatemala" not in page
    assert 'href="/commitments/MT1-R03-MEX#evidence-heading"' in page


def test_a_focal_point_reports_with_evidence(client, auth, focal, evidence):
    chosen = evidence["restricted"]
    response = auth.post(REPORT, report_form(evidence=str(chosen.id)))
    assert response.status_code == 302
    [report] = reports()
    assert report.evidence_id == chosen.id
    assert auth.post(f"/my/indicators/{CROSS}/report",
                     {"period": "2024", "cell_0_0": "3", "evidence": ""},
                     token_from=f"/my/indicators/{CROSS}/report").status_code == 302
    assert reports()[-1].evidence_id is None


@pytest.mark.parametrize("crafted", ["elsewhere", "guatemala", "999999", "abc"])
def test_crafted_evidence_is_refused_writing_nothing(client, auth, focal, evidence, crafted):
    """Only the choices are accepted: another commitment's evidence (the country's own
    too), another country's, or an id that names none."""
    value = str(evidence[crafted].id) if crafted in evidence else crafted
    before = snapshot()
    response = auth.post(REPORT, report_form(evidence=value))
    assert response.status_code == 400
    assert "Choose evidence stored on this country's commitment, or none." in errors_of(
        response.get_data(as_text=True), "evidence")
    assert snapshot() == before


def test_a_correction_keeps_the_evidence_prefilled(client, auth, focal, indicators, evidence):
    first = make_indicator_report(focal, indicators[BY_SEX], period="2024",
                                  evidence=evidence["public"])
    page = client.get(f"{REPORT}?period=2024").get_data(as_text=True)
    assert_valid_html(page)
    assert selected_of(page, "evidence") == str(evidence["public"].id)
    assert "Evidence: Informe anual" in page
    response = auth.post(REPORT, report_form(replaces=str(first.id),
                                             evidence=str(evidence["public"].id)))
    assert response.status_code == 302
    assert reports()[-1].evidence_id == evidence["public"].id


def test_the_secretariat_chooses_evidence_of_the_country_it_reports_for(client, auth,
                                                                        secretariat, evidence):
    guatemala = options_of(client.get(f"{REPORT}?country=GTM").get_data(as_text=True),
                           "evidence")
    assert list(guatemala) == ["", str(evidence["guatemala"].id)]
    mexico = options_of(client.get(f"{REPORT}?country=MEX").get_data(as_text=True),
                        "evidence")
    assert set(mexico) == {"", str(evidence["public"].id), str(evidence["restricted"].id)}
    response = auth.post(REPORT, report_form(country="GTM",
                                             evidence=str(evidence["public"].id)))
    assert response.status_code == 400 and not reports()
    response = auth.post(REPORT, report_form(country="GTM",
                                             evidence=str(evidence["guatemala"].id)))
    assert response.status_code == 302
    assert reports()[-1].evidence_id == evidence["guatemala"].id


def test_the_evidence_choices_take_one_query_however_many(client, focal, indicators,
                                                          count_queries):
    def statements() -> int:
        db.session.expire_all()
        with count_queries() as run:
            assert client.get(REPORT).status_code == 200
        return len(run)

    make_evidence(focal, commitment("MT1-R03-MEX"), title="Uno")
    few = statements()
    for number in range(5):
        make_evidence(focal, commitment("MT1-R03-MEX"), title=f"Informe {number}",
                      visibility="restricted" if number % 2 else "public")
    assert statements() == few
