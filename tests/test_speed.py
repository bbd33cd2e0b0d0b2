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

    def spy(brief, incident_ids, internal_ids=(), *rest):  # rest: the week's figures, Markdown extensions
        seen.append((incident_ids, internal_ids))
        return real(brief, incident_ids, internal_ids, *rest)

    monkeypatch.setattr(sitegen.check, "check_brief", spy)
    content = sitegen.check.check_content(load_config(tmp_path / "mkdocs.yml"))
    assert len(seen) == len(content.briefs) == 4
    assert all(ids is seen[0][0] and internal is seen[0][1] for ids, internal in seen)
    assert isinstance(seen[0][0], frozenset) and len(seen[0][0]) == 40
