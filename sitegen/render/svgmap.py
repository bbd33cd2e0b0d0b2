"""The static map: the incidents of a map over the bundled outlines, as SVG geometry made
at build time. Shown without JavaScript, in print, and until the interactive map starts.

Same projection as Leaflet (Web Mercator), same colours and marker sizes (the radius in
the features is in CSS pixels, and the SVG is drawn at about that scale). Python computes
where things go; `templates/partials/map.html` draws it, escaping every label.

    static_map(features, styles, fallback_colour, view=View(...)) -> StaticMap

`features` is the FeatureCollection of `maps.incident_features`. Markers at one place are
drawn side by side around it, as the interactive map draws them (`spread`: each feature's
`offset`, in pixels), with a line from each to the place. The view frames the incidents:
every marker, at the size a phone draws it, stays inside it, and capitals' names are set on
the side of their point that keeps them in view. A busy map (more than
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
PADDING = 24  # at least this much room between an incident's point and the frame's edge
# map.css draws markers (and their spread) up to this many times bigger on narrow screens
# (and in print, narrower than 50rem): the frame leaves them room at that size
SMALL_SCREEN_SCALE = 2.2
NAME_FONT = 24.0  # px: the largest font size of a capital's name (map.css, narrow screens)
NAME_CHAR = 0.6  # em: a generous width of one character of a name
NAME_GAP = 0.45  # em: between a capital's point and its name (the `dx` of its text)
NEAR_NAME = 12.0  # px: markers at places this close to a capital's point push its name aside
SPREAD_GAP = 2.0  # px: between markers set side by side at one place
SPREAD_MAX = 64  # markers at one place set side by side; more (a clustered map) are left at it
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
    x: float  # where the marker is drawn: its place, moved by (dx, dy) when it shares it
    y: float
    r: float
    colour: str
    halo: float = 0.0  # px: radius of the location's uncertainty, 0 when exact
    dx: float = 0.0  # px: set aside from the other markers at its place (see `spread`)
    dy: float = 0.0

    @property
    def moved(self) -> bool:
        return bool(self.dx or self.dy)

    @property
    def px(self) -> float:
        """x of the incident's place (the halo's centre, the start of the marker's line): a
        whole pixel, as places are drawn."""
        return round(self.x - self.dx) if self.dx else self.x

    @property
    def py(self) -> float:
        return round(self.y - self.dy) if self.dy else self.y


@dataclass(frozen=True)
class Label:
    x: float  # the capital's point
    y: float
    text: str
    ty: float | None = None  # the name's line, when moved up or down to stay in view (else y)
    end: bool = False  # the name is set to the left of the point (it would leave the view on the right)
    gap: float = NAME_GAP  # em: between the point and the name, beyond any marker drawn there


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
    """Web Mercator at the scale that fits every point, each with room `margins` (px) around
    it, in the frame (at most `view.max_zoom`), centred on what it shows."""

    def __init__(self, points: list[tuple[float, float]], view: View, margins: Sequence[float] = ()):
        if points:
            xs, ys = zip(*(_mercator(lat, lon) for lat, lon in points), strict=True)
            margins = list(margins) or [PADDING] * len(xs)
            if len(margins) > MAX_POINTS:  # the room of the biggest for all: no search over thousands
                margins = [max(margins)] * len(margins)
            limit = TILE * 2**view.max_zoom
            self.scale = min(_fit(xs, margins, WIDTH, limit), _fit(ys, margins, HEIGHT, limit))
            self.cx = _middle(xs, margins, self.scale)
            self.cy = _middle(ys, margins, self.scale)
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


def _span(values: Sequence[float], margins: Sequence[float], scale: float) -> tuple[float, float]:
    """The extent (px) of `values` (world coordinates) drawn at `scale`, each with its margin."""
    return min(v * scale - m for v, m in zip(values, margins)), max(v * scale + m for v, m in zip(values, margins))


def _fit(values: Sequence[float], margins: Sequence[float], room: float, limit: float) -> float:
    """The largest scale (at most `limit`) at which `values` and their margins fit in `room` px.

    At scale s the drawing spans max(v·s + m) − min(v·s − m): it fits where, for every pair
    of points i, j with v_i > v_j, s ≤ (room − m_i − m_j) / (v_i − v_j). Only the points on
    the edge can bind: for the right edge those that no other point passes in both value
    and margin (its lines v·s + m lie below that one's at every s ≥ 0), for the left alike,
    a handful of a map's hundreds."""
    extent = max(values) - min(values)
    if not extent:
        return limit
    right = _front(sorted(zip(values, margins), key=lambda p: (-p[0], -p[1])))
    left = _front(sorted(zip(values, margins), key=lambda p: (p[0], -p[1])))
    scale = min([limit] + [(room - mi - mj) / (vi - vj) for vi, mi in right for vj, mj in left if vi > vj])
    return scale if scale == limit else max(scale, (room / 2) / extent)  # margins too big: the points, at least


def _front(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points, outermost first, that no point before them passes in margin."""
    front: list[tuple[float, float]] = []
    for value, margin in points:
        if not front or margin > front[-1][1]:
            front.append((value, margin))
    return front


def _middle(values: Sequence[float], margins: Sequence[float], scale: float) -> float:
    """The world coordinate at the frame's centre: the middle of what it shows."""
    low, high = _span(values, margins, scale)
    return (low + high) / 2 / scale


def spread(radii: Sequence[float]) -> tuple[tuple[float, float], ...]:
    """Offsets (px) that set markers of `radii` at one place side by side: the first (the
    biggest, features come biggest first) at the place, each of the others on a spiral around
    it at the first point clear of those before it. The same offsets at every zoom: the
    interactive map moves its markers by them, the static map draws them there."""
    return _spread(tuple(radii[:SPREAD_MAX])) + ((0.0, 0.0),) * max(len(radii) - SPREAD_MAX, 0)


@functools.lru_cache(maxsize=1024)  # most places hold a few small markers: the same few spreads
def _spread(radii: tuple[float, ...]) -> tuple[tuple[float, float], ...]:
    if not radii:
        return ()
    turn = (2 * min(radii) + SPREAD_GAP) / (2 * math.pi)  # the spiral's turns a small marker apart
    placed = [(0.0, 0.0, radii[0])]
    offsets = [(0.0, 0.0)]
    angle = 0.0
    for r in radii[1:]:
        while True:  # on along the spiral, never back: a few hundred steps for a place of dozens
            distance = turn * angle
            angle += min(1.5 / max(distance, 1.5), 0.5)  # steps of about 1.5 px along it
            x, y = distance * math.cos(angle), distance * math.sin(angle)
            if all((x - px) ** 2 + (y - py) ** 2 >= (r + pr + SPREAD_GAP) ** 2 for px, py, pr in placed):
                break
        placed.append((x, y, r))
        offsets.append((round(x, 1), round(y, 1)))
    return tuple(offsets)


def _name(x: float, y: float, text: str, markers: float = 0.0) -> Label:
    """A capital's name beside its point, beyond the `markers` (px) drawn there, on the side
    (and at the height) that keeps it in view at its largest size."""
    # in em of the name's font, which grows about as the markers do on narrow screens
    gap = round(NAME_GAP + SMALL_SCREEN_SCALE * markers / NAME_FONT, 2)
    width = (gap + NAME_CHAR * len(text)) * NAME_FONT
    end = x + width > WIDTH and (x >= width or x > WIDTH - x)  # left of the point if it fits there better
    # the text's middle is `ty`: its ascent (~0.75em above the baseline, 0.35em below it) and descent in view
    ty = min(max(y, 0.4 * NAME_FONT + 1), HEIGHT - 0.3 * NAME_FONT - 1)
    return Label(x, y, text, None if ty == y else round(ty, 1), end, gap)


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
        p = f["properties"]
        lon, lat = (p.get("at") or f["geometry"]["coordinates"])[:2]  # a marker set around a place: that place's
        dx, dy = p.get("offset") or (0.0, 0.0)
        colour = styles.get(p["type"], {}).get("colour", fallback_colour)
        marks.append((lat, lon, colour, p["radius"], p.get("halo_km") or 0.0, dx, dy))
    return _static_map(tuple(marks), view)


# a map in each language draws the same marks: drawn once (a few KB each, a build's worth kept)
@functools.lru_cache(maxsize=2048)
def _static_map(marks: tuple[tuple[float, float, str, float, float, float, float], ...], view: View) -> StaticMap:
    """The static map of (lat, lon, colour, radius, halo km, dx, dy) marks, biggest first."""
    margins = [max(PADDING, SMALL_SCREEN_SCALE * (r + math.hypot(dx, dy)) + 4) for *_, r, _halo, dx, dy in marks]
    project = _Projection([(lat, lon) for lat, lon, *_ in marks], view, margins)
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
    circles = []
    seen: set[tuple[int, int, str]] = set()
    thin = len(marks) > MAX_POINTS
    for lat, lon, colour, radius, halo_km, dx, dy in marks:
        x, y = project(lat, lon)
        x, y = round(x), round(y)
        if thin:  # biggest first: a later circle of the same colour at the same spot adds nothing
            cell = (round((x + dx) / THIN_CELL), round((y + dy) / THIN_CELL), colour)
            if cell in seen or not (-40 <= x <= WIDTH + 40 and -40 <= y <= HEIGHT + 40):
                continue
            seen.add(cell)
            if len(circles) >= MAX_CIRCLES:
                break
        halo = project.km_to_px(halo_km, lat) if halo_km else 0.0
        if dx or dy:
            circles.append(Circle(round(x + dx, 1), round(y + dy, 1), radius, colour, round(halo), dx, dy))
        else:
            circles.append(Circle(x, y, radius, colour, round(halo)))
    capitals = []
    scale, cx, cy = project.scale, project.cx, project.cy
    for mx, my, name in _capitals():
        x, y = (mx - cx) * scale + WIDTH / 2, (my - cy) * scale + HEIGHT / 2  # as project(lat, lon)
        if 0 <= x <= WIDTH and 0 <= y <= HEIGHT:
            x, y = round(x, 1), round(y, 1)
            # the markers at the capital (or at a place a few pixels from it): its name starts beyond them
            near = ((math.hypot(c.px - x, c.py - y), c) for c in circles)
            here = max((d + math.hypot(c.dx, c.dy) + c.r for d, c in near if d <= NEAR_NAME), default=0.0)
            capitals.append(_name(x, y, name, here))
    omitted = len(marks) - len(circles) if len(circles) >= MAX_CIRCLES else 0
    return StaticMap(WIDTH, HEIGHT, tuple(countries), tuple(admin1), tuple(capitals), tuple(circles), bounds, omitted)


@functools.cache
def _capitals() -> tuple[tuple[float, float, str], ...]:
    """(x, y, name) of the capitals in world coordinates."""
    return tuple((*_mercator(place.lat, place.lon), place.name) for place in geo.capitals())
