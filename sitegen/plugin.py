"""The MkDocs (and ProperDocs) plugin: wiring only. on_files runs the whole pipeline
(sitegen.pipeline: read, aggregate, plan, render) and hands every page and file to MkDocs,
which writes them all; the other hooks give each page its ready record."""

from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from sitegen import pipeline
from sitegen.build import MARKER, MARKER_TEXT, site_dir_refusal
from sitegen.cache import BuildCache, salt_of
from sitegen.check import check_content
from sitegen.config import ConfigError, from_mkdocs
from sitegen.memo import ReadMemo
from sitegen.messages import t
from sitegen.model import Severity
from sitegen.preview import patch_live_reload
from sitegen.render.brief import BriefError

log = logging.getLogger("mkdocs.plugins.sitegen")


class SitegenConfig(base.Config):
    event_types = c.Optional(c.Type(list))
    tiles = c.Type((dict, bool), default={})  # false: no map tiles (offline previews, tests)
    recent_weeks = c.Type(int, default=12)
    restricted_licences = c.Optional(c.Type(list))  # default [acled]: shown, never downloadable
    data_licence = c.Optional(c.Type(str))
    languages = c.Optional(c.Type((list, str)))  # default [en, fr]: the first at the root, the other under /fr/


class SitegenPlugin(BasePlugin[SitegenConfig]):
    supports_multiple_instances = False
    serving = False
    out: pipeline.Output | None = None
    memo: ReadMemo | None = None  # under serve: what the next rebuild need not read again

    def load_config(self, options, config_file_path=None):
        # `tiles: null` means no tiles; MkDocs would read a null option as "use the default"
        self._tiles_off = "tiles" in options and options["tiles"] is None
        return super().load_config({k: v for k, v in options.items() if not (k == "tiles" and v is None)}, config_file_path)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        # this instance lives across serve's rebuilds (MkDocs keeps plugins with on_startup)
        self.memo = ReadMemo() if self.serving else None
        self.cache_memory: dict | None = {} if self.serving else None  # the build cache's entries
        self.brief_memory: dict | None = {} if self.serving else None  # rendered briefs
        if self.serving:
            patch_live_reload()  # reload script allowed by the CSP; failed rebuilds shown, not hung

    def on_config(self, config):
        try:
            self.site = from_mkdocs(config, self)  # as `sitegen validate` reads it
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        if refusal := site_dir_refusal(Path(config.site_dir)):  # MkDocs would empty it
            raise PluginError(refusal)
        return config

    def on_pre_build(self, config) -> None:
        # marked first, so that the next build may replace even a site this build leaves half-written
        try:
            Path(config.site_dir).mkdir(parents=True, exist_ok=True)
            (Path(config.site_dir) / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        except OSError as exc:
            raise PluginError(pipeline.cannot_write(exc, config.site_dir)) from exc

    def on_files(self, files: Files, config) -> Files:
        # no garbage collection until on_post_build: each full pass re-scanned the millions of
        # live records (a third of a 100k build's CPU); the build makes little cyclic garbage
        self._gc_paused = getattr(self, "_gc_paused", False) or gc.isenabled()
        gc.disable()
        root = Path(config.config_file_path).parent if config.config_file_path else None
        cache = (root or Path.cwd()) / ".cache" / "sitegen"
        self.content = check_content(self.site, root=root, cache_dir=cache, memo=self.memo)
        for problem in self.content.problems:  # as MkDocs' warnings: they stop a --strict build
            (log.error if problem.severity is Severity.ERROR else log.warning)(str(problem))
        if self.content.errors and not self.serving:
            raise PluginError(t("build.content_errors", count=len(self.content.errors)))
        self.cache = BuildCache(cache / "build", salt_of(config.theme.dirs, pipeline.cache_options(self.site, self.serving, config)),
                                memory=getattr(self, "cache_memory", None))
        # MkDocs makes its environment before on_files but shows it to plugins only in on_env,
        # after reading the pages: the briefs need one now, so this one replaces MkDocs' in on_env
        self.env = config.theme.get_env()
        not_found = {"config": config} if "404.html" in config.theme.static_templates else None  # the other edition's
        markdown_options = (config.markdown_extensions, config.mdx_configs)
        try:
            self.out = pipeline.run(self.site, self.content, self.env, cache=self.cache, serving=self.serving,
                                    markdown_options=markdown_options, page_context=not_found,
                                    memory=getattr(self, "brief_memory", None))
        except BriefError as exc:
            raise PluginError(str(exc.problem)) from exc  # MkDocs shows it
        for problem in self.out.problems:  # under serve: shown on every page too
            log.error(str(problem))
        for file in pipeline.dropped_files(files, config, root or Path(config.docs_dir).parent):
            files.remove(file)
        for uri, data in pipeline.generated_files(self.out):  # MkDocs writes every one
            if (existing := files.get_file_from_path(uri)) is not None:
                files.remove(existing)
            # big downloads: a cache entry's path, copied by MkDocs
            files.append(File.generated(config, uri, **({"abs_src_path": str(data)} if isinstance(data, Path) else {"content": data})))
        return files

    def on_env(self, env, config, files):
        return self.env

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        if "SOURCE_DATE_EPOCH" not in os.environ:  # the sitemap's and sitemap.xml.gz's date
            page.update_date = self.out.build_date.isoformat()
        if spec := self.out.pages.get(page.file.src_uri):
            page.meta.update(template=spec.template, title=spec.title)
        return markdown

    def on_page_content(self, html_text: str, page, config, files) -> str:
        return pipeline.with_safe_links(html_text)  # editors' own pages

    def on_page_context(self, context, page, config, nav):
        spec = self.out.pages.get(page.file.src_uri)
        context.update(sg=spec.data if spec else {}, sg_page=spec, **pipeline.lang_context(self.site, spec and spec.lang))
        context["sg_alternates"] = pipeline.alternates(spec, self.out.pages, self.site) if spec else []
        if self.serving:
            context["sg_problems"] = [*self.content.problems, *self.out.problems]
        return context

    def on_template_context(self, context, template_name, config):
        for key, value in {"sg": {}, "sg_page": None, **pipeline.lang_context(self.site)}.items():
            context.setdefault(key, value)
        # static templates (404.html) get base_url "/" from MkDocs, and the theme's
        # "{{ base_url }}/weeks/" would be "//weeks/": a link to a host named "weeks"
        context["base_url"] = (context.get("base_url") or "").rstrip("/")
        return context

    def on_post_build(self, config) -> None:
        self.cache.prune()  # the cache holds this build's outputs only
        self._resume_gc()

    def on_build_error(self, error) -> None:
        self._resume_gc()
        if isinstance(error, OSError) and not self.serving:  # a full disk, a read-only folder: no traceback
            # on stderr, as MkDocs' own errors (its Abort would print it on stdout)
            print(pipeline.cannot_write(error, getattr(self, "site", None) and self.site.site_dir), file=sys.stderr)
            raise SystemExit(1) from error

    def on_shutdown(self) -> None:
        self._resume_gc()

    def _resume_gc(self) -> None:
        if getattr(self, "_gc_paused", False):
            self._gc_paused = False
            gc.enable()

