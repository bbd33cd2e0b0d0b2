"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.model import Content
from sitegen.read import read_content
from sitegen.render.brief import check_brief


def check_content(config: SiteConfig, root: Path | None = None, cache_dir: Path | None = None) -> Content:
    content = read_content(config, root=root, cache_dir=cache_dir)
    # a published brief may show public incidents only; an internal one is named as such
    public = [i.id for i in content.incidents if i.is_public]
    internal = [i.id for i in content.incidents if not i.is_public]
    for brief in content.briefs:
        content.problems.extend(check_brief(brief, public, internal_ids=internal))
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content
