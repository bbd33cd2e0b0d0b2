"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

from pathlib import Path

from sitegen.aggregate import aggregate
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
    # each brief is rendered as the build renders it, with its week's figures
    weeks = {w.week: w for w in aggregate(content, config.event_types, include_drafts=True).weeks}
    # a brief's check is remembered while the brief, its figures and the incident ids stay the same
    cache = BuildCache(cache_dir / "checks" if cache_dir else None, salt_of((), "check"))
    ids = digest(public, internal) if cache_dir else ""
    # built once, not once per brief
    public_set = frozenset(public)
    internal_set = frozenset(internal) - public_set
    for brief in content.briefs:
        week = weeks.get(brief.week)
        context = {"stats": week.stats, "previous": week.previous_stats, "week": brief.week} if week else None

        def check() -> list[Problem]:
            return check_brief(brief, public_set, internal_set, context, config.markdown_extensions)

        key = digest(brief, ids, context, config.markdown_extensions) if cache_dir else ""
        found = cache.get_value("briefs", key, check, _PROBLEM)
        if isinstance(found, list) and all(isinstance(p, Problem) for p in found):
            content.problems.extend(found)
        else:  # well sealed but not problems: not ours
            content.problems.extend(check())
    cache.prune()
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content
