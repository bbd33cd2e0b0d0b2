"""Maps: markers, escaping of untrusted text, deterministic output, no CDN, the partial."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from sitegen import i18n
from sitegen.model import DEFAULT_EVENT_TYPES, EventType, Incident, Visibility
from sitegen.render import maps

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
    return maps.render_map(map_id, features=data, event_types=DEFAULT_EVENT_TYPES, **kwargs)


def inline_data(fragment: maps.MapFragment) -> dict:
    """The FeatureCollection as the browser will parse it from the script."""
    match = re.search(r"try \{ show\((.*)\); \} catch", fragment.script)
    assert match, "no inline data call in the map script"
    return json.loads(match[1])


def settings(fragment: maps.MapFragment) -> dict:
    match = re.search(r"\}\)\(map_\w+, (\{.*\})\);$", fragment.script, re.M)
    assert match, "no settings object in the map script"
    return json.loads(match[1])


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
    fragment = maps.render_map("m", features=data, event_types=custom, options=OFFLINE)
    assert settings(fragment)["types"] == {"kidnapping": {"label": "Kidnapping", "colour": "#123456"}}


def test_radius_grows_with_fatalities_and_is_capped():
    radii = [maps.marker_radius(n) for n in (0, 1, 4, 10, 50, 200, 10_000)]
    assert radii == sorted(radii)
    assert radii[0] < radii[1] < radii[2] < radii[3]
    assert radii[-1] == radii[-2] == maps.RADIUS_MAX
    assert maps.marker_radius(-3) == maps.marker_radius(0)


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
    assert props["date"] == "2023-09-17"
    assert props["fatalities"] == 7
    assert props["summary"] == "Several hundred assailants attacked."
    assert props["url"] == "../weeks/2023-W37/#2023-09-17-place-7"


def test_imprecise_dates_are_shown_as_week_or_month():
    week = features([incident(date_precision="week")])["features"][0]["properties"]["date"]
    month = features([incident(date_precision="month")])["features"][0]["properties"]["date"]
    assert (week, month) == ("2023-W36", "2023-09")


def test_internal_incidents_never_reach_the_map():
    collection = features([incident(1), incident(2, visibility=Visibility.INTERNAL, title="SECRET")])
    assert len(collection["features"]) == 1
    assert "SECRET" not in json.dumps(collection)


def test_summary_is_plain_text_cut_at_a_word():
    text = maps.summary_text("First *para*.\n\n- item [link](https://x.org)\n\n`code` " + "word " * 100, limit=60)
    assert text.startswith("First para. item link code word")
    assert text.endswith("…") and len(text) <= 61
    assert "https://x.org" not in text
    assert maps.summary_text("plain  text\nover lines") == "plain text over lines"


@pytest.mark.parametrize("url", ["javascript:alert(1)", " javascript:alert(1)", "data:text/html,x", "java\tscript:x"])
def test_non_web_links_are_refused(url):
    with pytest.raises(ValueError):
        maps.incident_features([incident()], DEFAULT_EVENT_TYPES, lambda i: url)


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
    script = hostile_fragment().script
    for bad in ("</script", "<!--", "<script", "<", "\u2028", "\u2029"):
        assert bad not in script, f"{bad!r} must be escaped inside the map script"


def test_hostile_text_reaches_the_browser_unchanged_as_data():
    props = inline_data(hostile_fragment())["features"][0]["properties"]
    assert props["title"] == HOSTILE, "the escaping must be lossless JSON"
    assert props["summary"] == maps.summary_text(HOSTILE)
    assert "</script><script>alert(1)</script>" in props["summary"], "raw HTML in a summary is shown as text"


def test_hostile_text_is_not_a_template():
    script = hostile_fragment().script
    assert "{{ 7*7 }}" in script and "{% raw %}" in script
    assert "49" not in script


def test_hostile_text_in_the_page_gives_one_script_per_map():
    fragment = hostile_fragment()
    page = _partial().render(map=fragment, event_types=DEFAULT_EVENT_TYPES)
    parser = _Scripts()
    parser.feed(page)
    assert parser.scripts == [fragment.script]


def test_popups_and_tooltips_are_built_with_text_content():
    script = render().script
    assert "textContent" in script
    assert "innerHTML" not in script
    assert "bindPopup(popup" in script and "bindTooltip(tooltip" in script


def test_script_json_escapes_what_html_and_js_would_read():
    assert maps.script_json("</script>&\u2028\u2029") == '"\\u003c/script\\u003e\\u0026\\u2028\\u2029"'
    with pytest.raises(ValueError):
        maps.script_json(float("nan"))


# --- determinism and ids ---------------------------------------------------------------


def _names(fragment: maps.MapFragment) -> set[str]:
    return set(re.findall(r"\b[a-z_]+_[A-Za-z0-9_]+_\d+\b", fragment.html + fragment.script))


def test_same_content_renders_byte_identical():
    first, second = render(), render()
    assert first == second
    assert maps.render_map("m", data_url="a.geojson", options=OFFLINE) == maps.render_map(
        "m", data_url="a.geojson", options=OFFLINE
    )


def test_two_maps_share_no_element_id():
    a, b = render("map-home"), render("map-niger")
    assert a.id != b.id
    assert _names(a) and _names(b)
    assert not _names(a) & _names(b)


def test_each_map_can_have_its_own_accessible_name():
    assert 'aria-label="Map of week 2023-W39 &amp; more"' in render(label="Map of week 2023-W39 & more").html


def test_the_div_id_is_the_one_the_script_uses():
    fragment = render()
    assert f'id="{fragment.id}"' in fragment.html
    assert f'L.map(\n"{fragment.id}"' in fragment.script


@pytest.mark.parametrize("map_id", ["", "1map", "map id", "map_x", 'm"><script>', "map/2"])
def test_bad_map_ids_are_refused(map_id):
    with pytest.raises(ValueError):
        render(map_id)


def test_exactly_one_data_source():
    with pytest.raises(ValueError):
        maps.render_map("m", options=OFFLINE)
    with pytest.raises(ValueError):
        maps.render_map("m", features=features([]), data_url="x.geojson", options=OFFLINE)


# --- what the page loads ------------------------------------------------------------------


@pytest.mark.parametrize("options", [OFFLINE, maps.MapOptions()], ids=["no-tiles", "default-tiles"])
def test_no_cdn_and_no_folium_header(options):
    fragment = render(options=options)
    out = (fragment.html + fragment.script).lower()
    for host in CDN_HOSTS:
        assert host not in out
    assert "$(" not in out and "jquery" not in out and "<style" not in out and "<link" not in out


def test_tiles_are_configurable_or_off():
    assert "L.tileLayer" not in render().script
    custom = maps.MapOptions(tiles_url="https://tiles.example.org/{z}/{x}/{y}.png", attribution="(c) Example")
    script = render(options=custom).script
    assert '"https://tiles.example.org/{z}/{x}/{y}.png"' in script
    assert "(c) Example" in script
    default = render(options=maps.MapOptions()).script
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in default
    assert "openstreetmap.org/copyright" in default


def test_wheel_does_not_zoom_and_cluster_threshold_is_passed():
    fragment = render(options=maps.MapOptions(tiles_url=None, cluster_threshold=7))
    assert '"scrollWheelZoom": false' in fragment.script
    assert settings(fragment)["clusterThreshold"] == 7
    assert "L.markerClusterGroup" in fragment.script


def test_data_url_is_fetched_not_inlined():
    fragment = maps.render_map(
        "map-home", data_url="assets/maps/recent.geojson", event_types=DEFAULT_EVENT_TYPES, options=OFFLINE
    )
    assert "fetch(settings.dataUrl" in fragment.script
    assert settings(fragment)["dataUrl"] == "assets/maps/recent.geojson"
    assert "show({" not in fragment.script
    assert "$.ajax" not in fragment.script


def test_large_sets_are_one_layer_not_one_object_per_point():
    many = [incident(n % 20, id=f"i-{n}", lat=10 + n / 1000, lon=n / 1000) for n in range(2000)]
    fragment = render(incidents=many)
    assert fragment.script.count("L.geoJSON(") == 1
    assert fragment.script.count("L.circleMarker(") == 1
    assert len(inline_data(fragment)["features"]) == 2000


def test_map_geojson_is_the_feature_collection_for_the_file():
    collection = maps.map_geojson([incident(1), incident(2)], DEFAULT_EVENT_TYPES, url_for)
    assert collection == features([incident(1), incident(2)])
    json.dumps(collection, allow_nan=False)


def test_height_is_validated():
    with pytest.raises(ValueError):
        maps.MapOptions(height="1px; background:url(x)")
    assert "--sg-map-height: 60vh" in render(options=maps.MapOptions(tiles_url=None, height="60vh")).html


# --- the partial ------------------------------------------------------------------------------


def _partial(autoescape: bool = False) -> jinja2.Template:
    # MkDocs' theme environment has no autoescape (the plugin turns it on): the partial escapes either way
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=autoescape)
    return i18n.install(env).get_template("partials/map.html")  # the theme's gettext, as the plugin sets it up


@pytest.mark.parametrize("autoescape", [False, True])
def test_partial_has_map_legend_and_accessible_alternative(autoescape):
    fragment = render()
    page = _partial(autoescape).render(map=fragment, event_types=DEFAULT_EVENT_TYPES, list_url="#incidents")
    assert fragment.html in page
    assert 'role="region"' in page and "aria-label=" in page
    for event_type in DEFAULT_EVENT_TYPES:
        assert event_type.label in page
        assert f"background-color: {event_type.colour}" in page
    assert '<a href="#incidents">' in page
    assert page.count("<script>") == 1


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
    for path in (*maps.MAP_ASSETS.scripts, *maps.MAP_ASSETS.styles):
        assert not path.startswith(("/", "http")), path
    assert maps.MAP_ASSETS.scripts[0].endswith("leaflet/leaflet.js"), "Leaflet loads before its plugins"


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
    needed = {p for p in (*maps.MAP_ASSETS.scripts, *maps.MAP_ASSETS.styles) if p.startswith("assets/vendor/")}
    assert needed <= uris
    assert "assets/vendor/leaflet/images/layers.png" in uris, "leaflet.css refers to images/ beside it"


def test_vendor_files_says_how_to_fix_a_broken_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="reinstall"):
        maps.vendor_files(tmp_path)
