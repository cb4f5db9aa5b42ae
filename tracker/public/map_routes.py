"""The member states on a map coloured by progress, drawn on the server as SVG (no
JavaScript), with the same numbers in a table: the page /map and the map the dashboard shows.

The figures are the dashboard's own (commitments.dashboard.country_breakdown); the shapes
come from member_map.json, built once from Natural Earth by tools/make_member_map.py
(MEMBER_MAP_LICENCE.md beside it says how).
"""

import functools
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import render_template
from flask_babel import get_locale

from tracker.commitments.dashboard import Group, country_breakdown
from tracker.commitments.listing import filter_choices
from tracker.core.http_cache import rendered_once_per_version, shared_content
from tracker.public import bp

MAP_FILE = Path(__file__).with_name("member_map.json")
# Progress classes: [0, 20), [20, 40), [40, 60), [60, 80), [80, 100].
CLASS_BOUNDS = (20, 40, 60, 80)


@dataclass(frozen=True)
class MapState:
    """A member state as the map draws it: its shape, in one panel, and its figures."""

    iso3: str
    name: str
    group: Group | None  # None: the state owns no commitment
    panel: str  # where it is linked: "main" or "inset" (enlarged)
    d: str
    context: str  # its shape in the other panel, drawn without a link
    label: tuple[int, int]
    leader: tuple[int, int] | None  # a label set beside its state: the line's inner end

    @property
    def progress_class(self) -> str:
        """``p0``..``p4`` by progress, ``none`` without commitments (hatched, not a colour)."""
        if self.group is None:
            return "none"
        return f"p{sum(self.group.progress >= bound for bound in CLASS_BOUNDS)}"


@dataclass(frozen=True)
class MemberMap:
    view_box: str
    panels: dict[str, list[int]]
    others: dict[str, str]  # the countries around, for context
    states: list[MapState]  # by name
    regional: list[Group]  # owners that are no country (the CRM): in the table only


@functools.cache
def geometry() -> dict:
    """The committed shapes (read once per process)."""
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


def _sort_key(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


@bp.app_template_global()
def member_map(groups: Iterable[Group], locale: str) -> MemberMap:
    """The map's states joined to the groups of ``country_breakdown`` (the dashboard's
    ``by_country``); a member state without commitments is still drawn, named from the
    cached reference data (no query once cached)."""
    shapes, by_key = geometry(), {g.key: g for g in groups}
    names = {g.key: g.name(locale) for g in by_key.values()}
    if not set(shapes["states"]) <= set(names):
        names = dict(filter_choices(locale)["countries"])
    states = [MapState(iso3, names.get(iso3, iso3),
                       by_key.get(iso3), shape["panel"], shape["d"], shape["context"],
                       (shape["label"][0], shape["label"][1]),
                       tuple(shape["leader"]) if "leader" in shape else None)
              for iso3, shape in shapes["states"].items()]
    regional = [g for key, g in by_key.items() if key not in shapes["states"]]
    return MemberMap(view_box=" ".join(str(n) for n in shapes["viewBox"]),
                     panels=shapes["panels"], others=shapes["others"],
                     states=sorted(states, key=lambda s: _sort_key(s.name)),
                     regional=regional)


@bp.get("/map", endpoint="map")
@rendered_once_per_version
def map_page():
    """The member states coloured by progress, each linking to its page, and the table."""
    locale = str(get_locale())
    return render_template("public/map.html", content=shared_content(
        "public/_map_page.html", lambda: dict(groups=country_breakdown(), locale=locale)))
