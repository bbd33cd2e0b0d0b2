"""Bytes one search query transfers on a built site, measured in Chromium (issue #13).

    python bench/bench_search.py SITE_DIR [--query Tilaberi --query Ouallam ...]

Serves SITE_DIR on 127.0.0.1, opens /search/?q=QUERY (and /fr/search/?q=QUERY) in a
fresh browser context (empty cache), waits for the results and adds up the bodies of
every response the page received: the page, its scripts and styles, and the index
files search.js fetched. Prints one line per query and edition: raw bytes (what
http.server sends, no compression), gzip -6 of the same bodies, the number of index
files, and the number of results. Needs Playwright and Debian's chromium (the test
extras and `make setup-test`).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sitetools import launch_chromium, serve  # noqa: E402

QUERIES = ("Tilaberi", "Ouallam", "attack convoy", "Tombouctou 2019")


@dataclass
class Transfer:
    query: str
    path: str
    raw: int
    gz: int
    index_files: int
    status: str


def measure(site: Path, queries=QUERIES, paths=("search/", "fr/search/")) -> list[Transfer]:
    from playwright.sync_api import sync_playwright

    out = []
    with serve(site) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for path in paths:
            if not (site / path / "index.html").is_file():
                continue
            for query in queries:
                out.append(_one(browser, base, path, query))
        browser.close()
    return out


def _one(browser, base: str, path: str, query: str) -> Transfer:
    context = browser.new_context()
    page = context.new_page()
    bodies: dict[str, bytes] = {}

    def keep(response):
        if response.url.startswith(base) and response.ok:
            try:
                bodies[response.url] = response.body()
            except Exception:  # a response the page aborted has no body: nothing transferred
                pass

    page.on("response", keep)
    page.goto(base + path + "?q=" + urllib.parse.quote(query))
    page.wait_for_function("() => { const s = document.querySelector('#search-results .search-status');"
                           " return s && !/…|\\.\\.\\./.test(s.textContent) && s.textContent.length > 0; }")
    page.wait_for_load_state("networkidle")
    status = page.locator("#search-results .search-status").inner_text()
    context.close()
    data = list(bodies.values())
    return Transfer(query, path, sum(map(len, data)), sum(len(gzip.compress(d, 6)) for d in data),
                    sum(1 for url in bodies if "/search/index/" in url), status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--query", action="append", help="a query (repeatable); default: " + ", ".join(QUERIES))
    args = parser.parse_args()
    for t in measure(args.site, tuple(args.query or QUERIES)):
        print(f"/{t.path}?q={t.query}: {t.raw / 1024:,.0f} KB ({t.gz / 1024:,.0f} KB gzipped), "
              f"{t.index_files} index files; {t.status}", flush=True)


if __name__ == "__main__":
    main()
