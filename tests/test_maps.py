"""Maps: markers, escaping of untrusted text, deterministic output, no CDN, the partial,
the static SVG map and the outlines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from sitegen import i18n
from sitegen.model import DEFAULT_EVENT_TYPES, EventType, Incident, Visibility
from sitegen.render import maps, svgmap
from sitegen.text import exact_text, teaser

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = maps.MapOptions(tiles_url=None)
HOSTILE = "</script><script>alert(1)</script><!-- `${x}` \u2028\u2029 \"dq\" 'sq' {{ 7*7 }} {% raw %} & <b>"
CDN_HOSTS = ("jsdelivr", "unpkg", "cdnjs", "bootstrapcdn", "code.jquery", "googleapis", "fontawesome")


def incident(n: int = 0, **changes) -> Incident:
    date = dt.date(2023, 9, 10) + dt.timedelta(days=n % 20)
    base = Incident(
        id=f"{date}-place-{n}",
        date=date,
        title=f"Incident {n}",
        type="battle",
        country="NE",
        location=f"Place {n}",
        lat=14.62 + n / 100,
        lon=0.98 + n / 100,
        fatalities=n,
        summary=f"Summary of incident {n}.",
    )
    return dataclasses.replace(base, **changes)


def url_for(i: Incident) -> str:
    return f"../weeks/{i.week}/#{i.id}"


def features(incidents) -> dict:
    return maps.incident_features(incidents, DEFAULT_EVENT_TYPES, url_for)


def render(map_id="map-2023-W39", incidents=None, **kwargs) -> maps.MapFragment:
    data = features(incidents if incidents is not None else [incident(n) for n in range(3)])
    kwargs.setdefault("options", OFFLINE)
    kwargs.setdefault("event_types", DEFAULT_EVENT_TYPES)
    return maps.render_map(map_id, data, **kwargs)


def settings(fragment: maps.MapFragment) -> dict:
    """The map's JSON island as the browser parses it."""
    return json.loads(fragment.data)


def inline_data(fragment: maps.MapFragment) -> dict:
    """The FeatureCollection as the browser will parse it from the island."""
    return settings(fragment)["data"]


# --- markers -----------------------------------------------------------------------------


def test_each_event_type_gets_its_colour_and_label():
    fragment = render(incidents=[incident(n, type=e.slug) for n, e in enumerate(DEFAULT_EVENT_TYPES)])
    styles = settings(fragment)["types"]
    for event_type in DEFAULT_EVENT_TYPES:
        assert styles[event_type.slug] == {"label": event_type.label, "colour": event_type.colour}
    drawn = {f["properties"]["type"] for f in inline_data(fragment)["features"]}
    assert drawn == {e.slug for e in DEFAULT_EVENT_TYPES}, "every marker must name a type the script can style"


def test_site_specific_event_types_are_used():
    custom = (EventType("kidnapping", "Kidnapping", "#123456"),)
    data = features([incident(type="kidnapping")])
    fragment = maps.render_map("m", data, event_types=custom, options=OFFLINE)
    assert settings(fragment)["types"] == {"kidnapping": {"label": "Kidnapping", "colour": "#123456"}}


def test_radius_keeps_growing_past_fifty_deaths_and_is_capped():
    radii = [maps.marker_radius(n) for n in (0, 1, 4, 10, 49, 53, 117, 300, 10_000)]
    assert radii == sorted(radii)
    assert len(set(radii[:-1])) == len(radii) - 1, f"every toll up to 300 gets its own size: {radii}"
    assert maps.marker_radius(117) - maps.marker_radius(53) >= 4, "53 and 117 deaths must look different"
    assert radii[-1] == maps.RADIUS_MAX
    assert maps.marker_radius(-3) == maps.marker_radius(0)


def test_size_legend_uses_the_marker_scale():
    steps = maps.size_legend()
    assert [s.fatalities for s in steps] == sorted(s.fatalities for s in steps)
    assert all(s.radius == maps.marker_radius(s.fatalities) for s in steps)


def test_features_carry_the_radius_and_biggest_come_first():
    collection = features([incident(1), incident(30), incident(5)])
    props = [f["properties"] for f in collection["features"]]
    assert [p["fatalities"] for p in props] == [30, 5, 1]
    assert all(p["radius"] == maps.marker_radius(p["fatalities"]) for p in props)


def test_coordinates_are_lon_lat():
    feature = features([incident(lat=14.62, lon=0.98)])["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [0.98, 14.62]}


def test_popup_data_has_title_date_fatalities_summary_and_link():
    summary = "Several **hundred** [assailants](https://example.org) attacked."
    props = features([incident(7, summary=summary)])["features"][0]["properties"]
    assert props["title"] == "Incident 7"
    assert props["date"] == "17 September 2023"
    assert props["fatalities"] == 7
    assert props["summary"] == "Several hundred assailants attacked."
    assert props["url"] == "../weeks/2023-W37/#2023-09-17-place-7"


def test_imprecise_dates_are_shown_as_a_date_range():
    week = features([incident(date_precision="week")])["features"][0]["properties"]
    month = features([incident(date_precision="month")])["features"][0]["properties"]
    day = features([incident()])["features"][0]["properties"]
    assert week["date"] == "4 to 10 September 2023"
    assert (month["date"], day["date"]) == ("September 2023", "10 September 2023")
    assert week["date_range"] and month["date_range"] and "date_range" not in day
    across = features([incident(date=dt.date(2023, 9, 28), date_precision="week")])["features"][0]["properties"]
    assert across["date"] == "25 September to 1 October 2023"


def test_markers_have_accessible_names():
    props = features([incident(7, location="Kandadji", date=dt.date(2023, 9, 28))])["features"][0]["properties"]
    assert props["name"] == "Battle, Kandadji, 28 September 2023, 7 killed"
    zero = features([incident(0)])["features"][0]["properties"]
    assert zero["name"].endswith(", 0 killed"), "a reported zero, in the incident lists' words"


def test_uncertain_locations_carry_the_radius_of_their_halo():
    near = features([incident(1, geo_precision="near")])["features"][0]["properties"]
    region = features([incident(2, geo_precision="region", admin1="Tillabéri")])["features"][0]["properties"]
    exact = features([incident(3)])["features"][0]["properties"]
    assert near["halo_km"] == maps.NEAR_KM and "25 km" in near["precision"]
    assert region["halo_km"] > near["halo_km"] and "Tillabéri" in region["precision"]
    assert "halo_km" not in exact


def test_internal_incidents_never_reach_the_map():
    collection = features([incident(1), incident(2, visibility=Visibility.INTERNAL, title="SECRET")])
    assert len(collection["features"]) == 1
    assert "SECRET" not in json.dumps(collection)


def test_summary_is_plain_text_cut_at_a_word():
    text = teaser(exact_text("First *para*.\n\n- item [link](https://x.org)\n\n`code` " + "word " * 100), 60)
    assert text.startswith("First para. item link code word")
    assert text.endswith("…") and len(text) <= 61
    assert "https://x.org" not in text
    assert teaser(exact_text("plain  text\nover lines"), maps.SUMMARY_CHARS) == "plain text over lines"


@pytest.mark.parametrize("url", ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "java\tscript:x"])
def test_non_web_links_are_refused(url):
    with pytest.raises(ValueError):
        maps.incident_features([incident()], DEFAULT_EVENT_TYPES, lambda i: url)


@pytest.mark.parametrize(
    "url",
    ["#a-1", "../weeks/2023-W39/#a-1", "weeks/2023-W39/#x", "https://example.org/a", "HTTP://x.org", "mailto:a@b.c",
     "//[::1]/x", "//[bad/x", "a b", "a\u00a0b", "a\u200bb", "#a\x7fb", "#\u2028", "x\u3000y", "", "ftp:x", "#a:b", "é/#ç"],
)  # fmt: skip
def test_the_quick_url_check_says_what_the_full_one_says(url):
    def full(u: str) -> bool:
        try:
            parts = maps.urlsplit(u)
        except ValueError:
            return False
        return parts.scheme in ("", "http", "https") and not any(c.isspace() or ord(c) < 32 for c in u)

    try:
        accepted = maps._checked_url(url) == url
    except ValueError:
        accepted = False
    assert accepted == full(url)


def test_marker_texts_cached_per_language_stay_in_that_language():
    both = [incident(0, fatalities=None), incident(1, fatalities=1), incident(2, fatalities=1234, date_precision="week")]
    for _ in range(2):  # the second time from the caches
        en = [f["properties"] for f in maps.incident_features(both, DEFAULT_EVENT_TYPES, url_for, lang="en")["features"]]
        fr = [f["properties"] for f in maps.incident_features(both, DEFAULT_EVENT_TYPES, url_for, lang="fr")["features"]]
        assert en[0]["name"].endswith("1,234 killed".replace(",", i18n.NNBSP)) and "tués" in fr[0]["name"]
        assert en[0]["date"] == "11 to 17 September 2023" and fr[0]["date"] != en[0]["date"]
        assert {p["name"].rsplit(", ", 1)[1] for p in en} == {"1 killed", "no toll reported", "1,234 killed".replace(",", i18n.NNBSP)}


def test_a_static_map_drawn_again_is_the_same_whatever_the_language_of_its_texts():
    marks = [incident(n) for n in range(5)]
    french = [dataclasses.replace(i, title=f"Incident {i.id} en français", summary="Résumé") for i in marks]
    en = maps.render_map("map-x", maps.incident_features(marks, DEFAULT_EVENT_TYPES, url_for), event_types=DEFAULT_EVENT_TYPES, options=OFFLINE)
    fr = maps.render_map(
        "map-x", maps.incident_features(french, DEFAULT_EVENT_TYPES, url_for, lang="fr"), event_types=DEFAULT_EVENT_TYPES, options=OFFLINE
    )
    svgmap._static_map.cache_clear()
    fresh = svgmap.static_map(maps.incident_features(marks, DEFAULT_EVENT_TYPES, url_for), maps.marker_styles(DEFAULT_EVENT_TYPES), maps.FALLBACK_COLOUR)
    assert en.static == fr.static == fresh
    assert fresh.countries and len(fresh.circles) == 5


def test_a_map_fragment_comes_back_whole_from_the_build_cache():
    fragment = render(incidents=[incident(n, date_precision="month" if n % 2 else "day") for n in range(4)])
    assert maps.fragment_from_bytes(maps.fragment_bytes(fragment)) == fragment
    assert fragment.dated and fragment.static.circles


# --- untrusted text ------------------------------------------------------------------------


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.scripts[-1] += data


def hostile_fragment() -> maps.MapFragment:
    return render(incidents=[incident(1, title=HOSTILE, summary=HOSTILE, location=HOSTILE)])


def test_hostile_text_cannot_leave_the_script():
    script = hostile_fragment().data
    for bad in ("</script", "<!--", "<script", "<", "\u2028", "\u2029"):
        assert bad not in script, f"{bad!r} must be escaped inside the map script"


def test_hostile_text_reaches_the_browser_unchanged_as_data():
    props = inline_data(hostile_fragment())["features"][0]["properties"]
    assert props["title"] == HOSTILE, "the escaping must be lossless JSON"
    assert props["summary"] == teaser(exact_text(HOSTILE), maps.SUMMARY_CHARS)
    assert "</script><script>alert(1)</script>" in props["summary"], "raw HTML in a summary is shown as text"


def test_hostile_text_is_not_a_template():
    script = hostile_fragment().data
    assert "{{ 7*7 }}" in script and "{% raw %}" in script
    assert "49" not in script


def test_hostile_text_in_the_page_gives_one_data_island_per_map_and_no_code():
    fragment = hostile_fragment()
    page = _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    parser = _Scripts()
    parser.feed(page)
    assert parser.scripts == [fragment.data]
    assert '<script type="application/json" class="sg-map-data"' in page


def test_the_map_script_builds_popups_with_text_content():
    script = (ROOT / "templates" / "assets" / "map.js").read_text(encoding="utf-8")
    assert "textContent" in script
    for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert bad not in script


def test_script_json_escapes_what_html_and_js_would_read():
    assert maps.script_json("</script>&\u2028\u2029") == '"\\u003c/script\\u003e\\u0026\\u2028\\u2029"'
    with pytest.raises(ValueError):
        maps.script_json(float("nan"))


# --- determinism and ids ---------------------------------------------------------------


def test_same_content_renders_byte_identical():
    first, second = render(), render()
    assert first == second
    data = features([incident(1)])
    assert maps.render_map("m", data, data_url="a.geojson", options=OFFLINE) == maps.render_map(
        "m", data, data_url="a.geojson", options=OFFLINE
    )


def test_two_maps_share_no_element_id():
    a, b = render("map-home"), render("map-niger")
    assert a.id != b.id
    page = "".join(_partial().render(map=m, event_types=DEFAULT_EVENT_TYPES) for m in (a, b))
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_each_map_can_have_its_own_accessible_name():
    page = _partial().render(map=render(label="Map of week 2023-W39 & more"), event_types=DEFAULT_EVENT_TYPES)
    assert 'aria-label="Map of week 2023-W39 &amp; more"' in page


def test_the_island_names_the_div_it_draws_into():
    fragment = render()
    page = _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    assert f'<div class="sg-map" id="{fragment.id}"' in page
    assert f'data-map="{fragment.id}"' in page


@pytest.mark.parametrize("map_id", ["", "1map", "map id", "map_x", 'm"><script>', "map/2"])
def test_bad_map_ids_are_refused(map_id):
    with pytest.raises(ValueError):
        render(map_id)


# --- what the page loads ------------------------------------------------------------------


@pytest.mark.parametrize("options", [OFFLINE, maps.MapOptions()], ids=["no-tiles", "default-tiles"])
def test_no_cdn_and_no_folium_header(options):
    fragment = render(options=options)
    page = _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES).lower()
    for host in CDN_HOSTS:
        assert host not in page
    assert "jquery" not in page and "<style" not in page and "<link" not in page


def test_tiles_are_configurable_or_off():
    assert settings(render())["tiles"] is None
    custom = maps.MapOptions(tiles_url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="(c) Example")
    tiles = settings(render(options=custom))["tiles"]
    assert tiles["url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert tiles["options"]["attribution"] == "(c) Example"
    default = settings(render(options=maps.MapOptions()))["tiles"]
    assert default["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "openstreetmap.org/copyright" in default["options"]["attribution"]


def test_wheel_does_not_zoom_and_only_dense_maps_cluster():
    few = render(options=maps.MapOptions(tiles_url=None, cluster_threshold=7))
    assert settings(few)["map"]["scrollWheelZoom"] is False
    assert not few.clusters and settings(few)["clusters"] is False
    dense = maps.MapOptions(tiles_url=None, cluster_threshold=7)
    many = render(incidents=[incident(n) for n in range(8)], options=dense)
    assert many.clusters and settings(many)["clusters"] is True


def test_data_url_is_fetched_not_inlined_but_drawn_in_the_static_map():
    data = features([incident(n) for n in range(4)])
    fragment = maps.render_map(
        "map-home", data, data_url="assets/maps/recent.geojson", event_types=DEFAULT_EVENT_TYPES, options=OFFLINE
    )
    assert settings(fragment)["dataUrl"] == "assets/maps/recent.geojson"
    assert "data" not in settings(fragment)
    assert fragment.static.count == 4


def test_large_sets_are_data_not_code():
    many = [incident(n % 20, id=f"i-{n}", lat=10 + n / 1000, lon=n / 1000) for n in range(2000)]
    fragment = render(incidents=many)
    assert len(inline_data(fragment)["features"]) == 2000
    assert fragment.clusters


def test_map_geojson_is_the_feature_collection_for_the_file():
    collection = maps.map_geojson([incident(1), incident(2)], DEFAULT_EVENT_TYPES, url_for)
    assert collection == features([incident(1), incident(2)])
    json.dumps(collection, allow_nan=False)


def test_height_is_validated():
    with pytest.raises(ValueError):
        maps.MapOptions(height="1px; background:url(x)")
    fragment = render(options=maps.MapOptions(tiles_url=None, height="60vh"))
    assert 'data-sg-height="60vh"' in _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES)


# --- the partial ------------------------------------------------------------------------------


def _partial(autoescape: bool = False) -> jinja2.Template:
    # MkDocs' theme environment has no autoescape (the plugin turns it on): the partial escapes either way
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=autoescape)
    return i18n.install(env).get_template("partials/map.html")  # the theme's gettext, as the plugin sets it up


@pytest.mark.parametrize("autoescape", [False, True])
def test_partial_has_map_legend_and_accessible_alternative(autoescape):
    fragment = render()
    page = _partial(autoescape).render(map=fragment, event_types=DEFAULT_EVENT_TYPES, list_url="#incidents")
    assert 'role="region"' in page and "aria-label=" in page
    for event_type in DEFAULT_EVENT_TYPES:
        assert event_type.label in page
        assert f'class="map-swatch t-{event_type.slug}"' in page, "its swatch takes the colour assets/types.css gives its class"
    assert '<a href="#incidents">' in page
    assert page.count("<script") == 1 and "<script>" not in page, "one data island, no inline code"


@pytest.mark.parametrize("autoescape", [False, True])
def test_partial_defaults_the_list_link_and_escapes_labels(autoescape):
    odd = (EventType("x", "<b>Odd & co</b>", "#000000"),)
    page = _partial(autoescape).render(map=render(), event_types=odd)
    assert '<a href="#incidents">' in page
    assert "&lt;b&gt;Odd &amp; co&lt;/b&gt;" in page


def test_partial_renders_nothing_without_a_map():
    assert _partial().render(map=None, event_types=DEFAULT_EVENT_TYPES).strip() == ""


# --- vendored assets ---------------------------------------------------------------------------


def test_map_assets_are_site_relative():
    for path in (*maps.MAP_ASSETS.scripts, *maps.MAP_ASSETS.styles, *maps.MAP_ASSETS.leaflet, *maps.MAP_ASSETS.cluster):
        assert not path.startswith(("/", "http")), path
    assert maps.MAP_ASSETS.scripts == ("assets/map.js",), "the page itself loads only the small map script"


def test_the_map_script_loads_what_map_assets_names():
    script = (ROOT / "templates" / "assets" / "map.js").read_text(encoding="utf-8")
    for path in (*maps.MAP_ASSETS.leaflet, *maps.MAP_ASSETS.cluster):
        assert f'"{path.removeprefix("assets/")}"' in script, path
    assert f'"{maps.OUTLINES_FILE.removeprefix("assets/")}"' in script


def test_vendor_script_copies_what_the_page_needs(tmp_path):
    node_modules = ROOT / "node_modules"
    if not (node_modules / "leaflet").is_dir():
        pytest.skip("node_modules/ not installed: run 'npm ci'")
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "tools" / "vendor_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.vendor(node_modules, tmp_path / "vendor")
    uris = {uri for uri, _ in maps.vendor_files(tmp_path / "vendor")}
    needed = {p for p in (*maps.MAP_ASSETS.leaflet, *maps.MAP_ASSETS.cluster) if p.startswith("assets/vendor/")}
    assert needed <= uris
    assert "assets/vendor/leaflet/images/layers.png" in uris, "leaflet.css refers to images/ beside it"


def test_vendor_files_says_how_to_fix_a_broken_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="reinstall"):
        maps.vendor_files(tmp_path)


# --- the static map and the outlines ----------------------------------------------------------


def test_static_map_draws_one_circle_per_incident_in_its_colour_and_size():
    incidents = [incident(n, type=e.slug) for n, e in enumerate(DEFAULT_EVENT_TYPES)]
    fragment = render(incidents=incidents)
    circles = fragment.static.circles
    assert len(circles) == len(incidents)
    colours = {e.colour for e in DEFAULT_EVENT_TYPES}
    assert {c.colour for c in circles} == colours
    assert sorted(c.r for c in circles) == sorted(maps.marker_radius(i.fatalities) for i in incidents)
    for c in circles:
        assert 0 <= c.x <= fragment.static.width and 0 <= c.y <= fragment.static.height, "every point is in view"


def test_static_map_uses_web_mercator_like_leaflet():
    north = incident(1, lat=20.0, lon=1.0)
    south = incident(2, lat=10.0, lon=1.0)
    middle = incident(3, lat=15.0, lon=1.0)
    by_lat = {round(c.y): c for c in render(incidents=[north, south, middle]).static.circles}
    ys = sorted(by_lat)
    # in Mercator the 10°N-15°N band is drawn shorter than 15°N-20°N
    assert ys[1] - ys[0] > ys[2] - ys[1]


def test_static_map_draws_outlines_and_capitals_around_the_incidents():
    static = render(incidents=[incident(1, lat=14.62, lon=0.98), incident(2, lat=13.5, lon=2.1)]).static
    assert static.countries, "country outlines"
    assert static.admin1, "admin1 boundaries"
    assert "Niamey" in {c.text for c in static.capitals}
    assert all(d.startswith("M") for d in static.countries + static.admin1)


def test_static_map_halo_is_the_real_radius():
    pair = [incident(1, geo_precision="near", lat=14.6, lon=1.0), incident(2, lat=14.0, lon=2.0)]
    static = render(incidents=pair).static
    near = next(c for c in static.circles if c.halo)
    other = next(c for c in static.circles if not c.halo)
    km_between = 121.0  # about, from (14.6, 1.0) to (14.0, 2.0)
    px_between = math.hypot(near.x - other.x, near.y - other.y)
    assert near.halo == pytest.approx(px_between * maps.NEAR_KM / km_between, rel=0.1)


def test_partial_shows_the_static_map_the_sizes_and_the_date_ranges():
    fragment = render(incidents=[incident(3, date_precision="month", location="Ménaka"), incident(5)])
    page = _partial(True).render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    points = re.search(r'<g class="map-points">(.*?)</g>', page)[1]
    assert points.count("<circle ") == 2
    assert 'class="map-country"' in page
    for step in maps.size_legend():
        assert f"</svg>{step.fatalities}</span>" in page
    assert "Ménaka, September 2023" in page


def test_hostile_text_in_the_static_map_is_escaped():
    fragment = hostile_fragment()
    page = _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    assert "<script>alert(1)" not in page
    assert "<b>" not in page


def test_outlines_file_has_countries_admin1_and_capitals_light_enough_for_phones():
    collection = maps.outlines_geojson()
    kinds = {f["properties"]["kind"] for f in collection["features"]}
    assert kinds == {"country", "admin1", "capital"}
    codes = {f["properties"]["code"] for f in collection["features"] if f["properties"]["kind"] == "country"}
    assert {"NE", "ML", "BF", "NG", "TD", "DZ"} <= codes
    assert "US" not in codes and "FR" not in codes, "only the region's countries"
    size = len(json.dumps(collection, separators=(",", ":")))
    assert size < 80_000, f"outlines are {size} bytes"


@pytest.mark.parametrize(
    "changes, shown",
    [
        (
            {"date_precision": "week", "date": dt.date(2023, 9, 28)},
            "25 September to 1 October 2023</time> (date known to the week)",
        ),
        ({"date_precision": "week", "date": dt.date(2023, 9, 13)}, "11 to 17 September 2023</time>"),
        ({"date_precision": "month"}, '<time datetime="2023-09">September 2023</time> (date known to the month)'),
        ({}, '<time datetime="2023-09-10">10 September 2023</time>'),
    ],
)
def test_incident_lists_show_imprecise_dates_as_a_range(changes, shown):
    env = i18n.install(jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True))
    macro = env.get_template("partials/incident-date.html").module.incident_date
    assert shown in str(macro(incident(**changes)))


def test_a_map_comes_back_from_the_build_cache_unchanged():
    fragment = render(incidents=[incident(1, geo_precision="near", date_precision="week"), incident(2)])
    assert maps.fragment_from_bytes(maps.fragment_bytes(fragment)) == fragment


def test_a_busy_static_map_stays_light_and_says_what_it_leaves_out():
    many = [incident(n % 40, id=f"i-{n}", lat=11 + (n % 50) / 8, lon=-4 + n // 50 / 3) for n in range(1000)]
    fragment = render(incidents=many)
    static = fragment.static
    assert static.count == svgmap.MAX_CIRCLES and static.omitted == 1000 - svgmap.MAX_CIRCLES
    drawn = sorted((c.r for c in static.circles), reverse=True)
    assert drawn[-1] >= maps.marker_radius(min(i.fatalities for i in many)), "the deadliest are the ones drawn"
    page = _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    assert f"shows the {svgmap.MAX_CIRCLES} deadliest incidents; {static.omitted} more" in page
    assert len(page) - len(fragment.data) < 25_000, "the static map of a busy map weighs little"


# --- markers at one place, Leaflet's words, the popup's toll, the static map's frame -------------


NIAMEY = (13.515, 2.1175)


def _at_niamey(n: int, **changes) -> Incident:
    return incident(n, id=f"niamey-{n}", location="Niamey", lat=NIAMEY[0], lon=NIAMEY[1], fatalities=n % 3, **changes)


def _drawn_at(props: dict, coordinates: list[float]) -> tuple[float, float, float]:
    """(x, y, r) in pixels, at a zoom where one degree is 1000 px, where the map draws a marker."""
    lon, lat = props.get("at") or coordinates
    x, y = svgmap._mercator(lat, lon)
    dx, dy = props.get("offset") or (0, 0)
    return x * 360_000 + dx, y * 360_000 + dy, props["radius"]


def _apart(marks: list[tuple[float, float, float]]) -> list[tuple[int, int]]:
    """Pairs of marks of which one covers the other's centre."""
    return [(i, j) for i, a in enumerate(marks) for j, b in enumerate(marks) if i < j and math.hypot(a[0] - b[0], a[1] - b[1]) < max(a[2], b[2])]


def test_markers_at_one_place_are_set_side_by_side_in_the_map_data():
    # the demo's home map: 16 incidents at Niamey's point and one 800 m away under the same name
    crowd = [_at_niamey(n) for n in range(16)] + [incident(40, id="niamey-x", location="Niamey", lat=13.51, lon=2.11, fatalities=0)]
    shown = features(crowd + [incident(3, location="Ouallam", lat=14.32, lon=2.08)])["features"]
    marks = [_drawn_at(f["properties"], f["geometry"]["coordinates"]) for f in shown]
    assert not _apart(marks), "each marker at Niamey has a spot of its own: none hides another's centre"
    overlapping = [(i, j) for i, a in enumerate(marks) for j, b in enumerate(marks) if i < j and math.hypot(a[0] - b[0], a[1] - b[1]) < a[2] + b[2]]
    assert not overlapping, "markers at one place do not even touch"
    moved = [f["properties"] for f in shown if "offset" in f["properties"]]
    assert len(moved) == 16, "all but the first at Niamey are moved, the one at Ouallam is not"
    assert max(math.hypot(*p["offset"]) for p in moved) < 40, "they stay close around the place"
    assert next(f for f in shown if f["properties"]["title"] == "Incident 40")["properties"]["at"] == [2.1175, 13.515]
    assert all(f["geometry"]["coordinates"] in ([2.1175, 13.515], [2.11, 13.51], [2.08, 14.32]) for f in shown), "the data keep each incident's own point"
    alone = {url_for(i): features([i])["features"][0]["properties"]["name"] for i in crowd}
    assert all(f["properties"]["name"] == alone[f["properties"]["url"]] for f in shown if f["properties"]["url"] in alone), (
        "each keeps its accessible name"
    )
    assert features(crowd) == features(crowd), "set aside the same way in every build"


def test_the_static_map_draws_markers_at_one_place_apart_and_grows_them_about_it():
    crowd = [_at_niamey(n) for n in range(17)]
    fragment = render(incidents=crowd + [incident(5, location="Tillabéri", lat=14.21, lon=1.45)])
    circles = fragment.static.circles
    assert len({(c.x, c.y) for c in circles}) == len(circles) == 18, "18 markers at 18 spots, not 17 at one"
    assert not _apart([(c.x, c.y, c.r) for c in circles])
    page = _partial(True).render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    points = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" fill="#[0-9a-f]+"( class="map-moved")?', re.search(r'<g class="map-points">(.*?)</g>', page)[1])
    assert len(set(points)) == 18 and sum(1 for *_, moved in points if moved) == 16
    legs = re.search(r'<g class="map-legs">(.*?)</g>', page)[1]
    assert legs.count("<line ") == 16, "a line from each moved marker to the place"
    place = next(c for c in circles if not c.moved and c.r == maps.marker_radius(2))
    assert f'transform-origin="{place.px} {place.py}"' in page, "on a phone the group grows about its place, staying apart"


def test_a_crowd_at_one_place_is_spread_quickly_and_a_clustered_map_keeps_working():
    crowd = [_at_niamey(n) for n in range(200)]
    shown = features(crowd)["features"]
    assert sum(1 for f in shown if "offset" in f["properties"]) == svgmap.SPREAD_MAX - 1, "the deadliest set apart, the rest at the place"
    fragment = render(incidents=crowd)
    assert fragment.clusters and settings(fragment)["clusters"], "the interactive map clusters them"
    assert fragment.static.count == 200
    busy = features([_at_niamey(n) for n in range(svgmap.MAX_POINTS + 1)])["features"]
    assert not any("offset" in f["properties"] for f in busy), "a busy map clusters: nothing to set aside, no time spent"


def _french_partial(fragment, autoescape=True) -> str:
    return _partial(autoescape).render(map=fragment, event_types=DEFAULT_EVENT_TYPES, sg_lang="fr")


@pytest.mark.parametrize("autoescape", [False, True])
def test_leaflets_controls_are_named_in_the_pages_language(autoescape):
    fragment = render(options=maps.MapOptions(lang="fr"))
    french = _french_partial(fragment, autoescape)
    div = re.search(r'<div class="sg-map"[^>]*>', french)[0]
    for words in ('data-sg-zoom-in="Zoom avant"', 'data-sg-zoom-out="Zoom arrière"', 'data-sg-close-popup="Fermer la fenêtre"',
                  'data-sg-leaflet="Bibliothèque JavaScript de cartes interactives"',
                  'data-sg-osm-credit="© contributeurs d’&lt;a href=&#34;https://www.openstreetmap.org/copyright&#34;&gt;OpenStreetMap&lt;/a&gt;"'):
        assert words in div.replace("&quot;", "&#34;"), words
    english = _partial(autoescape).render(map=render(), event_types=DEFAULT_EVENT_TYPES)
    assert 'data-sg-zoom-in="Zoom in"' in english and 'data-sg-close-popup="Close popup"' in english
    script = (ROOT / "templates" / "assets" / "map.js").read_text(encoding="utf-8")
    for used in ("zoomInTitle", "zoomOutTitle", "sgZoomIn", "closePopup", "leaflet-popup-close-button", "osmCredit"):
        assert used in script, f"map.js does not use {used}"


def test_the_tile_credit_is_said_in_the_pages_language_only_when_it_is_sitegens_own():
    own = settings(render(options=maps.MapOptions(lang="fr")))["tiles"]
    assert own["credit"] == "osm" and "OpenStreetMap" in own["options"]["attribution"]
    theirs = settings(render(options=maps.MapOptions(attribution="Tiles © Example", lang="fr")))["tiles"]
    assert "credit" not in theirs and theirs["options"]["attribution"] == "Tiles © Example", "a site's own credit is left as written"


@pytest.mark.parametrize(
    ("fatalities", "english", "french"),
    [(None, "no toll reported", "bilan non communiqué"), (0, "0 killed", "0 tué"), (1, "1 killed", "1 tué"),
     (7, "7 killed", "7 tués"), (1234, f"1{i18n.NNBSP}234 killed", f"1{i18n.NNBSP}234 tués")],
)  # fmt: skip
def test_the_popup_says_the_toll_as_the_incident_lists_do(fatalities, english, french):
    one = [incident(1, fatalities=fatalities)]
    env = i18n.install(jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True))
    toll = env.get_template("partials/toll.html").module.toll
    for lang, words in (("en", english), ("fr", french)):
        props = maps.incident_features(one, DEFAULT_EVENT_TYPES, url_for, lang=lang)["features"][0]["properties"]
        listed = re.sub(r"<[^>]+>", "", str(toll(one[0], i18n.Localizer(lang, "en"))))
        assert props["toll"] == words == listed, f"{lang}: the popup says {props['toll']!r}, the list {listed!r}"
        assert props["name"].endswith(", " + words), "the marker's name says the same"
    script = (ROOT / "templates" / "assets" / "map.js").read_text(encoding="utf-8")
    assert "p.toll" in script and 'labels.fatalities + ": "' not in script, "the popup shows the phrase whole"


def _inside(static: svgmap.StaticMap, x: float, y: float, r: float) -> bool:
    return 0 <= x - r and x + r <= static.width and 0 <= y - r and y + r <= static.height


def test_the_static_map_frames_its_incidents_with_room_for_markers_at_a_phones_size():
    # Niamey at the eastern edge, a big marker at the northern one, Ouagadougou near the southern one
    edge = [incident(200, location="Tessit", lat=15.93, lon=0.33), _at_niamey(1), _at_niamey(2),
            incident(3, location="Bamako", lat=12.64, lon=-8.0), incident(4, location="Djibo", lat=14.1, lon=-1.63)]  # fmt: skip
    static = render(incidents=edge).static
    for c in static.circles:
        grown = svgmap.SMALL_SCREEN_SCALE
        assert _inside(static, c.px + grown * c.dx, c.py + grown * c.dy, grown * c.r), f"marker at {c.x}, {c.y} (r {c.r}) leaves the frame on a phone"


def test_capitals_names_stay_in_view_at_a_phones_size():
    static = render(incidents=[_at_niamey(1), incident(2, location="Bamako", lat=12.64, lon=-8.0)]).static
    names = {c.text: c for c in static.capitals}
    niamey = names["Niamey"]
    assert niamey.x > static.width - 100 and niamey.end, "Niamey at the eastern edge: its name is set to the left of it"
    font = svgmap.NAME_FONT
    for c in static.capitals:
        width = (c.gap + svgmap.NAME_CHAR * len(c.text)) * font
        left, right = (c.x - width, c.x) if c.end else (c.x, c.x + width)
        middle = c.y if c.ty is None else c.ty
        assert 0 <= left and right <= static.width, f"{c.text} leaves the frame at the side"
        assert 0 <= middle - 0.4 * font and middle + 0.3 * font <= static.height, f"{c.text} leaves the frame at the top or bottom"
    low = render(incidents=[incident(1, location="Ménaka", lat=15.9, lon=2.4), incident(2, location="Koro", lat=12.6, lon=-2.5)]).static
    ouaga = next((c for c in low.capitals if c.text == "Ouagadougou"), None)
    assert ouaga is None or ouaga.ty is None or ouaga.ty < ouaga.y, "a name near the bottom is lifted into view"
    page = _partial(True).render(map=render(), event_types=DEFAULT_EVENT_TYPES)
    assert 'preserveAspectRatio="xMidYMid meet"' in page, "the whole frame is shown, never cut to the box"


def test_a_french_map_marks_the_texts_it_shows_in_english():
    # a popup showed an untranslated title or summary with no lang: read with a French voice
    import dataclasses as dc

    from sitegen.generate import Edition

    english = Incident("a", dt.date(2023, 9, 28), "Soldiers attacked", "battle", "NE", "Kandadji", 14.6, 1.0, summary="An ambush.")
    half = dc.replace(english, id="b", title_fr="Soldats attaqués")
    whole = dc.replace(half, id="c", summary_fr="Une embuscade.")
    shown = Edition("fr", "fr/", "en").incidents([english, half, whole])
    features = maps.incident_features(shown, DEFAULT_EVENT_TYPES, lambda i: "#" + i.id, lang="fr", default_lang="en")["features"]
    by_id = {f["properties"]["url"]: f["properties"] for f in features}
    assert (by_id["#a"].get("lang"), by_id["#a"].get("summary_lang")) == ("en", None)  # both in English: one mark
    assert (by_id["#b"].get("lang"), by_id["#b"].get("summary_lang")) == (None, "en")  # the title translated, not the summary
    assert "lang" not in by_id["#c"] and "summary_lang" not in by_id["#c"]
    english_map = maps.incident_features([english], DEFAULT_EVENT_TYPES, lambda i: "#" + i.id, lang="en", default_lang="en")
    assert "lang" not in english_map["features"][0]["properties"]
