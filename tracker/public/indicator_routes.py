"""Public indicator pages: the list, and one indicator's metadata, charts and tables.

A small count is suppressed for every reader but those allowed its country's exact values
(permissions.can_see_exact_values); those readers' pages are rendered for them alone, never
kept in a cache another reader is served from.
"""

from flask import abort, render_template, request
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from tracker.commitments.listing import filter_choices
from tracker.core.http_cache import rendered_once_per_version, shared_content
from tracker.core.labels import INDICATOR_FREQUENCY_LABELS, INDICATOR_UNIT_LABELS
from tracker.indicators import series
from tracker.models import Country, Unit
from tracker.permissions import can_see_exact_values
from tracker.public import bp

# The page's content: metadata, charts and their tables (the same for every reader of it).
CONTENT = "public/_indicator_charts.html"


@bp.get("/indicators")
@rendered_once_per_version
def indicators():
    """Every indicator, filtered by theme, country and unit (the URL's arguments)."""
    locale = str(get_locale())
    theme, country, unit = _known_filters(locale)

    return render_template(
        "public/indicators.html", choices=filter_choices(locale), units=list(Unit),
        listed=series.list_indicators(theme=theme, country=country, unit=unit),
        unit_labels=INDICATOR_UNIT_LABELS,
        frequency_labels=INDICATOR_FREQUENCY_LABELS,
        chosen=dict(theme=theme, country=country, unit=unit and unit.value))


@bp.get("/indicators/<code>")
@rendered_once_per_version
def indicator(code: str):
    """An indicator: what it measures, each country's total over time, the latest period by
    a dimension (``?by=SEX``), corrections, baselines and targets, downloads."""
    found = series.indicator_or_none(code)
    if found is None:
        abort(404)
    by = request.args.get("by")
    if any(can_see_exact_values(current_user, c) for c in _readers_countries(found)):
        content = Markup(render_template(CONTENT, **_context(found, by, _exact_for_reader)))
    else:  # the same page as the public's: shared with every such reader
        content = shared_content(CONTENT, lambda: _context(found, by, _never))
    return render_template("public/indicator.html", indicator=found, content=content)


@bp.app_template_global()
def indicator_totals(country_id: int, commitment_id: int | None = None
                     ) -> list[series.LatestTotal]:
    """For the commitment and country pages' shared parts: the indicators there, each with
    the country's latest published total (suppressed as for the public)."""
    return series.latest_totals(country_id, commitment_id=commitment_id)


def _context(found, by: str | None, exact_for: series.ExactFor) -> dict:
    try:
        figures = series.indicator_figures(found, by, exact_for)
    except series.UnknownBreakdown as exc:
        abort(400, description=str(exc))
    return dict(figures=figures, indicator=found, unit_labels=INDICATOR_UNIT_LABELS,
                frequency_labels=INDICATOR_FREQUENCY_LABELS)


def _readers_countries(found) -> list[Country]:
    """The reporting countries, asked only for a reader who may see some exact values."""
    if not current_user.is_authenticated:
        return []
    return series.reporting_countries(found)


def _exact_for_reader(country: Country) -> bool:
    return can_see_exact_values(current_user, country)


def _never(country: Country) -> bool:
    return False


def _known_filters(locale: str) -> tuple[str | None, str | None, Unit | None]:
    """The list's theme, country and unit, each a known code or None; 400 otherwise."""
    args = {name: (request.args.get(name) or "").strip() or None
            for name in ("theme", "country", "unit")}
    choices = filter_choices(locale)  # cached per data version: no query
    checks = (("theme", "themes", _l("Unknown theme: %(value)s")),
              ("country", "countries", _l("Unknown country: %(value)s")))
    for name, kind, message in checks:
        value = args[name]
        if value is not None and value not in {code for code, _label in choices[kind]}:
            abort(400, description=str(message % {"value": value}))
    unit = args["unit"]
    if unit is not None and unit not in {u.value for u in Unit}:
        abort(400, description=str(_l("Unknown unit: %(value)s", value=unit)))
    return args["theme"], args["country"], None if unit is None else Unit(unit)
