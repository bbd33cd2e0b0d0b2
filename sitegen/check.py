"""Everything `sitegen validate` checks: the readers' problems plus the briefs' expressions."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import gc
import itertools
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sitegen.aggregate import Stats
from sitegen.cache import BuildCache, digest, salt_of
from sitegen.config import SiteConfig
from sitegen.i18n import LANGUAGES
from sitegen.memo import NO_MEMO, NoMemo, RecordMemo
from sitegen.messages import language_key, t
from sitegen.model import Brief, Content, Incident, IsoWeek, Problem, Severity, Visibility
from sitegen.read import read_content
from sitegen.read.links import CONTENT_DIRS, DocsFiles, is_published_safely, language_name, misnamed, page_path, translation_of
from sitegen.render.brief import check_brief, site_links


def check_content(config: SiteConfig, root: Path | None = None, cache_dir: Path | None = None, memo=None,
                  records: RecordMemo | NoMemo = NO_MEMO,
                  on_weeks: Callable[[dict[IsoWeek, list[Incident]]], None] | None = None, pages: bool = True) -> Content:
    """`memo`, `records`: serve's ReadMemo and RecordMemo (sitegen.memo), kept across rebuilds;
    `on_weeks` is given the public incidents by week once they are read, before the briefs
    are checked (a cold build's week worker starts on them); `pages`: the editors' pages'
    names checked too (check_pages), which a build says itself as it refuses those pages
    (sitegen.plain_pages)."""
    # no garbage collection while reading: each full pass re-scans every record read so far
    paused = gc.isenabled()
    gc.disable()
    try:
        return _check_content(config, root, cache_dir, memo, records, on_weeks, pages)
    finally:
        if paused:
            gc.enable()


def _check_content(config: SiteConfig, root: Path | None, cache_dir: Path | None, memo, records, on_weeks, pages: bool) -> Content:
    unchecked: list[Brief] = []  # briefs whose front matter has errors: their bodies are checked all the same
    content = read_content(config, root=root, cache_dir=cache_dir, memo=memo, unchecked=unchecked)
    # a published brief may show public incidents only; an internal one is named as such
    # each brief is rendered as the build renders it, with its week's figures: those of the
    # week's public incidents (not the whole aggregate: the build makes that once)
    grouped = _Grouped.of(content, getattr(memo, "checked", None), bool(cache_dir))
    if memo is not None:  # the next rebuild's, whose content may be this one's with a few changes
        merge = getattr(memo, "merge", None)
        memo.checked = dataclasses.replace(grouped, serial=merge.serial) if merge is not None else None
    by_week = grouped.by_week
    if on_weeks is not None:
        on_weeks(by_week)
    for mine in by_week.values():  # never changed: the memo knows a week's by its identity
        records.hand(mine)
    # the weeks that have a page (or would, once their brief's front matter is mended): a
    # translation of any other week is shown nowhere
    weeks = set(by_week) | {b.week for b in (*content.briefs, *unchecked) if not b.lang}
    types = config.event_types

    @functools.cache
    def stats(week: IsoWeek) -> Stats:  # under serve, an unchanged week's as the last rebuild's
        mine = by_week.get(week, [])
        return records.get(("stats", types), lambda: Stats.of(mine, types), mine)

    # a brief's check is remembered while the brief, its figures and the incident ids stay the same
    cache = BuildCache(cache_dir / "checks" if cache_dir else None, salt_of((), ("check", language_key())))  # its problems: messages
    ids = grouped.ids_key
    id_sets = functools.cache(lambda: _id_sets(content.incidents))  # made once, if a brief is checked at all
    embargoed = {i: incident.publish_after for i, incident in grouped.embargoed.items()}
    links = site_links(config, content)
    # a translation uses the same helpers; one of a week without a page is checked all the same
    for brief in (*content.briefs, *content.translations, *unchecked):
        content.problems.extend(links.problems(brief))  # what is there now: never kept
        week = brief.week
        context = {"stats": stats(week), "previous": stats(week.previous()), "week": week}

        def check() -> list[Problem]:
            return check_brief(brief, *id_sets(), context, config.markdown_extensions, config.event_types, embargoed)

        key = digest(brief, ids, context, config.markdown_extensions, config.event_types, embargoed or None) if cache_dir else ""
        content.problems.extend(cache.get_value("briefs", key, check, list[Problem]))
    cache.prune()
    content.problems.extend(_translations_without_page(content, unchecked, weeks, config.languages))
    if pages:
        content.problems.extend(check_pages(config, content.root))
    if not embargoed:
        content.by_week = by_week
    content.problems.sort(key=lambda p: (p.path, p.line, p.col))
    return content


def _translations_without_page(content: Content, unchecked: list[Brief], weeks: set[IsoWeek],
                               languages: tuple[str, ...]) -> list[Problem]:
    """A translation of a week with no page (no brief in the default language, no incident)
    that no page would show: a warning naming the brief to write."""
    default, others = languages[0], languages[1:]
    problems = []
    for brief in (*content.translations, *unchecked):
        if brief.lang in others and brief.week not in weeks:
            message = t("translation.no_page", language=t(f"language.{brief.lang}"), week=brief.week,
                        default=t(f"language.{default}"), path=_sibling(brief, default, default))
            problems.append(Problem(brief.path, 1, 1, Severity.WARNING, message))
        elif brief.lang and brief.lang not in LANGUAGES:  # 2023-W39.de.md: a language sitegen makes no edition in
            names = ", ".join(languages)
            message = t("translation.unused", language=language_name(brief.lang) or brief.lang, languages=names)
            problems.append(Problem(brief.path, 1, 1, Severity.WARNING, message))
        elif brief.lang == default:  # `2023-W39.fr.md` on a French-first site: the brief is French already
            other = others[0] if others else default
            message = t("translation.into_default", language=t(f"language.{default}"), path=_sibling(brief, default, default),
                        other=t(f"language.{other}"), translation=_sibling(brief, other, default))
            problems.append(Problem(brief.path, 1, 1, Severity.WARNING, message))
    return problems


def _sibling(brief: Brief, lang: str, default: str) -> str:
    """The path of the brief's edition in `lang` (the default language's: NAME.md)."""
    path = Path(brief.path)
    stem = path.name.split(".")[0]
    return str(path.with_name(f"{stem}.md" if lang == default else f"{stem}.{lang}.md"))


_VISIBILITY, _ID, _DATE, _PUBLISH_AFTER = map(operator.attrgetter, ("visibility", "id", "date", "publish_after"))


@dataclass(frozen=True)
class _Grouped:
    """What the check makes of the incidents: the public ones by week (each list in order),
    a key of every id and whether it is public, the embargoed incidents by id. Under serve,
    made from the last rebuild's where the read merged its incidents again (Content.changed):
    the weeks of the incidents taken out and put in are grouped again, the others' lists
    are the last rebuild's (the aggregate knows them by identity), and no pass is made over
    the 100,000 incidents (each was a hundredth of a second or more of a save)."""

    by_week: dict[IsoWeek, list[Incident]]
    ids_key: str
    embargoed: dict[str, Incident]
    serial: int = 0  # the read's merge this was made of (see Content.changed)

    @classmethod
    def of(cls, content: Content, last: _Grouped | None, keyed: bool) -> _Grouped:
        if last is not None and content.changed is not None and content.changed[0] == last.serial:
            return last._then(content, *content.changed[1:], keyed)
        incidents = content.incidents  # their fields taken in C, not one record at a time
        shown, others = _public(incidents)
        by_week: dict[IsoWeek, list[Incident]] = {}
        for _, same_day in itertools.groupby(shown, key=_DATE):  # they come by date: a week looked up once a day
            first = next(same_day)
            mine = by_week.setdefault(first.week, [])
            mine.append(first)
            mine.extend(same_day)
        after = list(map(_PUBLISH_AFTER, incidents))
        embargoed = {} if after.count(None) == len(after) else {i.id: i for i, until in zip(incidents, after) if until is not None}
        ids_key = digest(list(map(_ID, shown)), list(map(_ID, others))) if keyed else ""
        return cls(by_week, ids_key, embargoed)

    def _then(self, content: Content, taken_out: list[Incident], put_in: list[Incident], keyed: bool) -> _Grouped:
        incidents = content.incidents
        by_week = dict(self.by_week)
        for week in {i.week for i in (*taken_out, *put_in)}:
            monday = week.monday
            start = bisect.bisect_left(incidents, monday, key=_DATE)
            end = bisect.bisect_left(incidents, monday + dt.timedelta(days=7), key=_DATE)
            if mine := [i for i in incidents[start:end] if i.visibility is Visibility.PUBLIC]:
                by_week[week] = mine
            else:
                by_week.pop(week, None)
        # the ids' key: the last one where the same ids are public and internal, else made of
        # it and of what changed (a key of the ids alone would take a pass over all of them)
        before, now = (sorted((i.id, i.visibility is Visibility.PUBLIC) for i in part) for part in (taken_out, put_in))
        ids_key = self.ids_key if before == now or not keyed else digest(self.ids_key, before, now)
        embargoed = dict(self.embargoed)
        for incident in taken_out:
            if embargoed.get(incident.id) is incident:
                del embargoed[incident.id]
        embargoed.update((i.id, i) for i in put_in if i.publish_after is not None)
        return _Grouped(by_week, ids_key, embargoed)


def _public(incidents: list[Incident]) -> tuple[list[Incident], list[Incident]]:
    """The public incidents and the others, each in order (every one public, the most
    common case: the list itself, its visibilities looked at in C)."""
    visibility = list(map(_VISIBILITY, incidents))
    if visibility.count(Visibility.PUBLIC) == len(incidents):
        return incidents, []
    return ([i for i, v in zip(incidents, visibility) if v is Visibility.PUBLIC],
            [i for i, v in zip(incidents, visibility) if v is not Visibility.PUBLIC])  # fmt: skip


def _id_sets(incidents: list[Incident]) -> tuple[frozenset[str], frozenset[str]]:
    """The ids of the public incidents and those of the others, as check_brief takes them."""
    shown, others = _public(incidents)
    known = frozenset(map(_ID, shown))
    return known, frozenset(map(_ID, others)) - known


def check_translations(content: Content, languages: tuple[str, ...]) -> list[Problem]:
    """Warnings for `sitegen validate --translations`: a brief without its translation into
    one of the site's other languages, a translation without its brief, one into no language
    of the site."""
    default, others = languages[0], languages[1:]
    have = {(b.week, b.lang) for b in content.translations}
    originals = {b.week: b for b in content.briefs}
    # a week with no page: check_content warned already (translation.no_page)
    paged = content.by_week.keys() if content.by_week is not None else {i.week for i in _public(content.incidents)[0]}

    def sibling(brief: Brief, lang: str) -> str:
        return _sibling(brief, lang, default)

    def warn(brief: Brief, message: str) -> Problem:
        return Problem(brief.path, 1, 1, Severity.WARNING, message)

    problems = []
    for brief in content.briefs:
        for lang in others:
            if (brief.week, lang) not in have:
                problems.append(warn(brief, t("translation.missing", language=t(f"language.{lang}"), path=sibling(brief, lang))))
    for brief in content.translations:
        if brief.lang == default or brief.lang not in LANGUAGES:
            continue  # check_content warned already (translation.into_default, translation.unused)
        if brief.lang not in others:
            names = ", ".join(languages)
            problems.append(warn(brief, t("translation.unused", language=t(f"language.{brief.lang}"), languages=names)))
        elif brief.week not in originals and brief.week in paged:
            problems.append(warn(brief, t("translation.orphan", language=t(f"language.{brief.lang}"), week=brief.week, path=sibling(brief, default))))
    return problems


def check_page_translations(config: SiteConfig, root: Path) -> list[Problem]:
    """Warnings for `sitegen validate --translations`: an editor's page (content/about.md,
    not a brief) without its translation into one of the site's other languages, whose
    edition shows its original meanwhile (see sitegen.plain_pages; a translation is the
    page's it publishes: guide/index.fr.md is guide/README.md's)."""
    docs, others = config.docs_dir, config.languages[1:]
    if not others or not docs.is_dir():
        return []
    editions = tuple(f"{lang}/" for lang in others)
    pages = _editors_pages(docs, (*CONTENT_DIRS, *editions))
    translated = {(page_path(found[0]), found[1]) for uri in pages if (found := translation_of(uri, others)) is not None}
    refused = _misnamed_pages(config, pages, root)  # about.de.md: no page of its own to translate
    problems = []
    for uri in pages:
        if translation_of(uri, others) is not None or not page_path(uri) or uri in refused:  # the home page is sitegen's
            continue
        shown = _shown(docs / uri, root)
        for lang in others:
            if (page_path(uri), lang) not in translated:
                path = _shown(docs / f"{uri.removesuffix('.md')}.{lang}.md", root)
                problems.append(Problem(shown, 1, 1, Severity.WARNING, t("translation.page_missing", language=t(f"language.{lang}"), path=path)))
    return problems


def check_pages(config: SiteConfig, root: Path) -> list[Problem]:
    """The editors' pages a build refuses for their names (about.de.md beside about.md,
    About.FR.md, about.en.md: see read.links.misnamed), each a warning at its file's first
    line, in the build's words."""
    docs, others = config.docs_dir, config.languages[1:]
    if not others or not docs.is_dir():
        return []
    pages = _editors_pages(docs, (*CONTENT_DIRS, *(config.prefix(lang) for lang in others)))
    return [Problem(_shown(docs / uri, root), 1, 1, Severity.WARNING, message)
            for uri, message in _misnamed_pages(config, pages, root).items()]


def _misnamed_pages(config: SiteConfig, pages: list[str], root: Path) -> dict[str, str]:
    """{page: the build's warning} for each of `pages` (_editors_pages()) that the build
    refuses for its name; a link out of the site's folder is not published anyway (the read
    says so: file.link_outside)."""
    docs, files = config.docs_dir, DocsFiles(config.docs_dir)
    found = {uri: message for uri in pages if (message := misnamed(uri, config, files)) is not None}
    return {uri: message for uri, message in found.items() if is_published_safely(docs / uri, docs, root)}


def _editors_pages(docs: Path, skipped: tuple[str, ...]) -> list[str]:
    """The Markdown files of docs_dir (paths from it) but in `skipped` folders (not walked:
    content/incidents/ may hold 100,000 files) and hidden ones."""
    found = []
    for folder, subfolders, names in os.walk(docs):
        where = Path(folder).relative_to(docs).as_posix().removeprefix(".").lstrip("/")
        prefix = f"{where}/" if where else ""
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and f"{prefix}{d}/" not in skipped)
        found += [f"{prefix}{n}" for n in sorted(names) if n.endswith(".md") and not n.startswith(".")]
    return found


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
