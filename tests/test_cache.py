"""The build cache under .cache/sitegen/ must never serve a stale page: a warm rebuild
after an edit gives exactly the site a cold build of the edited content gives."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _build(site: Path, out: str) -> None:
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site / out)],
        cwd=site, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr


def _same_tree(a: Path, b: Path) -> list[str]:
    differences = []
    for path in sorted(p for p in a.rglob("*") if p.is_file()):
        other = b / path.relative_to(a)
        if not other.exists() or not filecmp.cmp(path, other, shallow=False):
            differences.append(str(path.relative_to(a)))
    return differences


def test_warm_rebuilds_equal_cold_builds_after_edits(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    config = (ROOT / "mkdocs.yml").read_text()
    (site / "mkdocs.yml").write_text(config)

    _build(site, "warm")  # fills the cache
    brief = site / "content/briefs/2023-W39.md"
    brief.write_text(brief.read_text() + "\nAn editor's new closing sentence.\n")
    incident = next((site / "content/incidents").rglob("2023-08-15-koutougou.yaml"))
    incident.write_text(incident.read_text().replace("fatalities: 17", "fatalities: 18"))
    _build(site, "warm")  # uses the cache for what did not change
    assert any((site / ".cache/sitegen/build").rglob("*")), "the cache is in use"

    shutil.rmtree(site / ".cache")
    _build(site, "cold")
    assert _same_tree(site / "cold", site / "warm") == []
    week = (site / "warm/weeks/2023-W39/index.html").read_text()
    assert "An editor&#39;s new closing sentence." in week or "An editor's new closing sentence." in week
    assert '"fatalities":18' in (site / "warm/weeks/2023-W33/incidents.geojson").read_text()


def test_sitegen_build_reuses_the_cache_across_its_staging_folders(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    config = (ROOT / "mkdocs.yml").read_text()
    (site / "mkdocs.yml").write_text(config)
    env = dict(os.environ)
    seen = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=site, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        seen.append(sorted(p.name for p in (site / ".cache/sitegen/build/incidents").iterdir()))
    assert seen[0] == seen[1], "the second build found the first build's entries (same keys) and kept them"
