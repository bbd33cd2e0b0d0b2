"""The build before MkDocs renders anything: read -> aggregate -> plan -> render, in one call.

    out = pipeline.run(site, content, env, cache=cache, serving=False, markdown=(exts, configs))

`run` plans every page (sitegen.generate), renders each brief to its final HTML (with the
map(), incidents_table() and incident() helpers in place) and each week's incident list,
and makes every other output: data files, map data, each edition's feed.xml and search
index, the other edition's 404.html. The plugin hands all of it to MkDocs, which writes
every file; templates then only show the ready data of their page's record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import html
import os
import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from jinja2 import pass_context
from markupsafe import Markup
from urllib.parse import urlsplit

from sitegen import i18n, search_job, urls
from sitegen.aggregate import Country, SiteModel, Week, aggregate
from sitegen.cache import BuildCache, digest
from sitegen.config import SiteConfig
from sitegen.generate import Edition, PageSpec, SiteGenerator
from sitegen.memo import NO_MEMO, NoMemo, RecordMemo
from sitegen.messages import t
from sitegen.model import Brief, Content, Incident, IsoWeek, Problem
from sitegen.render.brief import (
    BLOCK_RE, BriefError, Figures, SiteLinks, UnknownIncident, block_marker, html_problem, render_brief, site_links,
)
from sitegen.read.links import CONTENT_DIRS, CONTENT_FILES
from sitegen.render.markdown import render_markdown
from sitegen.text import summary_teaser

_TAGS = re.compile(r"<[^>]+>")
_INCIDENT_ID = re.compile(r"""\bincident\(\s*["']([^"'\\]*)["']\s*\)""")
_INCIDENT_WORD = re.compile(r"\bincident\b")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_EXTERNAL_LINK = re.compile(r'<a href="((?:https?:)?//[^"]*)"(?![^>]*\brel=)')


@dataclass(frozen=True)
class Output:
    """Everything one build shows: the pages' records and every other file, by URI."""

    pages: Mapping[str, PageSpec]
    files: Mapping[str, bytes | Path]  # bytes, or a cache entry's path (big downloads)
    problems: tuple[Problem, ...]  # briefs that failed to render (under serve; a build stops)
    build_date: dt.date
    keys: Mapping[str, str] = dataclasses.field(default_factory=dict)  # each page's content key (serve, or a cache)
    later: search_job.Pending | None = None  # files still being made (the search indexes): Session.add_later_files
    documents: int = 0  # in each edition's search index (see search_job.in_worker)


def run(
    site: SiteConfig,
    content: Content,
    env: Any,
    *,
    cache: BuildCache,
    serving: bool = False,
    markdown_options: tuple[list, dict] = ([], {}),
    page_context: Mapping[str, Any] | None = None,
    memory: dict[str, Any] | None = None,
    records: RecordMemo | NoMemo = NO_MEMO,
    early: search_job.Pending | None = None,
) -> Output:
    """The whole build but the writing. `env` is the theme's Jinja environment (configured
    here, once, for the pages MkDocs renders later); `page_context` what a theme template
    rendered outside a page needs from MkDocs (its config); `records` (serve's) what the
    last rebuild made of the weeks left as they were; `early` a search worker started as
    the build began (a rebuild's, see Session.build), cancelled if not wanted; BriefError
    stops a build."""
    try:
        return _run(site, content, env, cache, serving, markdown_options, page_context, memory, records, early)
    finally:
        if early is not None and not early.jobs:  # not this build's: not wanted, or the build failed
            early.cancel()


def _run(site, content, env, cache, serving, markdown_options, page_context, memory, records, early) -> Output:
    model = aggregate(content, site.event_types, include_drafts=serving, now=site.now, memo=records)
    generator = SiteGenerator(model, site, cache, translations=_translations(site, content, serving), memo=records)
    configure_env(env, site, generator)
    editions = generator.editions()
    later = None  # the search indexes, made by a worker while the build goes on (from here)
    langs = [ed.lang for ed in editions]
    if generator.all_key and search_job.in_worker(langs, cache, documents(model)):
        later = early if early is not None and early.langs == langs else search_job.Pending(cache, langs)
        later.start([generator.search_incidents(ed) for ed in editions])
    try:
        files = dict(generator.files())
        planned = generator.pages(generator.download_sizes)
        render = _Renderer(env, generator, site, content, serving, markdown_options, memory)
        pages = {uri: render.page(spec) for uri, spec in planned.items()}
        render.done()
        parts = []
        for ed in editions:
            briefs = render.briefs.get(ed.lang, {})
            files[f"{ed.prefix}feed.xml"] = generator.feed({w: b.feed_html for w, b in briefs.items()}, env=env, ed=ed)
            # each brief's words, and the language of one shown untranslated (its results say so)
            untranslated = "" if ed.lang == ed.default_lang else ed.default_lang
            brief_text = {w: (b.title, b.text, "" if (w, ed.lang) in generator.translations else untranslated) for w, b in briefs.items()}
            if later is not None:
                parts.append(generator.search_briefs(brief_text, ed))
            elif generator.all_key:
                job, make = generator.search_job(brief_text, ed)
                files.update(search_job.made(job, cache, make))
            else:
                files.update(generator.search_files(brief_text, ed=ed))
            if ed.prefix and page_context is not None:  # MkDocs renders the first edition's 404.html
                files[f"{ed.prefix}404.html"] = not_found_page(env, site, ed, page_context).encode("utf-8")
    except BaseException:
        if later is not None:
            later.cancel()
        raise
    if later is not None:
        later.finish(parts)
    keys = page_keys(pages, generator, records) if serving or cache.root is not None else {}
    return Output(pages, files, tuple(render.problems), build_date(content, model, site.now), keys, later, documents(model))


def documents(model) -> int:
    """What an edition's search index holds: a document per incident and per week's brief (at most)."""
    return len(model.incidents) + len(model.weeks)


def page_keys(pages: Mapping[str, PageSpec], generator: SiteGenerator, records: RecordMemo | NoMemo = NO_MEMO) -> dict[str, str]:
    """Each page's content key: a digest of its whole record (a page's HTML is kept by it,
    with what the theme shows of the site besides: see sitegen.state.PageMemory). Under
    serve, `records` names a record or list the last rebuild named as it did then."""
    fingerprint = _Fingerprint(generator, records)
    return {uri: hashlib.sha256(fingerprint.of(spec).encode("utf-8")).hexdigest() for uri, spec in pages.items()}


class _Fingerprint:
    """A record as a string that changes whenever it does, cheaply: a list of incidents is
    named by its digest, computed once (a week's, by the generator's week key); a week by
    (the digest of) its fields, once; a country by the site's key (its incidents, figures and chart come
    from all incidents), its name and its briefs; long strings (rendered HTML) by digest;
    any other record (figures, maps, charts, an incident) by its repr."""

    def __init__(self, generator: SiteGenerator, records: RecordMemo | NoMemo = NO_MEMO):
        self.all_key, self.records = generator.all_key, records
        self.translations: dict[IsoWeek, list[Brief]] = {}  # what the `brief` filter shows of a week
        for (week, _), brief in sorted(generator.translations.items(), key=lambda kv: kv[0][1]):
            self.translations.setdefault(week, []).append(brief)
        # by id, with the object itself, so that no id is reused while the fingerprint lives
        self.known: dict[int, tuple[object, str]] = {id(w.incidents): (w.incidents, k) for w in generator.model.weeks
                                                     if (k := generator.week_keys.get(w.week))}  # fmt: skip

    def of(self, value: object) -> str:
        if isinstance(value, str):
            return repr(value) if len(value) < 256 else "#" + hashlib.sha256(value.encode("utf-8")).hexdigest()
        if isinstance(value, (list, Week, Country)):  # shared by many pages: once each
            if (known := self.known.get(id(value))) is not None and known[0] is value:
                return known[1]
            if isinstance(value, list) and all(map(_is_frozen, value)):  # named as by the last rebuild
                found = self.records.of(value, lambda: self._named(value))
            else:
                found = self._named(value)
            self.known[id(value)] = (value, found)
            return found
        if isinstance(value, PageSpec):
            return self._fields(value)
        if isinstance(value, LaterHTML):  # by its cache key, else by what it shows
            return "#" + value.key if value.key else self.of(str(value))
        if isinstance(value, tuple):
            return "(" + ",".join(self.of(v) for v in value) + ")"
        if isinstance(value, Mapping):
            return "{" + ",".join(f"{self.of(k)}:{self.of(v)}" for k, v in value.items()) + "}"
        if isinstance(value, (set, frozenset)):
            return "{" + ",".join(sorted(self.of(v) for v in value)) + "}"
        if dataclasses.is_dataclass(value):  # a map, a chart, figures: big, and only walked once
            return self.records.of(value, lambda: "#" + digest(value)) if _is_frozen(value) else "#" + digest(value)
        return repr(value)

    def _named(self, value: list | Week | Country) -> str:
        found = self._of_shared(value)
        if len(found) > 128:  # named by its digest: pages that list every week hold it once each, not its text
            found = "#" + hashlib.sha256(found.encode("utf-8")).hexdigest()
        return found

    def _of_shared(self, value: list | Week | Country) -> str:
        if isinstance(value, Week):
            return self._fields(value) + self.of(self.translations.get(value.week, []))
        if isinstance(value, Country) and self.all_key:
            return self.of(("Country", value.code, value.name, value.slug, self.all_key, value.briefs))
        if isinstance(value, Country):  # no keys without a cache: every field
            return self._fields(value)
        if value and all(isinstance(v, Incident) for v in value):
            return "#" + digest(value)
        return "[" + ",".join(self.of(v) for v in value) + "]"

    def _fields(self, value: object) -> str:
        fields = [f for f in dataclasses.fields(value) if not f.metadata.get("derived")]  # from the others
        return f"{type(value).__name__}(" + ",".join(self.of(getattr(value, f.name)) for f in fields) + ")"


@functools.cache
def _frozen(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return params is not None and params.frozen


def _is_frozen(value: object) -> bool:
    """A frozen record (a dataclass instance: never changed once made) other than a page's,
    whose name depends on the site around it."""
    return _frozen(type(value)) and not isinstance(value, PageSpec)


def _translations(site: SiteConfig, content: Content, serving: bool) -> dict[tuple[IsoWeek, str], Brief]:
    """(week, language) -> a brief's translation: drafts and embargoes of either hold it back."""
    originals = {b.week: b for b in content.briefs}
    return {
        (b.week, b.lang): b
        for b in content.translations
        if b.lang in site.languages[1:]
        and (b.is_published or serving)
        and b.is_out(site.now)
        and (b.week not in originals or originals[b.week].is_out(site.now))
    }


def build_date(content: Content, model: SiteModel, now: dt.datetime | None = None) -> dt.date:
    """The day a build is dated (sitemap, gzip headers) unless SOURCE_DATE_EPOCH says
    otherwise: the content's latest published day, so that two builds are byte-identical."""
    # published content only: an internal or embargoed incident's date must not show in the
    # sitemap (the model's incidents are the published ones, by date), nor a draft's week
    days = [b.week.sunday for b in content.briefs if b.is_published and b.is_out(now)]
    days += [model.incidents[-1].date] if model.incidents else []
    return min(max(days, default=dt.date(2000, 1, 1)), dt.date(2100, 12, 31))  # gzip headers end in 2106


def lang_context(site: SiteConfig, lang: str | None = None) -> dict[str, str]:
    """What templates need to speak a page's language."""
    lang = lang or site.default_language
    return {"sg_lang": lang, "sg_prefix": site.prefix(lang), "sg_default_lang": site.default_language}


def alternates(spec: PageSpec, pages: Mapping[str, PageSpec], site: SiteConfig) -> list[dict[str, str]]:
    """The page in every language (hreflang links and the language switch)."""
    found = {lang: other.url for lang in site.languages if (other := pages.get(site.prefix(lang) + spec.path)) is not None}
    return _language_links(spec.url, found, site)


def plain_alternates(page, site: SiteConfig) -> list[dict[str, str]]:
    """alternates() of one of the editors' pages (a plain_pages.PlainPage)."""
    return _language_links(page.file.url, {lang: file.url for lang, file in page.twins.items()}, site)


def _language_links(url: str, found: Mapping[str, str], site: SiteConfig) -> list[dict[str, str]]:
    """The links to a page at `url` in each language, of {language: its URL}: hreflang links
    want absolute URLs; the switch stays relative, so previews stay local."""
    links = []
    for lang in site.languages:
        if (other := found.get(lang)) is None:
            continue
        relative = urls.relative(url, other) or "./"
        href = site.site_url + other if site.site_url else relative
        links.append({"lang": lang, "href": href, "relative": relative, "name": i18n.LANGUAGE_NAMES[lang]})
    if len(links) > 1:
        links.append({**links[0], "lang": "x-default"})
    return links if len(links) > 1 else []


class _SiteLinks(Treeprocessor):
    """A brief's relative links and images as the site has them (see SiteLinks): from the
    brief's file in content/ to the page it is shown on (the week page of each edition)."""

    def __init__(self, md: markdown.Markdown, site: SiteLinks) -> None:
        super().__init__(md)
        self.site = site
        self.where: tuple[Brief, PageSpec, str] | None = None  # the brief being converted, its page, its edition's prefix

    def run(self, root) -> None:
        if self.where is None:
            return
        brief, spec, prefix = self.where
        for element in root.iter():
            name = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            if name is None or (value := element.get(name)) is None:
                continue
            found = self.site.target(brief, value)
            if isinstance(found, tuple):
                path, each_edition = found
                element.set(name, spec.relative(prefix + path if each_edition else path) or "./")


class AlignedCells(Extension):
    """Table columns aligned by a class (align-left, -center, -right in assets/site.css),
    not by the style attribute Python-Markdown's tables write: the pages' CSP allows none.
    The plugin adds it to the site's Markdown: briefs and plain pages."""

    def __repr__(self) -> str:  # as the pages' keys hold mkdocs.yml's options: the same in every build
        return f"{type(self).__module__}.{type(self).__qualname__}()"

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(_AlignedCells(md), "sitegen_aligned_cells", 5)  # after the inline ones


class _AlignedCells(Treeprocessor):
    def run(self, root) -> None:
        for cell in root.iter():
            if cell.tag in ("th", "td") and (found := _ALIGN_STYLE.fullmatch(cell.get("style") or "")):
                del cell.attrib["style"]
                cell.set("class", f"{cell.get('class', '')} align-{found[1]}".strip())


_ALIGN_STYLE = re.compile(r"\s*text-align:\s*(left|center|right);?\s*")


def with_safe_links(page_html: str) -> str:
    """Editors' Markdown (briefs, plain pages): external links must not leak the referrer."""
    return _EXTERNAL_LINK.sub(r'<a href="\1" rel="noopener noreferrer"', page_html)


def tile_hosts(tiles_url: str | None) -> str:
    """The map tiles' host for the Content-Security-Policy's img-src (' https://a.tile.org')."""
    if not tiles_url:
        return ""
    parts = urlsplit(tiles_url.replace("{s}", "*"))
    return f" {parts.scheme or 'https'}://{parts.netloc}" if parts.netloc else ""  # http tile servers too


def configure_env(env: Any, site: SiteConfig, generator: SiteGenerator | None = None) -> Any:
    """The theme's environment, set up for sitegen's templates: escaping, languages, URLs."""
    from mkdocs.utils import normalize_url

    env.autoescape = True  # MkDocs builds its environment without; all incident text is untrusted
    env.filters["markdown"] = render_markdown
    env.filters["excerpt"] = summary_teaser
    i18n.install(env, site.default_language)  # gettext, dates, numbers, country names per language

    @pass_context
    def brief_of(context, week):
        """The brief a week shows in the page's language: its translation, else the original."""
        return generator.brief_of(week, context.get("sg_lang")) if generator else week.brief

    @pass_context
    def lang_url(context, path: str) -> str:
        """A page of this edition (`week.url`, 'weeks/'), as MkDocs' `url` filter gives it."""
        return normalize_url(context.get("sg_prefix", "") + str(path), page=context.get("page"), base=context.get("base_url", ""))

    env.filters["brief"] = brief_of
    env.filters["lang_url"] = lang_url
    env.globals["sg_types"] = {e.slug: e for e in site.event_types}
    env.globals["incident_url"] = urls.incident_url
    env.globals["week_uri"] = urls.week_uri
    env.globals["sg_site"] = site
    env.globals["sg_tile_hosts"] = tile_hosts(site.tiles_url)
    editions = tuple(site.languages[1:])
    env.globals["sg_generated_dirs"] = generated = ("", "weeks", "countries", "data", "changes", "search", "index.html", *editions)
    env.filters["editors_sections"] = functools.partial(editors_sections, generated_dirs=generated)
    return env


def editors_sections(nav, generated_dirs: Container[str]) -> list[tuple[Any, Any]]:
    """(section, its first page of the editors') of each section of MkDocs' nav that has one:
    the footer's links to folders of the editors' pages (the guide). Found once per nav, not
    once per page: each page's footer walked the weeks' section's 520 pages (1.7 s at 100k)."""
    if not nav:
        return []
    if (known := _SECTIONS.get(id(nav))) is not None and known[0] is nav:
        return known[1]
    found = []
    for item in nav:
        if item.is_section:  # its first page of the default language (a folder's translations sort among them)
            first = next((c for c in item.children if c.is_page and c.url and c.url.split("/")[0] not in generated_dirs), None)
            if first is not None:
                found.append((item, first))
    _SECTIONS.clear()  # one build's nav at a time
    _SECTIONS[id(nav)] = (nav, found)
    return found


_SECTIONS: dict[int, tuple[Any, list[tuple[Any, Any]]]] = {}


def not_found_page(env: Any, site: SiteConfig, ed: Edition, page_context: Mapping[str, Any]) -> str:
    """An edition's 404.html, as MkDocs renders the first edition's (served at any depth)."""
    config = page_context.get("config")
    base_url = urlsplit(getattr(config, "site_url", None) or "/").path or "/"
    context = {"base_url": base_url.rstrip("/"), "page": None, "nav": [], "sg": {}, "sg_page": None, **page_context}
    context["sg_alternates"] = not_found_alternates(site)
    return env.get_template("404.html").render(**context, **lang_context(site, ed.lang))


def not_found_alternates(site: SiteConfig) -> list[dict[str, str]]:
    """alternates() of the 404 pages, which are served at any depth: the switch's link from
    the site's root too (its path in site_url, else /)."""
    if len(site.languages) < 2:
        return []
    root = urlsplit(site.site_url).path or "/"
    found = []
    for lang in site.languages:
        path = f"{site.prefix(lang)}404.html"
        href = site.site_url + path if site.site_url else root + path
        found.append({"lang": lang, "href": href, "relative": root + path, "name": i18n.LANGUAGE_NAMES[lang]})
    return [*found, {**found[0], "lang": "x-default"}]


@dataclass(frozen=True)
class RenderedBrief:
    title: str
    page_html: Markup  # what the week page shows: the brief with its maps, tables and cards
    feed_html: str  # the brief's own text as HTML, without them (the feed's content)
    text: str  # its words (the search index)
    placed: frozenset[str]  # what the brief placed itself: "map", "incidents"


_STORED = tuple[str, str, str, str, list[str]]  # a rendered brief in the build cache


def _stored(brief: RenderedBrief | None) -> _STORED:
    """A rendered brief as a cache entry (a build stops on a brief that fails: never None)."""
    assert brief is not None
    return (brief.title, str(brief.page_html), brief.feed_html, brief.text, sorted(brief.placed))


def _rendered(stored: _STORED) -> RenderedBrief:
    title, page_html, feed_html, text, placed = stored
    return RenderedBrief(title, Markup(page_html), feed_html, text, frozenset(placed))


class _Blocks(Preprocessor):
    """Puts the helpers' HTML where the brief called them, as Markdown keeps raw HTML: in
    its stash, out of reach of the Markdown around it (None: the brief alone)."""

    fragments: list[str] | None = None

    def run(self, lines: list[str]) -> list[str]:
        if not self.fragments:
            return lines
        stash = lambda m: self.md.htmlStash.store(self.fragments[int(m[1])])  # noqa: E731
        return [BLOCK_RE.sub(stash, line) if "data-sg-block" in line else line for line in lines]


class LaterHTML:
    """HTML a template shows as it is, made or read from the build cache when it is shown
    and not kept in memory; a page's content key names it by its cache key (`key`)."""

    __slots__ = ("key", "_make")

    def __init__(self, key: str, make: Callable[[], str]) -> None:
        self.key, self._make = key, make

    def __html__(self) -> str:
        return self._make()

    __str__ = __html__


INCIDENT_LISTS = "incidents"  # the cache entries of the week pages' incident lists


def incident_list(env, generator: SiteGenerator, site: SiteConfig, spec: PageSpec) -> LaterHTML:
    """A week page's incident list, rendered once per content change (the bulk of a week
    page), read from the cache only when the page is rendered (a kept page is not)."""
    week, compact = spec.week, spec.data.get("busy", False)
    week_key = generator.week_keys[week.week]
    key = f"{week_key}:{compact}:{spec.lang}"

    def render() -> str:
        template = env.get_template("partials/incidents.html")
        return template.render(incidents=week.incidents, compact=compact, **lang_context(site, spec.lang)).strip()

    return LaterHTML(key if week_key else "", lambda: generator.cache.get_text(INCIDENT_LISTS, key, render))


WEEK_MAPS = "week-maps"  # the cache entries of the week pages' maps, drawn


def week_map(env, generator: SiteGenerator, site: SiteConfig, spec: PageSpec) -> LaterHTML:
    """A week page's map as the page shows it (partials/week-map.html), drawn once per
    content change, by whichever process comes to it first: its SVG holds a circle per
    incident, which took MkDocs' rendering of the pages a fifth of its time. Keyed by the
    map's cache key, which names everything the map shows, in its edition."""
    shown = spec.data.get("map")
    key = getattr(shown, "key", "")  # a LaterMap's (a map made without a cache has none)

    def render() -> str:
        return env.get_template("partials/week-map.html").render(map=shown, **lang_context(site, spec.lang))

    return LaterHTML(key, lambda: generator.cache.get_text(WEEK_MAPS, key, render) if key else render())


class _Renderer:
    """The render stage: each planned page's record, completed with what needs the theme."""

    def __init__(self, env, generator: SiteGenerator, site: SiteConfig, content: Content, serving: bool, markdown_options, memory=None):
        self.env, self.generator, self.site, self.content, self.serving = env, generator, site, content, serving
        self.memory, self.kept = memory, {}  # rendered briefs: the last build's, this build's
        extensions, configs = markdown_options
        # the site's own Markdown, as MkDocs makes it of a page (its extensions and their options)
        self.md = markdown.Markdown(extensions=list(extensions), extension_configs=dict(configs or {}))
        self.blocks = _Blocks(self.md)
        self.md.preprocessors.register(self.blocks, "sitegen_blocks", 25)  # after whitespace, before raw HTML
        self.links = _SiteLinks(self.md, site_links(site, content))
        self.md.treeprocessors.register(self.links, "sitegen_site_links", 4)
        self.briefs: dict[str, dict[IsoWeek, RenderedBrief]] = {}
        self.problems: list[Problem] = []
        self.failed = {p.path for p in content.errors}

    def page(self, spec: PageSpec) -> PageSpec:
        if spec.week is None:
            return spec
        brief = spec.data.get("brief")
        rendered = self._brief(spec, brief) if brief is not None else None
        placed = rendered.placed if rendered else frozenset()
        if rendered is not None:
            self.briefs.setdefault(spec.lang, {})[spec.week.week] = rendered
        return spec.with_data(
            brief_html=rendered.page_html if rendered else Markup(""),
            placed=placed,
            incidents_html=None if "incidents" in placed else self._incidents_html(spec),
            week_map=None if "map" in placed else week_map(self.env, self.generator, self.site, spec),
        )

    def _render(self, template: str, spec: PageSpec, **data: Any) -> str:
        return self.env.get_template(template).render(**data, **lang_context(self.site, spec.lang)).strip()

    def _incidents_html(self, spec: PageSpec) -> LaterHTML:
        return incident_list(self.env, self.generator, self.site, spec)

    def _brief(self, spec: PageSpec, brief: Brief) -> RenderedBrief | None:
        if brief.path in self.failed:
            return None  # under serve: its problems, found by the check, are shown (once) already
        if self.memory is None:  # a build: the briefs of the last one are in the cache
            key = self._brief_key(spec, brief) if self.generator.cache.root is not None else None
            if key is None:
                return self._render_brief(spec, brief)
            make = lambda: _stored(self._render_brief(spec, brief))  # noqa: E731
            return _rendered(self.generator.cache.get_value("brief", key, make, _STORED))
        key = self._brief_key(spec, brief)
        if key is not None and (kept := self.memory.get(key)) is not None:
            self.kept[key] = kept
            return kept
        problems = len(self.problems)
        rendered = self._render_brief(spec, brief)
        if key is not None and rendered is not None and len(self.problems) == problems:
            self.kept[key] = rendered  # a brief that failed is rendered again: its problem shown again
        return rendered

    def _brief_key(self, spec: PageSpec, brief: Brief) -> str | None:
        """Everything a rendered brief shows: the brief, its page, its week's incidents and
        figures, the incidents it embeds from other weeks, the site's options and templates
        (the build cache's salt). None (not kept) when its incident() calls are not all
        plain ids, as the incidents it shows are then not known before rendering it."""
        code = " ".join(_JINJA.findall(brief.body))  # the brief's expressions, not its prose
        ids = _INCIDENT_ID.findall(code)
        if len(ids) != len(_INCIDENT_WORD.findall(code)):
            return None
        week, keys = spec.week, self.generator.week_keys
        # its figures (`stats`, `previous`) are those of its week's incidents and of the week before's
        figures = (keys.get(week.week), keys.get(week.week.previous()))
        embedded = [self.generator.model.by_id.get(i) for i in ids]
        return digest(self.generator.cache.salt, spec.src_uri, spec.lang, brief, figures,
                      spec.data.get("map"), spec.data.get("busy"), embedded, self.site.markdown_extensions,
                      self.links.site.key(brief))

    def done(self) -> None:
        """What the next rebuild may reuse: this build's briefs only."""
        if self.memory is not None:
            self.memory.clear()
            self.memory.update(self.kept)

    def _render_brief(self, spec: PageSpec, brief: Brief) -> RenderedBrief | None:
        fragments: list[str] = []  # the helpers' HTML, kept out of Markdown's way
        placed: set[str] = set()
        week, generator = spec.week, self.generator
        prefix = self.site.prefix(spec.lang)

        def block(fragment: str) -> Markup:
            fragments.append(fragment)  # a block of its own, which Markdown keeps as raw HTML
            return Markup(block_marker(len(fragments) - 1))

        def map_(country=None, type=None) -> Markup:  # noqa: A002 (the brief's word)
            fragment = spec.data["map"]
            if country is None and type is None:
                placed.add("map")
            else:  # a map of part of the week: the week's own map is still placed
                key, mine = generator.filtered(week.incidents, country, type)
                fragment = generator.filtered_map(spec, key, mine)
            return block(self._render("partials/map.html", spec, map=fragment, event_types=self.site.event_types))

        def incidents_table(country=None, type=None) -> Markup:  # noqa: A002
            if country is None and type is None:
                placed.add("incidents")
                return block(str(self._incidents_html(spec)))
            # part of the week: a table linking to the full list, which keeps the anchors
            _, mine = generator.filtered(week.incidents, country, type)
            return block(self._render("partials/incident-table.html", spec, incidents=mine))

        def incident(incident_id: str) -> Markup:
            found = next((i for i in week.incidents if i.id == incident_id), None) or generator.model.by_id.get(incident_id)
            if found is None:
                raise UnknownIncident(incident_id)
            href = f"#{found.id}" if found.week == week.week else spec.relative(prefix + urls.incident_url(found))
            return block(self._render("partials/incident-card.html", spec, incident=found, href=href))

        stats, previous = week.stats_in(spec.lang, self.site.event_types)  # labels in the brief's language
        stats, previous = Figures(stats, spec.lang), Figures(previous, spec.lang)  # numbers as the page writes them
        context = {"stats": stats, "week": week.week, "previous": previous, "map": map_, "incidents_table": incidents_table}
        try:
            text = render_brief(brief, context, incident, self.site.markdown_extensions)
        except BriefError as exc:
            return self._failed(exc.problem)
        # the brief alone (feed, search, the raw-HTML check), then with the helpers' HTML
        self.links.where = (brief, spec, self.site.prefix(spec.lang))
        alone = BLOCK_RE.sub("", with_safe_links(self._markdown(text, None)))  # links to nothing: the check's (self.failed)
        problem = html_problem(brief, alone)
        if problem is not None:  # the site's Markdown extensions let markup through
            self._failed(problem)
            alone = html.escape(alone)
            page_html = Markup(alone)
        else:
            page_html = Markup(with_safe_links(self._markdown(text, fragments)))
        words = html.unescape(_TAGS.sub(" ", alone))
        return RenderedBrief(brief.title, page_html, alone, words, frozenset(placed))

    def _markdown(self, text: str, fragments: list[str] | None) -> str:
        self.md.reset()
        self.blocks.fragments = fragments
        return self.md.convert(text)

    def _failed(self, problem: Problem) -> None:
        if not self.serving:
            raise BriefError(problem)  # the plugin stops the build with it
        self.problems.append(problem)


# --- what the plugin asks of MkDocs' configuration --------------------------------------------

THEME_TEMPLATES = ("feed.xml",)  # rendered by the pipeline, never copied as is


def generated_files(out: Output):
    """(uri, bytes or a file's path) of every page and file the build hands to MkDocs."""
    from sitegen.render import maps

    for spec in out.pages.values():
        yield spec.src_uri, spec.markdown
    yield from maps.vendor_files()
    yield from out.files.items()


def dropped_files(files, config, site_root: Path) -> list:
    """MkDocs' files that are not pages or files of the site: the content (read by the
    pipeline), the feed template, and links out of the site's folder (reported by the reader)."""
    from sitegen.read.links import is_published_safely

    docs_dir = Path(config.docs_dir)
    return [
        file
        for file in files
        if file.src_uri.startswith(CONTENT_DIRS)
        or file.src_uri in CONTENT_FILES + THEME_TEMPLATES
        or (_from_docs(file, docs_dir) and not is_published_safely(Path(file.abs_src_path), docs_dir, site_root))
    ]


def _from_docs(file, docs_dir: Path) -> bool:
    """A file of docs_dir (content), not of the theme: only those can be editors' links."""
    if not file.abs_src_path:
        return False
    return Path(os.path.abspath(file.abs_src_path)).is_relative_to(os.path.abspath(docs_dir))


def cache_options(site: SiteConfig, serving: bool, config) -> tuple:
    """What the cached outputs depend on besides their inputs: every option (but the folders:
    `sitegen build` writes to a new staging folder each time) and what of MkDocs'
    configuration the theme's partials can show."""
    keys = ("use_directory_urls", "site_description", "site_author", "copyright", "extra", "repo_url", "repo_name")
    theme = sorted((k, repr(v)) for k, v in config.theme.items())
    mkdocs = tuple((k, repr(config.get(k))) for k in keys) + tuple(theme)
    return (dataclasses.replace(site, site_dir=Path(), docs_dir=Path(), now=None), serving, mkdocs)


def cannot_write(exc: OSError, fallback: object) -> str:
    """A full disk, a read-only folder: one line naming the path."""
    return t("build.cannot_write", path=getattr(exc, "filename2", None) or exc.filename or fallback, reason=exc.strerror or exc)
