"""Browser tests: the real app behind a real HTTP server, driven by Debian's headless Chromium.

The app runs on its own SQLite *file* (never TEST_DATABASE_URL: these tests read what the
fixtures wrote, from another thread, through real HTTP requests), loaded once per session
from seed_data/ (the run's parsed bundle) plus a few status updates and evidence. Every test
gets a fresh browser context, so cookies (the language choice) never leak from one test to
the next.

Pages are checked with axe-core (tests/vendor/axe-core, injected by the tests, never served
by the app): a "serious" or "critical" WCAG 2.0/2.1 A/AA violation fails the test.
"""

import datetime as dt
import os
import threading
from pathlib import Path

import pytest
from conftest import REPO, make_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_JS = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
AXE_RUN = ("async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
           "['wcag2a','wcag2aa','wcag21a','wcag21aa']}})).violations")
BLOCKING_IMPACTS = {"serious", "critical"}
SCREENSHOTS = REPO / "docs" / "screenshots"
WIDE = {"width": 1280, "height": 900}

# What the fixtures write, for the tests to check against.
STATUS_UPDATES = {  # code: (status, progress, note)
    "MT1-R01-MEX": ("in_progress", 50, "Mesa interinstitucional instalada."),
    "MT1-R08-MEX": ("completed", 100, "Protocolo publicado en el Diario Oficial."),
    "MT1-R01-GTM": ("in_progress", 30, "Borrador del protocolo en consulta."),
    "MT3-R09-CRI": ("stalled", 10, "Sin presupuesto asignado este año."),
}
EVIDENCE_CODE = "MT1-R01-MEX"
PUBLIC_EVIDENCE = "Acta de instalación de la mesa interinstitucional"
RESTRICTED_EVIDENCE = "Oficio interno de la cancillería"


def _unavailable(reason: str):
    """Without the browser, fail loudly in CI and skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


# -- the app behind a real server ------------------------------------------------------

def _load_data(app, seed_bundle) -> None:
    from factories import make_evidence, report_status

    from tracker.accounts.users import create_user
    from tracker.extensions import db
    from tracker.importer.writer import apply_seed
    from tracker.permissions import SYSTEM

    with app.app_context():
        db.create_all()
        apply_seed(seed_bundle)
        secretariat = create_user(SYSTEM, email="secretaria.e2e@example.org", role="secretariat",
                                  name="Secretaría (e2e)")
        for code, (status, progress, note) in STATUS_UPDATES.items():
            report_status(secretariat, code, status, progress, note)
        today = dt.date.today()
        make_evidence(secretariat, EVIDENCE_CODE, title=PUBLIC_EVIDENCE, dated=today,
                      url="https://example.org/acta-mesa-interinstitucional.pdf")
        make_evidence(secretariat, EVIDENCE_CODE, title=RESTRICTED_EVIDENCE, dated=today,
                      visibility="restricted", url="https://example.org/oficio-interno.pdf")
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, seed_bundle):
    """The base URL of the seeded app, served by werkzeug on 127.0.0.1 and a free port."""
    from werkzeug.serving import make_server

    from tracker import create_app
    from tracker.extensions import db

    root = tmp_path_factory.mktemp("e2e")
    database = root / "tracker-e2e.db"
    app = create_app(make_config(root, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}"))
    _load_data(app, seed_bundle)

    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


# -- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable("Debian chromium not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


_OPTIONS: dict = {}  # page -> the options of the context it was made in


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options): a page in a fresh context, closed after the test.

    Defaults: a wide window, a Spanish-speaking browser (the app's main audience), and
    bypass_csp so the tests can inject axe-core despite the app's strict
    Content-Security-Policy (test_content_security_policy checks it with bypass_csp off).
    """
    contexts = []

    def make(**options):
        options = {"viewport": WIDE, "locale": "es-ES", "bypass_csp": True,
                   "base_url": live_server, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        _OPTIONS[page] = options
        return page

    yield make
    for context in contexts:
        for page in context.pages:
            _OPTIONS.pop(page, None)
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh page (own context) in a 1280x900 window."""
    return new_page()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact')}]: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", [])[:10]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    target {node['target']}: {node.get('html', '')[:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v.get("nodes", [])) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more nodes")
    return "\n".join(lines)


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN)


def _javascript_twin(browser, page):
    """The page as reached, in a context where scripts run: axe-core needs timers, which a
    context with java_script_enabled=False never fires (axe.run would wait for ever).

    The twin loads the same URL, answered with the DOM the JavaScript-less page holds now;
    its stylesheet and images still come from the live server."""
    options = {**_OPTIONS.get(page, {}), "java_script_enabled": True}
    options.pop("base_url", None)
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    html = page.content()
    twin = context.new_page()
    url = page.url
    twin.route(lambda requested: requested == url,
               lambda route: route.fulfill(status=200, body=html,
                                           content_type="text/html; charset=utf-8"))
    twin.goto(url)
    return context, twin


@pytest.fixture
def axe(browser):
    """axe(page): fail on any serious or critical WCAG A/AA violation; return them all."""

    def check(page) -> list[dict]:
        if _OPTIONS.get(page, {}).get("java_script_enabled", True):
            violations = run_axe(page)
        else:
            context, twin = _javascript_twin(browser, page)
            try:
                violations = run_axe(twin)
            finally:
                context.close()
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, (
            f"axe-core: {len(blocking)} serious/critical WCAG violation(s) on {page.url}:\n"
            + format_violations(blocking))
        return violations

    return check


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    """docs/screenshots/ with UPDATE_SCREENSHOTS=1 (so a test run does not rewrite committed
    images), a temporary folder otherwise."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")
