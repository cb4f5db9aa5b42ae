"""Site-wide odds and ends: the icon browsers ask for at /favicon.ico, what crawlers may
read (/robots.txt), and what a printed page says about where and when it was printed."""

import datetime as dt
from pathlib import Path

from flask import Response, request, send_from_directory

from tracker.commitments.dashboard import by_name
from tracker.core.dates import local_today
from tracker.public import bp

IMAGES = Path(__file__).resolve().parents[1] / "static" / "img"
ICON_MAX_AGE = 7 * 24 * 3600  # the icon hardly ever changes; a week spares the requests


@bp.get("/favicon.ico")
def favicon():
    """The site's mark as a real ICO (16, 32 and 48 px), for browsers that never read <link>."""
    return send_from_directory(IMAGES, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=ICON_MAX_AGE)


# Crawlers read the public site and its open data; not the pages behind a login, the links
# that only set a language or act on a token, the reports (each asks the scheduler for
# work) nor the API's writes. RFC 9309; "*" inside a path is understood by the big ones.
ROBOTS_TXT = """User-agent: *
Disallow: /admin/
Disallow: /my/
Disallow: /account/
Disallow: /login
Disallow: /reset
Disallow: /invite/
Disallow: /unsubscribe/
Disallow: /language/
Disallow: /reports/
Disallow: /api/v1/commitments/*/updates
Disallow: /api/v1/commitments/*/evidence
Disallow: /api/v1/indicators/*/reports
"""
ROBOTS_MAX_AGE = 24 * 3600


@bp.get("/robots.txt")
def robots_txt():
    """What crawlers may read: everything public, nothing behind a login."""
    response = Response(ROBOTS_TXT, mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = ROBOTS_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@bp.app_template_global()
def print_date() -> dt.date:
    """The day a printed page is dated with: public pages are rendered once per day
    (http_cache), so it is the day it was printed on."""
    return local_today()


bp.add_app_template_filter(by_name, "by_name")
