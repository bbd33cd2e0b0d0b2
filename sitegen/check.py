"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

from pathlib import Path

from sitegen.cache import BuildCache, digest, salt_of
from sitegen.config import SiteConfig
from sitegen.model import Content, Problem, Severity
from sitegen.read import read_content
from sitegen.render.brief import check_brief


_PROBLEM = {"Problem": Problem, "Severity": Severity}


def check_content(config: SiteConfig, root: Path | None = None, cache_dir: Path | None = None) -> Content:
    content = read_content(config, root=root, cache_dir=cache_dir)
    # a published brief may show public incidents only; an internal one is named as such
    public = [i.id for i in content.incidents if i.is_public]
    internal = [i.id for i in content.incidents if not i.is_public]
    # a brief's check is remembered while the brief and the set of incident ids stay the same
    cache = BuildCache(cache_dir / "checks" if cache_dir else None, salt_of((), "check"))
    ids = digest(public, internal) if cache_dir else ""
    for brief in content.briefs:
        found = cache.get_value("briefs", digest(brief, ids), lambda: check_brief(brief, public, internal), _PROBLEM)
        if isinstance(found, list) and all(isinstance(p, Problem) for p in found):
            content.problems.extend(found)
        else:  # well sealed but not problems: not ours
            content.problems.extend(check_brief(brief, public, internal))
    cache.prune()
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content
