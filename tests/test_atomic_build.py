"""Nothing lost: `sitegen build` swaps site/ in only when the build succeeds, never writes
outside site/ (but for .cache/), never touches content/; `sitegen new` never overwrites."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.scaffold import theme_dir
from tests.conftest import KANDADJI

IGNORED = {"site", ".cache"}  # the build's own output and cache
TIMEOUT = 300

MKDOCS_YML = f"""\
site_name: Atomic test site
site_url: https://atomic.example.org/
docs_dir: content
site_dir: site
theme:
  name: sitegen
plugins:
  - sitegen:
      tiles: {{url: null}}
"""
INCIDENT = "id: 2023-09-28-kandadji\n" + KANDADJI + "fatalities: 7\nsummary: Several hundred assailants attacked an army unit.\n"
BRIEF = """\
---
title: A week in Tillabéri
summary: One attack.
---
We recorded {{ stats.incidents }} incident.

{{ incident("2023-09-28-kandadji") }}
"""
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
)

# name -> (file to write under content/, its bytes, where the error must be reported)
BREAKAGES = {
    "invalid-yaml": (
        "incidents/2023/broken.yaml",
        b"id: broken\ntitle: [unclosed\ndate: 2023-09-27\n",
        "incidents/2023/broken.yaml:3:",
    ),
    "not-utf8": ("incidents/2023/latin1.yaml", "title: Tillabéri\n".encode("latin-1"), "incidents/2023/latin1.yaml:1:"),
    "alias-bomb": ("incidents/2023/bomb.yaml", BOMB.encode(), "incidents/2023/bomb.yaml:1:"),
    "unknown-incident": (
        "briefs/2023-W40.md",
        b"---\ntitle: Next week\n---\nText.\n\n{{ incident('no-such-incident') }}\n",
        "briefs/2023-W40.md:6:",
    ),
    "bad-type": (
        "incidents/2023/kandadji.yaml",
        INCIDENT.replace("fatalities: 7", "fatalities: seven").encode(),
        "incidents/2023/kandadji.yaml:9:",
    ),
}


def make_site(root: Path) -> Path:
    (root / "content" / "incidents" / "2023").mkdir(parents=True)
    (root / "content" / "briefs").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (root / "content" / "incidents" / "2023" / "kandadji.yaml").write_text(INCIDENT, encoding="utf-8")
    (root / "content" / "briefs" / "2023-W39.md").write_text(BRIEF, encoding="utf-8")
    return root


def sitegen(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )


def tree(root: Path, ignore: set[str] = frozenset()) -> dict[str, tuple]:
    """Every path under root (directories too) with its mtime and content hash."""
    out: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in ignore:
            continue
        stat = path.lstat()
        if path.is_file() and not path.is_symlink():
            out[rel.as_posix()] = ("file", stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            out[rel.as_posix()] = ("dir" if path.is_dir() else "other", stat.st_mtime_ns)
    return out


def site_snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture
def site_root(tmp_path) -> Path:
    return make_site(tmp_path / "project")


def test_a_build_writes_site_and_nothing_else(site_root):
    before = tree(site_root, IGNORED)
    result = sitegen(site_root, "build")
    assert result.returncode == 0, result.stderr
    assert (site_root / "site" / "weeks" / "2023-W39" / "index.html").is_file()
    after = tree(site_root, IGNORED)
    assert after == before, f"the build changed files outside site/: {sorted(set(after) ^ set(before))}"
    # and no staging folder is left beside site/
    assert {p.name for p in site_root.iterdir()} - {".cache"} == {"content", "mkdocs.yml", "site"}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_failed_build_leaves_the_previous_site_intact(site_root, breakage):
    first = sitegen(site_root, "build")
    assert first.returncode == 0, first.stderr
    site = site_root / "site"
    published = site_snapshot(site)
    published_tree = tree(site)
    assert len(published) > 20

    rel, data, where = BREAKAGES[breakage]
    broken = site_root / "content" / rel
    broken.parent.mkdir(parents=True, exist_ok=True)
    original = broken.read_bytes() if broken.exists() else None
    broken.write_bytes(data)
    before = tree(site_root, IGNORED)

    result = sitegen(site_root, "build")
    assert result.returncode == 1, f"a broken site ({breakage}) built:\n{result.stderr}"
    assert f"content/{where}" in result.stderr, f"no located error for {breakage}:\n{result.stderr}"
    assert " error: " in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert site_snapshot(site) == published, "the previous site/ changed"
    assert tree(site) == published_tree, "the previous site/ was rewritten (mtimes changed)"
    assert tree(site_root, IGNORED) == before, "the failed build changed files outside site/"
    leftovers = [p.name for p in site_root.iterdir() if p.name not in {"content", "mkdocs.yml", "site", ".cache"}]
    assert not leftovers, f"staging folders left behind: {leftovers}"

    if original is None:
        broken.unlink()
    else:
        broken.write_bytes(original)
    again = sitegen(site_root, "build")
    assert again.returncode == 0, again.stderr


def _engine(cwd: Path, tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", tool, "build", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
@pytest.mark.parametrize("how", ["error", "strict warning", "error, not strict"])
def test_a_failed_mkdocs_build_leaves_the_previous_site_intact_too(site_root, tool, how):
    # MkDocs empties site_dir before it reads anything: a broken incident left no site at all
    strict = () if how == "error, not strict" else ("--strict",)
    first = _engine(site_root, tool, *strict)
    assert first.returncode == 0, first.stderr
    site = site_root / "site"
    (site / ".git").mkdir()  # gh-deploy's, kept as MkDocs keeps dotfiles
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    published = site_snapshot(site)
    assert len(published) > 20
    if how == "strict warning":  # a broken link in an editors' page: a warning, which --strict fails on
        (site_root / "content" / "about.md").write_text("# About\n\nThe [guide](guide.md).\n", encoding="utf-8")
    else:
        (site_root / "content" / "incidents" / "2023" / "kandadji.yaml").write_text(
            INCIDENT.replace("fatalities: 7", "fatalities: -7"), encoding="utf-8")
    result = _engine(site_root, tool, *strict)
    assert result.returncode == 1, result.stderr
    assert "the previous site/ is untouched" in result.stderr
    assert site_snapshot(site) == published, "the previous site/ changed"
    leftovers = [p.name for p in site_root.iterdir() if p.name not in {"content", "mkdocs.yml", "site", ".cache"}]
    assert not leftovers, f"staging folders left behind: {leftovers}"
    for path in ("content/incidents/2023/kandadji.yaml", "content/about.md"):
        (site_root / path).unlink(missing_ok=True)
    make_site(site_root.parent / "again")
    (site_root / "content" / "incidents" / "2023" / "kandadji.yaml").write_text(INCIDENT, encoding="utf-8")
    again = _engine(site_root, tool, *strict)
    assert again.returncode == 0, again.stderr
    assert (site / ".git" / "HEAD").is_file() and (site / "weeks" / "2023-W39" / "index.html").is_file()
    assert not [p.name for p in site_root.iterdir() if p.name not in {"content", "mkdocs.yml", "site", ".cache"}]


def test_the_first_build_failing_leaves_no_site(site_root):
    (site_root / "content" / "incidents" / "2023" / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = sitegen(site_root, "build")
    assert result.returncode == 1
    assert sorted(p.name for p in site_root.iterdir() if p.name != ".cache") == ["content", "mkdocs.yml"]


@pytest.mark.parametrize("site_dir", ["content", ".", "content/out", ".."])
def test_build_refuses_a_site_dir_that_holds_content(site_root, site_dir):
    """The swap deletes the old site_dir: were it content/ or the project, the editors'
    files would go with it. `mkdocs build` refuses these; `sitegen build` must too."""
    config = site_root / "mkdocs.yml"
    config.write_text(MKDOCS_YML.replace("site_dir: site", f"site_dir: {site_dir}"), encoding="utf-8")
    before = tree(site_root.parent)
    result = sitegen(site_root, "build")
    assert result.returncode == 1
    assert "site_dir" in result.stderr and "Traceback" not in result.stderr
    assert tree(site_root.parent) == before, "a refused build wrote or deleted files"
    assert (site_root / "content" / "briefs" / "2023-W39.md").read_text(encoding="utf-8") == BRIEF


def test_new_brief_refuses_to_overwrite(site_root):
    brief = site_root / "content" / "briefs" / "2023-W39.md"
    stat = brief.stat()
    result = sitegen(site_root, "new", "brief", "2023-W39")
    assert result.returncode != 0
    assert "2023-W39.md" in result.stderr and "not overwritten" in result.stderr
    assert brief.read_text(encoding="utf-8") == BRIEF and brief.stat().st_mtime_ns == stat.st_mtime_ns
    # a new week is written, and only once
    created = sitegen(site_root, "new", "brief", "2023-W40")
    assert created.returncode == 0, created.stderr
    path = site_root / "content" / "briefs" / "2023-W40.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "Edited by an editor.\n", encoding="utf-8")
    again = sitegen(site_root, "new", "brief", "2023-W40")
    assert again.returncode != 0
    assert path.read_text(encoding="utf-8") == text + "Edited by an editor.\n"


def test_new_brief_does_not_follow_a_dangling_symlink(site_root):
    target = site_root.parent / "outside.md"
    link = site_root / "content" / "briefs" / "2023-W41.md"
    link.symlink_to(target)
    result = sitegen(site_root, "new", "brief", "2023-W41")
    assert result.returncode != 0
    assert not target.exists(), "sitegen new wrote outside content/ through a symlink"


def test_new_incident_never_overwrites(site_root):
    existing = site_root / "content" / "incidents" / "2023" / "kandadji.yaml"
    result = sitegen(site_root, "new", "incident", "--date", "2023-09-28", "--id", "kandadji")
    assert result.returncode == 0, result.stderr
    assert existing.read_text(encoding="utf-8") == INCIDENT
    assert "kandadji-2.yaml" in result.stdout


def test_init_refuses_a_folder_that_is_not_empty(site_root):
    before = tree(site_root)
    result = sitegen(site_root.parent, "init", str(site_root))
    assert result.returncode != 0
    assert tree(site_root) == before


def test_failed_build_with_a_broken_template_keeps_the_site(site_root):
    """A theme error is not content, but the previous site must survive it all the same."""
    assert sitegen(site_root, "build").returncode == 0
    published = site_snapshot(site_root / "site")
    week = site_root / "overrides" / "week.html"  # a site's own override of the theme's week page
    week.parent.mkdir(exist_ok=True)
    config = site_root / "mkdocs.yml"
    config.write_text(MKDOCS_YML.replace("  name: sitegen\n", "  name: sitegen\n  custom_dir: overrides\n"), encoding="utf-8")
    week.write_text((theme_dir() / "week.html").read_text(encoding="utf-8") + "{% if %}\n", encoding="utf-8")
    result = sitegen(site_root, "build")
    assert result.returncode == 1
    assert re.search(r"overrides/week\.html:\d+:1: error: ", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert site_snapshot(site_root / "site") == published
    assert not [p for p in site_root.iterdir() if p.name.startswith(".site-")]
