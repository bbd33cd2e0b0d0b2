"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

import pickle
from pathlib import Path

from sitegen.cache import BuildCache, digest, salt_of
from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.model import Brief, Content, Problem, Severity
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


def check_translations(content: Content, languages: tuple[str, ...]) -> list[Problem]:
    """Warnings for `sitegen validate --translations`: a brief without its translation into
    one of the site's other languages, a translation without its brief, one into no language
    of the site."""
    default, others = languages[0], languages[1:]
    have = {(b.week, b.lang) for b in content.translations}
    originals = {b.week: b for b in content.briefs}

    def sibling(brief: Brief, lang: str) -> str:
        path = Path(brief.path)
        stem = path.name.split(".")[0]
        return str(path.with_name(f"{stem}.md" if lang == default else f"{stem}.{lang}.md"))

    def warn(brief: Brief, message: str) -> Problem:
        return Problem(brief.path, 1, 1, Severity.WARNING, message)

    problems = []
    for brief in content.briefs:
        for lang in others:
            if (brief.week, lang) not in have:
                problems.append(warn(brief, t("translation.missing", language=t(f"language.{lang}"), path=sibling(brief, lang))))
    for brief in content.translations:
        if brief.lang not in others:
            names = ", ".join(languages)
            problems.append(warn(brief, t("translation.unused", language=t(f"language.{brief.lang}"), languages=names)))
        elif brief.week not in originals:
            problems.append(warn(brief, t("translation.orphan", language=t(f"language.{brief.lang}"), week=brief.week, path=sibling(brief, default))))
    return problems
