"""`sitegen init DIR` gives a new site that builds as is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_init_creates_a_site_that_builds_and_validates(tmp_path):
    result = _run(tmp_path, "sitegen", "init", "newsite")
    assert result.returncode == 0, result.stderr
    site = tmp_path / "newsite"
    assert (site / "mkdocs.yml").exists() and (site / "templates" / "main.html").exists()
    assert _run(site, "sitegen", "validate").returncode == 0
    build = _run(site, "sitegen", "build")
    assert build.returncode == 0, build.stderr
    home = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert "What happened, where" in home or "Headline of the week" in home
    assert (site / "site" / "data" / "incidents.csv").read_bytes().count(b"\r\n") == 2


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = _run(tmp_path, "sitegen", "init", "taken")
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
