"""First contentful paint and page weight of a week page on a slow 3G link.

    python bench/bench_slow3g.py [SITE_DIR] [--week 2023-W39] [--runs 3]

Serves SITE_DIR (default: the demo site, built into a temporary folder with tiles off) on
127.0.0.1 and opens the week page in Chromium with the network emulated through CDP at
400 kbit/s down and up with 400 ms of latency. Prints, per page: first contentful paint
(median of the runs; target <= 2.5 s), the load event, and the page's own weight before
the map is asked for: the bytes of the HTML, the style sheets and the scripts the page
loaded by its load event (target <= 100 KB). Map data, outlines and Leaflet, which
map.js loads after the load event (on phones only when asked), are counted apart.
Nothing is gzipped by the test server, so weights are of the files as written. Requests to
other hosts (tiles of a site built with them) are refused.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
FCP_TARGET_S = 2.5
WEIGHT_TARGET = 100_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

_MEASURE = """() => new Promise((resolve) => {
  const done = () => setTimeout(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const loadEnd = nav.loadEventStart;
    const resources = performance.getEntriesByType('resource').map((r) => ({
      name: r.name, type: r.initiatorType, size: r.encodedBodySize, start: r.startTime, end: r.responseEnd}));
    resolve({fcp: paint ? paint.startTime : null, load: loadEnd, html: nav.encodedBodySize, resources});
  }, 50);
  if (document.readyState === 'complete') { done(); } else { window.addEventListener('load', done); }
})"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def measure(browser: Any, url: str, *, width: int = 1280, height: int = 900, mobile: bool = False) -> dict[str, Any]:
    """One cold visit of `url` on slow 3G: fcp and load (ms), and the page's weight (bytes)."""
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile)
    try:
        own_host = url.split("/")[2]
        context.route("**/*", lambda r: r.continue_() if r.request.url.split("/")[2] == own_host else r.abort())
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        page.goto(url, wait_until="load", timeout=60_000)
        result = page.evaluate(_MEASURE)
        if not mobile and page.locator(".sg-map").count():  # then what map.js loads after the load event
            page.wait_for_function(
                "() => document.querySelector('.sg-map').getAttribute('data-sg-state') === 'ready'", timeout=60_000
            )
            result["ready"] = page.evaluate("() => performance.now()")
            result["resources"] = page.evaluate(_MEASURE)["resources"]
    finally:
        context.close()
    own = [r for r in result["resources"] if r["end"] <= result["load"] and r["type"] in ("link", "script", "css")]
    later = [r for r in result["resources"] if r not in own and r["start"] >= result["load"]]
    result["weight"] = result["html"] + sum(r["size"] for r in own)
    result["own"] = own
    result["later"] = later
    return result


def _demo_site(work: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.sitetools import build, write_config

    config = write_config(work / "mkdocs.yml", tiles=None)
    build(config, work / "site")
    return work / "site"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", type=Path)
    parser.add_argument("--week", default="2023-W39")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or _demo_site(Path(tmp))
        server, base = serve(site)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                for label, options in (("desktop 1280 px", {}), ("phone 360 px", {"width": 360, "height": 780, "mobile": True})):
                    runs = [measure(browser, f"{base}weeks/{args.week}/", **options) for _ in range(args.runs)]
                    fcp = statistics.median(r["fcp"] for r in runs) / 1000
                    load = statistics.median(r["load"] for r in runs) / 1000
                    last = runs[-1]
                    print(
                        f"week {args.week}, {label}, slow 3G (400 kbit/s, 400 ms): first contentful paint {fcp:.2f} s "
                        f"(target <= {FCP_TARGET_S} s), load event {load:.2f} s; page weight before the map "
                        f"{last['weight'] / 1000:.1f} KB (target <= {WEIGHT_TARGET / 1000:.0f} KB: HTML {last['html'] / 1000:.1f} KB"
                        + "".join(f", {r['name'].rsplit('/', 1)[-1]} {r['size'] / 1000:.1f} KB" for r in last["own"])
                        + (f"); interactive map ready at {statistics.median(r['ready'] for r in runs) / 1000:.1f} s"
                           if "ready" in last else "); the map waits for a tap")
                        + "; loaded after the load event: "
                        + (", ".join(f"{r['name'].rsplit('/', 1)[-1]} {r['size'] / 1000:.1f} KB" for r in last["later"]) or "nothing")
                    )
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
