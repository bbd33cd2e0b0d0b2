"""Read stage: content/ -> validated records. No MkDocs imports here."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.model import Brief, Content, Problem, Severity
from sitegen.read.briefs import read_brief
from sitegen.read.incidents import IncidentReader
from sitegen.read.places import read_places

__all__ = ["read_content"]


def read_content(config: SiteConfig, *, root: Path | None = None, today: dt.date | None = None) -> Content:
    """Every incident, brief and place under config.docs_dir, with every problem found."""
    root = root or config.docs_dir.parent

    def shown(path: Path) -> str:
        try:
            return os.path.relpath(path, root)
        except ValueError:
            return str(path)

    content = Content()
    places, problems = read_places(config.places_file, shown(config.places_file))
    content.places = places
    content.problems.extend(problems)

    reader = IncidentReader(config.event_types, places, today=today or dt.date.today())
    for path in _files(config.incidents_dir, (".yaml", ".yml")):
        content.incidents.extend(reader.read_file(path, shown(path)))
    content.problems.extend(reader.problems)

    by_week: dict[object, Brief] = {}
    for path in _files(config.briefs_dir, (".md",)):
        brief, problems = read_brief(path, shown(path))
        content.problems.extend(problems)
        if brief is None:
            continue
        first = by_week.get(brief.week)
        if first is not None:
            content.problems.append(
                Problem(brief.path, 1, 1, Severity.ERROR, t("brief.duplicate_week", week=brief.week, first=first.path))
            )
            continue
        by_week[brief.week] = brief
        content.briefs.append(brief)
    content.briefs.sort(key=lambda b: b.week)
    content.incidents.sort(key=lambda i: (i.date, i.id))
    return content


def _files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
