"""Speed fixes that keep the output the same: what each one saves is in README's Performance table."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sitegen.check
from bench.synth import generate
from sitegen.config import load_config
from sitegen.model import DEFAULT_EVENT_TYPES, Incident, Source
from sitegen.render.exports import (
    _SCRIPT_SAFE,
    Exporter,
    dump_json_finite,
    _json_default,
    dump_json,
    incidents_geojson,
    incidents_json,
)


def test_brief_checks_share_one_set_of_incident_ids(monkeypatch, tmp_path):
    # 520 briefs against 100,000 ids: rebuilding the set for every brief was seconds of a build
    generate(tmp_path, 40, 4)
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n")
    seen = []
    real = sitegen.check.check_brief

    def spy(brief, incident_ids, internal_ids=(), *args, **kwargs):
        seen.append((incident_ids, internal_ids))
        return real(brief, incident_ids, internal_ids, *args, **kwargs)

    monkeypatch.setattr(sitegen.check, "check_brief", spy)
    content = sitegen.check.check_content(load_config(tmp_path / "mkdocs.yml"))
    assert len(seen) == len(content.briefs) == 4
    assert all(ids is seen[0][0] and internal is seen[0][1] for ids, internal in seen)
    assert isinstance(seen[0][0], frozenset) and len(seen[0][0]) == 40


def test_no_garbage_collection_while_building_and_the_collector_is_back_after(monkeypatch, tmp_path):
    # full collections re-scanned every live record: a third of a 100k build's CPU
    import gc

    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_config

    import sitegen.pipeline

    generate(tmp_path, 40, 4)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\nplugins:\n  - sitegen:\n      tiles: {url: null}\n"
    )
    states = []
    real_aggregate = sitegen.pipeline.aggregate
    monkeypatch.setattr(sitegen.check, "read_content", _recording(sitegen.check.read_content, states, "read"))
    monkeypatch.setattr(sitegen.pipeline, "aggregate", _recording(real_aggregate, states, "aggregate"))
    assert gc.isenabled()
    cfg = mkdocs_config(str(tmp_path / "mkdocs.yml"))
    cfg.plugins.on_startup(command="build", dirty=False)
    build(cfg)
    cfg.plugins.on_shutdown()
    assert states == [("read", False), ("aggregate", False)]
    assert gc.isenabled()
    assert (tmp_path / "site" / "index.html").is_file()


def test_the_collector_back_after_a_build_does_not_walk_what_the_build_left(tmp_path):
    # all of it was young (made with the collector off): its first pass walked every object,
    # 0.7 s at 100k between the build's end and MkDocs' last line; frozen until the command ends
    import gc

    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_config

    generate(tmp_path, 40, 4)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\nplugins:\n  - sitegen:\n      tiles: {url: null}\n"
    )
    cfg = mkdocs_config(str(tmp_path / "mkdocs.yml"))
    cfg.plugins.on_startup(command="build", dirty=False)
    try:
        build(cfg)
        young = len(gc.get_objects(0)) + len(gc.get_objects(1))
        assert gc.isenabled() and young < 20_000 < gc.get_freeze_count(), (young, gc.get_freeze_count())
        build(cfg)  # another build of the command: the last one's objects are the collector's again
        assert gc.get_freeze_count() > 20_000
    finally:
        cfg.plugins.on_shutdown()
    assert gc.get_freeze_count() == 0 and gc.isenabled()  # the command over: every object the collector's


def test_serve_collects_no_garbage_in_a_rebuild_and_frees_it_once_the_preview_is_idle(monkeypatch, tmp_path):
    # a full pass started in a rebuild (MkDocs lists the files before on_files) cost a second
    # of every other save at 100k; the garbage is collected once the preview is idle instead
    import gc
    import weakref

    import mkdocs.commands.build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_config

    import sitegen.pipeline
    import sitegen.state

    config_file = _small_site(tmp_path, monkeypatch)
    monkeypatch.setattr(sitegen.state, "IDLE_SECONDS", 0.5, raising=False)
    states = []
    monkeypatch.setattr(mkdocs_build, "get_files", _recording(mkdocs_build.get_files, states, "files"))
    monkeypatch.setattr(sitegen.pipeline, "aggregate", _recording(sitegen.pipeline.aggregate, states, "aggregate"))
    cfg = mkdocs_config(str(config_file))
    cfg.plugins.on_startup(command="serve", dirty=True)
    try:
        for _ in range(2):
            mkdocs_build.build(mkdocs_config(str(config_file)), dirty=True)
            garbage = _Node()
            garbage.me = garbage  # a cycle: only the collector frees it
            ref = weakref.ref(garbage)
            del garbage
            gone = time.monotonic() + 10
            while ref() is not None and time.monotonic() < gone:
                time.sleep(0.05)
            assert ref() is None, "the garbage of a rebuild is collected once the preview is idle"
        assert states == [("files", False), ("aggregate", False)] * 2
    finally:
        cfg.plugins.on_shutdown()
        cfg.plugins.on_startup(command="build", dirty=False)  # MkDocs keeps the instance for the process
    assert gc.isenabled()


def test_serve_collects_at_a_rebuild_s_end_only_after_saves_with_no_idle_moment(monkeypatch, tmp_path):
    # an idle collection after each rebuild: none at a rebuild's end (it comes before the
    # page is served); saves in a row: one at the end of every COLLECT_EVERY-th rebuild
    import threading

    import mkdocs.commands.build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_config

    import sitegen.state

    config_file = _small_site(tmp_path, monkeypatch)
    monkeypatch.setattr(sitegen.state, "COLLECT_EVERY", 2)
    real_collect = sitegen.state.Session._collect
    collections = []
    monkeypatch.setattr(sitegen.state.Session, "_collect", lambda self: collections.append(threading.current_thread().name) or real_collect(self))
    cfg = mkdocs_config(str(config_file))
    cfg.plugins.on_startup(command="serve", dirty=True)
    try:
        monkeypatch.setattr(sitegen.state, "IDLE_SECONDS", 0.05)
        for n in range(1, 5):
            mkdocs_build.build(mkdocs_config(str(config_file)), dirty=True)
            gone = time.monotonic() + 10
            while len(collections) < n and time.monotonic() < gone:
                time.sleep(0.02)
        assert len(collections) == 4 and threading.main_thread().name not in collections, collections
        monkeypatch.setattr(sitegen.state, "IDLE_SECONDS", 1000)  # saves in a row
        collections.clear()
        for _ in range(4):
            mkdocs_build.build(mkdocs_config(str(config_file)), dirty=True)
        assert collections == [threading.main_thread().name] * 2
    finally:
        cfg.plugins.on_shutdown()
        cfg.plugins.on_startup(command="build", dirty=False)  # MkDocs keeps the instance for the process


def test_a_build_s_objects_are_frozen_only_as_the_process_ends(tmp_path):
    # Python's last collection walked every object the build left alive: a second at 100k
    # between the build's end and the command's
    import subprocess
    import sys
    import textwrap

    generate(tmp_path, 40, 4)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\nplugins:\n  - sitegen:\n      tiles: {url: null}\n"
    )
    script = textwrap.dedent("""
        import atexit, gc, sys
        # registered first, so run last: after every handler the build registered
        atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count()))
        from mkdocs.__main__ import cli
        try:
            cli(["build", "-q"])
        except SystemExit as done:
            assert not done.code, done.code
        print("frozen after the build:", gc.get_freeze_count(), "collector on:", gc.isenabled())
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    assert lines["frozen after the build"].split() == ["0", "collector", "on:", "True"]  # nothing while it lives
    assert int(lines["frozen at exit"]) > 10_000, done.stdout  # the build's objects, left out of the last pass


def test_a_serve_that_never_ended_leaves_the_collector_on_for_the_next_command(monkeypatch, tmp_path):
    # MkDocs keeps one plugin instance for the process: a serve whose on_shutdown never came
    # (its rebuild's garbage waiting for an idle moment) must not leave the collector off
    import gc

    import mkdocs.commands.build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_config

    config_file = _small_site(tmp_path, monkeypatch)
    cfg = mkdocs_config(str(config_file))
    cfg.plugins.on_startup(command="serve", dirty=True)
    mkdocs_build.build(mkdocs_config(str(config_file)), dirty=True)
    assert not gc.isenabled(), "under serve, off until the preview is idle"
    cfg.plugins.on_startup(command="build", dirty=False)  # the next command, no on_shutdown between
    assert gc.isenabled()
    cfg.plugins.on_shutdown()


def test_serve_frees_garbage_that_was_alive_at_an_idle_collection_and_ends_with_nothing_frozen(monkeypatch, tmp_path):
    # each idle collection freezes what survives it (a full pass took 0.75 s at 100k, and held
    # up a save made meanwhile): a cycle still in use then, dropped by a later rebuild (the
    # last rebuild's pages and weeks), is freed by the full pass made once the frozen grow
    import gc
    import weakref

    import mkdocs.commands.build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_config

    import sitegen.state

    config_file = _small_site(tmp_path, monkeypatch)
    monkeypatch.setattr(sitegen.state, "IDLE_SECONDS", 0.2)
    monkeypatch.setattr(sitegen.state, "FULL_PASS_GROWTH", 1.0)  # any growth: a full pass at the next collection

    def idle() -> None:
        frozen = gc.get_freeze_count()
        gone = time.monotonic() + 10
        while gc.get_freeze_count() == frozen and time.monotonic() < gone:
            time.sleep(0.05)

    cfg = mkdocs_config(str(config_file))
    cfg.plugins.on_startup(command="serve", dirty=True)
    try:
        kept = _Node()
        kept.me = kept  # in use through a rebuild and its idle collection: frozen
        ref = weakref.ref(kept)
        mkdocs_build.build(mkdocs_config(str(config_file)), dirty=True)
        idle()
        assert ref() is kept and gc.get_freeze_count() > 0
        del kept  # dropped: garbage only the collector frees, among the frozen
        for _ in range(3):
            mkdocs_build.build(mkdocs_config(str(config_file)), dirty=True)
            idle()
            if ref() is None:
                break
        assert ref() is None, "garbage frozen at one idle collection is freed at a later one"
    finally:
        cfg.plugins.on_shutdown()
        cfg.plugins.on_startup(command="build", dirty=False)  # MkDocs keeps the instance for the process
    assert gc.get_freeze_count() == 0, "after serve, every object is the collector's again"
    assert gc.isenabled()


def _small_site(tmp_path, monkeypatch):
    """A 40-incident site in tmp_path, the working folder: its mkdocs.yml."""
    generate(tmp_path, 40, 4)
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\nplugins:\n  - sitegen:\n      tiles: {url: null}\n")
    monkeypatch.chdir(tmp_path)
    return config_file


class _Node:
    me: object = None


def _recording(function, states, name):
    import gc

    def wrapper(*args, **kwargs):
        states.append((name, gc.isenabled()))
        return function(*args, **kwargs)

    return wrapper


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or 1e-4 <= abs(f))
    | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.integers(0, 9), inner, max_size=3),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_JSON_VALUES)
def test_data_files_written_with_orjson_hold_the_bytes_json_dumps_wrote(value):
    # orjson writes the 400 MB of data files of a 100k site 3x faster; the bytes must not change
    reference = json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, default=_json_default
    )
    for char, escape in _SCRIPT_SAFE:
        reference = reference.replace(char, escape)
    assert dump_json_finite(value) == reference == dump_json(value)


@pytest.mark.parametrize("lat", [14.62, 0.0, 0.00005, -0.00001])
def test_data_files_keep_their_bytes_for_coordinates_near_zero(lat):
    incident = Incident(
        id="i-1", date=dt.date(2023, 9, 20), title="Title", type="battle", country="NE", location="Kandadji",
        lat=lat, lon=0.00003, sources=(Source("Reuters", "https://example.org/a", dt.date(2023, 9, 28)),),
    )
    exporter = Exporter(DEFAULT_EVENT_TYPES)
    assert exporter.geojson([incident]) == dump_json(incidents_geojson([incident], DEFAULT_EVENT_TYPES))
    assert exporter.json([incident]) == dump_json(incidents_json([incident], DEFAULT_EVENT_TYPES))


def test_data_files_still_refuse_coordinates_that_are_not_numbers():
    incident = Incident(id="i-1", date=dt.date(2023, 9, 20), title="T", type="battle", country="NE", location="X", lat=float("nan"), lon=1.0)
    with pytest.raises(ValueError):
        Exporter(DEFAULT_EVENT_TYPES).geojson([incident])
