"""The `sitegen` command as an editor runs it: a subprocess in a site folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


VALID = """\
id: 2023-09-28-kandadji
date: 2023-09-28
title: Almahaou unit attacked near Kandadji
type: battle
country: Niger
location: Kandadji
lat: 14.62
lon: 0.98
fatalities: 7
sources:
  - name: Niger Ministry of Defence
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen\n")
    (tmp_path / "content" / "incidents").mkdir(parents=True)
    (tmp_path / "content" / "briefs").mkdir()
    return tmp_path


def test_validate_reports_every_problem_with_location_and_exits_1(site):
    (site / "content/incidents/good.yaml").write_text(VALID)
    (site / "content/incidents/bad.yaml").write_text(VALID.replace("id: 2023-09-28-kandadji", "id: other")
                                                     .replace("fatalities: 7", "fatalities: -1\ncolour: red"))
    (site / "content/briefs/2023-W39.md").write_text("---\ntitle: W39\n---\n{{ incident('nope') }}\n")
    result = run(site, "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "content/briefs/2023-W39.md:4:1: error: the brief refers to incident 'nope', which does not exist" in lines[0]
    assert lines[1] == "content/incidents/bad.yaml:9:13: error: 'fatalities' is -1: a count cannot be negative"
    assert lines[2].startswith("content/incidents/bad.yaml:10:1: error: unknown field 'colour'")
    assert lines[-1] == "3 error(s), 0 warning(s) in 2 file(s)"
    assert "Traceback" not in result.stderr


def test_validate_clean_content_exits_0(site):
    (site / "content/incidents/good.yaml").write_text(VALID)
    result = run(site, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "0 error(s), 0 warning(s) in 0 file(s)"


def test_validate_strict_turns_warnings_into_errors(site):
    (site / "content/incidents/future.yaml").write_text(VALID.replace("2023-09-28\n", "2099-09-28\n"))
    assert run(site, "validate").returncode == 0
    strict = run(site, "validate", "--strict")
    assert strict.returncode == 1
    assert "future.yaml:2:7: error: date 2099-09-28 is in the future" in strict.stdout


def test_a_content_warning_is_a_build_warning_that_stops_only_a_strict_build(site):
    (site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen:\n      tiles: false\n")
    (site / "content/incidents/future.yaml").write_text(VALID.replace("2023-09-28\n", "2099-09-28\n"))
    mkdocs = [sys.executable, "-m", "mkdocs", "build"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(site)}
    lax = subprocess.run(mkdocs, cwd=site, capture_output=True, text=True, timeout=300, env=env)
    assert lax.returncode == 0, lax.stderr
    assert "WARNING -  content/incidents/future.yaml:2:7: warning: date 2099-09-28 is in the future" in lax.stderr
    strict = subprocess.run([*mkdocs, "--strict"], cwd=site, capture_output=True, text=True, timeout=300, env=env)
    assert strict.returncode == 1 and "future.yaml:2:7: warning" in strict.stderr
    assert "Traceback" not in strict.stderr
    assert run(site, "build").returncode == 1  # sitegen build is the strict build
    assert run(site, "build", "--no-strict").returncode == 0


def test_new_incident_never_overwrites(site):
    first = run(site, "new", "incident", "--date", "2023-10-02")
    second = run(site, "new", "incident", "--date", "2023-10-02")
    assert first.returncode == second.returncode == 0
    a, b = Path(site, first.stdout.strip()), Path(site, second.stdout.strip())
    assert a != b and a.exists() and b.exists()
    assert "yaml-language-server: $schema=" in a.read_text()
    a.write_text(VALID)
    run(site, "new", "incident", "--date", "2023-10-02")
    assert a.read_text() == VALID


def test_new_incident_skeleton_validates(site):
    result = run(site, "new", "incident", "--date", "2023-10-02")
    assert result.returncode == 0
    check = run(site, "validate")
    assert check.returncode == 0, check.stdout


def test_new_brief_writes_once_then_refuses(site):
    result = run(site, "new", "brief", "2023-W40")
    assert result.returncode == 0
    path = site / "content/briefs/2023-W40.md"
    assert result.stdout.strip() == "content/briefs/2023-W40.md"
    path.write_text("---\ntitle: Mine\n---\nMy words.\n")
    again = run(site, "new", "brief", "2023-W40")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert path.read_text() == "---\ntitle: Mine\n---\nMy words.\n"
    assert run(site, "validate").returncode == 0


def test_new_brief_rejects_an_invalid_week(site):
    result = run(site, "new", "brief", "2023-W54")
    assert result.returncode == 2
    assert "2023 has weeks 01 to 52" in result.stderr
    assert not (site / "content/briefs/2023-W54.md").exists()


def test_validate_without_config_says_what_to_do(tmp_path):
    result = run(tmp_path, "validate")
    assert result.returncode == 2
    assert "mkdocs.yml not found" in result.stderr
