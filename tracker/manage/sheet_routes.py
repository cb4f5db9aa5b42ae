"""The commitments' spreadsheet, downloaded to fill in (XLSX or CSV)."""

import re

from flask import Response, abort, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from tracker.commitments.sheets.download import build_csv, build_xlsx, sheet_rows
from tracker.core.dates import local_today
from tracker.core.forms import one_or_404
from tracker.manage import bp
from tracker.models import Country
from tracker.permissions import can_report_by_sheet, is_secretariat, require

MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8"}
BUILDERS = {"xlsx": build_xlsx, "csv": build_csv}
ISO3 = re.compile(r"[A-Z]{3}")


@bp.get("/my/commitments.<any(xlsx, csv):kind>")
@login_required
def commitments_sheet(kind: str):
    """A sheet of commitments to fill in and upload: a focal point's country; for the
    secretariat ``?country=ISO3``, or every country without it."""
    iso3 = request.args.get("country", "").strip().upper()
    if iso3 and not ISO3.fullmatch(iso3):  # also a NUL, which PostgreSQL cannot compare
        abort(404)
    country = one_or_404(Country, iso3=iso3) if iso3 else None
    require(can_report_by_sheet(current_user, country))
    locale = str(get_locale())
    secretariat = is_secretariat(current_user)
    body = BUILDERS[kind](sheet_rows(current_user, country), locale, secretariat=secretariat)
    owner = country.iso3 if country else (current_user.country.iso3 if not secretariat
                                          else ("all" if locale == "en" else "todos"))
    name = "commitments" if locale == "en" else "compromisos"
    response = Response(body, content_type=MIMETYPES[kind])
    response.headers["Content-Disposition"] = \
        f"attachment; filename={name}-{owner}-{local_today().isoformat()}.{kind}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
