"""A cold build's week worker (sitegen.week_job): the entries it makes are the ones the build
would make, the build uses them instead of making them again, and a worker that fails, is
killed or cannot start costs only time, never a byte of the site or a traceback."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from bench.bench_serve import CONFIG
from bench.synth import generate
from sitegen import week_job
from sitegen.render import exports
from tests.test_cache import _same_tree

WEEK_KINDS = {"week-csv", "week-geojson", "week-json", "map-data", "maps", "week-maps", "search-pieces", "incidents"}


def _site(root: Path) -> Path:
    generate(root, 420, 6, busy_week=150)  # a busy week (its map data a file of its own) and quiet ones
    (root / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    return root


def _build(root: Path, monkeypatch) -> Path:
    """A build in this process, so that the worker is forked from it (with its patches)."""
    monkeypatch.chdir(root)
    mkdocs_build(load_config(str(root / "mkdocs.yml")))
    return root / "site"


def _entries(root: Path) -> dict[str, int]:
    """The build cache's entries by kind, as files."""
    folder = root / ".cache" / "sitegen" / "build"
    return {kind.name: sum(1 for _ in kind.iterdir()) for kind in folder.iterdir() if kind.is_dir()}


@pytest.fixture
def alone(tmp_path, monkeypatch) -> Path:
    """The site as a build without a worker makes it."""
    monkeypatch.setattr(week_job, "MIN_BYTES", 10**12)
    site = _build(_site(tmp_path / "alone"), monkeypatch)
    monkeypatch.setattr(week_job, "MIN_BYTES", 0)  # from here, any big-enough cold build has one
    return site


def test_the_worker_makes_each_week_s_entries_and_the_build_uses_them(tmp_path, monkeypatch, alone):
    root = _site(tmp_path / "helped")
    made: dict[str, int] = {}
    start = week_job.Helper.start

    def start_then_wait(self, by_week):
        start(self, by_week)
        self._process.join(120)  # every week's entries, before the build makes any
        assert self._process.exitcode == 0
        made.update(_entries(root))

        def again(*args, **kwargs):
            raise AssertionError("a week's CSV made again by the build")

        monkeypatch.setattr(exports.Exporter, "csv", again)

    monkeypatch.setattr(week_job.Helper, "start", start_then_wait)
    site = _build(root, monkeypatch)
    assert WEEK_KINDS <= {kind for kind, n in made.items() if n}, f"the worker made every kind: {made}"
    assert _same_tree(alone, site) == [] and _same_tree(site, alone) == []
    assert not multiprocessing.active_children(), "no worker left"

    def forked(*args, **kwargs):
        raise AssertionError("a rebuild (the search index kept) started a worker")

    monkeypatch.setattr(week_job.Helper, "fork", forked)
    assert _same_tree(alone, _build(root, monkeypatch)) == []


def test_the_worker_is_handed_the_weeks_before_the_briefs_are_checked(tmp_path, monkeypatch):
    # checking 1,040 briefs and making the model took 3 s at 100k with the worker idle
    import sitegen.check

    root = _site(tmp_path / "early")
    monkeypatch.setattr(week_job, "MIN_BYTES", 0)
    order: list[str] = []
    start, check_brief = week_job.Helper.start, sitegen.check.check_brief

    def started(self, by_week):
        order.append("worker")
        start(self, by_week)

    def checked(*args, **kwargs):
        order.append("brief")
        return check_brief(*args, **kwargs)

    monkeypatch.setattr(week_job.Helper, "start", started)
    monkeypatch.setattr(sitegen.check, "check_brief", checked)
    _build(root, monkeypatch)
    assert order[0] == "worker" and order.count("worker") == 1 and "brief" in order, order[:5]


def _fails(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("the worker's own failure")

    monkeypatch.setattr(week_job, "_make_weeks", boom)


def _killed(monkeypatch) -> None:
    start = week_job.Helper.start

    def start_then_kill(self, by_week):
        start(self, by_week)
        os.kill(self._process.pid, signal.SIGKILL)

    monkeypatch.setattr(week_job.Helper, "start", start_then_kill)


def _cannot_fork(monkeypatch) -> None:
    def refused(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.get_context("fork").Process, "start", refused)


@pytest.mark.parametrize("fault", [_fails, _killed, _cannot_fork], ids=["fails", "killed", "cannot-fork"])
def test_a_build_whose_worker_fails_makes_every_entry_itself(tmp_path, monkeypatch, capfd, alone, fault):
    capfd.readouterr()
    fault(monkeypatch)
    site = _build(_site(tmp_path / "helped"), monkeypatch)
    assert _same_tree(alone, site) == [] and _same_tree(site, alone) == []
    assert "Traceback" not in capfd.readouterr().err
    assert not multiprocessing.active_children(), "no worker left"


def test_site_wide_downloads_the_cache_cannot_hold_are_still_the_site_s(tmp_path, monkeypatch, alone):
    """data/incidents.* are written into the cache by threads while the build goes on; one
    that cannot be written (a full disk) is made in the build instead: the same bytes."""
    from sitegen.cache import BuildCache

    make = BuildCache._make

    def full_disk(self, path, check, maker):
        if path.parent.name.startswith("all-"):
            raise OSError(28, "No space left on device")
        return make(self, path, check, maker)

    monkeypatch.setattr(BuildCache, "_make", full_disk)
    monkeypatch.setattr(week_job, "MIN_BYTES", 10**12)
    site = _build(_site(tmp_path / "full"), monkeypatch)
    assert _same_tree(alone, site) == [] and _same_tree(site, alone) == []
    assert (site / "data/incidents.csv").stat().st_nlink == 1, "its bytes, not a link to a missing entry"
