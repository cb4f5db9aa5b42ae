"""The language a URL fixes: ``?lang=es`` or ``?lang=en`` on any page, feed or calendar, so a
shared link or a calendar subscription keeps its language whatever the reader's browser or
cookie says. Any other value is ignored, as an unknown parameter is."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, has_request_context, request

LANGUAGE_ARG = "lang"
# There ``?lang=`` names the report's language (tracker.reports.routes); the page saying
# it is being made stays in the reader's.
NAMES_A_REPORTS_LANGUAGE = frozenset({"reports.summary", "reports.meeting", "reports.country"})


def language_in_url() -> str | None:
    """The request's ``?lang=``, when it names one of the site's languages."""
    if not has_request_context() or request.endpoint in NAMES_A_REPORTS_LANGUAGE:
        return None
    chosen = request.args.get(LANGUAGE_ARG)
    return chosen if chosen in current_app.config["LANGUAGES"] else None


def without_language(target: str) -> str:
    """A local address without its ``lang`` argument: once the reader picks a language, an
    argument left in the address would override their choice."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != LANGUAGE_ARG]
    return urlunsplit(parts._replace(query=urlencode(query)))
