"""The static map: the incidents of a map over the bundled outlines, as SVG geometry made
at build time. Shown without JavaScript, in print, and until the interactive map starts.

Same projection as Leaflet (Web Mercator), same colours and marker sizes (the radius in
the features is in CSS pixels, and the SVG is drawn at about that scale). Python computes
where things go; `templates/partials/map.html` draws it, escaping every label.

    static_map(features, styles, fallback_colour, view=View(...)) -> StaticMap

`features` is the FeatureCollection of `maps.incident_features`. A busy map (more than
`MAX_POINTS` incidents) draws circles of one colour that would overlap almost exactly only
once, and at most `MAX_CIRCLES` circles, the deadliest (`omitted` says how many incidents
are not drawn), so a home page of thousands of incidents stays light. Outlines are simplified
for the scale of the view: points closer than `MIN_STEP` pixels to the last one kept are
dropped, and only countries that reach into the view are drawn.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen import geo

WIDTH, HEIGHT = 800, 420  # SVG user units, about CSS pixels at desktop width
PADDING = 24
MIN_STEP = 2.0  # px: outline points closer than this to the previous one are dropped
TILE = 256  # px of the whole world at zoom 0, as Leaflet
KM_EQUATOR = 40075.016686
MAX_POINTS = 300  # above this, circles of one colour closer than THIN_CELL px are drawn once
THIN_CELL = 4.0
MAX_CIRCLES = 150  # and at most this many, the deadliest: the page stays light


@dataclass(frozen=True)
class View:
    center: tuple[float, float] = (15.0, 1.0)  # lat, lon: used when there is no point
    zoom: int = 5
    max_zoom: int = 9


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    colour: str
    halo: float = 0.0  # px: radius of the location's uncertainty, 0 when exact


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class StaticMap:
    width: int
    height: int
    countries: tuple[str, ...]  # SVG path data, one per country
    admin1: tuple[str, ...]  # SVG path data of admin1 boundary lines
    capitals: tuple[Label, ...]
    circles: tuple[Circle, ...]
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east)) shown
    omitted: int = 0  # incidents of a busy map not drawn (see MAX_CIRCLES)

    @property
    def count(self) -> int:
        return len(self.circles)


def _mercator(lat: float, lon: float) -> tuple[float, float]:
    """(x, y) in [0, 1] of the world, y down, as Leaflet's EPSG:3857."""
    lat = max(min(lat, 85.0511), -85.0511)
    s = math.sin(math.radians(lat))
    return (lon + 180.0) / 360.0, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def _inverse(x: float, y: float) -> tuple[float, float]:
    lon = x * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))
    return lat, lon


class _Projection:
    def __init__(self, points: list[tuple[float, float]], view: View):
        if points:
            xs, ys = zip(*(_mercator(lat, lon) for lat, lon in points), strict=True)
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
            room_x, room_y = WIDTH - 2 * PADDING, HEIGHT - 2 * PADDING
            limit = TILE * 2**view.max_zoom
            self.scale = min(room_x / (x1 - x0) if x1 > x0 else limit, room_y / (y1 - y0) if y1 > y0 else limit, limit)
            self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2
        else:
            self.scale = TILE * 2**view.zoom
            self.cx, self.cy = _mercator(*view.center)

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = _mercator(lat, lon)
        return (x - self.cx) * self.scale + WIDTH / 2, (y - self.cy) * self.scale + HEIGHT / 2

    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        north, west = _inverse(self.cx - WIDTH / 2 / self.scale, self.cy - HEIGHT / 2 / self.scale)
        south, east = _inverse(self.cx + WIDTH / 2 / self.scale, self.cy + HEIGHT / 2 / self.scale)
        return (round(south, 4), round(west, 4)), (round(north, 4), round(east, 4))

    def km_to_px(self, km: float, lat: float) -> float:
        return km / (KM_EQUATOR * math.cos(math.radians(lat)) / self.scale)


def _path(lines: Iterable[Sequence[tuple[float, float]]], project: _Projection, *, closed: bool) -> str:
    """SVG path data of `lines`, each already in world coordinates (see `_world`)."""
    # the same arithmetic as _Projection.__call__, on points projected once per build
    scale, cx, cy, half_w, half_h = project.scale, project.cx, project.cy, WIDTH / 2, HEIGHT / 2
    parts: list[str] = []
    least = 3 if closed else 2
    for line in lines:
        kept: list[str] = []
        lx = ly = math.inf
        for mx, my in line:
            x = (mx - cx) * scale + half_w
            y = (my - cy) * scale + half_h
            if abs(x - lx) + abs(y - ly) >= MIN_STEP:
                kept.append(f"{x:.0f} {y:.0f}")
                lx, ly = x, y
        if len(kept) < least:
            continue
        parts.append("M" + "L".join(kept) + ("Z" if closed else ""))
    return "".join(parts)


def _world(line: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """A line of (lon, lat) in world coordinates (`_mercator`): projected once, drawn by
    every map at its own scale."""
    return tuple(_mercator(lat, lon) for lon, lat in line)


@functools.cache
def _outlines() -> tuple:
    """(code, box, ((ring in world coordinates, ring box), ...)) of every country outline."""
    return tuple(
        (code, geo.country_box(code), tuple((_world(ring), _box(ring)) for ring in geo.country_rings(code)))
        for code in geo.outline_codes()
    )


@functools.cache
def _admin1() -> tuple:
    """(country, box, ((line in world coordinates, line box), ...)) of the admin1 boundaries."""
    return tuple(
        (code, geo.country_box(code), tuple((_world(line), _box(line)) for line in lines))
        for code, lines in sorted(geo.admin1_lines().items())
    )


def _box(line: Iterable[tuple[float, float]]) -> tuple[float, float, float, float]:
    lons, lats = zip(*line, strict=True)
    return min(lats), min(lons), max(lats), max(lons)


def _reaches(box: tuple[float, float, float, float] | None, bounds) -> bool:
    if box is None:
        return False
    (south, west), (north, east) = bounds
    return not (box[0] > north or box[2] < south or box[1] > east or box[3] < west)


def static_map(
    features: Mapping[str, Any],
    styles: Mapping[str, Mapping[str, str]],
    fallback_colour: str,
    view: View = View(),
) -> StaticMap:
    """The static map of a FeatureCollection; see the module docstring."""
    marks = []
    for f in features.get("features", []):
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"][:2]
        marks.append((lat, lon, styles.get(p["type"], {}).get("colour", fallback_colour), p["radius"], p.get("halo_km") or 0.0))
    return _static_map(tuple(marks), view)


# a map in each language draws the same marks: drawn once (a few KB each, a build's worth kept)
@functools.lru_cache(maxsize=2048)
def _static_map(marks: tuple[tuple[float, float, str, float, float], ...], view: View) -> StaticMap:
    """The static map of (lat, lon, colour, radius, halo km) marks, biggest first."""
    project = _Projection([(lat, lon) for lat, lon, *_ in marks], view)
    bounds = project.bounds()
    countries = []
    for _code, box, rings_boxes in _outlines():
        if _reaches(box, bounds):
            d = _path([ring for ring, ring_box in rings_boxes if _reaches(ring_box, bounds)], project, closed=True)
            if d:
                countries.append(d)
    admin1 = []
    for _code, box, lines_boxes in _admin1():
        if _reaches(box, bounds):
            d = _path([line for line, line_box in lines_boxes if _reaches(line_box, bounds)], project, closed=False)
            if d:
                admin1.append(d)
    capitals = []
    scale, cx, cy = project.scale, project.cx, project.cy
    for mx, my, name in _capitals():
        x, y = (mx - cx) * scale + WIDTH / 2, (my - cy) * scale + HEIGHT / 2  # as project(lat, lon)
        if 0 <= x <= WIDTH and 0 <= y <= HEIGHT:
            capitals.append(Label(round(x, 1), round(y, 1), name))
    circles = []
    seen: set[tuple[int, int, str]] = set()
    thin = len(marks) > MAX_POINTS
    for lat, lon, colour, radius, halo_km in marks:
        x, y = project(lat, lon)
        if thin:  # biggest first: a later circle of the same colour at the same spot adds nothing
            cell = (round(x / THIN_CELL), round(y / THIN_CELL), colour)
            if cell in seen or not (-40 <= x <= WIDTH + 40 and -40 <= y <= HEIGHT + 40):
                continue
            seen.add(cell)
            if len(circles) >= MAX_CIRCLES:
                break
        halo = project.km_to_px(halo_km, lat) if halo_km else 0.0
        circles.append(Circle(round(x), round(y), radius, colour, round(halo)))
    omitted = len(marks) - len(circles) if len(circles) >= MAX_CIRCLES else 0
    return StaticMap(WIDTH, HEIGHT, tuple(countries), tuple(admin1), tuple(capitals), tuple(circles), bounds, omitted)


@functools.cache
def _capitals() -> tuple[tuple[float, float, str], ...]:
    """(x, y, name) of the capitals in world coordinates."""
    return tuple((*_mercator(place.lat, place.lon), place.name) for place in geo.capitals())
