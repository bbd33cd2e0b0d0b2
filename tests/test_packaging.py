"""sitegen as a user gets it: a wheel built from a clean clone, installed in a fresh venv
(no PYTHONPATH, no editable install, no npm step), then `sitegen init` and a build under
MkDocs and ProperDocs. Also: the vendored Leaflet is what package-lock.json names."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sitegen import __version__, scaffold
from tests.conftest import ROOT

VENDOR = ROOT / "sitegen" / "assets" / "vendor"
LOCK = ROOT / "requirements.lock"


def _run(args: list, cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


class Installed:
    """A fresh venv holding sitegen from a wheel; commands run with its bin/ first on PATH
    and nothing pointing back at this checkout."""

    def __init__(self, root: Path, wheel: Path):
        self.root, self.wheel = root, wheel
        self.bin = root / "venv" / "bin"
        self.env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(root),
            "LANG": "C.UTF-8",
            **{k: os.environ[k] for k in ("PIP_CONSTRAINT", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL") if k in os.environ},
        }

    def run(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=600)
        if check:
            assert result.returncode == 0, f"{' '.join(args)} failed in {cwd}:\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    clone = root / "clone"
    _run(["git", "clone", "--quiet", "--no-hardlinks", ROOT, clone], cwd=root)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", root / "dist", clone], cwd=root)
    (wheel,) = (root / "dist").glob("sitegen-*.whl")
    _run([sys.executable, "-m", "venv", root / "venv"], cwd=root)
    pip = [root / "venv" / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    _run([*pip, "-c", LOCK, f"{wheel}[properdocs]"], cwd=root)
    return Installed(root, wheel)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_wheel_carries_theme_skeletons_and_leaflet(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for needed in (
        "sitegen/theme/main.html",
        "sitegen/theme/base.html",
        "sitegen/theme/mkdocs_theme.yml",
        "sitegen/theme/404.html",
        "sitegen/theme/partials/map.html",
        "sitegen/theme/assets/site.css",
        "sitegen/skeletons/site/mkdocs.yml",
        "sitegen/skeletons/site/workflows/publish.yml",
        "sitegen/assets/vendor/leaflet/leaflet.js",
        "sitegen/assets/vendor/leaflet/LICENSE",
        "sitegen/assets/vendor/leaflet.markercluster/MIT-LICENCE.txt",
        "sitegen/data/places.csv",
    ):
        assert needed in names, f"the wheel has no {needed}"
    assert not [n for n in names if n.startswith(("templates/", "tests/", "content/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    assert "[mkdocs.themes]\nsitegen = sitegen.theme" in text


@pytest.mark.slow
def test_init_from_the_wheel_builds_under_mkdocs_and_properdocs(installed):
    work = installed.root / "work"
    work.mkdir()
    made = installed.run("sitegen", "init", "mysite", cwd=work)
    assert "sitegen serve" in made.stdout
    site = work / "mysite"
    for expected in (
        "mkdocs.yml",
        "content/briefs",
        "content/incidents",
        "overrides/README.md",
        ".gitignore",
        ".github/workflows/publish.yml",
        ".pre-commit-config.yaml",
        "requirements.txt",
    ):
        assert (site / expected).exists(), f"sitegen init wrote no {expected}"
    assert not list(site.rglob("*.html")), "the theme is used by name, never copied into a site"
    config = (site / "mkdocs.yml").read_text(encoding="utf-8")
    assert "name: sitegen" in config and "custom_dir: overrides" in config
    assert f"sitegen=={__version__}" in (site / "requirements.txt").read_text(encoding="utf-8")
    assert {"site/", ".cache/"} <= set((site / ".gitignore").read_text(encoding="utf-8").split())
    workflow = (site / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    assert "pip install -r requirements.txt" in workflow and "sitegen validate --strict" in workflow
    assert "deploy-pages" in workflow
    assert "sitegen validate" in (site / ".pre-commit-config.yaml").read_text(encoding="utf-8")

    installed.run("sitegen", "validate", cwd=site)
    new = installed.run("sitegen", "new", "incident", "--date", "2024-03-04", cwd=site)
    assert (site / new.stdout.strip()).is_file()
    installed.run("sitegen", "validate", cwd=site)

    installed.run("mkdocs", "build", "--strict", "-d", "built-mkdocs", cwd=site)
    installed.run("properdocs", "build", "--strict", "-d", "built-properdocs", cwd=site)
    mkdocs_out, properdocs_out = _tree(site / "built-mkdocs"), _tree(site / "built-properdocs")
    assert mkdocs_out == properdocs_out, "MkDocs and ProperDocs built different sites"
    for page in ("index.html", "404.html", "weeks/index.html", "data/incidents.csv", "feed.xml"):
        assert page in mkdocs_out, f"the new site has no {page}"
    # the theme's own files (in site-packages, outside the site's folder) are served too
    for asset in ("assets/site.css", "assets/search.js", "assets/favicon.svg"):
        assert asset in mkdocs_out, f"the installed theme's {asset} is missing from the site"
    # Leaflet is served by the site itself, from the package
    assert mkdocs_out["assets/vendor/leaflet/leaflet.js"] == (VENDOR / "leaflet" / "leaflet.js").read_bytes()
    week = next(name for name in mkdocs_out if name.startswith("weeks/20") and name.endswith("/index.html"))
    assert b"assets/map.js" in mkdocs_out[week]  # which loads assets/vendor/leaflet/ from this site
    assert b"vendor/leaflet/leaflet.js" in mkdocs_out["assets/map.js"]
    assert b"What happened, where" in mkdocs_out[week]
    assert not [n for n in mkdocs_out if n.endswith("README.md") or n.startswith("overrides")]

    built = installed.run("sitegen", "build", cwd=site)
    assert (site / "site" / "index.html").is_file(), built.stdout + built.stderr


@pytest.mark.slow
def test_the_wheel_has_the_french_edition_with_no_extra_step(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for domain in ("theme", "cli"):
        assert f"sitegen/locale/fr/LC_MESSAGES/{domain}.mo" in names, f"the wheel has no compiled French {domain} catalogue"
    work = installed.root / "work-fr"
    work.mkdir()
    installed.run("sitegen", "init", "site-fr", cwd=work)
    site = work / "site-fr"
    installed.run("mkdocs", "build", "--strict", "-d", "built", cwd=site)
    home = (site / "built" / "fr" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in home and ">Semaines</a>" in home and "Aller au contenu" in home
    bad = site / "content" / "incidents" / "bad.yaml"
    bad.write_text("id: x\ndate: 2023-09-28\ntitle: T\ntype: battle\ncountry: NE\nlocation: Kandadji\nlat: 14.6\nlon: 0.9\nfatalities: -1\n")
    result = subprocess.run(
        [installed.root / "venv" / "bin" / "sitegen", "validate"], cwd=site, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(work), "LANGUAGE": "fr"}, timeout=300,
    )
    assert "un décompte ne peut pas être négatif" in result.stdout, result.stdout + result.stderr


@pytest.mark.slow
def test_a_sites_override_replaces_the_installed_template(installed):
    work = installed.root / "override"
    work.mkdir()
    installed.run("sitegen", "init", "s", cwd=work)
    site = work / "s"
    (site / "overrides" / "404.html").write_text(
        '{% extends "main.html" %}{% block content %}<h1>Lost in the Sahel</h1>{% endblock %}', encoding="utf-8"
    )
    installed.run("mkdocs", "build", "--strict", cwd=site)
    assert "Lost in the Sahel" in (site / "site" / "404.html").read_text(encoding="utf-8")


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "init", "taken"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "not empty" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_init_fills_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    scaffold.init_site(tmp_path / "empty")
    assert (tmp_path / "empty" / "mkdocs.yml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_init_that_fails_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold, "new_brief", broken)
    with pytest.raises(OSError):
        scaffold.init_site(tmp_path / "new")
    assert list(tmp_path.iterdir()) == [], "a failed init left files behind"


def test_vendored_leaflet_is_what_the_lock_names():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    manifest = json.loads((VENDOR / "vendor.json").read_text(encoding="utf-8"))
    for package, version in manifest["packages"].items():
        assert lock[f"node_modules/{package}"]["version"] == version, (
            f"sitegen/assets/vendor has {package} {version}, package-lock.json another: run tools/vendor_assets.py"
        )
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()} - {"vendor.json"}
    assert on_disk == set(manifest["files"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} was changed by hand"
    node_modules = ROOT / "node_modules"
    if (node_modules / "leaflet").is_dir():  # after `npm ci` (make test): the very files of the lock
        assert filecmp.cmp(node_modules / "leaflet/dist/leaflet.js", VENDOR / "leaflet/leaflet.js", shallow=False)
        assert filecmp.cmp(
            node_modules / "leaflet.markercluster/dist/leaflet.markercluster.js",
            VENDOR / "leaflet.markercluster/leaflet.markercluster.js",
            shallow=False,
        )
