"""`serve` (sitegen's, MkDocs', ProperDocs'): what the live preview adds to MkDocs' server.

- The page's Content-Security-Policy lets MkDocs' live-reload script run (by its hash,
  computed for each page as served), so an open page reloads after a save. Only under
  serve: a built site never carries that script.
- A rebuild that fails (a broken theme template, say) no longer leaves the server
  waiting for a good build: the error is logged on one line and shown at the top of
  every page until the next rebuild succeeds; a page the failed build left missing is
  answered with the error itself, from memory (`with_error_page`, from the plugin's
  on_serve): nothing is written into site/ but by MkDocs.
- A save is seen at once: MkDocs' server watches by polling (every half second, so that
  saves on network and Docker mounts are seen too); the platform's own watcher (inotify)
  is added beside it (`with_native_watch`), and a change both see starts one rebuild;
  the rebuild starts once the files have been quiet for 0.04 s, not MkDocs' 0.1 s (a
  save's events, all of them, come within milliseconds of each other from that watcher).
- `sitegen serve` has MkDocs make its site folder beside the build cache, on the same file
  system, so that the cache's files are linked into it, not copied (`site_folder_beside_cache`).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import importlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, TemplateSyntaxError

from sitegen.messages import t

log = logging.getLogger("mkdocs.plugins.sitegen")

_SERVERS = ("mkdocs", "properdocs")
_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)
_CSP = re.compile(rb'(<meta http-equiv="Content-Security-Policy" content="[^"<>]*script-src \'self\')([^"<>]*">)')
_BODY = re.compile(rb"<body[^>]*>")


SERVE_FOLDERS = Path(".cache") / "sitegen" / "serve"  # under the site's folder: one per serve, by its pid


@contextlib.contextmanager
def site_folder_beside_cache(config_file: str | None) -> Iterator[None]:
    """MkDocs' serve builds into a temporary folder (tempfile.mkdtemp): made here under
    .cache/sitegen/serve/, on the build cache's file system, so that the cache's files are
    linked into the site, not copied (at 100,000 incidents the downloads are 300 MB, made
    again at each save: copied each time where /tmp is another file system, a tmpfs say).
    Folders of serves that are gone are removed; where none can be made, the system's
    temporary folder, as before."""
    from sitegen.build import _alive

    base = (Path(config_file).resolve().parent if config_file else Path.cwd()) / SERVE_FOLDERS
    mine = base / str(os.getpid())
    try:
        mine.mkdir(parents=True, exist_ok=True)
        for other in base.iterdir():
            if other != mine and (not other.name.isdigit() or not _alive(int(other.name))):
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        yield
        return
    before, tempfile.tempdir = tempfile.tempdir, os.fspath(mine)
    try:
        yield
    finally:
        tempfile.tempdir = before
        shutil.rmtree(mine, ignore_errors=True)


NATIVE_BUILD_DELAY = 0.04  # seconds without a change before a rebuild starts, where the native watcher watches too
DUPLICATE_SECONDS = 3.0  # a path the native watcher reported this recently: the polling one's report is dropped


def with_native_watch(server, paths: list) -> object:
    """The server, its watched paths (of `paths`) watched by the platform's own watcher too."""
    from watchdog.observers.polling import PollingObserver

    if not isinstance(getattr(server, "observer", None), PollingObserver) or (native := _native_observer()) is None:
        return server  # a server that already watches otherwise, or a platform without a watcher of its own
    watched = []
    for path in filter(None, paths):
        with contextlib.suppress(KeyError):  # not watched (MkDocs' serve watches the theme only when asked)
            server.unwatch(path)
            watched.append(path)
    server.observer = _Observers(server.observer, native)
    for path in watched:
        server.watch(path)
    server.build_delay = min(server.build_delay, NATIVE_BUILD_DELAY)
    return server


def _native_observer():
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    observer = Observer()
    return None if isinstance(observer, PollingObserver) else observer


class _Observers:
    """MkDocs' polling observer with the platform's own beside it: each watch is scheduled
    on both, and a change both see is handed on once (the native observer sees it first;
    polling then reports it up to half a second later, which would start a second rebuild)."""

    def __init__(self, polling, native) -> None:
        self.polling, self.native = polling, native
        self._natives: dict[object, object] = {}
        self._seen: dict[str, float] = {}  # path -> when the native observer reported it
        self._lock = threading.Lock()

    def schedule(self, handler, path, recursive: bool = False, **options):
        watch = self.polling.schedule(_Reported(handler, self, native=False), path, recursive=recursive, **options)
        with contextlib.suppress(Exception):  # no native watch to be had (inotify's limit, a file): polling alone
            self._natives[watch] = self.native.schedule(
                _Reported(handler, self, native=True), os.path.realpath(path), recursive=recursive, event_filter=_changes()
            )  # fmt: skip
        return watch

    def unschedule(self, watch) -> None:
        self.polling.unschedule(watch)
        if (native := self._natives.pop(watch, None)) is not None:
            with contextlib.suppress(Exception):
                self.native.unschedule(native)

    def start(self) -> None:
        self.polling.start()
        with contextlib.suppress(Exception):
            self.native.start()

    def stop(self) -> None:
        self.polling.stop()
        with contextlib.suppress(Exception):
            self.native.stop()

    def join(self, timeout: float | None = None) -> None:
        self.polling.join(timeout)
        if self.native.is_alive():
            self.native.join(timeout)

    def __getattr__(self, name: str):
        return getattr(self.polling, name)

    def handed_on(self, event, native: bool) -> bool:
        paths = [os.path.realpath(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        now = time.monotonic()
        with self._lock:
            if native:
                self._seen.update((p, now) for p in paths)
                return True
            return not all(now - self._seen.get(p, -DUPLICATE_SECONDS) < DUPLICATE_SECONDS for p in paths)


class _Reported:
    """A watch's handler, given the events its observer reports that are not duplicates."""

    def __init__(self, handler, observers: _Observers, native: bool) -> None:
        self.handler, self.observers, self.native = handler, observers, native

    def dispatch(self, event) -> None:
        if self.native and event.event_type in _READS:  # the build reads every file it watches
            return
        if self.observers.handed_on(event, self.native):
            self.handler.dispatch(event)


_READS = ("opened", "closed_no_write")  # inotify's reports of a file read, not changed


def _changes() -> list[type]:
    """The events of a change (not of a read: the build reads every file it watches), asked
    of the native observer so that it is not even told of the others (watchdog 4 and later)."""
    from watchdog import events

    return [events.FileCreatedEvent, events.FileModifiedEvent, events.FileMovedEvent, events.FileDeletedEvent,
            events.FileClosedEvent, events.DirCreatedEvent, events.DirModifiedEvent, events.DirMovedEvent,
            events.DirDeletedEvent]  # fmt: skip


class _State:
    """The last rebuild's failure, shown on every page served until a rebuild succeeds
    (one serve per process: the preview's own state, nothing a build reads)."""

    error: str | None = None


def patch_live_reload() -> None:
    """Teach the serve commands of MkDocs and ProperDocs the two things above (once)."""
    for name in _SERVERS:
        try:
            server = importlib.import_module(f"{name}.livereload").LiveReloadServer
            serve = importlib.import_module(f"{name}.commands.serve")
        except (ImportError, AttributeError):
            continue
        if getattr(server, "_sitegen_patched", False):
            continue
        server._inject_js_into_html = _allowed_injection(server._inject_js_into_html)
        serve.build = _guarded_build(serve.build)
        server._sitegen_patched = True


def quiet_dirty_warning() -> None:
    """No warning on every rebuild that a "dirty" build may leave stale pages and files:
    under serve, sitegen's session writes every page that may have changed and removes
    what the rebuild no longer writes (sitegen.state.Session)."""
    for name in _SERVERS:
        logger = logging.getLogger(f"{name}.commands.build")
        if not any(isinstance(f, _NoDirtyWarning) for f in logger.filters):
            logger.addFilter(_NoDirtyWarning())


class _NoDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


def _guarded_build(build):
    @functools.wraps(build)
    def guarded(*args, **kwargs):
        try:
            build(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (shown on the pages; the server goes on)
            _State.error = describe(exc)
            log.error(_State.error)
        else:
            _State.error = None

    return guarded


def _allowed_injection(inject):
    @functools.wraps(inject)
    def _inject_js_into_html(self, content: bytes, epoch) -> bytes:
        out = inject(self, content, epoch)
        if _State.error:
            out = with_error_banner(out, _State.error)
        return with_script_hashes(out)

    return _inject_js_into_html


def describe(exc: BaseException) -> str:
    """A failed rebuild in one line, located where it can be."""
    if isinstance(exc, TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}:1: error: {exc.message}"
    return " ".join(str(exc).split()) or type(exc).__name__


def with_script_hashes(page: bytes) -> bytes:
    """The page with every inline script's hash in its CSP (the theme's own are there already)."""
    meta = _CSP.search(page)
    if meta is None:
        return page
    hashes = []
    for body in _SCRIPT.findall(page):
        token = b"'sha256-" + base64.b64encode(hashlib.sha256(body).digest()) + b"'"
        if token not in meta[0] and token not in hashes:
            hashes.append(token)
    if not hashes:
        return page
    return page[: meta.start()] + meta[1] + b" " + b" ".join(hashes) + meta[2] + page[meta.end() :]


@functools.lru_cache(maxsize=1)
def _banner_template():
    from sitegen.scaffold import theme_dir

    env = Environment(loader=FileSystemLoader(theme_dir()), autoescape=True)
    return env.get_template("partials/preview-error.html")


def with_error_page(server):
    """The server, answering a missing page with the failed rebuild's error while there is
    one (MkDocs' own error handler, which serves site/404.html, otherwise)."""
    not_found = server.error_handler

    def error_handler(code: int) -> bytes | None:
        message = _State.error
        if code != 404 or message is None:
            return not_found(code)
        return _banner_template().render(title=t("serve.build_failed_first"), message=message, whole=True).encode("utf-8")

    server.error_handler = error_handler
    return server


def with_error_banner(page: bytes, message: str) -> bytes:
    banner = _banner_template().render(title=t("serve.build_failed"), message=message, whole=False).encode("utf-8")
    body = _BODY.search(page)
    at = body.end() if body else 0
    return page[:at] + banner + page[at:]
