"""Speed fixes that keep the output the same: what each one saves is in README's Performance table."""

from __future__ import annotations

import sitegen.check
from bench.synth import generate
from sitegen.config import load_config


def test_brief_checks_share_one_set_of_incident_ids(monkeypatch, tmp_path):
    # 520 briefs against 100,000 ids: rebuilding the set for every brief was seconds of a build
    generate(tmp_path, 40, 4)
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n")
    seen = []
    real = sitegen.check.check_brief

    def spy(brief, incident_ids, internal_ids=()):
        seen.append((incident_ids, internal_ids))
        return real(brief, incident_ids, internal_ids)

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

    import sitegen.plugin

    generate(tmp_path, 40, 4)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\nplugins:\n  - sitegen:\n      tiles: {url: null}\n"
    )
    states = []
    real_aggregate = sitegen.plugin.aggregate
    monkeypatch.setattr(sitegen.check, "read_content", _recording(sitegen.check.read_content, states, "read"))
    monkeypatch.setattr(sitegen.plugin, "aggregate", _recording(real_aggregate, states, "aggregate"))
    assert gc.isenabled()
    cfg = mkdocs_config(str(tmp_path / "mkdocs.yml"))
    cfg.plugins.on_startup(command="build", dirty=False)
    build(cfg)
    cfg.plugins.on_shutdown()
    assert states == [("read", False), ("aggregate", False)]
    assert gc.isenabled()
    assert (tmp_path / "site" / "index.html").is_file()


def _recording(function, states, name):
    import gc

    def wrapper(*args, **kwargs):
        states.append((name, gc.isenabled()))
        return function(*args, **kwargs)

    return wrapper
