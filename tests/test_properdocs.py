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


_SHOW_CONFIG = (
    "import sys\n"
    "if sys.argv[1] == 'properdocs':\n"
    "    import properdocs.replacement  # as `properdocs` does: mkdocs.* is ProperDocs' copy\n"
    "from pathlib import Path\n"
    "import mkdocs.config.defaults\n"
    "from sitegen.config import load_config\n"
    "c = load_config(Path('mkdocs.yml'))\n"
    "print(mkdocs.config.defaults.MkDocsConfig.__module__, c.languages, c.recent_weeks, c.docs_dir.name, c.site_name)\n"
)


def test_validate_reads_the_config_through_properdocs_machinery_too(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "content").mkdir()
    (tmp_path / "base.yml").write_text("plugins:\n  - sitegen:\n      languages: [en]\n      recent_weeks: !ENV [SITEGEN_WEEKS, 5]\n")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: T\ndocs_dir: !ENV [SITEGEN_DOCS, content]\ntheme: {name: sitegen}\n")
    shown = {}
    for tool in ("mkdocs", "properdocs"):
        result = subprocess.run([sys.executable, "-c", _SHOW_CONFIG, tool], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120, env={**os.environ, "SITEGEN_WEEKS": "7"})
        assert result.returncode == 0, result.stderr
        module, options = result.stdout.split(" ", 1)
        assert module.startswith(tool + ".config")
        shown[tool] = options
    assert shown["mkdocs"] == shown["properdocs"] == "('en',) 7 content T\n"
