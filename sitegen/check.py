"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from sitegen.cache import BuildCache, digest, salt_of
from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.model import Brief, Content, Incident, Problem, Severity
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
    for brief in content.briefs:
        found = cache.get("briefs", digest(brief, ids), lambda: pickle.dumps(check_brief(brief, public, internal)))
        content.problems.extend(pickle.loads(found))  # noqa: S301 (our own cache, under .cache/)
    cache.prune()
    content.problems.extend(_embargo_leaks(content))
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content


_INCIDENT_CALL = re.compile(r"""incident\(\s*["']([^"']*)["']\s*\)""")


def _embargo_leaks(content: Content) -> list[Problem]:
    """A brief that would come out before an embargoed incident it shows: an error at the
    call, before the embargo (the build would fail then) and after (it leaked)."""
    embargoed: dict[str, Incident] = {i.id: i for i in content.incidents if i.publish_after is not None}
    if not embargoed:
        return []
    problems = []
    for brief in content.briefs:
        for match in _INCIDENT_CALL.finditer(brief.body):
            incident = embargoed.get(match[1])
            if incident is None or _out_by(brief, incident):
                continue
            line = brief.body_line + brief.body.count("\n", 0, match.start())
            until = incident.publish_after.strftime("%Y-%m-%dT%H:%MZ")
            message = t("brief.embargoed_incident", id=incident.id, until=until)
            problems.append(Problem(brief.path, line, 1, Severity.ERROR, message))
    return problems


def _out_by(brief: Brief, incident: Incident) -> bool:
    return brief.publish_after is not None and brief.publish_after >= incident.publish_after
