"""The demo site as built by `mkdocs build --strict`, checked file by file against the
product contract (PRODUCT.md, "Pages and files in site/") and against the content it
was built from. Expectations are read from content/ with PyYAML, not with sitegen's own
readers, so a reader bug cannot hide itself.

The site is built once per session with map tiles off (tests.sitetools.demo_site).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import jsonschema
import markupsafe
import pytest
import yaml

from sitegen.config import SiteConfig
from sitegen.model import Severity
from sitegen.read import read_content
from tests.conftest import TODAY
from tests.sitetools import ROOT, VNU_JAR, build, demo_site, html_pages, java_path, missing, search_index_rows, site_files

CONTENT = ROOT / "content"
SITE_URL = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
W39 = "2023-W39"
DRAFT_WEEK = "2023-W40"
INTERNAL_ID = "2023-09-29-desk-movement-note"


# --- what the content says -------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    id: str
    title: str
    date: dt.date
    lat: float
    lon: float
    geo_precision: str
    country: str
    public: bool
    internal: dict

    @property
    def week(self) -> str:
        year, week, _ = self.date.isocalendar()
        return f"{year}-W{week:02d}"


def _incidents() -> list[Expected]:
    places = yaml.safe_load((CONTENT / "places.yaml").read_text(encoding="utf-8"))
    found = []
    for path in sorted((CONTENT / "incidents").rglob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data if isinstance(data, list) else [data]:
            place = places.get(item["location"], {})
            found.append(
                Expected(
                    id=item.get("id", path.stem),
                    title=item["title"],
                    date=item["date"],
                    lat=item.get("lat", place.get("lat")),
                    lon=item.get("lon", place.get("lon")),
                    geo_precision=item.get("geo_precision", "exact"),
                    country=item["country"],
                    public=item.get("visibility", "public") == "public",
                    internal=item.get("internal") or {},
                )
            )
    return found


def _briefs() -> list[dict]:
    briefs = []
    for path in sorted((CONTENT / "briefs").glob("*.md")):
        if "." in path.stem:  # a translation (2023-W39.fr.md): see tests/test_i18n.py
            continue
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        briefs.append({"week": front.get("week", path.stem), "status": front.get("status", "published"), **front})
    return briefs


INCIDENTS = _incidents()
PUBLIC = [i for i in INCIDENTS if i.public]
BRIEFS = _briefs()
PUBLISHED = sorted((b for b in BRIEFS if b["status"] == "published"), key=lambda b: b["week"], reverse=True)
WEEKS = sorted({i.week for i in PUBLIC} | {b["week"] for b in PUBLISHED})


def public_in(week: str) -> list[Expected]:
    return [i for i in PUBLIC if i.week == week]


# --- the built site --------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return demo_site(tmp_path_factory)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(page: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


def read(site: Path, uri: str) -> str:
    return (site / uri).read_text(encoding="utf-8")


def week_page(site: Path, week: str) -> Path:
    return site / "weeks" / week / "index.html"


# --- pages and files of the contract ----------------------------------------------------

CONTRACT = [
    "index.html",
    "weeks/index.html",
    f"weeks/{W39}/index.html",
    "countries/index.html",
    "countries/niger/index.html",
    "data/index.html",
    "data/incidents.csv",
    "data/incidents.geojson",
    "data/incidents.json",
    f"weeks/{W39}/incidents.csv",
    f"weeks/{W39}/incidents.geojson",
    "data/incident.schema.json",
    "feed.xml",
    "404.html",
    "sitemap.xml",
    "search/index.html",
    "search/index/meta.json",
]


@pytest.mark.parametrize("uri", CONTRACT)
def test_contract_page_or_file_exists_and_is_not_empty(site, uri):
    path = site / uri
    assert path.is_file(), f"/{uri} is missing from the built site"
    assert path.stat().st_size > 0, f"/{uri} is empty"


def test_every_week_with_a_public_incident_or_published_brief_has_a_page_and_no_other(site):
    built = sorted(p.parent.name for p in (site / "weeks").glob("*/index.html"))
    assert built == WEEKS


COUNTRY_SLUGS = {"NE": "niger", "ML": "mali", "BF": "burkina-faso"}


def test_every_country_with_a_public_incident_has_a_page(site):
    built = sorted(p.parent.name for p in (site / "countries").glob("*/index.html"))
    assert built == sorted({COUNTRY_SLUGS[i.country] for i in PUBLIC})


def test_home_page_shows_the_latest_published_week(site):
    home = read(site, "index.html")
    latest = PUBLISHED[0]
    assert f'href="weeks/{latest["week"]}/"' in home
    assert _html_text(latest["title"]) in home


def _html_text(text: str) -> str:
    """`text` as Jinja's autoescape writes it."""
    return str(markupsafe.escape(text))


def test_archive_lists_every_week_newest_first(site):
    archive = read(site, "weeks/index.html")
    listed = re.findall(r'href="(\d{4}-W\d{2})/"', archive)
    assert listed == list(reversed(WEEKS))


# --- week pages: map data, incident anchors, prev/next -----------------------------------

_ISLAND = re.compile(r'<script type="application/json" class="sg-map-data" data-map="[^"]+">(.*?)</script>', re.S)


def embedded_geojson(page: Path) -> dict:
    """The GeoJSON inlined in the page's map data island."""
    islands = _ISLAND.findall(page.read_text(encoding="utf-8"))
    assert len(islands) == 1, f"{page}: expected one map data island, found {len(islands)}"
    settings = json.loads(islands[0])
    assert "data" in settings, f"{page}: the map's data are not inline"
    return settings["data"]


def test_week_map_has_one_feature_per_public_incident_in_lon_lat_order(site):
    collection = embedded_geojson(week_page(site, W39))
    expected = {i.title: i for i in public_in(W39)}
    titles = [f["properties"]["title"] for f in collection["features"]]
    assert sorted(titles) == sorted(expected), "the W39 map does not show exactly the public W39 incidents"
    for feature in collection["features"]:
        incident = expected[feature["properties"]["title"]]
        assert_lon_lat(feature, incident)
        assert feature["properties"]["url"] == f"#{incident.id}", "a popup links to the incident's anchor on this page"


def assert_lon_lat(feature: dict, incident: Expected) -> None:
    """[lon, lat] at the incident's place; `geo_precision: region` publishes the admin1
    centroid instead, which must still be nearby (and never [lat, lon])."""
    lon, lat = feature["geometry"]["coordinates"]
    tolerance = 1e-4 if incident.geo_precision != "region" else 2.0
    assert (lon, lat) == pytest.approx((incident.lon, incident.lat), abs=tolerance), (
        f"{incident.id}: point {[lon, lat]} is not [lon, lat] = [{incident.lon}, {incident.lat}] "
        f"(geo_precision {incident.geo_precision})"
    )


@pytest.mark.parametrize("week", WEEKS)
def test_each_public_incident_of_the_week_is_at_its_anchor_exactly_once(site, week):
    ids = [attrs["id"] for _, attrs in tags(week_page(site, week)) if attrs.get("id")]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"{week}: duplicate id attributes {duplicates}"
    missing = [i.id for i in public_in(week) if i.id not in ids]
    assert not missing, f"{week}: incidents without an anchor: {missing}"
    assert INTERNAL_ID not in ids


def test_week_pages_link_to_the_previous_and_next_week(site):
    for n, week in enumerate(WEEKS):
        links = {attrs.get("rel"): attrs.get("href") for tag, attrs in tags(week_page(site, week)) if tag == "a"}
        previous = f"../{WEEKS[n - 1]}/" if n > 0 else None
        following = f"../{WEEKS[n + 1]}/" if n + 1 < len(WEEKS) else None
        assert links.get("prev") == previous, f"{week}: rel=prev should be {previous}"
        assert links.get("next") == following, f"{week}: rel=next should be {following}"


def test_draft_brief_is_not_published_but_its_week_keeps_its_incidents(site):
    draft = next(b for b in BRIEFS if b["status"] == "draft")
    page = week_page(site, draft["week"]).read_text(encoding="utf-8")
    assert draft["title"] not in page and "To do before publication" not in page
    for incident in public_in(draft["week"]):
        assert f'id="{incident.id}"' in page


# --- feed --------------------------------------------------------------------------------


def test_feed_parses_and_lists_published_briefs_newest_first(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, f"feed.xml is not well-formed: {feed.get('bozo_exception')}"
    assert [e.link for e in feed.entries] == [f"{SITE_URL}weeks/{b['week']}/" for b in PUBLISHED]
    assert [e.title for e in feed.entries] == [b["title"] for b in PUBLISHED]
    assert all(e.get("summary") for e in feed.entries), "every entry carries the brief's lede"
    text = (site / "feed.xml").read_text(encoding="utf-8")
    for draft in (b for b in BRIEFS if b["status"] == "draft"):
        leaked = draft["title"] in text or draft["summary"][:60] in text
        assert not leaked, f"the draft brief {draft['week']} leaked into the feed"


# --- downloads ---------------------------------------------------------------------------


def _csv_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [row["id"] for row in csv.DictReader(f)]


def _geojson_ids(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    return [f["properties"].get("id") or f.get("id") for f in data["features"]]


def test_site_downloads_hold_every_public_incident(site):
    expected = sorted(i.id for i in PUBLIC)
    assert sorted(_csv_ids(site / "data/incidents.csv")) == expected
    assert sorted(_geojson_ids(site / "data/incidents.geojson")) == expected
    data = json.loads(read(site, "data/incidents.json"))
    records = data["incidents"] if isinstance(data, dict) else data
    assert sorted(r["id"] for r in records) == expected


def test_geojson_download_is_lon_lat(site):
    by_id = {i.id: i for i in PUBLIC}
    data = json.loads(read(site, "data/incidents.geojson"))
    for feature in data["features"]:
        assert_lon_lat(feature, by_id[feature["properties"].get("id") or feature.get("id")])


@pytest.mark.parametrize("week", WEEKS)
def test_week_downloads_hold_the_weeks_public_incidents(site, week):
    expected = sorted(i.id for i in public_in(week))
    assert sorted(_csv_ids(site / "weeks" / week / "incidents.csv")) == expected
    assert sorted(_geojson_ids(site / "weeks" / week / "incidents.geojson")) == expected


def _as_json(value):
    """YAML as editors' tooling sees it: dates are strings."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v)))


def test_schema_is_valid_and_accepts_every_demo_incident_file(site):
    schema = json.loads(read(site, "data/incident.schema.json"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    for path in sorted((CONTENT / "incidents").rglob("*.y*ml")):
        data = _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, f"{path.relative_to(ROOT)} does not validate against the published schema: {errors}"


def test_schema_rejects_an_unknown_field_and_a_bad_id(site):
    schema = json.loads(read(site, "data/incident.schema.json"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    good = {"date": "2023-09-28", "title": "t", "type": "battle", "country": "NE", "location": "Kandadji"}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "fatalites": 3})
    assert not validator.is_valid([{**good, "id": "Not An Id"}])


def test_search_index_finds_kandadji_and_holds_no_internal_incident(site):
    titles = [row["title"] for row in search_index_rows(site)]
    assert any("Kandadji" in t for t in titles)
    internal_titles = {i.title for i in INCIDENTS if not i.public}
    assert not internal_titles & set(titles)


# --- reproducibility, third parties, privacy --------------------------------------------


def test_two_builds_of_the_same_content_are_byte_identical(site, tmp_path):
    """The second build runs from the same mkdocs.yml, so it also reads through the
    plugin's cache that the first one filled."""
    build(site.parent / "mkdocs.yml", tmp_path / "site")
    first, second = site_files(site), site_files(tmp_path / "site")
    assert sorted(first) == sorted(second), "the two builds wrote different files"
    differ = [uri for uri in first if first[uri].read_bytes() != second[uri].read_bytes()]
    assert not differ, f"files that differ between two builds of the same content: {differ}"


def _site_host() -> str:
    return urlsplit(SITE_URL).netloc


def test_no_page_loads_a_script_style_or_font_from_another_host(site):
    offenders = []
    for page in html_pages(site):
        for tag, attrs in tags(page):
            url = None
            if tag == "script" and attrs.get("src"):
                url = attrs["src"]
            elif tag == "link" and attrs.get("href"):
                url = attrs["href"]
                # canonical and og links name the site itself
                if attrs.get("rel") in ("canonical", "alternate") and urlsplit(url).netloc == _site_host():
                    continue
            elif tag in ("img", "iframe", "source", "audio", "video", "embed") and attrs.get("src"):
                url = attrs["src"]
            if url and (urlsplit(url).netloc or url.startswith("//")):
                offenders.append(f"{page.relative_to(site)}: <{tag}> {url}")
    for sheet in site.rglob("*.css"):
        for url in re.findall(r"""(?:url\(|@import\s+)['"]?([^'")\s]+)""", sheet.read_text(encoding="utf-8")):
            if urlsplit(url).netloc or url.startswith("//"):
                offenders.append(f"{sheet.relative_to(site)}: {url}")
    assert not offenders, "third-party or protocol-relative loads:\n" + "\n".join(offenders)


def test_tiles_off_means_no_tile_host_in_any_page(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert "tile.openstreetmap.org" not in text, f"{page.relative_to(site)} names the tile host with tiles off"
        assert "__SG_" not in text, f"{page.relative_to(site)} has an unfilled CSP placeholder"


def _secrets() -> list[str]:
    """Strings that only internal records and internal: mappings hold."""
    found = {INTERNAL_ID}
    for incident in INCIDENTS:
        if not incident.public:
            found |= {incident.id, incident.title}
        for value in incident.internal.values():
            # phrases of the value (ASCII, long enough to be unique), as they would land in any file
            for phrase in re.split(r"[,():;\"]", str(value)):
                phrase = phrase.strip()
                if len(phrase) >= 12 and phrase.isascii():
                    found.add(phrase)
    return sorted(found)


def test_secrets_list_covers_the_kandadji_internal_mapping():
    kandadji = next(i for i in INCIDENTS if i.id == "2023-09-28-kandadji")
    assert kandadji.internal, "the demo's Kandadji incident should carry an internal: mapping"
    assert "Field security officer" in _secrets()


def test_internal_incidents_and_fields_appear_nowhere_in_the_site(site):
    secrets = [s.lower() for s in _secrets()]
    leaks = []
    for uri, path in site_files(site).items():
        data = path.read_bytes()
        if uri.endswith(".gz"):
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace").lower()
        # JSON may escape non-ASCII and '/' ; decode such files as well
        if uri.endswith((".json", ".geojson")):
            text += "\n" + json.dumps(json.loads(data), ensure_ascii=False).lower()
        leaks += [f"{uri}: {s!r}" for s in secrets if s in text]
    assert not leaks, "internal content reached site/:\n" + "\n".join(leaks)


def test_sitemap_lists_the_generated_pages(site):
    sitemap = read(site, "sitemap.xml")
    for uri in ("", "weeks/", f"weeks/{W39}/", "countries/niger/", "data/"):
        assert f"<loc>{SITE_URL}{uri}</loc>" in sitemap, f"sitemap.xml lacks {SITE_URL}{uri}"
    with gzip.open(site / "sitemap.xml.gz") as f:
        assert f.read().decode("utf-8") == sitemap


def test_csv_download_has_no_formula_cells(site):
    rows = list(csv.reader(io.StringIO(read(site, "data/incidents.csv"))))
    for row in rows[1:]:
        for cell in row:
            assert not (cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not re.fullmatch(r"-[\d.]+", cell))), cell


# --- standards -----------------------------------------------------------------------------


def test_every_html_page_passes_the_nu_html_checker(site):
    """vnu (the W3C Nu HTML checker) over every page at once: it is slow to start."""
    if not VNU_JAR.is_file():
        missing(f"vnu is not installed at {VNU_JAR}")
    if java_path() is None:
        missing("Java is not installed (vnu needs it)")
    pages = html_pages(site)
    assert len(pages) >= 20, f"only {len(pages)} pages built"
    result = subprocess.run(
        [java_path(), "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--skip-non-html", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"]
    report = "\n".join(
        f"{m.get('url', '?').removeprefix('file:').removeprefix(str(site))}:{m.get('lastLine', '?')}:"
        f"{m.get('firstColumn', '?')}: {m.get('message')}\n    {m.get('extract', '').strip()!r}"
        for m in errors[:40]
    )
    assert not errors, f"vnu found {len(errors)} errors in {len(pages)} pages:\n{report}"


def test_schema_and_validate_agree_on_a_field_left_empty(site, tmp_path):
    """`fatalities:` with nothing after it is not reported, for sitegen as for the schema an
    editor's YAML tooling checks with (it refused what the build takes); a required one is an error for both."""
    schema = json.loads(read(site, "data/incident.schema.json"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    good = "id: a\ndate: 2023-09-28\ntitle: t\ntype: battle\ncountry: NE\nlocation: Niamey\nlat: 13.5\nlon: 2.1\n"
    for field in schema["$defs"]["incident"]["properties"]:
        text = "".join(line for line in good.splitlines(keepends=True) if not line.startswith(f"{field}:")) + f"{field}:\n"
        folder = tmp_path / field
        (folder / "incidents").mkdir(parents=True)
        (folder / "incidents" / "a.yaml").write_text(text, encoding="utf-8")
        errors = [p for p in read_content(SiteConfig(docs_dir=folder, site_dir=tmp_path / "out"), today=TODAY).problems if p.severity is Severity.ERROR]
        assert validator.is_valid(_as_json(yaml.safe_load(text))) == (not errors), (field, errors)
