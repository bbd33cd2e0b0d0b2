"""The MkDocs (and ProperDocs) plugin: wiring only. on_files runs the whole build but the
writing (sitegen.state: check, then sitegen.pipeline) and hands every page and file to
MkDocs, which writes them all; the other hooks give each page its ready record."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from jinja2 import TemplateNotFound
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from sitegen import pipeline, plain_pages
from sitegen.build import MARKER, MARKER_TEXT, finish, site_dir_refusal, stage, staged
from sitegen.config import ConfigError, from_mkdocs, theme_problem
from sitegen.messages import t
from sitegen.preview import patch_live_reload, quiet_dirty_warning, with_error_page, with_native_watch
from sitegen.cache import note_start, renote
from sitegen.generate import Edition
from sitegen.state import KEPT_TEMPLATE, Built, Session, cache_folder


log = logging.getLogger("mkdocs.plugins.sitegen")


def _warned(config) -> bool:
    """Whether the strict count of the engine building with `config` (MkDocs', ProperDocs')
    has a warning: it aborts the build after on_post_build."""
    engine = logging.getLogger(type(config).__module__.partition(".")[0])
    return any(type(h).__name__ == "CountHandler" and h.get_counts() for h in engine.handlers)


class SitegenConfig(base.Config):
    """The plugin's options, each of any type here: sitegen.config.from_options checks them
    and says what each must be (MkDocs' own check says "Expected type: <class 'str'>")."""

    event_types = c.Optional(c.Type(object))
    tiles = c.Type(object, default={})  # false: no map tiles (offline previews, tests)
    recent_weeks = c.Type(object, default=12)
    restricted_licences = c.Optional(c.Type(object))  # default [acled]: shown, never downloadable
    data_licence = c.Optional(c.Type(object))
    languages = c.Optional(c.Type(object))  # default [en, fr]: the first at the root, the other under /fr/


class SitegenPlugin(BasePlugin[SitegenConfig]):
    supports_multiple_instances = False
    # made by on_startup (serve: one for all rebuilds), else by on_config; MkDocs keeps this
    # instance for every later build in the process (it defines on_startup), so a session
    # ends with its command (on_shutdown), and a build's serves only that build
    session: Session | None = None
    built: Built | None = None
    _editors_pages: dict = {}
    _nav = None
    _dirty = False  # the command's (on_startup): a dirty build writes into site_dir as it is
    _publishing: tuple[Path, Path, object] | None = None  # (site_dir, the build's staging folder, its config): see _stage
    _copies_unsaid: plain_pages.CopiesUnsaid | None = None  # this build's, from on_files to its end

    def load_config(self, options, config_file_path=None):
        # `tiles: null` means no tiles; MkDocs would read a null option as "use the default"
        self._tiles_off = "tiles" in options and options["tiles"] is None
        return super().load_config({k: v for k, v in options.items() if not (k == "tiles" and v is None)}, config_file_path)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # this instance lives across serve's rebuilds (MkDocs keeps plugins with on_startup)
        if self.session is not None:  # a command that never reached on_shutdown: its collector back
            self.session.end()
        self.session = Session(serving=command == "serve", dirty=dirty)
        self._dirty = dirty
        if self.session.serving:
            patch_live_reload()  # reload script allowed by the CSP; failed rebuilds shown, not hung
        if self.session.rewriting:
            quiet_dirty_warning()  # the session removes what the rebuild no longer writes

    def on_config(self, config):
        if self.session is None or not self.session.serving:
            if self.session is not None:
                self.session.end()
            self.session = Session()
        self.session.tidied()  # serve: the last rebuild's files in place before MkDocs may empty the site folder
        self.session.pause_gc()  # until the build ends (on_post_build, on_build_error)
        try:
            self.site = from_mkdocs(config, self)  # as `sitegen validate` reads it
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        if refusal := site_dir_refusal(Path(config.site_dir)):  # MkDocs would empty it
            raise PluginError(refusal)
        if not config.use_directory_urls:  # the contract's URLs (weeks/2023-W39/) are directory URLs
            config.use_directory_urls = True
            log.info(t("build.directory_urls"))
        if not any(isinstance(e, pipeline.AlignedCells) for e in config.markdown_extensions):
            config.markdown_extensions.append(pipeline.AlignedCells())  # no style attribute: see the CSP
        if not any(isinstance(e, plain_pages.EditionLinks) for e in config.markdown_extensions):
            config.markdown_extensions.append(plain_pages.EditionLinks(self.site.default_language))  # the editors' pages' links
        if not self.site.site_url and not self.session.serving:  # a published site's sitemap needs its address
            log.info(t("build.no_site_url"))
        self._stage(config)
        return config

    def _stage(self, config) -> None:
        """A build (`mkdocs build`, ProperDocs') writes into a folder beside site_dir, swapped in
        once it has succeeded (on_post_build), as `sitegen build` does: MkDocs empties site_dir
        first, so a failed build left no site at all. Not under serve (its own folder), nor a
        dirty build, nor `sitegen build`'s (staged already)."""
        self._published()  # an earlier build of this process that never ended: its folder gone
        site_dir = Path(config.site_dir).absolute()
        if self.session.serving or self._dirty or staged(site_dir):
            return
        try:
            staging = stage(site_dir)
        except OSError as exc:
            raise PluginError(pipeline.cannot_write(exc, site_dir)) from exc
        self._publishing = (site_dir, staging, config)
        config.site_dir = os.fspath(staging)

    def on_pre_build(self, config) -> None:
        # before MkDocs empties the site folder, which changes the files linked there from the cache
        note_start(cache_folder(config) / "build")
        # marked first, so that the next build may replace even a site this build leaves half-written
        try:
            Path(config.site_dir).mkdir(parents=True, exist_ok=True)
            (Path(config.site_dir) / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        except OSError as exc:
            raise PluginError(pipeline.cannot_write(exc, config.site_dir)) from exc

    def on_files(self, files: Files, config) -> Files:
        try:
            self.built = self.session.build(self.site, files, config)  # read, check, pipeline.run
            for extension in config.markdown_extensions:  # the editors' pages' links: to their edition's
                if isinstance(extension, plain_pages.EditionLinks):
                    extension.pages, extension.generated = self.built.plain, self.built.out.pages.keys()
                    extension.prefixes = {lang: self.site.prefix(lang) for lang in self.site.languages}
            # where the footer's links to the editors' pages lead, from a page of each language
            self._editors_pages = {lang: plain_pages.in_edition(self.built.plain, self.site.default_language, lang)
                                   for lang in self.site.languages}  # fmt: skip
            self._say_all_links()  # the copies' links: their problems are their originals', said once
            self._copies_unsaid = plain_pages.CopiesUnsaid(plain_pages.copies(self.built.plain), config)
            self._copies_unsaid.logger.addFilter(self._copies_unsaid)
        except TemplateNotFound as exc:  # another theme than sitegen's: say which to use
            if problem := theme_problem(config):
                raise PluginError(problem) from exc
            raise
        return files

    def on_nav(self, nav, config, files):
        self._nav = nav  # the other editions' 404.html list the editors' pages by it (on_env)
        return nav

    def on_env(self, env, config, files):
        self._add_not_found_pages(files, config)
        self.session.add_later_files(self.built, files, config)  # before MkDocs copies any
        return self.built.env

    def _add_not_found_pages(self, files: Files, config) -> None:
        """The other editions' 404.html again, now that MkDocs has read the editors' pages: their
        footer lists them, by MkDocs' nav, as every page's does (pipeline.run's, made before
        there was a nav, listed none)."""
        for lang in self.site.languages[1:]:
            uri = f"{self.site.prefix(lang)}404.html"
            if (made := files.src_uris.get(uri)) is None or self._nav is None:
                continue
            edition = Edition(lang, self.site.prefix(lang), self.site.default_language)
            context = {"config": config, "nav": self._nav, "sg_editors_pages": self._editors_pages.get(lang, {})}
            page = pipeline.not_found_page(self.built.env, self.site, edition, context)
            files.remove(made)
            files.append(File.generated(config, uri, content=page.encode("utf-8"), inclusion=made.inclusion))

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        if "SOURCE_DATE_EPOCH" not in os.environ:  # the sitemap's and sitemap.xml.gz's date
            page.update_date = self.built.out.build_date.isoformat()
        if spec := self.built.out.pages.get(page.file.src_uri):
            kept = self.session.kept(spec.src_uri) is not None  # under serve: shows what it showed
            page.meta.update(template=KEPT_TEMPLATE if kept else spec.template, title=spec.title)
        return markdown

    def on_page_content(self, html_text: str, page, config, files) -> str:
        return pipeline.with_safe_links(html_text)  # editors' own pages

    def on_page_context(self, context, page, config, nav):
        spec = self.built.out.pages.get(page.file.src_uri)
        plain = self.built.plain.get(page.file.src_uri)  # an editor's page, in one of the editions
        lang = spec.lang if spec else plain.lang if plain else None
        context.update(sg=spec.data if spec else {}, sg_page=spec, sg_plain=plain, **pipeline.lang_context(self.site, lang))
        context["sg_alternates"] = (pipeline.alternates(spec, self.built.out.pages, self.site) if spec
                                    else pipeline.plain_alternates(plain, self.site) if plain else [])
        context["sg_editors_pages"] = self._editors_pages.get(context["sg_lang"], {})
        if self.session.serving:
            context["sg_problems"] = self.built.problems
        return context

    def on_template_context(self, context, template_name, config):
        if template_name == "sitemap.xml":  # the pages linked from the cache too, each with its counterparts
            context["pages"] = self.session.sitemap_pages(context["pages"])
            pages = self.built.out.pages if self.site.site_url else {}
            context["sg_sitemap_alternates"] = {uri: pipeline.alternates(spec, pages, self.site) for uri, spec in pages.items()}
            if self.site.site_url:
                context["sg_sitemap_alternates"].update({uri: pipeline.plain_alternates(p, self.site) for uri, p in self.built.plain.items()})
        for key, value in {"sg": {}, "sg_page": None, "sg_plain": None, "sg_editors_pages": {}, **pipeline.lang_context(self.site)}.items():
            context.setdefault(key, value)
        if template_name == "404.html":  # the first edition's: its counterparts
            context["sg_alternates"] = pipeline.not_found_alternates(self.site)
        # static templates (404.html) get base_url "/" from MkDocs, and the theme's
        # "{{ base_url }}/weeks/" would be "//weeks/": a link to a host named "weeks"
        context["base_url"] = (context.get("base_url") or "").rstrip("/")
        return context

    @event_priority(100)  # first: the page as the theme rendered it, or as it was kept
    def on_post_page(self, output: str, page, config) -> str:
        if (kept := self.session.kept(page.file.src_uri)) is not None:
            output = kept
        self.session.keep(page.file.src_uri, output)  # the next rebuild's, kept or not
        return output

    @event_priority(-100)  # last: the site swapped in once every plugin has written its files
    def on_post_build(self, config) -> None:
        self._say_all_links()  # MkDocs has checked the anchors
        self.session.done(self.built)
        if self._publishing is not None and not (config.strict and _warned(config)):  # else MkDocs aborts now
            site_dir, staging, _ = self._publishing
            try:
                finish(staging, site_dir)
            except OSError as exc:
                raise PluginError(pipeline.cannot_write(exc, site_dir)) from exc
            renote(cache_folder(config) / "build")  # the old site's links gone (see sitegen build)
            self._published()

    def _published(self) -> None:
        """site_dir back in the build's config (gh-deploy pushes it), the staging folder gone."""
        if self._publishing is not None:
            site_dir, staging, config = self._publishing
            self._publishing = None
            config.site_dir = os.fspath(site_dir)
            shutil.rmtree(staging, ignore_errors=True)

    def on_build_error(self, error) -> None:
        self._say_all_links()
        self.session.cancel()
        self.session.resume_gc()
        if self._publishing is not None:  # the previous site as it was
            self._published()
            log.info(t("cli.build_failed"))
        if isinstance(error, OSError) and not self.session.serving:  # a full disk, a read-only folder: no traceback
            # on stderr, as MkDocs' own errors (its Abort would print it on stdout)
            print(pipeline.cannot_write(error, getattr(self, "site", None) and self.site.site_dir), file=sys.stderr)
            raise SystemExit(1) from error

    def on_serve(self, server, config, builder):
        server = with_error_page(server)  # a failed rebuild's pages answer with its error
        return with_native_watch(server, [config.docs_dir, config.config_file_path, *config.theme.dirs])  # a save seen at once

    def _say_all_links(self) -> None:
        """MkDocs' log of pages as it was: the build that left its copies' links unsaid is over."""
        if self._copies_unsaid is not None:
            self._copies_unsaid.logger.removeFilter(self._copies_unsaid)
            self._copies_unsaid = None

    def on_shutdown(self) -> None:
        self._say_all_links()
        self._published()  # an interrupted build's folder
        if self.session is not None:
            self.session.end()
        self.session = self.built = None  # the next command's build (the API's, in this process) starts afresh

