"""Incident maps: built with Folium, embedded in the page (no iframe, no CDN).

Folium builds the Leaflet map and its tile layer; a small element of our own
(`_IncidentLayer`) draws the incidents as one GeoJSON layer of circle markers. Of the
Folium figure we keep only the map's <div> and its JavaScript: Folium's page header
(jQuery, Bootstrap, Font Awesome from CDNs) is never rendered. The page loads Leaflet
and leaflet.markercluster from the site itself (`MAP_ASSETS`, `vendor_files()`).

API
---
``MapOptions(tiles_url=..., attribution=..., cluster_threshold=50, height="420px",
center=(15.0, 1.0), zoom=5, max_fit_zoom=9)``
    Validated once. ``tiles_url=None`` switches tiles off (offline tests).

``incident_features(incidents, event_types, url_for) -> dict``
    GeoJSON FeatureCollection ([lon, lat] order) of the public incidents, with what a
    marker and its popup show: title, date, type (slug), fatalities, plain-text summary
    (cut to ``summary_chars``, default ``SUMMARY_CHARS``), url (``url_for(incident)``,
    relative to the page showing the map) and radius. Biggest markers first, so small
    ones stay clickable. Colours and labels come from ``event_types`` given to
    ``render_map`` (``marker_styles``), the same list the legend shows.

``map_geojson(incidents, event_types, url_for) -> dict``
    The same collection, for a separate file that the browser fetches (home and
    country maps); the caller writes it next to the page's other files.

``render_map(map_id, *, features=None, data_url=None, event_types, options, label=None) -> MapFragment``
    Exactly one of ``features`` (inlined in the script) or ``data_url`` (fetched).
    ``label`` is the map's accessible name (default: the catalogue's ``maps.label``);
    give each map on one page its own.
    ``map_id`` (letters, digits, hyphens; unique on the page) seeds every element id,
    so the same content renders byte-identical and two maps on a page never collide.
    ``MapFragment.html`` is the map <div>, ``MapFragment.script`` its JavaScript
    without <script> tags, ``MapFragment.id`` the div's id.

``marker_radius(fatalities) -> float``, ``marker_styles(event_types) -> dict``,
``summary_text(markdown) -> str``, ``script_json(value) -> str``,
``MAP_ASSETS`` (scripts and styles, relative to the site root), ``vendor_files()``.

The template ``partials/map.html`` takes ``map`` (a MapFragment), ``event_types`` and
optionally ``list_url`` (default ``#incidents``): a <figure> with the div, the legend,
the link to the incident list, then ``<script>{{ map.script }}</script>``. That script
runs at once, so Leaflet must be loaded before it: the page puts the vendor scripts in
<head> without ``defer`` (``partials/vendor.html``).

Incident text is untrusted. It reaches the browser only as JSON data (escaped so that it
cannot close the script) and is shown with ``textContent``; it never goes through
Folium's Popup/Tooltip/GeoJsonPopup, which insert raw HTML, nor through Jinja a second
time (branca re-parses rendered scripts as templates, hence ``_render_tree``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template
from markdown_it import MarkdownIt

from sitegen.config import DEFAULT_ATTRIBUTION, DEFAULT_TILES
from sitegen.messages import t, translate
from sitegen.model import DatePrecision, EventType, Incident

VENDOR_DIR = Path(__file__).resolve().parent.parent / "assets" / "vendor"
VENDOR_URI = "assets/vendor"
SUMMARY_CHARS = 120  # a popup teaser; the full summary is in the incident list
FALLBACK_COLOUR = "#566573"
# marker radius in pixels: sqrt scale on fatalities, so area grows with the count, capped
RADIUS_MIN, RADIUS_STEP, RADIUS_MAX = 4.0, 2.0, 18.0
MAX_ZOOM = 18

_MAP_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_CSS_LENGTH = re.compile(r"\d+(\.\d+)?(px|rem|em|vh|svh|dvh)")
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
# characters (or line starts) that Markdown may turn into something other than themselves
_PLAIN = re.compile(r"[\\`*_\[\]<>!&#|~]|^ {0,3}(?:[-+=>]|\d+[.)])|^ {4}|\t", re.M)


@dataclass(frozen=True)
class MapAssets:
    """Files a page with a map must load, relative to the site root, in order."""

    scripts: tuple[str, ...]
    styles: tuple[str, ...]


MAP_ASSETS = MapAssets(
    scripts=(
        f"{VENDOR_URI}/leaflet/leaflet.js",
        f"{VENDOR_URI}/leaflet.markercluster/leaflet.markercluster.js",
    ),
    styles=(
        f"{VENDOR_URI}/leaflet/leaflet.css",
        f"{VENDOR_URI}/leaflet.markercluster/MarkerCluster.css",
        f"{VENDOR_URI}/leaflet.markercluster/MarkerCluster.Default.css",
        "assets/map.css",
    ),
)


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
    html: str  # the <div>
    script: str  # JavaScript, without <script> tags


# --- data -----------------------------------------------------------------------------


def marker_radius(fatalities: int) -> float:
    return round(min(RADIUS_MAX, RADIUS_MIN + RADIUS_STEP * math.sqrt(max(fatalities, 0))), 1)


def marker_styles(event_types: Iterable[EventType]) -> dict[str, dict[str, str]]:
    """What the map script draws for each event type: {slug: {label, colour}}."""
    return {e.slug: {"label": e.label, "colour": e.colour} for e in event_types}


def incident_features(
    incidents: Iterable[Incident],
    event_types: Iterable[EventType],
    url_for: Callable[[Incident], str],
    *,
    summary_chars: int = SUMMARY_CHARS,
) -> dict[str, Any]:
    """The public incidents as a GeoJSON FeatureCollection for the map.

    `event_types` is accepted for symmetry with the exports; markers carry the type slug
    and the script styles them from `render_map(event_types=...)`."""
    public = sorted((i for i in incidents if i.is_public), key=lambda i: (-i.fatalities, i.date, i.id))
    return {"type": "FeatureCollection", "features": [_feature(i, url_for, summary_chars) for i in public]}


def map_geojson(
    incidents: Iterable[Incident],
    event_types: Iterable[EventType],
    url_for: Callable[[Incident], str],
    *,
    summary_chars: int = SUMMARY_CHARS,
) -> dict[str, Any]:
    """The FeatureCollection for a map data file (fetched by `render_map(data_url=...)`)."""
    return incident_features(incidents, event_types, url_for, summary_chars=summary_chars)


def _feature(incident: Incident, url_for: Callable[[Incident], str], summary_chars: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "title": incident.title,
        "date": _date_text(incident),
        "type": incident.type,
        "fatalities": incident.fatalities,
        "url": _checked_url(url_for(incident)),
        "radius": marker_radius(incident.fatalities),
    }
    if incident.summary and summary_chars > 0:
        properties["summary"] = summary_text(incident.summary, summary_chars)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(incident.lon, 4), round(incident.lat, 4)]},
        "properties": properties,
    }


def _date_text(incident: Incident) -> str:
    if incident.date_precision == DatePrecision.MONTH:
        return incident.date.strftime("%Y-%m")
    if incident.date_precision == DatePrecision.WEEK:
        return str(incident.week)
    return incident.date.isoformat()


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError(t("maps.bad_url", url=url))
    return url


def summary_text(markdown: str, limit: int = SUMMARY_CHARS) -> str:
    """The Markdown summary as plain text (the words of links, not their targets), cut at a word."""
    if _PLAIN.search(markdown):
        text = " ".join(_markdown_words(markdown).split())
    else:
        text = " ".join(markdown.split())  # nothing Markdown would change: skip the parser
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _markdown_words(markdown: str) -> str:
    words: list[str] = []
    for token in _MARKDOWN.parse(markdown):
        for child in token.children or ():
            if child.type in ("text", "code_inline", "html_inline", "image"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
        if token.type in ("paragraph_close", "heading_close", "code_block", "fence"):
            words.append(token.content if token.type in ("code_block", "fence") else " ")
    return "".join(words)


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: it cannot close the script, open an
    HTML comment, or end a JavaScript line (U+2028/U+2029)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m[0]], text)


# --- rendering ------------------------------------------------------------------------


class _SiteMap(folium.Map):
    """folium.Map with an accessible div of its own height; Folium's header is never used."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="sg-map" id="{{ this.get_name() }}" role="region" aria-label="{{ this.sg_label|e }}"
             style="--sg-map-height: {{ this.sg_height }}"></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}{{ this.folium_script(this, kwargs) }}{% endmacro %}
        """
    )

    @staticmethod
    def folium_script(this: folium.Map, kwargs: dict) -> str:
        return folium.Map._template.module.script(this, kwargs)


class _IncidentLayer(MacroElement):
    """The incidents as one GeoJSON layer of circle markers, inline or fetched; popups and
    tooltips are built with textContent; clustered above a threshold."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, settings) {
          var box = map.getContainer();
          function el(tag, cls, text) {
            var node = document.createElement(tag);
            if (cls) { node.className = cls; }
            if (text !== undefined) { node.textContent = String(text); }
            return node;
          }
          function style(p) {
            return Object.prototype.hasOwnProperty.call(settings.types, p.type)
              ? settings.types[p.type] : {label: String(p.type), colour: settings.fallbackColour};
          }
          function popup(layer) {
            var p = layer.feature.properties, div = el("div", "sg-popup");
            div.appendChild(el("p", "sg-popup-title", p.title));
            div.appendChild(el("p", "sg-popup-meta",
              [p.date, style(p).label, settings.labels.fatalities + ": " + p.fatalities].join(" \\u00b7 ")));
            if (p.summary) { div.appendChild(el("p", "sg-popup-summary", p.summary)); }
            if (p.url) {
              var link = el("a", null, settings.labels.details), line = el("p", "sg-popup-link");
              link.href = p.url;
              line.appendChild(link);
              div.appendChild(line);
            }
            return div;
          }
          function tooltip(layer) {
            return el("span", null, layer.feature.properties.title);
          }
          function show(data) {
            var layer = L.geoJSON(data, {
              pointToLayer: function (feature, latlng) {
                var p = feature.properties || {};
                return L.circleMarker(latlng, {
                  radius: p.radius || 4, color: "#ffffff", weight: 1, opacity: 0.9,
                  fillColor: style(p).colour, fillOpacity: 0.8
                });
              },
              onEachFeature: function (feature, marker) {
                marker.bindPopup(popup, {maxWidth: 260});
                marker.bindTooltip(tooltip);
              }
            });
            var count = layer.getLayers().length, shown = layer;
            if (count > settings.clusterThreshold && typeof L.markerClusterGroup === "function") {
              shown = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50});
              shown.addLayer(layer);
            }
            shown.addTo(map);
            if (count) {
              map.fitBounds(layer.getBounds(), {padding: [16, 16], maxZoom: settings.maxFitZoom});
            }
            box.setAttribute("data-sg-count", String(count));
            box.setAttribute("data-sg-state", "ready");
          }
          function fail(error) {
            var note = el("p", "sg-map-error", settings.labels.loadFailed);
            note.setAttribute("role", "status");
            box.appendChild(note);
            box.setAttribute("data-sg-state", "error");
            if (window.console) { console.error(error); }
          }
          {%- if this.data_url is none %}
          try { show({{ this.data_json }}); } catch (error) { fail(error); }
          {%- else %}
          box.setAttribute("data-sg-state", "loading");
          fetch(settings.dataUrl, {credentials: "same-origin"})
            .then(function (response) {
              if (!response.ok) { throw new Error(settings.dataUrl + ": HTTP " + response.status); }
              return response.json();
            })
            .then(show)
            .catch(fail);
          {%- endif %}
        })({{ this._parent.get_name() }}, {{ this.settings_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: dict[str, Any] | None,
        data_url: str | None,
        event_types: Iterable[EventType],
        options: MapOptions,
    ):
        super().__init__()
        self._name = "IncidentLayer"
        self.data_url = data_url
        self.data_json = script_json(features) if features is not None else ""
        self.settings_json = script_json(
            {
                "dataUrl": data_url,
                "clusterThreshold": options.cluster_threshold,
                "maxFitZoom": options.max_fit_zoom,
                "fallbackColour": FALLBACK_COLOUR,
                "types": marker_styles(event_types),
                "labels": {
                    "fatalities": translate(options.lang, "maps.fatalities"),
                    "details": translate(options.lang, "maps.details"),
                    "loadFailed": translate(options.lang, "maps.load_failed"),
                },
            }
        )


def render_map(
    map_id: str,
    *,
    features: dict[str, Any] | None = None,
    data_url: str | None = None,
    event_types: Sequence[EventType] = (),
    options: MapOptions | None = None,
    label: str | None = None,
) -> MapFragment:
    """The map <div> and its script; see the module docstring."""
    if not _MAP_ID.fullmatch(map_id):
        raise ValueError(t("maps.bad_id", map_id=map_id))
    if (features is None) == (data_url is None):
        raise ValueError(t("maps.one_source"))
    options = options or MapOptions()

    fmap = _SiteMap(
        location=list(options.center),
        zoom_start=options.zoom,
        tiles=None,
        scroll_wheel_zoom=False,
    )
    fmap.options["maxZoom"] = MAX_ZOOM  # markercluster needs the map's own; folium gives it to tiles only
    fmap.sg_label = label or translate(options.lang, "maps.label")
    fmap.sg_height = options.height
    if options.tiles_url:
        tiles = folium.TileLayer(tiles=options.tiles_url, attr=options.attribution, name="tiles", max_zoom=MAX_ZOOM)
        tiles.add_to(fmap)
    _IncidentLayer(features, data_url, event_types, options).add_to(fmap)

    _assign_ids(fmap, map_id.replace("-", "_"))
    html, script = _render_tree(fmap)
    return MapFragment(id=fmap.get_name(), html=html, script=script)


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _assign_ids(root: Element, prefix: str) -> None:
    """Replace Folium's random uuid ids by `<prefix>_<n>` in tree order."""
    for n, element in enumerate(_walk(root)):
        element._id = f"{prefix}_{n}"
    for element in _walk(root):
        element._children = type(element._children)((c.get_name(), c) for c in element._children.values())


def _render_tree(root: Element) -> tuple[str, str]:
    """The html and script macros of every element, in tree order, rendered once.

    Folium's own render() would add the header (CDN links), mutate the tree, and pass each
    rendered script through Jinja again (branca wraps it in Element(template=...)), where
    `{{ ... }}` in incident text would be evaluated.
    """
    html: list[str] = []
    script: list[str] = []
    for element in _walk(root):
        module = element._template.module
        if hasattr(module, "html"):
            html.append(str(module.html(element, {})))
        if hasattr(module, "script"):
            script.append(str(module.script(element, {})))
        if isinstance(element, Layer) and element.show:
            adder = ElementAddToElement(element.get_name(), element._parent.get_name())
            script.append(str(adder._template.module.script(adder, {})))
    body = "\n".join(line.strip() for line in "\n".join(script).splitlines() if line.strip())
    return _compact(html), f'(function () {{\n"use strict";\n{body}\n}})();'


def _compact(parts: list[str]) -> str:
    return "\n".join(part.strip() for part in parts if part.strip())


# --- vendored Leaflet -----------------------------------------------------------------


def vendor_files(vendor_dir: Path = VENDOR_DIR) -> list[tuple[str, Path]]:
    """(uri in site/, file) for every vendored Leaflet file, sorted; produced at set-up by
    tools/vendor_assets.py. Raises FileNotFoundError when set-up has not run."""
    missing = [uri for uri in (*MAP_ASSETS.scripts, *MAP_ASSETS.styles) if uri.startswith(VENDOR_URI + "/")]
    missing = [uri for uri in missing if not (vendor_dir / uri.removeprefix(VENDOR_URI + "/")).is_file()]
    if missing:
        raise FileNotFoundError(t("maps.not_vendored", path=vendor_dir))
    return sorted(
        (f"{VENDOR_URI}/{path.relative_to(vendor_dir).as_posix()}", path)
        for path in vendor_dir.rglob("*")
        if path.is_file()
    )
