"""Every page the site serves passes the Nu HTML Checker (vnu.jar, SVG checked too) with no
error and no warning, in Spanish and in English: each GET route of the url_map (so a page
added later is checked too), opened with values taken from the data, over data where every
kind of content shows, plus empty results, error pages and a few logged-in pages; and
the static SVG files."""

import datetime as dt
import hashlib
import itertools
import re
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from factories import (
    commitment,
    make_evidence,
    make_indicator,
    make_indicator_report,
    make_observation,
    make_user,
    report_status,
)
from validators import vnu_messages
from workflow_helpers import PDF, add_restricted_evidence, store_original

from tracker.accounts.tokens import make_token, unsubscribe_token
from tracker.audit.observations import answer_observation, hide_observation
from tracker.evidence.storage import Upload
from tracker.extensions import db
from tracker.models import Evidence, SourceDocument

# Every other route is tried: what answers HTML is checked (the API, the exports and the
# health checks too, so an HTML page added among them is not missed).
STATIC = "static"
# Answers that are pages worth checking: content, a report being made, refusals and errors.
PAGE_STATUSES = (200, 202, 400, 403, 404)
LANGUAGES = ("es", "en")
RICH, QUIET = "MT3-R01-MEX", "MT2-R01-BLZ"  # a commitment with everything, one with nothing
INDICATOR, EMPTY_INDICATOR = "IND-HTML-1", "IND-HTML-EMPTY"

# Pages a route gives with arguments in the query: empty results, filters, a search, a
# later page, a breakdown, a chosen meeting, refusals of bad arguments, a path that is no
# route, a page past the last.
EXTRA_PATHS = (
    "/commitments?q=zzzzqqqq", "/commitments?country=MEX&status=completed&sort=updated",
    "/commitments?q=migrantes", "/commitments?overdue=1", "/commitments?page=2",
    "/commitments?status=bogus", "/countries/MEX?page=2", "/indicators?unit=percent",
    "/indicators?country=MEX", f"/indicators/{INDICATOR}?by=SEX",
    f"/indicators/{INDICATOR}?by=NOPE", "/sources/plenary-working-tables?quote=1",
    "/matrix?meeting=crm-salon-londres", "/no-such-page", "/commitments/NO-SUCH-CODE",
)
CSRF_VALUE = re.compile(rb'(?<=name="csrf_token" type="hidden" value=")[^"]+|'
                        rb'(?<=name="csrf_token" value=")[^"]+')  # one per session
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT[\d:.+-]+")


def build_content(secretariat, focal, auditor) -> dict[str, list[str]]:
    """Every kind of public content on RICH (history, public and restricted evidence, a
    rated, answered observation, a hidden one), indicators with and without values, a
    stored original; the values each route argument is tried with."""
    report_status(focal, RICH, "in_progress", 40, "Avance con <marcas> & signos")
    make_evidence(focal, RICH, title="Informe público")
    make_evidence(focal, RICH, title="Informe en PDF", upload=Upload("informe.pdf", PDF),
                  dated=dt.date(2026, 10, 1))
    add_restricted_evidence(focal, commitment(RICH))
    observation = make_observation(auditor, RICH, assessment="substantial",
                                   text="Avance verificado.", links="https://osc.example/nota")
    answer_observation(focal, observation, "Gracias por la revisión.")
    hidden = make_observation(auditor, RICH, assessment="no_evidence", text="Texto retirado")
    hide_observation(secretariat, hidden, "Lenguaje ofensivo")
    report_status(secretariat, "MT1-A04-CRM", "completed", 100, "Hecho")
    report_status(make_user("focal_point", country="GTM"), "MT1-R03-GTM", "stalled", 10)
    indicator = make_indicator(INDICATOR, recommendation="MT3-R01")
    make_indicator_report(focal, indicator, "MEX", cells={(None, None): 40, ("F", None): 22,
                                                          ("M", None): 18})
    make_indicator_report(focal, indicator, "MEX", period="2025",
                          cells={(None, None): 3})  # under the small-count threshold
    make_indicator(EMPTY_INDICATOR, commitment=RICH, unit="percent", dimensions=())
    store_original("plenary-working-tables", PDF, "acta-plenaria.pdf")
    invited = make_user("focal_point", country="HND")

    def codes(column) -> list[str]:
        return list(db.session.scalars(sa.select(column)))

    rec = commitment(RICH).recommendation
    return {
        "code": [RICH, QUIET, "MT1-A04-CRM", rec.code, rec.theme.code,
                 rec.working_table.meeting.code, INDICATOR, EMPTY_INDICATOR,
                 *codes(SourceDocument.code), "en"],  # "en": a language to switch to
        "iso3": ["MEX", "BLZ", "CRM"],
        "table_code": [rec.working_table.code],
        "token": [make_token(invited, "invite"), make_token(invited, "reset"),
                  unsubscribe_token(auditor)],
        "fmt": ["pdf", "docx"], "kind": ["xlsx", "csv"],
        "evidence_id": [str(i) for i in codes(Evidence.id)],
        "user_id": [str(focal.id)], "observation_id": [str(observation.id)],
    }


def candidate_paths(app, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each GET route that may be a page (its endpoint), with the paths to try: every
    combination of the values its arguments take ("0" for an argument the data gives none)."""
    routes: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == STATIC:
            continue
        names = sorted(rule.arguments)
        paths = []
        for combination in itertools.product(*(values.get(n, ["0"]) for n in names)):
            path = rule.rule
            for name, value in zip(names, combination, strict=True):
                path = re.sub(rf"<(?:[^<>:]+:)?{name}>", value, path)
            paths.append(path)
        routes[rule.endpoint] = paths
    return routes


class PageCollector:
    """Fetches pages and keeps each distinct HTML answer as a file for one checker run."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files: dict[str, str] = {}  # file name: who, language, path and status
        self._seen: set[str] = set()

    def fetch(self, client, path: str, language: str, who: str, statuses=PAGE_STATUSES):
        # The language switcher's cookie: a logged-in reader's own language is set in it.
        client.set_cookie("lang", language)
        response = client.get(path, headers={"Accept-Language": language},
                              buffered=True)  # a streamed export ends inside its request
        if response.status_code in statuses and response.mimetype == "text/html":
            body = response.get_data()
            # Alike but for the session's token and the address (in links back to the
            # page): the same page, checked once.
            same = CSRF_VALUE.sub(b"", body).replace(path.split("?")[0].encode(), b"")
            digest = hashlib.sha256(same).hexdigest()
            if digest not in self._seen:
                self._seen.add(digest)
                file = self.folder / f"{len(self.files):04d}-{language}.html"
                file.write_bytes(body)
                self.files[file.name] = f"{who} {language} {path} ({response.status_code})"
        return response

    def crawl(self, client, paths, who: str, statuses=PAGE_STATUSES,
              every_language: bool = False) -> dict[str, str]:
        """Fetch the paths in the first language, and in the others those that opened (or
        all when told): a 404 or 400 is the same page whatever the path. Each path's first
        answer: its status, or where it redirects to."""
        answers = {}
        for path in dict.fromkeys(paths):
            response = self.fetch(client, path, LANGUAGES[0], who, statuses)
            answers[path] = response.location or str(response.status_code)
        for language in LANGUAGES[1:]:
            for path, answer in answers.items():
                if every_language or opened(answer):
                    self.fetch(client, path, language, who, statuses)
        return answers


def opened(answer: str) -> bool:
    """The route answered as it does for a value it knows (content, a file, a redirect, a
    health check's 503), not a 404 or 400 for want of a value from the data."""
    return answer not in ("400", "404")


def log_in(client, auth, user) -> None:
    auth.logout()
    assert auth.login(user.email).status_code == 302


def test_every_page_passes_the_nu_html_checker(app, client, auth, seeded, tmp_path):
    secretariat = make_user("secretariat", country=None)
    focal = make_user("focal_point", country="MEX")
    auditor = make_user("auditor", country=None, organisation="Observatorio Ciudadano")
    routes = candidate_paths(app, build_content(secretariat, focal, auditor))
    pages = PageCollector(tmp_path)

    answers = pages.crawl(client, [p for paths in routes.values() for p in paths], "anonymous")
    # A route whose every try was a 404 was not checked: the data must give it a value.
    unopened = [e for e, paths in routes.items() if not any(opened(answers[p]) for p in paths)]
    assert not unopened, f"no value from the data opens {unopened}"
    pages.crawl(client, EXTRA_PATHS, "anonymous", every_language=True)

    # Each role's own pages, the public pages that then hold its forms, and its error
    # pages once (each refusal elsewhere is the same page, naming another address).
    behind_login = [p for p, answer in answers.items() if answer.startswith("/login")]
    for user in (focal, auditor, secretariat):
        log_in(client, auth, user)
        pages.crawl(client, [*behind_login, "/", f"/commitments/{RICH}",
                             f"/indicators/{INDICATOR}"], user.role.value, statuses=(200, 202))
        pages.crawl(client, ["/no-such-page", "/admin/users"], user.role.value,
                    every_language=True)
    assert len(pages.files) > 100

    svgs = sorted(Path(app.static_folder).rglob("*.svg"))  # the mark the pages show
    assert svgs
    messages = [m for m in vnu_messages([*(pages.folder / name for name in pages.files), *svgs])
                if counts(m)]
    assert not messages, summary(messages, pages.files)


def counts(message: dict) -> bool:
    """An error or a warning (the checker's "info" with subType "warning"); plain info
    messages are hints, not findings."""
    return message["type"] != "info" or message.get("subType") == "warning"


def summary(messages: list[dict], files: dict[str, str]) -> str:
    """Each distinct message (instants made alike) with its count and first page."""
    found: Counter[str] = Counter()
    first: dict[str, str] = {}
    for m in messages:
        text = f"{m['type']}{'/' + m['subType'] if 'subType' in m else ''}: " \
               + INSTANT.sub("<instant>", m["message"])
        found[text] += 1
        first.setdefault(text, files.get(Path(m.get("url", "")).name, m.get("url", "")))
    return "\n".join(f"{n} x {text}  (first on {first[text]})"
                     for text, n in found.most_common())
