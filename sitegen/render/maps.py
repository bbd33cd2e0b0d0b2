"""Incident maps: data and settings made at build time, drawn by a static asset.

The page carries, per map, a static SVG map (`svgmap.static_map`: outlines, capitals and
the incidents, shown without JavaScript, in print and until the interactive map starts),
an empty `<div class="sg-map">` and a `<script type="application/json">` island with the
map's settings (and its features, or the URL of a file holding them). `assets/map.js`
(deferred, the same file on every page) reads the islands after the page has loaded,
loads Leaflet (and markercluster only for a map that clusters) from the site, draws the
outlines of `assets/maps/outlines.geojson` under the tiles and the markers, and adds the
tiles last: tile requests never hold up the page's load event. Phones get a button
instead, so a page is light until a reader asks for the map.

Folium is used through its public API only, for the Leaflet options of the map and its
tile layer (`folium.Map(...).options`, `folium.TileLayer(...).options`); pages carry no
inline script, so the Content-Security-Policy is `script-src 'self'`. The words of Leaflet's
own controls (zoom buttons, the popup's close button, Leaflet's credit link) come from the
theme's catalogue as data-sg-* attributes of the map's <div> (partials/map.html), and so
does OpenStreetMap's credit where the site keeps sitegen's tiles (`tiles.credit == "osm"`).

API
---
``MapOptions(tiles_url=..., attribution=..., cluster_threshold=50, height="420px",
center=(15.0, 1.0), zoom=5, max_fit_zoom=9)``
    Validated once. ``tiles_url=None`` switches tiles off (offline tests).

``incident_features(incidents, event_types, url_for) -> dict``
    GeoJSON FeatureCollection ([lon, lat] order) of the public incidents, with what a
    marker and its popup show: title, accessible name, date (a range for week and month
    precision), type (slug), fatalities, toll (in words, as the incident lists say it),
    plain-text summary (cut to ``summary_chars``), url (``url_for(incident)``, relative to
    the page showing the map), radius, and for near/region locations the radius of their
    uncertainty (``halo_km``) and a note. Biggest markers first, so small ones stay on top.
    Markers at one place (one point, or one name a few km apart) carry an ``offset`` ([x, y]
    pixels, ``svgmap.spread``) that sets them side by side around it, so that none hides
    another, and ``at``, the place's [lon, lat], where it is not their own point. Not on a
    map of more than ``svgmap.MAX_POINTS`` incidents: it clusters, and markercluster spreads
    the markers of a place when it is clicked.

``map_geojson(...)``: the same collection, for a map data file.

``render_map(map_id, features, *, data_url=None, event_types, options, label=None) -> MapFragment``
    ``features`` always (the static map draws them); with ``data_url`` the interactive
    map fetches them from that file instead of the island. ``map_id`` (letters, digits,
    hyphens; unique on the page) is the div's id.

``outlines_geojson() -> dict``: countries, admin1 boundaries and capitals for the file
``OUTLINES_FILE`` that every map draws.

``marker_radius(fatalities)``, ``size_legend()``, ``marker_styles(event_types)``,
``script_json(value)``, ``MAP_ASSETS``, ``vendor_files()``.

The template ``partials/map.html`` takes ``map`` (a MapFragment), ``event_types`` and
optionally ``list_url`` (default ``#incidents``).

Incident text is untrusted. It reaches the browser only as JSON data (escaped so that it
cannot close the script element) and map.js shows it with ``textContent``; the static map
is drawn by the template, which escapes it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from sitegen import geo, i18n
from sitegen.config import DEFAULT_ATTRIBUTION, DEFAULT_TILES
from sitegen.messages import t, translate
from sitegen.model import DatePrecision, EventType, GeoPrecision, Incident, IsoWeek
from sitegen.render import svgmap
from sitegen.text import exact_text, teaser

VENDOR_DIR = Path(__file__).resolve().parent.parent / "assets" / "vendor"
VENDOR_URI = "assets/vendor"
OUTLINES_FILE = "assets/maps/outlines.geojson"
SUMMARY_CHARS = 120  # a popup teaser; the full summary is in the incident list
FALLBACK_COLOUR = "#566573"
# marker radius in pixels: sqrt scale on fatalities (area grows with the count) up to ~500 deaths
RADIUS_MIN, RADIUS_STEP, RADIUS_MAX = 4.0, 1.6, 40.0
SIZE_LEGEND = (1, 10, 50, 200)  # fatalities shown in the legend of sizes
MAX_ZOOM = 18
MAX_DATED = 50  # of the biggest incidents, those dated to a week or month are named in the legend
NEAR_KM = 25.0  # geo_precision "near": within this distance of the point
REGION_KM = 100.0  # geo_precision "region" when the gazetteer does not know the region
# outlines drawn by every map: the covered countries and their neighbours
OUTLINES_BOX = (0.0, -20.0, 38.0, 28.0)  # south, west, north, east

_MAP_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_CSS_LENGTH = re.compile(r"\d+(\.\d+)?(px|rem|em|vh|svh|dvh)")
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


@dataclass(frozen=True)
class MapAssets:
    """Files a page with a map loads, relative to the site root: `scripts` and `styles` in
    <head>; `leaflet`, `cluster` are loaded by map.js when a map starts."""

    scripts: tuple[str, ...]
    styles: tuple[str, ...]
    leaflet: tuple[str, ...] = (f"{VENDOR_URI}/leaflet/leaflet.js", f"{VENDOR_URI}/leaflet/leaflet.css")
    cluster: tuple[str, ...] = (
        f"{VENDOR_URI}/leaflet.markercluster/leaflet.markercluster.js",
        f"{VENDOR_URI}/leaflet.markercluster/MarkerCluster.css",
    )


MAP_ASSETS = MapAssets(scripts=("assets/map.js",), styles=("assets/map.css",))


@dataclass(frozen=True)
class MapOptions:
    tiles_url: str | None = DEFAULT_TILES
    attribution: str = DEFAULT_ATTRIBUTION
    cluster_threshold: int = 50
    height: str = "420px"
    center: tuple[float, float] = (15.0, 1.0)  # lat, lon: the central Sahel, for a map without points
    zoom: int = 5
    max_fit_zoom: int = 9  # a single incident is not shown at street level
    lang: str = "en"  # of the page: the map's labels

    def __post_init__(self) -> None:
        if not _CSS_LENGTH.fullmatch(self.height):
            raise ValueError(t("maps.bad_height", height=self.height))


@dataclass(frozen=True)
class MapFragment:
    id: str  # the id of the map's <div>
    label: str  # its accessible name
    height: str  # CSS length
    data: str  # the JSON island's text, safe inside <script type="application/json">
    static: svgmap.StaticMap
    clusters: bool  # whether the interactive map clusters (and loads markercluster)
    sizes: tuple[SizeStep, ...] = ()  # the legend of marker sizes
    dated: tuple[Dated, ...] = ()  # incidents dated to a week or month, for the legend


@dataclass(frozen=True)
class Dated:
    place: str
    date: str


@dataclass(frozen=True)
class SizeStep:
    fatalities: int
    radius: float


# --- data -----------------------------------------------------------------------------


def marker_radius(fatalities: int) -> float:
    return round(min(RADIUS_MAX, RADIUS_MIN + RADIUS_STEP * math.sqrt(max(fatalities, 0))), 1)


def size_legend() -> tuple[SizeStep, ...]:
    return tuple(SizeStep(n, marker_radius(n)) for n in SIZE_LEGEND)


def marker_styles(event_types: Iterable[EventType]) -> dict[str, dict[str, str]]:
    """What the map script draws for each event type: {slug: {label, colour}}."""
    return {e.slug: {"label": e.label, "colour": e.colour} for e in event_types}


def incident_features(
    incidents: Iterable[Incident],
    event_types: Iterable[EventType],
    url_for: Callable[[Incident], str],
    *,
    summary_chars: int = SUMMARY_CHARS,
    lang: str = "en",
    default_lang: str = "en",
) -> dict[str, Any]:
    """The public incidents as a GeoJSON FeatureCollection for the map, its texts in `lang`
    (an incident's own where it has them; else its original, said by `lang` in the feature)."""
    labels = {e.slug: e.label for e in event_types}
    public = sorted((i for i in incidents if i.is_public), key=lambda i: (-(i.fatalities or 0), i.date, i.id))
    features = [_feature(i, url_for, summary_chars, labels, lang, default_lang) for i in public]
    if len(features) <= svgmap.MAX_POINTS:  # a busier map clusters (and its static map is a digest)
        _spread(features)
    return {"type": "FeatureCollection", "features": features}


def _spread(features: list[dict[str, Any]]) -> None:
    """Give the markers that share a place the offsets (pixels, from the place) that set them
    side by side. One place: the same point, or the same name within NEAR_KM (a town that
    sources put a few kilometres apart); its point is that of its first (biggest) incident,
    given as `at` to an incident elsewhere in it."""
    places: list[list[dict[str, Any]]] = []  # the features at each place, biggest first
    at_point: dict[tuple[float, ...], list[dict[str, Any]]] = {}
    by_name: dict[str, list[list[dict[str, Any]]]] = {}
    for f in features:
        point = tuple(f["geometry"]["coordinates"])
        place = at_point.get(point)
        if place is None:
            named = by_name.setdefault(f["properties"]["place"], [])
            place = next((p for p in named if _km(p[0], f) <= NEAR_KM), None)
            if place is None:
                place = []
                named.append(place)
                places.append(place)
            at_point[point] = place
        place.append(f)
    for members in places:
        if len(members) < 2:
            continue
        point = members[0]["geometry"]["coordinates"]
        for f, (dx, dy) in zip(members, svgmap.spread([f["properties"]["radius"] for f in members]), strict=True):
            if dx or dy:
                f["properties"]["offset"] = [dx, dy]
                if f["geometry"]["coordinates"] != point:
                    f["properties"]["at"] = point


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    (lon1, lat1), (lon2, lat2) = a["geometry"]["coordinates"][:2], b["geometry"]["coordinates"][:2]
    return geo.distance_km(lat1, lon1, lat2, lon2)


def map_geojson(
    incidents: Iterable[Incident],
    event_types: Iterable[EventType],
    url_for: Callable[[Incident], str],
    *,
    summary_chars: int = SUMMARY_CHARS,
    lang: str = "en",
    default_lang: str = "en",
) -> dict[str, Any]:
    """The FeatureCollection for a map data file (fetched by `render_map(data_url=...)`)."""
    return incident_features(incidents, event_types, url_for, summary_chars=summary_chars, lang=lang, default_lang=default_lang)


def _feature(
    incident: Incident, url_for: Callable[[Incident], str], summary_chars: int, labels, lang: str = "en", default_lang: str = "en"
) -> dict[str, Any]:
    date = date_label(incident, lang)
    kind = labels.get(incident.type, incident.type)
    toll = _toll(incident.fatalities, lang)
    name = _marker_name(lang).format(type=kind, place=incident.location, date=date, toll=toll)
    properties: dict[str, Any] = {
        "title": incident.title,
        "name": name,
        "date": date,
        "place": incident.location,
        "type": incident.type,
        "fatalities": incident.fatalities,
        "toll": toll,
        "url": _checked_url(url_for(incident)),
        "radius": marker_radius(incident.fatalities or 0),
    }
    if incident.date_precision != DatePrecision.DAY:
        properties["date_range"] = True
    halo = halo_km(incident)
    if halo:
        properties["halo_km"] = halo
        properties["precision"] = (
            translate(lang, "maps.near", km=round(halo))
            if incident.geo_precision == GeoPrecision.NEAR
            else translate(
                lang, "maps.region", region=geo.admin1_name(incident.country, incident.admin1, lang) if incident.admin1 else incident.location
            )
        )
    if incident.summary and summary_chars > 0:
        properties["summary"] = teaser(exact_text(incident.summary), summary_chars)
    if lang == default_lang:  # a summary written in another language only (Edition.incidents put it in)
        if "summary" in properties and (borrowed := i18n.taken_summary(incident, lang)):
            properties["summary_lang"] = borrowed
    else:  # an untranslated text, in its original: the popup sets `lang` on it
        title_lang = "" if getattr(incident, f"title_{lang}", None) else default_lang
        if title_lang:
            properties["lang"] = title_lang
        summary_lang = "" if getattr(incident, f"summary_{lang}", None) else default_lang
        if "summary" in properties and summary_lang != title_lang:
            properties["summary_lang"] = summary_lang
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(incident.lon, 4), round(incident.lat, 4)]},
        "properties": properties,
    }


# the texts of a marker repeat from incident to incident: made once per language (and count, day)
@functools.lru_cache(maxsize=8)
def _marker_name(lang: str) -> str:
    return translate(lang, "maps.marker_name")  # its {placeholders} filled in by the caller


@functools.lru_cache(maxsize=4096)
def _toll(fatalities: int | None, lang: str) -> str:
    """What a marker's name and popup say of the dead, in the words of the incident lists
    (partials/toll.html, the theme's catalogue): absent is "no toll reported", never zero;
    "0 killed", "1 killed", "7 killed" in the language's plural."""
    theme = i18n.translations(lang, "theme")
    if fatalities is None:
        return theme.gettext("no toll reported")
    killed = theme.ngettext("%(killed)s killed", "%(killed)s killed", fatalities)
    return killed % {"killed": i18n.format_number(fatalities, lang)}


def halo_km(incident: Incident) -> float:
    """Radius (km) of the uncertainty of an incident's location: 0 when exact."""
    if incident.geo_precision == GeoPrecision.NEAR:
        return NEAR_KM
    if incident.geo_precision == GeoPrecision.REGION:
        known = geo.region_radius_km(incident.country, incident.admin1) if incident.admin1 else None
        return round(max(known or REGION_KM, NEAR_KM), 1)
    return 0.0


def date_label(incident: Incident, lang: str = "en") -> str:
    """The incident's date as a reader should take it: a day, or the range of its week or month."""
    return _date_label(incident.date, incident.date_precision, lang)


@functools.lru_cache(maxsize=16384)  # a site has a few thousand days
def _date_label(day: dt.date, precision: DatePrecision, lang: str) -> str:
    if precision == DatePrecision.MONTH:
        return translate(lang, "maps.date_month", month=i18n.format_month(day, lang))
    if precision == DatePrecision.WEEK:
        week = IsoWeek.of(day)
        first, last = week.monday, week.sunday
        if first.year != last.year:
            start = i18n.format_date(first, lang)
        elif first.month != last.month:
            start = i18n.format_date(first, lang, year=False)
        else:
            start = i18n.format_day_number(first, lang)
        return translate(lang, "maps.date_week", start=start, end=i18n.format_date(last, lang))
    return translate(lang, "maps.date_day", day=i18n.format_date(day, lang))


_PLAIN_URL = re.compile(r"[^:\[\] ]*")  # no scheme, no IPv6 host: what sitegen's own links look like


def _checked_url(url: str) -> str:
    """`url` when its scheme is none, http or https and it holds no space or control
    character; ValueError otherwise."""
    if url.isprintable() and _PLAIN_URL.fullmatch(url):  # printable: no control or space but " "
        return url  # the links sitegen makes from ids: the full check would pass them
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError(t("maps.bad_url", url=url))
    return url


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: it cannot close the script, open an
    HTML comment, or end a JavaScript line (U+2028/U+2029)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True)
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m[0]], text)


def outlines_geojson() -> dict[str, Any]:
    """Countries (polygons), admin1 boundaries (lines) and capitals (points) for every map."""
    south, west, north, east = OUTLINES_BOX
    features: list[dict[str, Any]] = []
    for code in geo.outline_codes():
        rings = [
            [[round(x, 2), round(y, 2)] for x, y in ring]
            for ring in geo.country_rings(code)
            if not (min(y for _, y in ring) > north or max(y for _, y in ring) < south
                    or min(x for x, _ in ring) > east or max(x for x, _ in ring) < west)
        ]  # fmt: skip
        if not rings:
            continue
        features.append(
            {"type": "Feature", "properties": {"kind": "country", "code": code},
             "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}}
        )  # fmt: skip
    for code, lines in sorted(geo.admin1_lines().items()):
        features.append(
            {"type": "Feature", "properties": {"kind": "admin1", "code": code},
             "geometry": {"type": "MultiLineString", "coordinates": [[list(p) for p in line] for line in lines]}}
        )  # fmt: skip
    for place in geo.capitals():
        features.append(
            {"type": "Feature", "properties": {"kind": "capital", "name": place.name, "code": place.country},
             "geometry": {"type": "Point", "coordinates": [round(place.lon, 3), round(place.lat, 3)]}}
        )  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


# --- rendering ------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def leaflet_options(options: MapOptions) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The map's and the tile layer's Leaflet options, as Folium makes them (from the
    options' center, zoom, tiles and attribution: the same for every map of a site)."""
    import folium  # here: a third of a second, which a rebuild whose maps are all kept never spends
    from folium.utilities import camelize

    fmap = folium.Map(location=list(options.center), zoom_start=options.zoom, tiles=None, scroll_wheel_zoom=False)
    map_options = {camelize(k): v for k, v in fmap.options.items()}
    map_options.update(center=list(options.center), maxZoom=MAX_ZOOM)
    if not options.tiles_url:
        return map_options, None
    layer = folium.TileLayer(tiles=options.tiles_url, attr=options.attribution, max_zoom=MAX_ZOOM)
    return map_options, {"url": layer.tiles, "options": {camelize(k): v for k, v in layer.options.items()}}


def render_map(
    map_id: str,
    features: dict[str, Any],
    *,
    data_url: str | None = None,
    event_types: Sequence[EventType] = (),
    options: MapOptions | None = None,
    label: str | None = None,
    leaflet: tuple[dict[str, Any], dict[str, Any] | None] | None = None,
) -> MapFragment:
    """A map's static SVG and settings island; see the module docstring. `leaflet`: what
    leaflet_options(options) gives, if the caller has it."""
    if not _MAP_ID.fullmatch(map_id):
        raise ValueError(t("maps.bad_id", map_id=map_id))
    options = options or MapOptions()
    styles = marker_styles(event_types)
    count = len(features.get("features", []))
    clusters = count > options.cluster_threshold
    map_options, tiles = leaflet or leaflet_options(options)
    if tiles is not None and options.attribution == DEFAULT_ATTRIBUTION:
        tiles = {**tiles, "credit": "osm"}  # map.js credits OpenStreetMap in the page's language (partials/map.html)
    settings: dict[str, Any] = {
        "map": map_options,
        "tiles": tiles,
        "clusters": clusters,
        "count": count,
        "maxFitZoom": options.max_fit_zoom,
        "fallbackColour": FALLBACK_COLOUR,
        "types": styles,
        "labels": {
            "fatalities": translate(options.lang, "maps.fatalities"),
            "noToll": translate(options.lang, "maps.no_toll_popup"),
            "details": translate(options.lang, "maps.details"),
            "loadFailed": translate(options.lang, "maps.load_failed"),
            "outlines": translate(options.lang, "maps.outlines_credit"),
        },
    }
    if data_url is None:
        settings["data"] = features
    else:
        settings["dataUrl"] = _checked_url(data_url)
    view = svgmap.View(center=options.center, zoom=options.zoom, max_zoom=options.max_fit_zoom)
    return MapFragment(
        id=map_id,
        label=label or translate(options.lang, "maps.label"),
        height=options.height,
        data=script_json(settings),
        static=svgmap.static_map(features, styles, FALLBACK_COLOUR, view),
        clusters=clusters,
        sizes=size_legend(),
        dated=tuple(
            Dated(p["place"], p["date"])
            for p in (f["properties"] for f in features.get("features", ())[:MAX_DATED])
            if p.get("date_range")
        ),
    )


def fragment_bytes(fragment: MapFragment) -> bytes:
    """A MapFragment as JSON, for the build cache: orjson writes its dataclasses as
    `dataclasses.asdict` and json would, field by field, without copying them first."""
    return orjson.dumps(fragment)


class LaterMap:
    """A MapFragment read from the build cache (or made) when a template first shows it:
    a page kept from the last build never does. Its repr, which page keys digest, is its
    cache key, which names everything the fragment shows."""

    __slots__ = ("key", "_load", "_fragment")

    def __init__(self, key: str, load: Callable[[], MapFragment], fragment: MapFragment | None = None) -> None:
        self.key, self._load, self._fragment = key, load, fragment

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # not a field: what introspection asks (copy, pickle, msgspec)
            raise AttributeError(name)
        return getattr(self.fragment(), name)

    def fragment(self) -> MapFragment:
        if self._fragment is None:
            self._fragment = self._load()
        return self._fragment

    def __repr__(self) -> str:
        return f"LaterMap({self.key!r})"


def fragment_from_bytes(data: bytes) -> MapFragment:
    raw = orjson.loads(data)
    s = raw["static"]
    static = svgmap.StaticMap(
        s["width"], s["height"], tuple(s["countries"]), tuple(s["admin1"]),
        tuple(svgmap.Label(**c) for c in s["capitals"]), tuple(svgmap.Circle(**c) for c in s["circles"]),
        (tuple(s["bounds"][0]), tuple(s["bounds"][1])), s["omitted"],
    )  # fmt: skip
    return MapFragment(
        raw["id"], raw["label"], raw["height"], raw["data"], static, raw["clusters"],
        tuple(SizeStep(**x) for x in raw["sizes"]), tuple(Dated(**x) for x in raw["dated"]),
    )  # fmt: skip


# --- vendored Leaflet -----------------------------------------------------------------


def vendor_files(vendor_dir: Path = VENDOR_DIR) -> list[tuple[str, Path]]:
    """(uri in site/, file) for every vendored Leaflet file, sorted; produced at set-up by
    tools/vendor_assets.py. Raises FileNotFoundError when set-up has not run."""
    missing = [uri for uri in (*MAP_ASSETS.leaflet, *MAP_ASSETS.cluster) if uri.startswith(VENDOR_URI + "/")]
    missing = [uri for uri in missing if not (vendor_dir / uri.removeprefix(VENDOR_URI + "/")).is_file()]
    if missing:
        raise FileNotFoundError(t("maps.not_vendored", path=vendor_dir))
    return sorted(
        (f"{VENDOR_URI}/{path.relative_to(vendor_dir).as_posix()}", path)
        for path in vendor_dir.rglob("*")
        if path.is_file()
    )
