"""API: where the follow-up reports are, per scope, in each format and language."""

from flask import current_app, jsonify

from tracker.api import public_get
from tracker.core.dates import local_today
from tracker.reports.requests import LANGS
from tracker.reports.routes import listed_scopes, report_urls


# No as_of here: a schema cannot say "not in the future", and any URL listed takes
# ?as_of=YYYY-MM-DD (today or earlier) for the report as of that day (400 otherwise).
@public_get("/reports")
def reports():
    """The report URLs (as of today) of the summary, each meeting and each country: a URL
    answers 202 until its file is made, then sends it."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")

    def urls(scope: str, code: str = "") -> dict:
        return {lang: {fmt: base + url for fmt, url in
                       report_urls(scope, code, None, lang).items()} for lang in LANGS}
    meetings, countries = listed_scopes()
    return jsonify(as_of=local_today().isoformat(), summary=urls("summary"),
                   meetings=[{"code": m.code, "urls": urls("meeting", m.code)}
                             for m in meetings],
                   countries=[{"iso3": c.iso3, "urls": urls("country", c.iso3)}
                              for c in countries])
