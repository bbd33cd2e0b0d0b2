"""`serve` (sitegen's, MkDocs', ProperDocs'): what the live preview adds to MkDocs' server.

- The page's Content-Security-Policy lets MkDocs' live-reload script run (by its hash,
  computed for each page as served), so an open page reloads after a save. Only under
  serve: a built site never carries that script.
- A rebuild that fails (a broken theme template, say) no longer leaves the server
  waiting for a good build: the error is logged on one line and shown at the top of
  every page until the next rebuild succeeds; a page the failed build left missing is
  answered with the error itself, from memory (`with_error_page`, from the plugin's
  on_serve): nothing is written into site/ but by MkDocs.
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
