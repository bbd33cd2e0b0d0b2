"""What the plugin's on_files does, and what it keeps: one `Session` per plugin instance.

    session = Session(serving=True)            # on_startup: one build, or all of serve's rebuilds
    built = session.build(site, files, config)  # on_files: check -> pipeline.run -> MkDocs' files

`build` reads and checks the content (reporting each problem as MkDocs' warnings and
errors, so they stop a --strict build), runs sitegen.pipeline, and hands every page and
file to MkDocs as File.generated; a build (not serve) stops on a content error or a brief
that fails, with a PluginError MkDocs shows. Under serve the session lives across rebuilds
(MkDocs keeps plugins that define on_startup) and keeps in memory what the next rebuild
would otherwise read back: each incident file's parsed result (ReadMemo), the build
cache's entries, the rendered briefs, and each generated page's HTML (PageMemory): a page
whose record and surroundings are what they were is not rendered again: MkDocs renders
the empty `kept.html` template, the plugin's on_post_page gives the HTML it had, and MkDocs
writes it as any page. A build keeps the pages' HTML and the rendered briefs in the build
cache instead, for the next build.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import gc
import hashlib
import importlib
import logging
import os
import re
import shutil
import sys
import threading
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel, set_exclusions

from sitegen import pipeline, plain_pages, search_job, week_job
from sitegen.cache import BuildCache, CachePath, digest, salt_of
from sitegen.check import check_content
from sitegen.config import SiteConfig
from sitegen.memo import NO_MEMO, ReadMemo, RecordMemo, stat_key
from sitegen.messages import t
from sitegen.model import Content, Problem, Severity
from sitegen.render.brief import BriefError

log = logging.getLogger("mkdocs.plugins.sitegen")


@dataclass(frozen=True)
class Built:
    """One build's results, as the page hooks read them."""

    content: Content
    out: pipeline.Output
    cache: BuildCache
    env: Any  # the Jinja environment the pipeline rendered with (MkDocs' own in on_env)
    plain: Mapping[str, plain_pages.PlainPage] = dataclasses.field(default_factory=dict)  # the editors' pages, by src_uri

    @property
    def problems(self) -> list[Problem]:
        """Under serve, shown at the top of every page."""
        return [*self.content.problems, *self.out.problems]


class Session:
    """One `build`, or every rebuild of one `serve`."""

    def __init__(self, serving: bool = False, dirty: bool = False) -> None:
        self.serving = serving
        # serve's rebuilds into the site folder as the last one left it (`sitegen serve`:
        # MkDocs' "dirty" build): a file whose output is still the one it would write is
        # not written again (the cache's files: see CachedFile.is_modified), an editor's
        # page always is, and what the last rebuild wrote that this one does not is removed
        self.rewriting = serving and dirty
        self._written: set[str] = set()  # what rebuilds wrote into the site folder (rewriting)
        self._written_now: set[str] = set()  # what this rebuild writes
        self.memo = ReadMemo() if serving else None  # what the next rebuild need not read again
        self.records = RecordMemo() if serving else NO_MEMO  # what it need not compute again of unchanged weeks
        self.cache_memory: dict | None = {} if serving else None  # the build cache's entries
        self.brief_memory: dict | None = {} if serving else None  # rendered briefs
        self.pages = PageMemory() if serving else None  # rendered pages (a build: in its cache)
        self.template_code: dict[str, bytes] | None = {} if serving else None  # compiled templates
        self._gc_paused = False
        self._building = False
        self._builds = 0  # serve's rebuilds so far (and its end): an idle collection is for the last one only
        self._idle: threading.Timer | None = None  # serve's garbage collection once the preview is idle
        self._frozen_limit = 0  # serve's: the frozen objects (see _collect) that call for a full pass
        self._frozen_build = False  # a build's objects frozen at its end, until the command's (resume_gc)
        self._collected = 0  # serve's: the rebuilds made by the last collection
        self._later: search_job.Pending | None = None  # see add_later_files
        # serve's: MkDocs' files of the cache's files, by URI, source and site folder, for the
        # next rebuild (15,000 at 100k incidents, most the same each save: not made again)
        self._cache_files: dict[tuple, File] | None = {} if serving else None
        self._reusable: dict[tuple, File] = {}
        # serve's: the search index files linked into the site by the last rebuild, by URI, and
        # what their exclusion and place were made of (see _write_search)
        self._linked_search: dict[str, CachedFile] = {}
        self._search_rules: tuple = ()
        self._search_worker = search_job.Worker() if serving else None  # one process for every rebuild
        self._documents = 0  # in the last rebuild's search index: whether to start this one's worker early
        self._cache: BuildCache | None = None  # the build's, until its files are all made
        self._files: tuple[Files, Any] | None = None  # serve's: MkDocs' files and config, until the search indexes join them
        self._alone = False  # the build's: sitegen is its only plugin
        self._tidying: BuildCache | None = None  # the last rebuild's, until its folder is tidied (done)
        self._placing: dict[str, list[str]] = {}  # the rebuild's files made once it is over: their places in the site
        self._helper: week_job.Helper | None = None  # a cold build's week worker
        self._kept_files: list[File] = []  # pages whose HTML is linked from the cache (sitemap_pages)
        self._page_order: list[File] = []

    def build(self, site: SiteConfig, files: Files, config) -> Built:
        """The whole build before MkDocs renders; `files` gets every page and file of site/."""
        self.pause_gc()
        self.tidied()  # the last rebuild's cache folder, before this one reads it
        root = Path(config.config_file_path).parent if config.config_file_path else None
        cache_dir = cache_folder(config)
        options = pipeline.cache_options(site, self.serving, config)
        self._alone = set(config["plugins"]) <= {"sitegen"}  # no other plugin's on_post_build looks at the site
        cache = BuildCache(cache_dir / "build", salt_of(config.theme.dirs, options), memory=self.cache_memory,
                           later=self.serving and self._alone)  # fmt: skip
        self._cache = cache  # its threads are waited for in add_later_files, or by cancel
        if self._cache_files is not None:  # this rebuild's from now: the last one's reusable
            self._reusable, self._cache_files = self._cache_files, {}
        if week_job.wanted(site, config, cache, self.serving):  # forked while this process is small
            self._helper = week_job.Helper.fork(site, config, cache)
        # a rebuild whose index a worker makes starts it now, to read the last index meanwhile;
        # how big the index is: serve's last rebuild's, else the last build's (kept in the cache)
        documents = self._documents or _last_documents(cache)
        early = None
        if search_job.in_worker(list(site.languages), cache, documents):
            early = self._later = search_job.Pending(cache, site.languages, self._search_worker)  # cancelled by on_build_error
        on_weeks = self._helper.start if self._helper is not None else None  # the worker starts as they are read
        content = check_content(site, root=root, cache_dir=cache_dir, memo=self.memo, records=self.records, on_weeks=on_weeks,
                                pages=False)  # the editors' pages: plain_pages.editions says what it refuses
        for problem in content.problems:  # as MkDocs' warnings: they stop a --strict build
            (log.error if problem.severity is Severity.ERROR else log.warning)(str(problem))
        if content.errors and not self.serving:
            raise PluginError(t("build.content_errors", count=len(content.errors)))
        # MkDocs makes its environment before on_files but shows it to plugins only in on_env,
        # after reading the pages: the briefs need one now, so this one replaces MkDocs' in on_env
        env = config.theme.get_env()
        if self.template_code is not None:  # serve: compiled once, not once per rebuild
            env.bytecode_cache = TemplateCode(self.template_code)
        not_found = {"config": config} if "404.html" in config.theme.static_templates else None  # the other edition's
        try:
            out = pipeline.run(site, content, env, cache=cache, serving=self.serving,
                               markdown_options=(config.markdown_extensions, config.mdx_configs),
                               page_context=not_found, memory=self.brief_memory, records=self.records,
                               early=early)  # fmt: skip
        except BriefError as exc:
            raise PluginError(str(exc.problem)) from exc  # MkDocs shows it
        for problem in out.problems:  # under serve: shown on every page too
            log.error(str(problem))
        self._later = out.later  # cancelled by on_build_error if the hand-over fails
        self._documents = out.documents
        cache.put(*_DOCUMENTS, str(out.documents).encode())  # for the next build (a fresh process)
        _hand_over(out, files, config, root or Path(config.docs_dir).parent, cache, self._cached_file)
        plain, problems = plain_pages.editions(files, config, site, generated=out.pages, serving=self.serving)  # in every edition
        for problem in problems:  # as MkDocs' warnings: they stop a --strict build
            log.warning(problem)
        # the files are MkDocs' now (the cache's, or their bytes in MkDocs' File): not kept twice
        built = Built(content, dataclasses.replace(out, files={}, later=None), cache, env, plain)
        if not self.serving:
            self.pages = PageMemory(cache) if cache.root is not None else None
        if self.pages is not None:
            self.pages.start(out, site, _surroundings(built, files, config))
        self._page_order = [f for f in files if f.is_documentation_page()]
        if self.rewriting:  # an editor's page shows the nav, which an edit of the content may change
            for file in self._page_order:
                if file.src_uri not in out.pages:
                    with contextlib.suppress(OSError):
                        os.unlink(file.abs_dest_path)
        self._kept_files = []
        if not self.serving and self.pages is not None and set(config["plugins"]) <= {"sitegen"}:
            self._kept_files = _link_kept_pages(self.pages, out, files, config)
        page_class = _generated_page_class(_engine(config))
        for uri in out.pages:
            if (file := files.src_uris.get(uri)) is not None and file.page is None:
                page_class(None, file, config)  # File.page, as MkDocs' nav would make it (a kept one's: the sitemap's)
        if self.rewriting and self.pages is not None and set(config["plugins"]) <= {"sitegen"}:
            _leave_kept_pages(self.pages, out, files)
        return built

    def sitemap_pages(self, pages: list) -> list:
        """MkDocs' `pages` for sitemap.xml with the pages linked from the cache among them
        (_link_kept_pages), in the order MkDocs had them, each as its page would be."""
        if not self._kept_files:
            return pages
        shown = {id(f) for f in pages} | {id(f) for f in self._kept_files}
        dated = next((f.page.update_date for f in pages if f.page is not None), None)
        if dated is not None:
            for file in self._kept_files:  # each has its page (Session.build)
                file.page.update_date = dated  # as every page of the build (plugin.on_page_markdown)
        return [f for f in self._page_order if id(f) in shown]

    def add_later_files(self, built: Built, files: Files, config) -> None:
        """The files still being made when the pages were handed over (the search indexes,
        in a worker): MkDocs' too, before it copies any (on_env); where sitegen is the only
        plugin, once MkDocs has written the pages (done(): the worker makes the index
        meanwhile; another plugin's on_post_build may look for it)."""
        if self._alone:
            self._files = (files, config)
        else:
            self._add_search(built, files, config)
        if self.rewriting:
            self._written_now = _outputs(files)
            self._written |= self._written_now  # known before any is written: see done()
        self._placing = {}
        if made_later := built.cache.made_later():  # serve's site-wide downloads: placed once made (_place)
            for file in files:
                if isinstance(file, CachedFile) and file.abs_src_path in made_later:
                    file.later = True
                    self._placing.setdefault(file.abs_src_path, []).append(file.abs_dest_path)
        if failed := built.cache.settle():  # the site-wide downloads, made by threads: the cache could not hold one
            for file in [f for f in files if f.abs_src_path is not None and Path(f.abs_src_path) in failed]:
                _add([(file.src_uri, b"".join(failed[Path(file.abs_src_path)]()))], files, config, BuildCache(None, ""))
        if self._files is None:
            self._cache = None

    def _add_search(self, built: Built, files: Files, config) -> list[File]:
        """The search indexes among MkDocs' files, once the worker has answered."""
        later, self._later = self._later, None
        if later is None:
            return []
        added = _add(later.files().items(), files, config, built.cache, self._cached_file)
        set_exclusions(added, config)  # as MkDocs does for the files of on_files
        return added

    def _write_search(self, built: Built) -> None:
        """The search indexes written into the site as MkDocs would have (0.2 s of MkDocs'
        work at 100k done while the worker makes them). MkDocs' build is over: where
        the rebuild writes into the site as the last one left it, a file the last rebuild
        linked from the same cache entry, and still so linked (its folder's listing has its
        inode), is left as it is (13,000 files at 100k, each made MkDocs' file again, matched
        against the exclusion patterns and stat()ed, were a seventh of a save); the others
        become MkDocs' files, as before."""
        (files, config), self._files = self._files, None
        later, self._later = self._later, None
        made = later.files() if later is not None else {}
        rules = (config.site_dir, config.use_directory_urls, *(config.get(k) for k in ("exclude_docs", "draft_docs", "not_in_nav")))
        known, self._linked_search = (self._linked_search if rules == self._search_rules else {}), {}
        self._search_rules = rules
        left, fresh = [], []
        site = _Listing()
        for uri, data in made.items():
            last = known.get(uri)
            if self.rewriting and last is not None and last.abs_src_path == data and last.linked is not None \
                    and last.linked == built.cache.inode_of(data) and site.inode(last.abs_dest_path) == last.linked:
                left.append(last)
            else:
                fresh.append((uri, data))
        added = _add(fresh, files, config, built.cache, self._cached_file)
        set_exclusions(added, config)  # as MkDocs does for the files of on_files
        added = [f for f in added if (f.inclusion.is_in_serve() if self.serving else f.inclusion.is_included())]  # as MkDocs copies
        for file in added:
            file.copy_file(self.rewriting)
        for file in (*left, *added):
            if isinstance(file, CachedFile) and file.linked is not None:
                self._linked_search[file.src_uri] = file
        if self.rewriting:
            outputs = {f.abs_dest_path for f in (*left, *added)}
            self._written_now |= outputs
            self._written |= outputs
        self._cache = None

    def cancel(self) -> None:
        """The build failed: no worker is left making files."""
        self._stop_helper()
        self._files = None
        cache, self._cache = self._cache, None
        if cache is not None:
            cache.settle()
        later, self._later = self._later, None
        if later is not None:
            later.cancel()

    def _stop_helper(self) -> None:
        helper, self._helper = self._helper, None
        if helper is not None:
            helper.stop()

    def kept(self, uri: str) -> str | None:
        """Under serve: the page's HTML of the last build, if it shows the same now."""
        return self.pages.recall(uri) if self.pages is not None else None

    def keep(self, uri: str, html: str) -> None:
        if self.pages is not None:
            self.pages.keep(uri, html)

    def done(self, built: Built) -> None:
        """The build succeeded: its cache entries and pages are what the next one may reuse."""
        if self._files is not None:
            self._write_search(built)
        self._stop_helper()  # before the cache is tidied: it writes there
        # the cache holds this build's outputs only; serve's rebuild is over before its folder is tidied
        self._tidying = built.cache  # before its thread starts: end() waits for it whatever comes
        built.cache.prune(soon=self.serving, placed=functools.partial(_place, self._placing))
        if self.rewriting:  # the site folder holds this build's outputs only
            _remove_outputs(self._written - self._written_now)
            self._written = self._written_now
        if self.pages is not None:
            self.pages.done()
        self.records.done()
        self.resume_gc()

    def tidied(self) -> None:
        """The last rebuild's cache folder tidied and its files placed (before the next
        rebuild, from on_config: MkDocs may empty the site folder then; and when serve ends)."""
        cache, self._tidying = self._tidying, None
        if cache is not None:
            cache.tidied()

    def _cached_file(self, config, uri: str, path: str) -> File:
        """The file of one of the cache's files: under serve, the last rebuild's if it was
        the same (its exclusion made again, as MkDocs makes it of every file after on_files)."""
        key = (uri, path, config.site_dir, config.use_directory_urls)
        if (file := self._reusable.get(key)) is not None:
            file.inclusion, file.later = InclusionLevel.UNDEFINED, False
            # a dirty rebuild leaves the site's file as the last one linked it: where the cache
            # found its entry to be the same inode, the site's file alone is looked at (15,000
            # files at 100k, two stat()s each, were a twentieth of a save)
            file.placed = file.linked is not None and self._cache is not None and file.linked == self._cache.inode_of(path)
        else:
            file = _cached_file(config, uri, path)
        if self._cache_files is not None:
            self._cache_files[key] = file
        return file

    def pause_gc(self) -> None:
        """No garbage collection until the build ends (from on_config: MkDocs lists the files
        before on_files): each full pass re-scanned the millions of live records (a third of a
        100k build's CPU, a second of a serve rebuild's); the build makes little cyclic garbage."""
        if not self._building:
            self._building, self._builds = True, self._builds + 1
        self._gc_paused = self._gc_paused or gc.isenabled()
        gc.disable()
        self._thaw()  # another build in this command: the last one's objects the collector's again

    def resume_gc(self) -> None:
        """The collector back after a build; under serve, garbage collected once the preview
        is idle (IDLE_SECONDS after a rebuild, unless another has begun), the collector left
        off until serve ends: it would start a full pass in the middle of a later rebuild.
        Saves made without a pause between them get a collection at the end of the
        COLLECT_EVERY-th rebuild since the last (before the page is served: a fifth of a
        second at 100k), never where the idle ones came."""
        self._building = False
        if self.serving and self._gc_paused:
            if self._builds - self._collected >= COLLECT_EVERY:  # saves without a pause: collected now and then
                self._collect()
            self._idle = threading.Timer(IDLE_SECONDS, self._collect_if_idle, args=(self._builds,))
            self._idle.daemon = True
            self._idle.start()
        elif self._gc_paused:
            # what the build left alive is frozen until the command ends (end()): back on, the
            # collector's first pass walked it all, since all of it was young (0.7 s at 100k,
            # between the build's end and MkDocs' last line)
            self._gc_paused, self._frozen_build = False, True
            gc.freeze()
            gc.enable()
        if not self.serving:
            _frozen_at_exit()

    def _thaw(self) -> None:
        if self._frozen_build:  # in the oldest generation again: walked by full passes only
            self._frozen_build = False
            gc.unfreeze()

    def _collect_if_idle(self, builds: int) -> None:
        if builds == self._builds and not self._building:
            self._collect()

    def _collect(self) -> None:
        """Serve's collection: what survives it is frozen (gc.freeze), so that the next one
        scans only what the rebuilds made since: under a tenth of a second at 100,000
        incidents, where a full pass takes three quarters of one, and held up a save made
        meanwhile. The garbage among the frozen objects (the last rebuild's pages and weeks,
        in cycles) waits for a full pass, made once they have grown by half since the last."""
        self._collected = self._builds
        gc.collect()
        gc.freeze()
        if not self._frozen_limit or gc.get_freeze_count() > self._frozen_limit:
            if self._frozen_limit:  # grown by half since the last full pass: every object scanned
                gc.unfreeze()
                gc.collect()
                gc.freeze()
            self._frozen_limit = int(gc.get_freeze_count() * FULL_PASS_GROWTH)

    def end(self) -> None:
        """The command is over (on_shutdown): the last rebuild's folder tidied, the search
        worker ended, the collector back."""
        self.tidied()
        if self._search_worker is not None:
            self._search_worker.close()
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self._builds += 1  # an idle collection on its way is not this command's
        self._thaw()
        if self._frozen_limit:  # the next command's collector scans every object again
            self._frozen_limit = 0
            gc.unfreeze()
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()


_DOCUMENTS = ("documents", "last")  # the cache entry of a build's count of search documents


def _last_documents(cache: BuildCache) -> int:
    """The last build's count of search documents (none kept: 0). A rebuild of the 100k
    site started its search worker once its model was made and waited half a second for
    the worker's answer; one that knows the index is big starts it as it begins."""
    data = cache.peek(*_DOCUMENTS) if cache.root is not None else None
    return int(data) if data and data.isdigit() else 0


IDLE_SECONDS = 1.0
COLLECT_EVERY = 8
FULL_PASS_GROWTH = 1.5


@functools.cache  # registered once per process
def _frozen_at_exit() -> None:
    """Python's last garbage collection, as the process ends, walks every object still
    alive: after a build of 100,000 incidents, a second between the build's end and the
    command's (its records are kept until then). Frozen first (gc.freeze, in the exit
    handlers: nothing is frozen while the process lives), they are not walked."""
    atexit.register(gc.freeze)


def _hand_over(out: pipeline.Output, files: Files, config, site_root: Path, cache: BuildCache, cached_file=None) -> None:
    """MkDocs' files become the site's: the content is dropped, every output is generated.
    With a cache folder, every file but the pages is one of the cache's, linked into the site."""
    for file in pipeline.dropped_files(files, config, site_root):
        files.remove(file)
    _add(pipeline.generated_files(out), files, config, cache, cached_file)  # MkDocs writes every one


def _add(outputs: Iterable[tuple[str, str | bytes | Path]], files: Files, config, cache: BuildCache, cached_file=None) -> list[File]:
    """Each output as MkDocs' file of its URI (in place of one it had); `cached_file`
    (serve's: Session._cached_file) makes the file of one of the cache's files."""
    cached_file = cached_file or _cached_file
    added = []
    for uri, data in outputs:
        if (existing := files.src_uris.get(uri)) is not None:
            files.remove(existing)
        if isinstance(data, bytes):  # pages are Markdown text
            data = cache.blob(data) or data
        if isinstance(data, CachePath):  # one of the cache's files (the search index's)
            file = cached_file(config, uri, str(data))
        elif isinstance(data, Path) and cache.holds(data):
            file = cached_file(config, uri, str(data))
        elif isinstance(data, Path):  # the package's own files (Leaflet): copied, never linked
            file = File.generated(config, uri, abs_src_path=str(data))
        elif isinstance(data, str):
            file = PageFile.generated(config, uri, content=data)
        else:
            file = File.generated(config, uri, content=data)
        files.append(file)
        added.append(file)
    return added


def _cached_file(config, uri: str, path: str) -> File:
    return CachedFile.generated(config, uri, abs_src_path=path)


class PageFile(File):
    """A generated page. Under `sitegen serve` (MkDocs' dirty rebuild, into the site folder
    as the last rebuild left it), one `left` as it is there: MkDocs neither reads, renders
    nor writes it (see _leave_kept_pages)."""

    left = False

    def is_modified(self) -> bool:
        return not self.left and super().is_modified()


def _leave_kept_pages(pages: PageMemory, out: pipeline.Output, files: Files) -> None:
    """Each page whose HTML is the last rebuild's, left as that rebuild wrote it (a thousand
    pages of a big site: a third of a second of each save), dated as the rebuild dates its
    pages (plugin.on_page_markdown, which MkDocs does not call for it: the sitemap shows
    the date), and kept for the next rebuild. Only where sitegen is the only plugin
    (another one's page hooks would not run on these pages)."""
    for uri in out.pages:
        file = files.src_uris.get(uri)
        if not isinstance(file, PageFile) or file.page is None or (html := pages.recall(uri)) is None:
            continue
        if os.path.isfile(file.abs_dest_path):
            file.left = True
            pages.keep(uri, html)
            if "SOURCE_DATE_EPOCH" not in os.environ:
                file.page.update_date = out.build_date.isoformat()


def _outputs(files: Files) -> set[str]:
    """The paths of the files MkDocs writes into the site folder under serve."""
    return {f.abs_dest_path for f in files if f.inclusion.is_in_serve()}


def _remove_outputs(paths: Iterable[str]) -> None:
    """Files a rebuild no longer writes (a week whose incidents were all moved, say), and
    the folders they leave empty."""
    folders = set()
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)
            folders.add(os.path.dirname(path))
    for folder in sorted(folders, key=len, reverse=True):
        with contextlib.suppress(OSError):
            os.removedirs(folder)  # up to the first folder still holding something


class CachedFile(File):
    """A file of the site kept in the build cache: hard-linked into the site, not written
    again (the downloads are hundreds of MB at scale, the search index thousands of files,
    and a link costs a fraction of a new file; the cache replaces an entry by renaming a new
    file over it, so a link keeps what was built), copied where it cannot be linked."""

    later = False  # made once serve's rebuild is over, and placed then (Session._place)
    linked: int | None = None  # the entry's inode when this file linked it into the site, or found it linked
    placed = False  # serve's (Session._cached_file): the entry's inode is still `linked`

    def is_modified(self) -> bool:
        """Whether the site's file is not this entry (a link to it is; a copy is copied again)."""
        try:
            return not os.path.samestat(os.stat(self.abs_dest_path), os.stat(self.abs_src_path))
        except OSError:
            return True

    def copy_file(self, dirty: bool = False) -> None:
        if self.later or (dirty and self.placed and _inode(self.abs_dest_path) == self.linked):
            return  # the site's file is still the link to the entry (one stat, not two)
        if dirty and not self.is_modified():
            self.linked = _inode(self.abs_src_path)
            return
        output = self.abs_dest_path
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(output)
            _link(self.abs_src_path, output)
            self.linked = os.stat(output).st_ino
        except OSError:  # another file system, or one without links
            self.linked = None
            super().copy_file(dirty)


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


class _Listing:
    """The inodes of the files in the site's folders, each folder listed once (its entries
    hold them: one listing of the index's folder, not 13,000 stat()s at 100k)."""

    def __init__(self) -> None:
        self._folders: dict[str, dict[str, int]] = {}

    def inode(self, path: str) -> int | None:
        folder, name = os.path.split(path)
        if (entries := self._folders.get(folder)) is None:
            try:
                with os.scandir(folder) as listed:
                    entries = {entry.name: entry.inode() for entry in listed}
            except OSError:
                entries = {}
            self._folders[folder] = entries
        return entries.get(name)


def _place(placing: dict[str, list[str]], path: Path, make: Callable[[], bytes | Iterable[bytes]] | None) -> None:
    """One of the files a rebuild makes once it is over, into the site where MkDocs
    left the last one (CachedFile.later): the cache's file linked in, or its bytes
    (`make`: the cache could not hold it) written; either replaces the old at once, so
    a download asked for meanwhile is the old one or the new, whole."""
    for output in placing.get(os.fspath(path), []):
        temporary = f"{output}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(output), exist_ok=True)
            if make is None:
                try:
                    os.link(path, temporary)
                except OSError:  # another file system, or one without links
                    shutil.copyfile(path, temporary)
            else:
                data = make()
                with open(temporary, "wb") as handle:
                    for chunk in (data,) if isinstance(data, bytes) else data:
                        handle.write(chunk)
            os.replace(temporary, output)
        except Exception as exc:  # noqa: BLE001 (a thread's: the last file stays, the next rebuild makes it again)
            log.warning(t("build.cannot_write", path=output, reason=exc))
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _link(source: str, output: str) -> None:
    """A hard link, its folder made first only where it is missing (a folder is made for
    many files: asking for it each time cost more than the links)."""
    try:
        os.link(source, output)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(output), exist_ok=True)
        os.link(source, output)


KEPT_TEMPLATE = "kept.html"  # the theme's empty template for a kept page (on_post_page gives its HTML)


class PageMemory:
    """Each generated page's HTML, by its key: the pipeline's content key of its record
    (pipeline.page_keys), its language alternates, and what the theme shows of the site
    around it (the build cache's salt: sitegen, templates and options; MkDocs' options and
    plugins; the nav: every page's path and the editors' pages; the problems every page
    shows). Under serve, the last successful build's pages, in memory; for a build, the
    build cache's "page" entries (`cache`), which it prunes as any other."""

    def __init__(self, cache: BuildCache | None = None) -> None:
        self._cache = cache
        self._last: dict[str, tuple[str, str]] = {}  # uri -> (key, HTML) of the last build
        self._next: dict[str, tuple[str, str]] = {}
        self._keys: dict[str, str] = {}
        self._recalled: dict[str, str | None] = {}  # from the cache: each page read once

    def start(self, out: pipeline.Output, site: SiteConfig, surroundings: str) -> None:
        self._next, self._recalled = {}, {}
        self._keys = {
            uri: digest(surroundings, key, pipeline.alternates(out.pages[uri], out.pages, site))
            for uri, key in out.keys.items()
        }  # fmt: skip

    def recall(self, uri: str) -> str | None:
        key = self._keys.get(uri)
        if key is None:
            return None
        if self._cache is not None:
            if uri not in self._recalled:
                path = self.kept_file(uri)
                try:
                    self._recalled[uri] = path.read_bytes().decode("utf-8") if path is not None else None
                except (OSError, UnicodeDecodeError):
                    self._recalled[uri] = None
            return self._recalled[uri]
        last = self._last.get(uri)
        return last[1] if last is not None and last[0] == key else None

    def kept_file(self, uri: str) -> Path | None:
        """A build's: the build cache's file of the page's HTML (a blob, as MkDocs writes a
        page), if the page shows the same as when it was kept."""
        if self._cache is None or (key := self._keys.get(uri)) is None:
            return None
        name = self._cache.peek("page", key)
        if name is None or not _BLOB_NAME.fullmatch(name):
            return None
        return self._cache.kept_blob(name.decode("ascii"))

    def keep(self, uri: str, html: str) -> None:
        if (key := self._keys.get(uri)) is None:
            return
        if self._cache is None:
            self._next[uri] = (key, html)
        elif self._recalled.get(uri) is None:  # a page read back is in the cache already
            if (blob := self._cache.blob(html.encode("utf-8", errors="xmlcharrefreplace"))) is not None:
                self._cache.put("page", key, blob.name.encode("ascii"))

    def done(self) -> None:
        self._last, self._next = self._next, {}


_BLOB_NAME = re.compile(rb"[0-9a-f]{64}")


def _link_kept_pages(pages: PageMemory, out: pipeline.Output, files: Files, config) -> list[File]:
    """Each page whose HTML of the last build is in the cache and shows the same now: that
    file linked into the site in the page's place, the page left out of MkDocs' pages (none
    of its hooks, its template or its write: a thousand pages and more at scale), its File
    kept (as excluded) so that links to it still resolve. The first page is always rendered:
    MkDocs dates sitemap.xml.gz by the pages it rendered. Only where sitegen is the only
    plugin (another one's page hooks would not run on these pages)."""
    kept = []
    for uri in list(out.pages)[1:]:
        if (path := pages.kept_file(uri)) is None or (file := files.src_uris.get(uri)) is None:
            continue
        file.inclusion = type(file.inclusion).EXCLUDED
        files.append(CachedFile.generated(config, file.dest_uri, abs_src_path=os.fspath(path)))
        kept.append(file)
    return kept


def _engine(config) -> str:
    """"mkdocs", or "properdocs" when ProperDocs is the one building (its config's package)."""
    return type(config).__module__.partition(".")[0]


@functools.cache
def _generated_page_class(engine: str) -> type:
    """The engine's Page for a generated page: the theme renders it from its record and its
    Markdown is empty, so no Markdown instance is made to convert it (MkDocs makes one per
    page: a thousand and more per build of a big site)."""
    pages = importlib.import_module(f"{engine}.structure.pages")
    toc = importlib.import_module(f"{engine}.structure.toc")

    class GeneratedPage(pages.Page):
        def render(self, config, files) -> None:
            if self.markdown:
                return super().render(config, files)
            self.content = ""  # what Markdown makes of nothing
            self.toc = toc.get_toc([])
            self.present_anchor_ids = set()
            return None

    return GeneratedPage


def cache_folder(config: Any) -> Path:
    """The site's cache folder, .cache/sitegen/ beside its mkdocs.yml; the build's entries
    are in build/ there."""
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return root / ".cache" / "sitegen"


def _surroundings(built: Built, files: Files, config: Mapping[str, Any]) -> str:
    """What every page shows besides its own record (see PageMemory)."""
    generated = built.out.pages
    pages = [f.src_uri for f in files.documentation_pages()]  # the nav, when mkdocs.yml has none
    editors = [(f.src_uri, f.content_bytes) for f in files.documentation_pages() if f.src_uri not in generated]
    # not the folder the site is written to (`sitegen build` writes to a new one each time),
    # nor the theme, which the salt has (its repr shows a set, in another order each run)
    options = [(k, repr(v)) for k, v in config.items() if k not in ("plugins", "hooks", "site_dir", "theme")]
    # each plugin (and hook) by its options and its code's file: a new version may render differently
    # (a hook is a module: no options)
    plugins = [(name, type(p).__name__, repr(dict(getattr(p, "config", {}))), _code_of(p)) for name, p in config["plugins"].items()]
    module = sys.modules.get(_engine(config))  # MkDocs or ProperDocs: the generator tag
    engine = (getattr(module, "__name__", ""), getattr(module, "__version__", ""))
    return digest(built.cache.salt, options, plugins, engine, pages, editors, [str(p) for p in built.problems])


def _code_of(plugin: object) -> tuple:
    module = plugin if isinstance(plugin, types.ModuleType) else sys.modules.get(type(plugin).__module__)  # a hook is one
    path = getattr(module, "__file__", None)
    return (path, stat_key(Path(path)) if path else None)


class TemplateCode(jinja2.BytecodeCache):
    """Serve's compiled templates, in memory across rebuilds: MkDocs makes a new environment
    for each rebuild, which compiled every template again. Never in the build cache: nothing
    read from .cache/ may run code. An entry is named by the template, its source, Jinja's
    version and the environment's settings."""

    def __init__(self, memory: dict[str, bytes]) -> None:
        self.memory = memory

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (data := self.memory.get(_template_key(bucket))) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.memory[_template_key(bucket)] = bucket.bytecode_to_string()


def _template_key(bucket: jinja2.bccache.Bucket) -> str:
    """The template (its name and file), its source, and what else compiles it differently."""
    env = bucket.environment
    settings = (sorted(env.extensions), env.autoescape, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
                env.keep_trailing_newline, env.optimized, env.block_start_string, env.variable_start_string)  # fmt: skip
    return hashlib.sha256(f"{bucket.key}:{bucket.checksum}:{jinja2.__version__}:{settings!r}".encode()).hexdigest()
