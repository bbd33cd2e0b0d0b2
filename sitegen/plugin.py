"""The MkDocs (and ProperDocs) plugin: a thin shell wiring read -> aggregate -> render to
MkDocs events. Every stage it calls tests without a build."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import gc
import hashlib
import html
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import pass_context
from markupsafe import Markup
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.utils import normalize_url

from sitegen import geo, i18n
from sitegen.aggregate import aggregate
from sitegen.build import MARKER, MARKER_TEXT, site_dir_refusal
from sitegen.cache import BuildCache, salt_of
from sitegen.check import check_content
from sitegen.config import ConfigError, from_options
from sitegen.generate import PageSpec, SiteGenerator, fill_file_sizes, incident_url
from sitegen.messages import t
from sitegen.model import Content, IsoWeek, Severity
from sitegen.preview import patch_live_reload
from sitegen.read.links import is_published_safely
from sitegen.render import maps
from sitegen.render.brief import BriefError, UnknownIncident, html_problem, render_brief
from sitegen.render.markdown import excerpt, render_markdown
from sitegen.write import BackgroundWriter

log = logging.getLogger("mkdocs.plugins.sitegen")

CONTENT_DIRS = ("incidents/", "briefs/")
CONTENT_FILES = ("places.yaml",)
THEME_TEMPLATES = ("feed.xml",)  # rendered by the plugin, never copied as is
_BLOCK = '<div data-sg-block="{}"></div>'
_PINNED = "SITEGEN_PINNED_SOURCE_DATE_EPOCH"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"<>]*">')
_TAGS = re.compile(r"<[^>]+>")
_EXTERNAL_LINK = re.compile(r'<a href="((?:https?:)?//[^"]*)"(?![^>]*\brel=)')


class SitegenConfig(base.Config):
    event_types = c.Optional(c.Type(list))
    tiles = c.Type((dict, bool), default={})  # false: no map tiles (offline previews, tests)
    recent_weeks = c.Type(int, default=12)
    restricted_licences = c.Optional(c.Type(list))  # default [acled]: shown, never downloadable
    data_licence = c.Optional(c.Type(str))
    languages = c.Optional(c.Type((list, str)))  # default [en, fr]: the first at the root, the other under /fr/


class SitegenPlugin(BasePlugin[SitegenConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.serving = False
        self.content: Content | None = None
        self.pages: dict[str, PageSpec] = {}
        self.generator: SiteGenerator | None = None
        self.env: Any = None
        self._blocks: dict[str, list[str]] = {}
        self._brief_html: dict[tuple[str, IsoWeek], str] = {}  # (language, week) -> the brief as HTML
        self._gc_paused = False  # True while this plugin holds the collector off
        # the user's SOURCE_DATE_EPOCH, not one a previous build of this process set
        # (`mkdocs serve` makes a new plugin for every rebuild)
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        self._user_epoch = epoch if epoch != os.environ.get(_PINNED) else None

    # --- configuration and content -----------------------------------------------------

    def load_config(self, options, config_file_path=None):
        # `tiles: null` means no tiles; MkDocs would read a null option as "use the default"
        self._tiles_off = "tiles" in options and options["tiles"] is None
        return super().load_config({k: v for k, v in options.items() if not (k == "tiles" and v is None)}, config_file_path)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        if self.serving:
            patch_live_reload()  # reload script allowed by the CSP; failed rebuilds shown, not hung

    def on_config(self, config):
        try:
            options = dict(self.config)
            if getattr(self, "_tiles_off", False):
                options["tiles"] = False
            self.site = from_options(
                options,
                docs_dir=Path(config.docs_dir),
                site_dir=Path(config.site_dir),
                site_name=config.site_name,
                site_url=config.site_url or "",
                markdown_extensions=_extensions(config),
            )
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        refusal = site_dir_refusal(Path(config.site_dir))  # MkDocs would empty it
        if refusal:
            raise PluginError(refusal)
        return config

    def on_pre_build(self, config) -> None:
        # marked first, so that the next build may replace even a site this build leaves half-written
        site_dir = Path(config.site_dir)
        try:
            site_dir.mkdir(parents=True, exist_ok=True)
            (site_dir / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        except OSError as exc:
            raise PluginError(t("build.cannot_write", path=getattr(exc, "filename2", None) or exc.filename or site_dir, reason=exc.strerror or exc)) from exc

    def on_files(self, files: Files, config) -> Files:
        # no garbage collection until on_post_build: each full pass re-scanned the millions of
        # live records (a third of a 100k build's CPU); the build makes little cyclic garbage
        self._gc_paused = self._gc_paused or gc.isenabled()
        gc.disable()
        root = Path(config.config_file_path).parent if config.config_file_path else None
        cache = (root or Path.cwd()) / ".cache" / "sitegen"
        self.content = check_content(self.site, root=root, cache_dir=cache)
        for problem in self.content.problems:
            # content warnings are shown but do not stop a --strict build (validate --strict can)
            (log.error if problem.severity is Severity.ERROR else log.info)(str(problem))
        if self.content.errors and not self.serving:
            raise PluginError(t("build.content_errors", count=len(self.content.errors)))

        if self._user_epoch is None:
            _pin_build_date(self.content, self.site.now)
        # briefs are rendered while pages are read, before MkDocs' on_env: use our own copy
        self._configure_env(config.theme.get_env())
        model = aggregate(self.content, self.site.event_types, include_drafts=self.serving, now=self.site.now)
        site = self.site
        # every option, but not site_dir: `sitegen build` writes to a new staging folder each time
        options = (dataclasses.replace(site, site_dir=Path(), docs_dir=Path(), now=None), self.serving, _theme_options(config))
        self.cache = BuildCache(cache / "build", salt_of(config.theme.dirs, options))
        # a translation comes out with its brief: drafts and embargoes of either hold it back
        originals = {b.week: b for b in self.content.briefs}
        translations = {
            (b.week, b.lang): b
            for b in self.content.translations
            if b.lang in site.languages[1:]
            and (b.is_published or self.serving)
            and b.is_out(site.now)
            and (b.week not in originals or originals[b.week].is_out(site.now))
        }
        self.generator = SiteGenerator(model, self.site, self.cache, translations=translations)
        # downloads and map data: written by a second process while pages are made
        self._stop_writer()
        self.writer = BackgroundWriter(self.generator.files, Path(config.site_dir))
        self.pages = self.generator.pages()
        self._brief_html = {}

        docs_dir = Path(config.docs_dir)
        site_root = root or docs_dir.parent
        for file in list(files):
            if file.src_uri.startswith(CONTENT_DIRS) or file.src_uri in CONTENT_FILES + THEME_TEMPLATES:
                files.remove(file)
            elif _from_docs(file, config) and not is_published_safely(Path(file.abs_src_path), Path(config.docs_dir), site_root):
                files.remove(file)  # a link out of the site's folder: reported by the reader
        for spec in self.pages.values():
            _replace(files, File.generated(config, spec.src_uri, content=spec.markdown))
        for uri, path in maps.vendor_files():
            _replace(files, File.generated(config, uri, abs_src_path=str(path)))
        return files

    def on_env(self, env, config, files):
        return self._configure_env(env)

    def _configure_env(self, env):
        # MkDocs builds its environment without autoescape; all incident text is untrusted
        env.autoescape = True
        self.env = env
        env.filters["markdown"] = render_markdown
        env.filters["excerpt"] = excerpt
        i18n.install(env, self.site.default_language)  # gettext, dates, numbers, country names per language

        @pass_context
        def brief_of(context, week):
            """The brief a week shows in the page's language: its translation, else the original."""
            return self.generator.brief_of(week, context.get("sg_lang")) if self.generator else week.brief

        @pass_context
        def lang_url(context, path: str) -> str:
            """A page of this edition (`week.url`, 'weeks/'), as MkDocs' `url` filter gives it."""
            return normalize_url(context.get("sg_prefix", "") + str(path), page=context.get("page"), base=context.get("base_url", ""))

        env.filters["brief"] = brief_of
        env.filters["lang_url"] = lang_url
        env.globals["sg_types"] = {e.slug: e for e in self.site.event_types}
        env.globals["incident_url"] = incident_url
        env.globals["sg_site"] = self.site
        editions = tuple(lang for lang in self.site.languages[1:])
        env.globals["sg_generated_dirs"] = ("", "weeks", "countries", "data", "changes", "search", "index.html", *editions)
        return env

    def _lang_context(self, spec: PageSpec | None) -> dict[str, Any]:
        """What templates need to speak a page's language (partials rendered here too)."""
        lang = spec.lang if spec else self.site.default_language
        return {"sg_lang": lang, "sg_prefix": self.site.prefix(lang), "sg_default_lang": self.site.default_language}

    def _alternates(self, spec: PageSpec) -> list[dict[str, str]]:
        """The page in every language (hreflang links and the language switch)."""
        found = []
        for lang in self.site.languages:
            other = self.pages.get(self.site.prefix(lang) + spec.path)
            if other is None:
                continue
            # hreflang wants absolute URLs; the switch stays relative, so previews stay local
            relative = spec.relative(other.url) or "./"
            href = self.site.site_url + other.url if self.site.site_url else relative
            found.append({"lang": lang, "href": href, "relative": relative, "name": i18n.LANGUAGE_NAMES[lang]})
        if len(found) > 1:
            found.append({**found[0], "lang": "x-default"})
        return found if len(found) > 1 else []

    # --- pages ---------------------------------------------------------------------------

    def _spec(self, page) -> PageSpec | None:
        return self.pages.get(page.file.src_uri)

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        spec = self._spec(page)
        if spec is None:
            return markdown
        page.meta["template"] = spec.template
        page.meta["title"] = spec.title
        if spec.week is None or spec.data.get("brief") is None:
            return markdown
        return self._render_brief(spec, page)

    def _render_brief(self, spec: PageSpec, page) -> str:
        week = spec.week
        brief = spec.data.get("brief") or week.brief
        here = self._lang_context(spec)
        blocks = self._blocks.setdefault(page.file.src_uri, [])
        placed = spec.data.setdefault("placed", set())

        def stash(html_text: str) -> Markup:
            blocks.append(html_text)
            return Markup("\n\n" + _BLOCK.format(len(blocks) - 1) + "\n\n")

        def map_(country=None, type=None) -> Markup:  # noqa: A002 (the brief's word)
            fragment = spec.data["map"]
            if country is None and type is None:
                placed.add("map")
            else:  # a map of part of the week: the week's own map is still placed
                key, mine = self.generator.filtered(week.incidents, country, type)
                fragment = self.generator.filtered_map(spec, key, mine)
            return stash(self.env.get_template("partials/map.html").render(map=fragment, event_types=self.site.event_types, **here))

        def incidents_table(country=None, type=None) -> Markup:  # noqa: A002
            if country is None and type is None:
                placed.add("incidents")
                return stash(self._incidents_html(spec))
            # part of the week: a table linking to the full list, which keeps the anchors
            _, mine = self.generator.filtered(week.incidents, country, type)
            return stash(self.env.get_template("partials/incident-table.html").render(incidents=mine, **here))

        def incident(incident_id: str) -> Markup:
            found = next((i for i in week.incidents if i.id == incident_id), None) or self.generator.model.by_id.get(incident_id)
            if found is None:
                raise UnknownIncident(incident_id)
            href = f"#{found.id}" if found.week == week.week else spec.relative(here["sg_prefix"] + incident_url(found))
            return stash(self.env.get_template("partials/incident-card.html").render(incident=found, href=href, **here))

        if any(p.path == brief.path for p in self.content.errors):
            return ""  # under serve: its problems, found by the check, are shown (once) already
        context = {"stats": week.stats, "week": week.week, "previous": week.previous_stats, "map": map_, "incidents_table": incidents_table}
        try:
            return render_brief(brief, context, incident, self.site.markdown_extensions)
        except BriefError as exc:
            if not self.serving:
                raise PluginError(str(exc.problem)) from exc  # MkDocs shows it
            log.error(str(exc.problem))
            self.content.problems.append(exc.problem)
            return ""

    def _incidents_html(self, spec: PageSpec) -> Markup:
        """A week's incident list, rendered once per content change (the bulk of a week page)."""
        week, compact = spec.week, spec.data.get("busy", False)

        def render() -> str:
            return self.env.get_template("partials/incidents.html").render(
                incidents=week.incidents, compact=compact, **self._lang_context(spec)
            )

        key = f"{self.generator.week_keys[week.week]}:{compact}:{spec.lang}"
        return Markup(self.cache.get_text("incidents", key, render))

    def on_page_content(self, html_text: str, page, config, files) -> str:
        # editors' Markdown (briefs, plain pages): external links must not leak the referrer
        html_text = _EXTERNAL_LINK.sub(r'<a href="\1" rel="noopener noreferrer"', html_text)
        spec = self._spec(page)
        if spec is not None and spec.week is not None and spec.data.get("brief") is not None:
            problem = html_problem(spec.data["brief"], html_text)
            if problem is not None:  # the site's Markdown extensions let markup through
                if not self.serving:
                    raise PluginError(str(problem))
                log.error(str(problem))
                self.content.problems.append(problem)
                html_text = html.escape(html_text)
            text = re.sub(r'<div data-sg-block="\d+"></div>', "", html_text)
            self._brief_html[(spec.lang, spec.week.week)] = text
        return html_text

    def on_page_context(self, context, page, config, nav):
        spec = self._spec(page)
        if spec is not None and spec.week is not None and "incidents" not in spec.data.get("placed", ()):
            spec.data["incidents_html"] = self._incidents_html(spec)
        context["sg"] = spec.data if spec else {}
        context["sg_page"] = spec
        context.update(self._lang_context(spec))
        context["sg_alternates"] = self._alternates(spec) if spec else []
        if self.serving and self.content is not None:
            context["sg_problems"] = [p for p in self.content.problems]
        return context

    def on_build_error(self, error) -> None:
        self._stop_writer()
        self._resume_gc()
        if isinstance(error, OSError) and not self.serving:  # a full disk, a read-only folder: no traceback
            path = getattr(error, "filename2", None) or error.filename or getattr(self, "site", None) and self.site.site_dir
            # on stderr, as MkDocs' own errors (its Abort would print it on stdout)
            print(t("build.cannot_write", path=path, reason=error.strerror or error), file=sys.stderr)
            raise SystemExit(1) from error

    def on_shutdown(self) -> None:
        self._stop_writer()
        self._resume_gc()

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def _stop_writer(self) -> None:
        writer = getattr(self, "writer", None)
        if writer is not None:
            writer.stop()

    def on_template_context(self, context, template_name, config):
        context.setdefault("sg", {})
        context.setdefault("sg_page", None)
        for key, value in self._lang_context(None).items():
            context.setdefault(key, value)
        # static templates (404.html) get base_url "/" from MkDocs, and the theme's
        # "{{ base_url }}/weeks/" would be "//weeks/": a link to a host named "weeks"
        context["base_url"] = (context.get("base_url") or "").rstrip("/")
        return context

    def on_post_template(self, output_content, template_name, config):
        return _with_csp_hashes(output_content, self.site.tiles_url) if template_name.endswith(".html") else output_content

    def on_post_page(self, output: str, page, config) -> str:
        for n, block in enumerate(self._blocks.pop(page.file.src_uri, [])):
            output = output.replace(_BLOCK.format(n), block)
        return _with_csp_hashes(output, self.site.tiles_url)

    def on_post_build(self, config) -> None:
        try:
            self._post_build(config)
        finally:
            self._resume_gc()

    def _post_build(self, config) -> None:
        if self.generator is None:
            return
        try:
            self.writer.finish()
        except RuntimeError as exc:
            raise PluginError(str(exc)) from exc
        try:
            self._write_last_files(Path(config.site_dir), config)
        except OSError as exc:  # a full disk, a read-only folder
            raise PluginError(t("build.cannot_write", path=getattr(exc, "filename2", None) or exc.filename or config.site_dir, reason=exc.strerror or exc)) from exc
        self.cache.prune()

    def _write_last_files(self, site_dir: Path, config) -> None:
        """Each edition's feed and search index: they need every brief page rendered first."""
        fill_file_sizes(site_dir, self.site.languages)
        for ed in self.generator.editions():
            briefs = {week: body for (lang, week), body in self._brief_html.items() if lang == ed.lang}
            (site_dir / ed.prefix).mkdir(parents=True, exist_ok=True)
            (site_dir / ed.prefix / "feed.xml").write_bytes(self.generator.feed(briefs, env=self.env, ed=ed))
            texts = {}
            for week, body in briefs.items():
                brief = self.generator.brief_of(self.generator.model.week_by_key[week], ed.lang)
                texts[week] = (brief.title if brief else str(week), html.unescape(_TAGS.sub(" ", body)))
            for path, data in self.generator.search_index(texts, ed=ed).items():
                (site_dir / path).parent.mkdir(parents=True, exist_ok=True)
                (site_dir / path).write_bytes(data)
            if ed.prefix and "404.html" in config.theme.static_templates:
                self._write_404(site_dir / ed.prefix / "404.html", config, ed.lang)

    def _write_404(self, path: Path, config, lang: str) -> None:
        """The other edition's 404.html (MkDocs writes the default language's)."""
        base_url = urlsplit(config.site_url or "/").path or "/"
        context = {"config": config, "base_url": base_url.rstrip("/"), "page": None, "nav": [], "sg": {}, "sg_page": None}
        context.update({"sg_lang": lang, "sg_prefix": self.site.prefix(lang), "sg_default_lang": self.site.default_language})
        output = self.env.get_template("404.html").render(**context)
        path.write_text(_with_csp_hashes(output, self.site.tiles_url), encoding="utf-8")


def _from_docs(file: File, config) -> bool:
    """A file of docs_dir (content), not of the theme: only those can be editors' links."""
    if not file.abs_src_path:
        return False
    return Path(os.path.abspath(file.abs_src_path)).is_relative_to(os.path.abspath(config.docs_dir))


def _extensions(config) -> tuple:
    """The site's Markdown extensions as mkdocs.yml names them: briefs are checked with them."""
    configs = config.mdx_configs or {}
    return tuple(
        {name: configs[name]} if configs.get(name) else name
        for name in config.markdown_extensions
        if isinstance(name, str) and name not in ("toc", "tables", "fenced_code")
    )


def _theme_options(config) -> tuple:
    """What of MkDocs' configuration the cached outputs (theme partials) can show."""
    keys = ("use_directory_urls", "site_description", "site_author", "copyright", "extra", "repo_url", "repo_name")
    theme = sorted((k, repr(v)) for k, v in config.theme.items())
    return tuple((k, repr(config.get(k))) for k in keys) + tuple(theme)


def _pin_build_date(content: Content, now: dt.datetime | None = None) -> None:
    """Two builds of the same content are byte-identical: unless SOURCE_DATE_EPOCH says
    otherwise, the build date (sitemap, gzip headers) is the content's latest day."""
    # published content only: an internal or embargoed incident's date must not show in the sitemap
    days = [i.date for i in content.public_incidents if i.is_out(now)]
    days += [b.week.sunday for b in content.briefs if b.is_published and b.is_out(now)]
    latest = min(max(days, default=dt.date(2000, 1, 1)), dt.date(2100, 12, 31))  # gzip headers end in 2106
    epoch = str(int(dt.datetime(latest.year, latest.month, latest.day, tzinfo=dt.UTC).timestamp()))
    os.environ["SOURCE_DATE_EPOCH"] = os.environ[_PINNED] = epoch


def _replace(files: Files, file: File) -> None:
    existing = files.get_file_from_path(file.src_uri)
    if existing is not None:
        files.remove(existing)
    files.append(file)


def _with_csp_hashes(output: str, tiles_url: str | None) -> str:
    """Fill the page's Content-Security-Policy with the hashes of its inline scripts. Only
    the theme's CSP tag is filled in: the same words in incident text stay as they are."""
    meta = _CSP_META.search(output)
    if meta is None or "__SG_SCRIPT_HASHES__" not in meta[0]:
        return output
    hashes = sorted({_script_hash(body) for body in _INLINE_SCRIPT.findall(output)})
    tiles = ""
    if tiles_url:
        parts = urlsplit(tiles_url.replace("{s}", "*"))
        tiles = f" {parts.scheme or 'https'}://{parts.netloc}" if parts.netloc else ""  # http tile servers too
    filled = meta[0].replace("__SG_SCRIPT_HASHES__", " ".join(hashes)).replace("__SG_TILE_HOSTS__", tiles)
    return output[: meta.start()] + filled + output[meta.end() :]


def _script_hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
