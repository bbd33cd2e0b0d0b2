"""The 404 page's links start at the site root (it is served at any depth, also under a
site_url path), and printed pages name their permalink only when the site has an address."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KANDADJI

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = "id: 2023-09-28-kandadji\n" + KANDADJI + "fatalities: 7\n"


def _build(tmp_path: Path, site_url: str) -> Path:
    (tmp_path / "content" / "incidents" / "2023").mkdir(parents=True)
    (tmp_path / "content" / "incidents" / "2023" / "kandadji.yaml").write_text(INCIDENT, encoding="utf-8")
    (tmp_path / "content" / "guide").mkdir()
    (tmp_path / "content" / "guide" / "index.md").write_text("# Guide\n\nFor editors.\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: Print test\nsite_url: '{site_url}'\ndocs_dir: content\nsite_dir: site\n"
        "theme:\n  name: sitegen\nplugins:\n  - sitegen:\n      tiles: {url: null}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(tmp_path / "mkdocs.yml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path / "site"


def test_404_links_and_permalinks_under_a_site_url_path(tmp_path):
    site = _build(tmp_path, "https://example.org/sub/")
    page = (site / "404.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"#][^"]*)"', page))
    assert {"/sub/weeks/", "/sub/search/", "/sub/guide/"} <= links, links
    assert all(link.startswith(("/sub/", "https://")) for link in links), sorted(links)
    week = (site / "weeks" / "2023-W39" / "index.html").read_text(encoding="utf-8")
    meta = re.search(r'<p class="print-meta">(.*?)</p>', week, re.S)
    assert meta and "2023-W39" in meta[1] and "https://example.org/sub/weeks/2023-W39/" in meta[1], meta


def test_no_permalink_in_print_without_a_site_url(tmp_path):
    site = _build(tmp_path, "")
    week = (site / "weeks" / "2023-W39" / "index.html").read_text(encoding="utf-8")
    meta = re.search(r'<p class="print-meta">(.*?)</p>', week, re.S)
    assert meta and "2023-W39" in meta[1] and "print-url" not in meta[1] and "http" not in meta[1], meta


@pytest.mark.parametrize("site_url", ["https://example.org/sub/", ""])
def test_each_404_page_links_to_the_other_languages(tmp_path, site_url):
    """The 404 pages had no language switch and no hreflang: a French reader who lands on
    the English one could not reach the French site from it."""
    site = _build(tmp_path, site_url)
    root = "/sub/" if site_url else "/"
    for path, other, lang in (("404.html", "fr/404.html", "fr"), ("fr/404.html", "404.html", "en")):
        page = (site / path).read_text(encoding="utf-8")
        assert f'<a class="lang-switch" href="{root}{other}" hreflang="{lang}" lang="{lang}">' in page, path  # from any depth
        for alt in ("404.html", "fr/404.html"):
            href = f"{site_url}{alt}" if site_url else f"/{alt}"
            assert f'hreflang="{"fr" if alt.startswith("fr/") else "en"}" href="{href}"' in page, (path, alt)
