"""A report as PDF, printed by WeasyPrint from its HTML (tracker/templates/reports/): the
cover, the table of contents and the page numbers come from the print stylesheet."""

from weasyprint import HTML

from tracker.reports.html import Report, render_html


def render_pdf(report: Report, lang: str) -> bytes:
    """The PDF of the report in ``lang``; the document references nothing outside itself
    (styles and charts are inline), so no URL is fetched."""
    return HTML(string=render_html(report, lang), base_url=None,
                url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"a report fetches nothing ({url})")
