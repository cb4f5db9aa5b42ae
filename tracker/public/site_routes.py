"""Site-wide odds and ends: the icon browsers ask for at /favicon.ico and what a printed
page says about where and when it was printed."""

import datetime as dt
from pathlib import Path

from flask import send_from_directory

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


@bp.app_template_global()
def print_date() -> dt.date:
    """The day a printed page is dated with: public pages are rendered once per day
    (http_cache), so it is the day it was printed on."""
    return local_today()


bp.add_app_template_filter(by_name, "by_name")
