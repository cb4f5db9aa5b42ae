#!/usr/bin/env python3
"""Build tracker/public/member_map.json, the map of the CRM member states, from Natural
Earth's admin-0 countries as packaged by npm's ``world-atlas`` (TopoJSON). Standard library
only; run by hand when the source or the layout changes, never by the app:

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    python tools/make_member_map.py /tmp/package/countries-50m.json

Two panels in one SVG coordinate space: North America (Albers equal-area conic), and below
it an inset at a larger scale for Central America and the Dominican Republic, where every
small state is big enough to read and to click. Borders are simplified once per shared arc
(Douglas-Peucker), so neighbours keep a common edge; then each ring is clipped to its panel.
Hawaii and the Aleutians west of the antimeridian are left out of the United States (they
would stretch the panel over the Pacific); the same for far islands outside a panel.
"""

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tracker" / "public" / "member_map.json"

# ISO 3166-1 numeric -> alpha-3: the 11 member states.
MEMBERS = {"084": "BLZ", "124": "CAN", "188": "CRI", "214": "DOM", "222": "SLV",
           "320": "GTM", "340": "HND", "484": "MEX", "558": "NIC", "591": "PAN",
           "840": "USA"}
# Linked (and labelled) in the inset rather than in the main panel: too small there.
IN_INSET = {"BLZ", "CRI", "DOM", "GTM", "HND", "NIC", "PAN", "SLV"}

# Labels set beside a state too narrow to hold one (lon, lat), with a leader line to it.
LABEL_BESIDE = {"BLZ": (-86.75, 17.35), "SLV": (-88.95, 12.55)}

WIDTH = 1000.0
GAP = 44.0  # between the panels: the inset's title


class Albers:
    """Albers equal-area conic projection on the unit sphere (degrees in, units out)."""

    def __init__(self, lon0: float, lat0: float, lat1: float, lat2: float) -> None:
        p1, p2 = math.radians(lat1), math.radians(lat2)
        self.n = (math.sin(p1) + math.sin(p2)) / 2
        self.c = math.cos(p1) ** 2 + 2 * self.n * math.sin(p1)
        self.lon0 = lon0
        self.rho0 = self._rho(lat0)

    def _rho(self, lat: float) -> float:
        return math.sqrt(self.c - 2 * self.n * math.sin(math.radians(lat))) / self.n

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        theta = self.n * math.radians(lon - self.lon0)
        rho = self._rho(lat)
        return rho * math.sin(theta), -(self.rho0 - rho * math.cos(theta))  # y grows down


Box = tuple[float, float, float, float]  # west, south, east, north (or x0, y0, x1, y1)


@dataclass(frozen=True)
class PanelSpec:
    projection: Albers
    box: Box  # the lon/lat it shows (the main panel is then fitted to the member states)


PANELS = {
    "main": PanelSpec(Albers(-96, 45, 20, 60), (-170, 7, -50, 84)),
    "inset": PanelSpec(Albers(-80, 14, 8, 20), (-92.6, 7.0, -68.0, 20.3)),
}
TOLERANCE = {"main": 0.9, "inset": 0.7}  # Douglas-Peucker, in output units
MIN_AREA = {"main": 6.0, "inset": 1.5}   # smaller islands are dropped (output units²)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Every arc as lon/lat points (TopoJSON arcs are quantised and delta-encoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """A geometry's polygons, each a list of rings of arc indices."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def douglas_peucker(points: list[tuple[float, float]], tolerance: float
                    ) -> list[tuple[float, float]]:
    """The points that keep the line within ``tolerance`` of the original (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            else:
                distance = math.hypot(px - ax, py - ay)
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def clip(ring: list[tuple[float, float]], box: Box
         ) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the ring cut to a rectangle (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    edges = [(lambda p: p[0] >= x0, lambda a, b: _at_x(a, b, x0)),
             (lambda p: p[0] <= x1, lambda a, b: _at_x(a, b, x1)),
             (lambda p: p[1] >= y0, lambda a, b: _at_y(a, b, y0)),
             (lambda p: p[1] <= y1, lambda a, b: _at_y(a, b, y1))]
    for inside, cut in edges:
        if not ring:
            break
        result = []
        for i, current in enumerate(ring):
            previous = ring[i - 1]
            if inside(current):
                if not inside(previous):
                    result.append(cut(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cut(previous, current))
        ring = result
    return ring


def _at_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def edges(ring: list[tuple[float, float]]):
    """Each side of a closed ring as (start, end)."""
    return zip(ring, ring[1:] + ring[:1], strict=True)


def area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(ax * by - bx * ay for (ax, ay), (bx, by) in edges(ring))) / 2


def left_out(iso3: str, lon_lat_ring: list[tuple[float, float]]) -> bool:
    """Hawaii and the Aleutians beyond the antimeridian: far from the rest of the map."""
    lon = sum(p[0] for p in lon_lat_ring) / len(lon_lat_ring)
    lat = sum(p[1] for p in lon_lat_ring) / len(lon_lat_ring)
    return iso3 == "USA" and (lon > 0 or (lat < 30 and lon < -140))


def near(geometry: dict, arcs, box: Box) -> bool:
    """Whether a country reaches into a panel's lon/lat box, leaving out those across the
    antimeridian or around a pole (Russia, Fiji, Antarctica), which project into streaks."""
    lon0, lat0, lon1, lat1 = box
    points = [p for polygon in polygons_of(geometry) for ring in polygon for a in ring
              for p in arcs[a if a >= 0 else ~a]]
    lons = [lon for lon, _lat in points]
    if not points or max(lons) - min(lons) > 180 or min(lat for _lon, lat in points) < -60:
        return False
    return any(lon0 <= lon <= lon1 and lat0 <= lat <= lat1 for lon, lat in points)


class Panel:
    """One panel: projects, scales and offsets lon/lat into the SVG's coordinates."""

    def __init__(self, name: str, top: float) -> None:
        spec = PANELS[name]
        self.name, self.project = name, spec.projection
        lon0, lat0, lon1, lat1 = spec.box
        edge = [self.project(lon, lat) for lon in _steps(lon0, lon1) for lat in (lat0, lat1)]
        edge += [self.project(lon, lat) for lat in _steps(lat0, lat1) for lon in (lon0, lon1)]
        self.bounds = (min(x for x, _ in edge), min(y for _, y in edge),
                       max(x for x, _ in edge), max(y for _, y in edge))
        self.scale = WIDTH / (self.bounds[2] - self.bounds[0])
        self.top = top
        self.height = (self.bounds[3] - self.bounds[1]) * self.scale

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.project(lon, lat)
        return ((x - self.bounds[0]) * self.scale,
                self.top + (y - self.bounds[1]) * self.scale)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (0.0, self.top, WIDTH, self.top + self.height)


def _steps(start: float, stop: float, count: int = 40) -> list[float]:
    return [start + (stop - start) * i / count for i in range(count + 1)]


def path_data(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data, integer coordinates, relative moves: compact and exact enough."""
    parts: list[str] = []
    cx = cy = 0
    for ring in rings:
        points: list[tuple[int, int]] = []
        for x, y in ring:
            point = (round(x), round(y))
            if not points or point != points[-1]:
                points.append(point)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        (x, y), rest = points[0], points[1:]
        parts.append(f"M{x} {y}" if not parts else f"m{x - cx} {y - cy}")
        steps = []
        px, py = x, y
        for qx, qy in rest:
            steps.append(f"{qx - px} {qy - py}")
            px, py = qx, qy
        parts.append("l" + " ".join(steps).replace(" -", "-") + "z")
        cx, cy = x, y  # after z the current point is the ring's first point
    return "".join(parts)


def label_point(rings: list[list[tuple[float, float]]]) -> tuple[int, int]:
    """A point well inside the largest ring: the grid point farthest from its edge."""
    ring = max(rings, key=area)
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    best, where = -1.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    for i in range(1, 60):
        for j in range(1, 60):
            x = min(xs) + (max(xs) - min(xs)) * i / 60
            y = min(ys) + (max(ys) - min(ys)) * j / 60
            if inside(ring, x, y):
                distance = min(_segment_distance(x, y, a, b) for a, b in edges(ring))
                if distance > best:
                    best, where = distance, (x, y)
    return round(where[0]), round(where[1])


def inside(ring, x, y) -> bool:
    result = False
    for (ax, ay), (bx, by) in edges(ring):
        if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
            result = not result
    return result


def _segment_distance(x, y, a, b) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    along = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy) if (dx or dy) else 0.0
    t = max(0.0, min(1.0, along))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy))


def panel_rings(topology, arcs, panel: Panel) -> tuple[dict[str, list], list]:
    """Each member state's rings and the other countries' rings, simplified and clipped."""
    projected = [[panel(lon, lat) for lon, lat in arc] for arc in arcs]
    simplified: dict[int, list] = {}

    def arc_points(index: int) -> list:
        i = index if index >= 0 else ~index
        if i not in simplified:
            simplified[i] = douglas_peucker(projected[i], TOLERANCE[panel.name])
        points = simplified[i]
        return points if index >= 0 else points[::-1]

    members: dict[str, list] = {}
    others: list = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso3 = MEMBERS.get(geometry.get("id", ""))
        if not iso3 and not near(geometry, arcs, PANELS[panel.name].box):
            continue
        for polygon in polygons_of(geometry):
            rings = []
            for ring_arcs in polygon:
                lon_lat = [p for a in ring_arcs for p in (arcs[a] if a >= 0 else arcs[~a][::-1])]
                if iso3 and left_out(iso3, lon_lat):
                    break
                ring = [p for a in ring_arcs for p in arc_points(a)[1:]]
                ring = clip(ring, panel.box)
                if len(ring) >= 3 and area(ring) >= MIN_AREA[panel.name]:
                    rings.append(ring)
            (members.setdefault(iso3, []) if iso3 else others).extend(rings)
    return members, others


def build(source: Path) -> dict:
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    main = Panel("main", 0.0)
    members, others = panel_rings(topology, arcs, main)
    # Fit the main panel to the member states it shows, with a margin (the box is generous).
    xs = [x for rings in members.values() for ring in rings for x, _y in ring]
    ys = [y for rings in members.values() for ring in rings for _x, y in ring]
    x0, y0, x1, y1 = (min(xs) - 8, min(ys) - 8, max(xs) + 8, max(ys) + 8)
    b, s = main.bounds, main.scale
    main.bounds = (b[0] + x0 / s, b[1] + y0 / s, b[0] + x1 / s, b[1] + y1 / s)
    main.scale = WIDTH / (main.bounds[2] - main.bounds[0])
    main.height = (main.bounds[3] - main.bounds[1]) * main.scale
    members, others = panel_rings(topology, arcs, main)
    inset = Panel("inset", main.height + GAP)
    small, small_others = panel_rings(topology, arcs, inset)

    states = {}
    for iso3 in sorted(MEMBERS.values()):
        linked_panel = "inset" if iso3 in IN_INSET else "main"
        rings = small[iso3] if linked_panel == "inset" else members[iso3]
        x, y = label_point(rings)
        shape = {"panel": linked_panel, "d": path_data(rings), "label": [x, y]}
        if iso3 in LABEL_BESIDE:
            shape["leader"] = [x, y]  # from the state's inside to its label
            shape["label"] = [round(c) for c in inset(*LABEL_BESIDE[iso3])]
        states[iso3] = {**shape,
                        # drawn without a link in the other panel, for context
                        "context": path_data(members.get(iso3, []) if linked_panel == "inset"
                                             else small.get(iso3, []))}
    height = inset.top + inset.height
    return {
        "source": "Natural Earth 1:50m admin-0 countries v4.1.0, via world-atlas 2.0.2",
        "viewBox": [0, 0, int(WIDTH), math.ceil(height)],
        "panels": {"main": [0, 0, int(WIDTH), round(main.height)],
                   "inset": [0, round(inset.top), int(WIDTH), round(inset.height)]},
        "others": {"main": path_data(others), "inset": path_data(small_others)},
        "states": states,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    data = build(args.source)
    args.output.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                           encoding="utf-8")
    print(f"{args.output}: {args.output.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
