"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

import pickle
from pathlib import Path

from sitegen.cache import BuildCache, digest, salt_of
from sitegen.config import SiteConfig
from sitegen.model import Content
from sitegen.read import read_content
from sitegen.render.brief import check_brief


def check_content(config: SiteConfig, root: Path | None = None, cache_dir: Path | None = None) -> Content:
    content = read_content(config, root=root, cache_dir=cache_dir)
    # a published brief may show public incidents only; an internal one is named as such
    public = [i.id for i in content.incidents if i.is_public]
    internal = [i.id for i in content.incidents if not i.is_public]
    # a brief's check is remembered while the brief and the set of incident ids stay the same
    cache = BuildCache(cache_dir / "checks" if cache_dir else None, salt_of((), "check"))
    ids = digest(public, internal) if cache_dir else ""
    for brief in (*content.briefs, *content.translations):  # a translation uses the same helpers
        found = cache.get("briefs", digest(brief, ids), lambda: pickle.dumps(check_brief(brief, public, internal)))
        content.problems.extend(pickle.loads(found))  # noqa: S301 (our own cache, under .cache/)
    cache.prune()
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content
