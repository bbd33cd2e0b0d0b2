"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.model import Content
from sitegen.read import read_content
from sitegen.render.brief import check_brief


def check_content(config: SiteConfig, root: Path | None = None) -> Content:
    content = read_content(config, root=root)
    ids = [i.id for i in content.incidents]
    for brief in content.briefs:
        content.problems.extend(check_brief(brief, ids))
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content
