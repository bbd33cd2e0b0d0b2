"""Internal incidents and `internal:` notes never reach site/, in any form; an incident with
`geo_precision: region` never publishes its exact point.

The fixture (tests/fixtures/privacy/) marks every private text with PRIVMARK; the test
builds it (with MkDocs and with ProperDocs) and reads EVERY file of site/ (pages, map
GeoJSON, downloads, search index, feed, sitemap, compressed sitemap) for the markers,
for the private figures and for the exact coordinates, also rounded.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.config import SiteConfig
from sitegen.read import read_content
from tests.conftest import FIXTURES, TODAY
from tests.sitetools import build, search_index_rows

PRIVACY = FIXTURES / "privacy"
MARKER = re.compile(rb"privmark", re.I)
PUBLIC_IDS = {"public-with-notes", "region-precision", "public-in-list"}
INTERNAL_WEEK = "2023-W45"  # the week of the internal-only incident: it has no public content
INTERNAL_DATE = "2023-11-08"
PUBLIC_FATALITIES = 3 + 4 + 0
# exact points that must never be published: the region-precision incident's and the
# internal incident's
SECRET_POINTS = [(14.123457, 1.234567), (13.987654, 2.345678)]


def secret_coordinate_forms() -> list[str]:
    forms = []
    for lat, lon in SECRET_POINTS:
        for value in (lat, lon):
            forms.append(repr(value))
            for decimals in (5, 4, 3):
                forms.append(f"{round(value, decimals):.{decimals}f}")
    return forms


def copy_site(fixture: Path, dest: Path) -> Path:
    """A copy of a fixture site (theme: the installed sitegen), so the build and the cache
    it keeps beside mkdocs.yml happen outside the repository."""
    shutil.copytree(fixture, dest)
    return dest / "mkdocs.yml"


def site_bytes(site: Path) -> dict[str, bytes]:
    """Every file of the built site, .gz files decompressed."""
    out = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        out[path.relative_to(site).as_posix()] = data
    return out


def _tools() -> list[str]:
    tools = ["mkdocs"]
    try:
        import properdocs  # noqa: F401
    except ImportError:
        pass
    else:
        tools.append("properdocs")
    return tools


def build_as_published(config: Path, site: Path, tool: str) -> None:
    """A strict build without SOURCE_DATE_EPOCH: the build then dates the site (sitemap,
    gzip header) from its content, which must mean its public content only."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(
        [sys.executable, "-m", tool, "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"{tool} build failed:\n{result.stderr}"


@pytest.fixture(scope="module", params=_tools())
def built(request, tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    work = tmp_path_factory.mktemp(f"privacy-{request.param}")
    config = copy_site(PRIVACY, work / "src")
    site = work / "site"
    build_as_published(config, site, request.param)
    files = site_bytes(site)
    assert len(files) > 20, "the build wrote fewer files than a site has"
    return site, files


def test_no_private_marker_reaches_any_file(built):
    site, files = built
    leaks = []
    for rel, data in files.items():
        for match in MARKER.finditer(data):
            leaks.append(f"{rel}: ...{data[max(0, match.start() - 40):match.end() + 40]!r}...")
    assert not leaks, "private text published:\n" + "\n".join(leaks[:20])


def test_no_exact_coordinate_reaches_any_file(built):
    site, files = built
    leaks = []
    for rel, data in files.items():
        text = data.decode("utf-8", errors="replace")
        for form in secret_coordinate_forms():
            # a longer number that merely contains the form (14.1234 in 114.12345) is not a leak
            for match in re.finditer(rf"(?<![\d.]){re.escape(form)}", text):
                leaks.append(f"{rel}: {form} in ...{text[max(0, match.start() - 40):match.end() + 20]!r}")
    assert not leaks, "exact coordinates published:\n" + "\n".join(leaks[:20])


def test_internal_only_week_leaves_no_trace(built):
    """Not its page, not its week, not its date: the sitemap's lastmod was the latest day
    of all incidents, internal ones included (fixed in plugin._pin_build_date)."""
    site, files = built
    assert not (site / "weeks" / INTERNAL_WEEK).exists()
    for rel, data in files.items():
        assert INTERNAL_WEEK.encode() not in data, f"{rel} names the internal incident's week"
        assert INTERNAL_DATE.encode() not in data, f"{rel} names the internal incident's date"


def test_downloads_list_public_incidents_only(built):
    site, files = built
    data = json.loads(files["data/incidents.json"])
    assert {i["id"] for i in data["incidents"]} == PUBLIC_IDS
    geo = json.loads(files["data/incidents.geojson"])
    assert {f["id"] for f in geo["features"]} == PUBLIC_IDS
    rows = list(csv.DictReader(io.StringIO(files["data/incidents.csv"].decode("utf-8"), newline="")))
    assert {r["id"] for r in rows} == PUBLIC_IDS
    assert sum(int(r["fatalities"]) for r in rows) == PUBLIC_FATALITIES
    for record in data["incidents"]:
        assert "internal" not in record and "visibility" not in record
    for rel in ("assets/maps/recent.geojson", "assets/maps/niger.geojson", "weeks/2023-W39/incidents.geojson"):
        assert len(json.loads(files[rel])["features"]) == len(PUBLIC_IDS), rel
    incident_rows = [row for row in search_index_rows(site) if row["kind"] == "incident"]
    assert len(incident_rows) == len(PUBLIC_IDS)


def test_figures_count_public_incidents_only(built):
    site, files = built
    week = files["weeks/2023-W39/index.html"].decode("utf-8")
    # the brief's own figures: "{{ stats.incidents }} ... {{ stats.fatalities }}"
    assert f"We recorded {len(PUBLIC_IDS)} public incidents and {PUBLIC_FATALITIES} reported fatalities." in week
    for rel, data in files.items():
        if rel.endswith((".html", ".json", ".geojson", ".csv", ".xml")):
            text = data.decode("utf-8")
            for private in ("913", "827", "611", "533", str(PUBLIC_FATALITIES + 913 + 611)):
                # the private counts, as a figure (not inside a longer number or a hash)
                assert not re.search(rf"(?<![\w.+/-]){private}(?![\w.+/])", text), f"{rel}: private figure {private}"


def test_region_precision_publishes_the_region_centre(built):
    site, files = built
    geo = json.loads(files["data/incidents.geojson"])
    feature = next(f for f in geo["features"] if f["id"] == "region-precision")
    lon, lat = feature["geometry"]["coordinates"]
    exact_lat, exact_lon = SECRET_POINTS[0]
    assert abs(lat - exact_lat) + abs(lon - exact_lon) > 0.2, "published point is (almost) the exact one"
    assert round(lat, 2) == lat and round(lon, 2) == lon, "a region's centre is published with 2 decimals at most"
    assert feature["properties"]["geo_precision"] == "region"


def test_internal_notes_are_not_kept_in_the_records():
    """Belt and braces: the reader drops `internal:` at once, so no later stage can leak it."""
    config = SiteConfig(docs_dir=PRIVACY / "content", site_dir=PRIVACY / "site")
    content = read_content(config, today=TODAY)
    assert not content.errors, content.errors
    for incident in content.incidents:
        assert "PRIVMARK-NOTES" not in repr(dataclasses.asdict(incident)), incident.id
        assert not hasattr(incident, "internal")


def test_a_brief_cannot_show_an_internal_incident(tmp_path):
    config = copy_site(PRIVACY, tmp_path / "src")
    brief = tmp_path / "src" / "content" / "briefs" / "2023-W39.md"
    text = brief.read_text(encoding="utf-8") + '\n{{ incident("privmark-internal-only") }}\n'
    brief.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    result = build(config, out, check=False)
    assert result.returncode != 0, "a brief published an internal incident"
    located = r"content/briefs/2023-W39\.md:\d+:\d+: error: .*'privmark-internal-only'.* internal"
    assert re.search(located, result.stderr), result.stderr
    for rel, data in (site_bytes(out) if out.exists() else {}).items():
        assert not MARKER.search(data.replace(b"privmark-internal-only", b"")), f"{rel}: partial output leaks"
