"""Screenshots of a built site for review by eye: home, a week and a country page at
360 px and 1280 px, saved under test-artifacts/.

    python tools/screenshots.py [SITE_DIR] [--week 2023-W39] [--country niger]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", type=Path, default=Path("site"))
    parser.add_argument("--week", default="2023-W39")
    parser.add_argument("--country", default="niger")
    parser.add_argument("--out", type=Path, default=Path("test-artifacts"))
    args = parser.parse_args()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    pages = {"home": "", "week": f"weeks/{args.week}/", "country": f"countries/{args.country}/"}
    args.out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width in (360, 1280):
            page = browser.new_page(viewport={"width": width, "height": 800})
            for kind, path in pages.items():
                page.goto(base + path, wait_until="networkidle")
                out = args.out / f"screen-{kind}-{width}.png"
                page.screenshot(path=str(out), full_page=True)
                print(out)
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
