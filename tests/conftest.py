"""Shared fixtures: paths, a tiny site builder for content tests."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from sitegen.config import SiteConfig

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = dt.date(2026, 11, 24)
# the smallest valid incident (the seed report's attack); tests add or change lines
KANDADJI = """\
date: 2023-09-28
title: Almahaou unit attacked near Kandadji
type: battle
country: NE
location: Kandadji
lat: 14.62
lon: 0.98
"""


@pytest.fixture
def make_site(tmp_path):
    """make_site({"incidents/a.yaml": "...", "briefs/2023-W39.md": "..."}) -> SiteConfig."""

    def make(files: dict[str, str | bytes]) -> SiteConfig:
        docs = tmp_path / "content"
        for rel, text in files.items():
            path = docs / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")
        docs.mkdir(exist_ok=True)
        return SiteConfig(docs_dir=docs, site_dir=tmp_path / "site")

    return make


@pytest.fixture
def cli_site(tmp_path: Path) -> Path:
    """A site folder with mkdocs.yml (the sitegen plugin, default options) and no content yet."""
    from tests.sitetools import make_cli_site

    return make_cli_site(tmp_path)


def copy_fixture(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest, dirs_exist_ok=True)
    return dest
