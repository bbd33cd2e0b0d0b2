"""Helpers for tests that build the demo site and look at it: in files, in a served
directory, in Chromium, through vnu and axe-core.

    cfg = write_config(tmp / "mkdocs.yml", tiles=None)      # a copy of mkdocs.yml, tiles off
    run_sitegen(site_folder, "validate", lang="fr")          # the sitegen command, as an editor runs it
    build(cfg, tmp / "site")                                # python -m mkdocs build --strict
    site = demo_site(tmp_path_factory)                      # the above, once per test session
    with serve(site) as base_url: ...                       # http://127.0.0.1:<free port>/
    browser = launch_chromium(playwright)                   # Debian chromium, or fail/skip

Builds run in a subprocess, as an editor or CI runs them, with the caller's environment
(the plugin pins the build date to the content unless SOURCE_DATE_EPOCH is set).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MKDOCS_YML = ROOT / "mkdocs.yml"
ARTIFACTS = ROOT / "test-artifacts"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILD_TIMEOUT = 180

_KEEP = object()


def write_config(dest: Path, *, tiles: Any = _KEEP, source: Path = MKDOCS_YML, **sitegen_options: Any) -> Path:
    """A copy of `source` (the demo mkdocs.yml) at `dest`, whose docs_dir and theme
    custom_dir still point at the repository, with the sitegen plugin options changed:
    `tiles=None` switches map tiles off (no request leaves 127.0.0.1)."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    base = source.parent
    data["docs_dir"] = str((base / data.get("docs_dir", "docs")).resolve())
    theme = data.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = str((base / theme["custom_dir"]).resolve())
    data.pop("site_dir", None)  # always given with -d
    options = _sitegen_options(data)
    if tiles is not _KEEP:
        options["tiles"] = {"url": None} if tiles is None else tiles
    options.update(sitegen_options)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


def _sitegen_options(data: dict[str, Any]) -> dict[str, Any]:
    plugins = data.setdefault("plugins", [])
    for n, plugin in enumerate(plugins):
        if plugin == "sitegen":
            plugins[n] = {"sitegen": {}}
            return plugins[n]["sitegen"]
        if isinstance(plugin, dict) and "sitegen" in plugin:
            if plugin["sitegen"] is None:
                plugin["sitegen"] = {}
            return plugin["sitegen"]
    plugins.append({"sitegen": {}})
    return plugins[-1]["sitegen"]


def build(config: Path, site_dir: Path, *, tool: str = "mkdocs", check: bool = True) -> subprocess.CompletedProcess:
    """`python -m <tool> build --strict -f config -d site_dir`, from the repository root.
    With `check`, a failed build fails the test with the tool's output."""
    result = subprocess.run(
        [sys.executable, "-m", tool, "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"`{tool} build --strict` of {config} failed with exit code {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result


def run_sitegen(cwd: Path, *args: str, lang: str | None = None, env: dict[str, str] | None = None,
                timeout: int = 300) -> subprocess.CompletedProcess:
    """`python -m sitegen ARGS` in `cwd` as an editor runs it: a bare environment (English
    unless `lang`, e.g. "fr" for LANGUAGE=fr), plus `env`."""
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), **({"LANGUAGE": lang} if lang else {}), **(env or {})}
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environ)


CLI_SITE_YML = "site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen\n"


def make_cli_site(root: Path, mkdocs_yml: str = CLI_SITE_YML) -> Path:
    """A site folder for the command line: mkdocs.yml and empty content/incidents, content/briefs."""
    (root / "mkdocs.yml").write_text(mkdocs_yml)
    (root / "content" / "incidents").mkdir(parents=True)
    (root / "content" / "briefs").mkdir()
    return root


_builds: dict[tuple[str, str], Path] = {}


def demo_site(tmp_path_factory: pytest.TempPathFactory, *, tool: str = "mkdocs") -> Path:
    """The demo site built once per session (per tool) with tiles off; the directory is
    shared by every module that asks, so tests must not modify it. Its config file is
    `site.parent / "mkdocs.yml"`."""
    key = (tool, "tiles-off")
    if key not in _builds:
        work = tmp_path_factory.mktemp(f"demo-{tool}")
        config = write_config(work / "mkdocs.yml", tiles=None)
        build(config, work / "site", tool=tool)
        _builds[key] = work / "site"
    return _builds[key]


def site_files(site: Path) -> dict[str, Path]:
    """{posix path relative to the site: file} of every file in a built site."""
    return {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*")) if p.is_file()}


def search_index_rows(site: Path, prefix: str = "") -> list[dict[str, str]]:
    """Every document of an edition's search index (search/index/d-*.json), in order, as
    {kind, title, url, date, country, text}."""
    import json

    index = site / prefix / "search" / "index"
    meta = json.loads((index / "meta.json").read_text(encoding="utf-8"))
    rows = [row for n in range(-(-meta["docs"] // meta["block"])) for row in json.loads((index / f"d-{n}.json").read_text(encoding="utf-8"))]
    names = ("title", "url", "date", "country", "text")
    return [{"kind": "brief" if n < meta["briefs"] else "incident", **dict(zip(names, row))} for n, row in enumerate(rows)]


def search_index_text(site: Path, prefix: str = "") -> str:
    """All the files of an edition's search index, one after the other (to look for text)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((site / prefix / "search" / "index").glob("*.json")))


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- serving ---------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".geojson": "application/geo+json",
        ".json": "application/json",
        ".xml": "application/xml",
        ".js": "text/javascript",
        ".svg": "image/svg+xml",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # a static host serves the site's own 404 page
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) in a thread; yields the base URL,
    ending with '/'. Unknown paths get the site's 404.html with status 404."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _png(width: int = 256, height: int = 256, grey: int = 200) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


_PNG = _png()


class _TileHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(_PNG)))
        self.end_headers()
        self.wfile.write(_PNG)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve_tiles() -> Iterator[tuple[str, list[str]]]:
    """A stand-in tile server on 127.0.0.1 (its own port, so another origin than the
    site): yields (URL template for the `tiles.url` option, list of paths requested)."""
    requests: list[str] = []
    handler = type("TileHandler", (_TileHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="tile-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tiles/{{z}}/{{x}}/{{y}}.png", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- tools that may be missing ------------------------------------------------------------


def missing(what: str) -> None:
    """Skip when a tool is missing on a developer machine; fail under CI (env CI set),
    where `make test` must have installed it."""
    message = f"{what} (run `make setup-test` to install it)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def chromium_path() -> str | None:
    path = os.environ.get("SITEGEN_CHROMIUM") or CHROMIUM
    return path if os.access(path, os.X_OK) else shutil.which("chromium")


def hrefs(locator: Any) -> list[str]:
    """The href attributes, as the page writes them, of the links a Playwright locator matches."""
    return locator.evaluate_all("as => as.map(a => a.getAttribute('href'))")


def follow(page: Any, rel: str) -> list[str]:
    """Click the page's a[rel=<rel>] until a page has none: the addresses reached, in order.
    A walk that comes back to a page it has reached fails the test."""
    walked: list[str] = []
    while page.locator(f"a[rel={rel}]").count():
        page.locator(f"a[rel={rel}]").click()
        page.wait_for_load_state("domcontentloaded")
        assert page.url not in walked, f"rel={rel} loops back to {page.url}"
        walked.append(page.url)
    return walked


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium (Debian's, driven by Playwright)."""
    path = chromium_path()
    if path is None:
        missing(f"Chromium is not installed at {CHROMIUM}")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def java_path() -> str | None:
    return shutil.which("java")


def artifact_path(name: str) -> Path:
    """A path under test-artifacts/ (git-ignored) for screenshots and reports."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
