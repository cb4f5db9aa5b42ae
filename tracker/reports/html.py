"""A report as one HTML document in its language: the PDF is printed from it."""

from flask import current_app, render_template
from flask_babel import force_locale, gettext as _

from tracker.core.dates import format_day
from tracker.models import Status
from tracker.reports.content import CountryReport, RegionalReport, Summary

Report = RegionalReport | CountryReport | Summary


def titles(report: Report, lang: str) -> tuple[str, str]:
    """The report's title and what it covers, in ``lang`` (the cover, the DOCX's first page)."""
    with force_locale(lang):
        if isinstance(report, RegionalReport):
            meeting = report.meeting
            held = f" ({format_day(meeting.held_on)})" if meeting.held_on else ""
            named = f"{meeting.name}{held} — {meeting.code}" if meeting.name else \
                f"{meeting.code}{held}"
            return _("Follow-up report on the recommendations"), named
        if isinstance(report, CountryReport):
            country = report.country
            return _("Country follow-up report"), \
                f"{country.name_en if lang == 'en' else country.name_es} ({country.iso3})"
        return _("Regional summary"), _("Every meeting's commitments")


def render_html(report: Report, lang: str) -> str:
    """The report's printable HTML in ``lang`` (es or en)."""
    template = {RegionalReport: "reports/regional.html", CountryReport: "reports/country.html",
                Summary: "reports/summary.html"}[type(report)]
    title, subtitle = titles(report, lang)
    with force_locale(lang):
        return render_template(template, report=report, title=title, subtitle=subtitle,
                               statuses=list(Status), locale=lang,
                               zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
