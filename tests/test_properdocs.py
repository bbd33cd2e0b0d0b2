"""ProperDocs, the maintained fork of MkDocs, builds the same site from the same
mkdocs.yml: the same files, with the same bytes once the generator's name is set aside."""

from __future__ import annotations

import gzip
import importlib.util
import re
from pathlib import Path

import pytest

from tests.sitetools import build, demo_site, missing, site_files, write_config

W39 = "2023-W39"
# what may name the engine: <meta name="generator" content="mkdocs-1.6.1, ...">
_GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*"\s*/?>', re.I)


@pytest.fixture(scope="module")
def mkdocs_site(tmp_path_factory) -> Path:
    return demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory) -> Path:
    if importlib.util.find_spec("properdocs") is None:
        missing("ProperDocs is not installed (pip install -e '.[test]')")
    work = tmp_path_factory.mktemp("properdocs")
    config = write_config(work / "mkdocs.yml", tiles=None)
    build(config, work / "site", tool="properdocs")
    return work / "site"


def normalised(uri: str, path: Path) -> bytes:
    data = path.read_bytes()
    if uri.endswith(".gz"):
        data = gzip.decompress(data)  # the gzip header carries a timestamp
    return _GENERATOR.sub(b"", data)


def test_properdocs_builds_the_same_set_of_files(mkdocs_site, properdocs_site):
    ours, theirs = set(site_files(mkdocs_site)), set(site_files(properdocs_site))
    assert not ours - theirs, f"missing from the ProperDocs build: {sorted(ours - theirs)}"
    assert not theirs - ours, f"only in the ProperDocs build: {sorted(theirs - ours)}"


def test_properdocs_builds_the_same_bytes(mkdocs_site, properdocs_site):
    ours, theirs = site_files(mkdocs_site), site_files(properdocs_site)
    common = sorted(ours.keys() & theirs.keys())
    differ = [uri for uri in common if normalised(uri, ours[uri]) != normalised(uri, theirs[uri])]
    assert not differ, f"files that differ between the MkDocs and ProperDocs builds: {differ}"


@pytest.mark.parametrize(
    "uri, needle",
    [
        ("index.html", f'href="weeks/{W39}/"'),
        (f"weeks/{W39}/index.html", 'id="2023-09-28-kandadji"'),
        (f"weeks/{W39}/index.html", '<script type="application/json" class="sg-map-data"'),
        ("countries/niger/index.html", "assets/maps/niger.geojson"),
        ("feed.xml", f"weeks/{W39}/"),
        ("search/index/t-ka.json", '"kandadji"'),
    ],
)
def test_properdocs_pages_carry_the_generated_content(properdocs_site, uri, needle):
    text = (properdocs_site / uri).read_text(encoding="utf-8")
    assert needle in text, f"/{uri} of the ProperDocs build lacks {needle!r}"
