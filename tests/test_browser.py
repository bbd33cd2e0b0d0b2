"""The demo site in a real browser: headless Chromium (Debian's) driven by Playwright,
against the site served on 127.0.0.1. Map tiles are off, so a request to any other
host is a bug (a CDN script, a font, a tracker) and is both blocked and reported.

One browser for the module; each test gets a fresh context. A failing check saves a
screenshot under test-artifacts/ and prints its path. For pictures to review by eye,
run `python tools/screenshots.py` (home, week and country pages at 360 and 1280 px).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from sitegen.model import DEFAULT_EVENT_TYPES
from tests.sitetools import (
    AXE_JS,
    artifact_path,
    build,
    demo_site,
    follow,
    hrefs,
    launch_chromium,
    missing,
    serve,
    serve_tiles,
    write_config,
)

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
    PlaywrightError = Exception

pytestmark = pytest.mark.browser

W39 = "2023-W39"
KANDADJI = "2023-09-28-kandadji"
PAGES = {
    "home": "",
    "week": f"weeks/{W39}/",
    "archive": "weeks/",
    "countries": "countries/",
    "country": "countries/niger/",
    "data": "data/",
    "search": "search/",
    "404": "404.html",
    "page": "guide/",  # a plain Markdown page of content/
    "home-fr": "fr/",  # the French edition
    "week-fr": f"fr/weeks/{W39}/",
    "search-fr": "fr/search/",
    "404-fr": "fr/404.html",
    "page-fr": "fr/guide/errors/",  # a plain page's French edition (content/guide/errors.fr.md)
}
MAP_PAGES = {"home": "", "week": f"weeks/{W39}/", "country": "countries/niger/", "week-fr": f"fr/weeks/{W39}/"}
TIMEOUT_MS = 10_000
MAP_READY = "() => document.querySelector('.sg-map').getAttribute('data-sg-state') === 'ready'"


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def base_url(site) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        missing("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@dataclass
class Watched:
    """What a browser context did that a reader would not want: console errors, uncaught
    exceptions, requests to other hosts, failed or erroring requests."""

    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def problems(self, *, allow_status: tuple[str, ...] = ()) -> list[str]:
        def allowed(text: str) -> bool:
            return any(a in text for a in allow_status)

        return (
            [f"console error: {m}" for m in self.console_errors if not allowed(m)]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"request to another host: {u}" for u in self.foreign]
            + [f"failed request: {u}" for u in self.failed if not allowed(u)]
        )


def _new_context(browser, base_url: str, *, width=1280, height=900, allow: tuple[str, ...] = (), **options):
    """A context that blocks and records requests to any host but the site's (and `allow`)."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    watched = Watched(base_url)
    local = {urlsplit(base_url).netloc, *allow}

    def route(route):
        url = route.request.url
        if urlsplit(url).netloc in local or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            watched.foreign.append(url)
            route.abort()

    context.route("**/*", route)

    def on_page(page):
        page.on("console", lambda m: m.type == "error" and watched.console_errors.append(f"{m.text} ({page.url})"))
        page.on("pageerror", lambda e: watched.page_errors.append(f"{e} ({page.url})"))
        page.on("requestfailed", lambda r: watched.failed.append(f"{r.url}: {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and watched.failed.append(f"{r.url}: HTTP {r.status}"))

    context.on("page", on_page)
    return context, watched


@pytest.fixture
def desktop(browser, base_url):
    context, watched = _new_context(browser, base_url)
    yield context.new_page(), watched
    context.close()


@pytest.fixture
def phone(browser, base_url):
    context, watched = _new_context(
        browser, base_url, width=360, height=740, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield context.new_page(), watched
    context.close()


@contextlib.contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        path = artifact_path(re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=str(path), full_page=True)
            print(f"\nscreenshot of the failure: {path}")
        raise


def visit(page, base_url: str, uri: str) -> None:
    """Open a page and wait until it is settled: loaded, network idle, maps drawn."""
    response = page.goto(urljoin(base_url, uri), wait_until="load")
    assert response is not None and response.ok, f"/{uri}: HTTP {response.status if response else '?'}"
    page.wait_for_load_state("networkidle")
    wait_for_maps(page)


def wait_for_maps(page) -> None:
    """Maps start after the load event (on phones, when asked): wait until each is drawn,
    has failed, or waits for its button."""
    if page.locator(".sg-map").count():
        page.wait_for_function(
            """() => [...document.querySelectorAll('.sg-map')].every(m => {
                 const state = m.getAttribute('data-sg-state');
                 const button = m.closest('.map-figure').querySelector('.map-start');
                 return ['ready', 'error'].includes(state) || (state === 'static' && button && !button.hidden);
               })"""
        )


ISLAND = re.compile(r'(<script type="application/json" class="sg-map-data" data-map="[^"]+">)(.*?)(</script>)', re.S)


def map_settings(site: Path, uri: str) -> dict:
    html = (site / uri / "index.html").read_text(encoding="utf-8")
    island = ISLAND.search(html)
    assert island, f"/{uri}: no map data island"
    return json.loads(island[2])


def expected_points(site: Path, uri: str) -> int:
    """How many incidents the map of a page holds: inline data for week pages, the
    fetched .geojson for home and country pages."""
    settings = map_settings(site, uri)
    if "data" in settings:
        collection = settings["data"]
    else:
        collection = json.loads((site / uri / settings["dataUrl"]).resolve().read_text(encoding="utf-8"))
    return len(collection["features"])


# --- every page type loads cleanly ---------------------------------------------------------


@pytest.mark.parametrize("kind", PAGES)
def test_page_loads_with_no_console_error_and_no_foreign_request(desktop, base_url, kind):
    page, watched = desktop
    with screenshot_on_failure(page, f"load-{kind}"):
        visit(page, base_url, PAGES[kind])
        assert page.locator("h1").count() >= 1, f"{kind}: no heading"
        states = page.eval_on_selector_all(".sg-map", "maps => maps.map(m => m.getAttribute('data-sg-state'))")
        assert "error" not in states, f"{kind}: a map shows its load error"
        assert not watched.problems(), f"{kind} page (/{PAGES[kind]}):\n" + "\n".join(watched.problems())


def test_unknown_address_gets_a_styled_404_page_at_any_depth(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "404-nested"):
        response = page.goto(urljoin(base_url, "no/such/page/"), wait_until="load")
        page.wait_for_load_state("networkidle")
        assert response.status == 404
        assert "not found" in page.locator("h1").inner_text().lower()
        header = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
        assert header != "rgba(0, 0, 0, 0)", "the 404 page's stylesheet did not load at a nested address"
        page.locator("main a", has_text="archive").click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == "/weeks/", "the 404 page's links must work from any depth"
        assert not watched.problems(allow_status=("no/such/page",)), "\n".join(watched.problems())


# --- maps ----------------------------------------------------------------------------------


def _shown_points(page) -> int:
    """Markers drawn in the page's maps, counting each cluster icon as its number."""
    return page.evaluate(
        """() => {
          let n = document.querySelectorAll('.sg-map path.leaflet-interactive').length;
          for (const icon of document.querySelectorAll('.sg-map .marker-cluster')) {
            n += parseInt(icon.textContent, 10) || 0;
          }
          return n;
        }"""
    )


@pytest.mark.parametrize("kind", MAP_PAGES)
def test_map_shows_a_marker_per_incident(desktop, base_url, site, kind):
    page, watched = desktop
    expected = expected_points(site, MAP_PAGES[kind])
    assert expected > 0, f"the demo's {kind} map should hold incidents"
    with screenshot_on_failure(page, f"map-{kind}"):
        visit(page, base_url, MAP_PAGES[kind])
        assert page.get_attribute(".sg-map", "data-sg-state") == "ready"
        assert _shown_points(page) == expected, f"{kind} map: markers drawn vs incidents in its data"
        assert page.get_attribute(".sg-map", "data-sg-count") == str(expected)
        assert page.locator(".map-legend li").count() >= 2, "the map has a legend"
        assert not watched.problems(), "\n".join(watched.problems())


def _popup(page) -> tuple[str, str]:
    """Title and link of the open popup's first entry, the clicked marker's (the last popup:
    a closing popup fades out first). Incidents at the same place follow it."""
    popup = page.locator(".leaflet-popup-content").last
    popup.wait_for(state="visible")
    entry = popup.locator(".sg-popup-entry").first
    return entry.locator(".sg-popup-title").inner_text(), entry.locator(".sg-popup-link a").get_attribute("href")


def test_every_marker_opens_a_popup_with_its_title_and_a_link_to_its_anchor(desktop, base_url, site):
    page, watched = desktop
    with screenshot_on_failure(page, "map-popups"):
        visit(page, base_url, f"weeks/{W39}/")
        titles_by_anchor = page.eval_on_selector_all(
            ".incident-list > li",
            "items => Object.fromEntries(items.map(i =>"
            " [i.id, i.querySelector('h3').firstChild.textContent.trim()]))",
        )
        markers = page.locator(".sg-map path.leaflet-interactive")
        assert markers.count() == len(titles_by_anchor), "one marker per incident in the list"
        seen = {}
        for n in range(markers.count()):
            markers.nth(n).dispatch_event("click")
            title, href = _popup(page)
            assert href.startswith("#"), f"popup link {href!r} should point at an anchor on this page"
            anchor = href[1:]
            assert anchor in titles_by_anchor, f"popup link {href!r} names no incident of the list"
            assert title == titles_by_anchor[anchor], f"popup title {title!r} does not match incident {anchor}"
            seen[anchor] = title
        assert set(seen) == set(titles_by_anchor), "some incidents have no marker that opens their popup"
        assert not watched.problems(), "\n".join(watched.problems())


def test_a_real_click_on_a_marker_and_its_popup_link_reaches_the_incident(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "map-click"):
        visit(page, base_url, f"weeks/{W39}/")
        page.locator(".sg-map").scroll_into_view_if_needed()
        # markers are drawn biggest first; the last one is on top of any overlap
        page.locator(".sg-map path.leaflet-interactive").last.click()
        title, href = _popup(page)
        assert title and href.startswith("#")
        # the popup pans the map into view: its link is clicked where it stops (a loaded machine's pan is slow)
        page.wait_for_function("() => !document.querySelector('.leaflet-pan-anim')")
        page.locator(".leaflet-popup-content .sg-popup-entry").first.locator(".sg-popup-link a").click()
        page.wait_for_function("h => location.hash === h", arg=href)
        target = page.locator(f".incident-list > li[id='{href[1:]}']")
        assert target.count() == 1
        assert title in target.locator("h3").inner_text()
        assert page.evaluate("() => document.querySelector(':target')?.id") == href[1:], "the incident is the :target"
        assert not watched.problems(), "\n".join(watched.problems())


def test_map_tiles_load_from_their_host_under_the_pages_csp(browser, tmp_path):
    """The demo tests run with tiles off; here a stand-in tile server (another origin)
    checks that the page's Content-Security-Policy lets the configured tile host in."""
    with serve_tiles() as (tiles_url, tile_requests):
        config = write_config(tmp_path / "mkdocs.yml", tiles={"url": tiles_url, "attribution": "Test tiles"})
        build(config, tmp_path / "site")
        with serve(tmp_path / "site") as base_url:
            context, watched = _new_context(browser, base_url, allow=(urlsplit(tiles_url).netloc,))
            page = context.new_page()
            try:
                with screenshot_on_failure(page, "map-tiles"):
                    visit(page, base_url, f"weeks/{W39}/")
                    try:
                        page.wait_for_selector(".sg-map img.leaflet-tile-loaded", state="attached", timeout=5_000)
                    except PlaywrightError:
                        pytest.fail(
                            f"no map tile loaded from {tiles_url} ({len(tile_requests)} reached the tile server):\n"
                            + "\n".join(watched.problems()[:5])
                        )
                    assert "Test tiles" in page.locator(".leaflet-control-attribution").inner_text()
                    # Leaflet cancels the tiles of the first view when fitBounds zooms in
                    tile_host = tiles_url.split("/tiles/")[0]
                    watched.failed = [f for f in watched.failed if not (f.startswith(tile_host) and "ERR_ABORTED" in f)]
                    assert not watched.problems(), "\n".join(watched.problems())
            finally:
                context.close()


# --- maps for every reader ----------------------------------------------------------------------


def test_map_draws_country_and_admin1_outlines_and_capitals_with_every_other_host_refused(desktop, base_url):
    page, watched = desktop  # the context refuses every request that is not to the site
    with screenshot_on_failure(page, "map-outlines"):
        visit(page, base_url, f"weeks/{W39}/")
        drawn = page.evaluate(
            """() => ({
              countries: document.querySelectorAll('.leaflet-sgOutlines-pane path[fill="#f6f3ec"]').length,
              admin1: document.querySelectorAll('.leaflet-sgOutlines-pane path[stroke-dasharray]').length,
              capitals: [...document.querySelectorAll('.sg-capital')].map(c => c.textContent),
            })"""
        )
        assert drawn["countries"] >= 5, f"country outlines drawn: {drawn}"
        assert drawn["admin1"] >= 3, f"admin1 boundaries drawn: {drawn}"
        assert "Niamey" in drawn["capitals"]
        box = page.locator(".sg-map").bounding_box()
        pixels = page.locator(".sg-map").screenshot()
        assert len(set(pixels)) > 50 and box["height"] > 200
        assert not watched.problems(), "\n".join(watched.problems())


@pytest.mark.parametrize("kind", MAP_PAGES)
def test_without_javascript_the_static_map_shows_every_incident(browser, base_url, site, kind):
    context, watched = _new_context(browser, base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        with screenshot_on_failure(page, f"static-map-{kind}"):
            page.goto(urljoin(base_url, MAP_PAGES[kind]), wait_until="load")
            static = page.locator(".map-static svg.map-svg")
            assert static.is_visible(), "the static map is shown"
            assert static.bounding_box()["height"] > 150
            assert page.locator(".map-static .map-points circle").count() == expected_points(site, MAP_PAGES[kind])
            assert page.locator(".map-static .map-country").count() >= 3, "over the country outlines"
            assert not page.locator(".sg-map").is_visible(), "no empty box where the interactive map would be"
            assert not page.locator(".map-start").is_visible()
            assert not watched.problems(), "\n".join(watched.problems())
    finally:
        context.close()


def test_print_shows_the_static_map_not_the_interactive_one(desktop, base_url, site):
    page, watched = desktop
    with screenshot_on_failure(page, "map-print"):
        visit(page, base_url, f"weeks/{W39}/")
        assert page.locator(".sg-map").is_visible() and not page.locator(".map-static").is_visible()
        page.emulate_media(media="print")
        assert page.locator(".map-static svg").is_visible(), "print shows the static map"
        assert not page.locator(".sg-map").is_visible(), "Leaflet's map is not printed"
        assert page.locator(".map-static .map-points circle").count() == expected_points(site, f"weeks/{W39}/")
        assert page.locator(".map-legend").is_visible()


def test_print_keeps_headings_with_their_text_and_prints_source_urls_and_chart_numbers(desktop, base_url):
    page, _ = desktop
    with screenshot_on_failure(page, "print-report"):
        visit(page, base_url, f"weeks/{W39}/")
        page.emulate_media(media="print")
        headings = page.eval_on_selector_all("main h2", "hs => hs.map(h => getComputedStyle(h).breakAfter)")
        assert headings and set(headings) == {"avoid"}, f"h2 break-after in print: {headings}"
        printed = page.eval_on_selector_all(
            ".incident-more a[href^='http']", "as => as.map(a => [a.href, getComputedStyle(a, '::after').content])"
        )
        assert printed, "the demo week cites sources with URLs"
        for href, after in printed:
            assert href in after, f"source link {href} prints without its URL: {after}"
        key_sources = page.eval_on_selector_all(
            "#key-events a[href^='http']", "as => as.map(a => [a.href, getComputedStyle(a, '::after').content])"
        )
        assert key_sources and all(href in after for href, after in key_sources), key_sources
        assert not page.locator(".lang-switch").is_visible(), "the language switch is no use on paper"
        table = page.locator(".chart-numbers table").first
        assert table.is_visible(), "a chart's numbers are printed"
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


SWATCHES = """() => {
  const drawn = (style) => style.content !== 'none' && style.display !== 'none' && parseFloat(style.width) > 0
    ? style.backgroundColor : null;
  return {
    list: [...document.querySelectorAll('.incident-list > li')].map(li =>
      [li.id, drawn(getComputedStyle(li.querySelector('h3 + p'), '::before'))]),
    cards: [...document.querySelectorAll('.incident-card .type-badge')].map(badge =>
      [badge.textContent.trim(), drawn(getComputedStyle(badge.querySelector('.swatch')))]),
  };
}"""


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))


def test_each_incident_and_card_shows_its_types_colour_on_screen_and_in_print(desktop, base_url, site):
    page, watched = desktop
    colours = {t.slug: _rgb(t.colour) for t in DEFAULT_EVENT_TYPES}  # the demo's types
    by_label = {t.label: colours[t.slug] for t in DEFAULT_EVENT_TYPES}
    types = {f["properties"]["url"][1:]: f["properties"]["type"] for f in map_settings(site, f"weeks/{W39}/")["data"]["features"]}
    with screenshot_on_failure(page, "type-swatches"):
        visit(page, base_url, f"weeks/{W39}/")
        for media in ("screen", "print"):
            page.emulate_media(media=media)
            shown = page.evaluate(SWATCHES)
            assert len(shown["list"]) == len(types) and shown["cards"], f"{media}: the demo week lists incidents and embeds cards"
            wrong = [(anchor, colour) for anchor, colour in shown["list"] if colour != colours[types[anchor]]]
            assert not wrong, f"{media}: incidents whose swatch is not their type's colour: {wrong}"
            wrong = [(label, colour) for label, colour in shown["cards"] if colour != by_label[label]]
            assert not wrong, f"{media}: cards whose swatch is not their type's colour: {wrong}"
        assert not watched.problems(), "\n".join(watched.problems())


def test_markers_have_names_open_with_the_keyboard_and_close_with_escape(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "map-keyboard"):
        visit(page, base_url, f"weeks/{W39}/")
        names = page.eval_on_selector_all(
            ".sg-map path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('aria-label'))"
        )
        assert all(names), "every marker has an accessible name"
        assert "Battle, Kandadji, 28 September 2023, 7 killed" in names
        # reach the marker with Tab from the map
        page.locator(".sg-map").focus()
        for _ in range(len(names) + 5):
            page.keyboard.press("Tab")
            if page.evaluate("() => (document.activeElement.getAttribute('aria-label') || '').includes('Kandadji')"):
                break
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
        assert focused == "Battle, Kandadji, 28 September 2023, 7 killed", f"Tab reached {focused!r}"
        page.keyboard.press("Enter")
        popup = page.locator(".leaflet-popup-content").last
        popup.wait_for(state="visible")
        assert "Kandadji" in popup.locator(".sg-popup-entry").first.inner_text()
        assert page.evaluate("() => !!document.activeElement.closest('.leaflet-popup')"), "the popup has the focus"
        page.keyboard.press("Escape")
        page.locator(".leaflet-popup").wait_for(state="detached")
        assert "Kandadji" in (page.evaluate("() => document.activeElement.getAttribute('aria-label')") or "")
        # the close button, reached with Tab, closes it too and the focus goes back to the marker
        page.keyboard.press("Enter")
        page.locator(".leaflet-popup-content").last.wait_for(state="visible")
        page.locator(".leaflet-popup-close-button").focus()
        page.keyboard.press("Enter")
        page.locator(".leaflet-popup").wait_for(state="detached")
        assert "Kandadji" in (page.evaluate("() => document.activeElement.getAttribute('aria-label')") or "")
        assert not watched.problems(), "\n".join(watched.problems())


def test_incidents_at_one_place_are_listed_together(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "map-same-place"):
        visit(page, base_url, f"weeks/{W39}/")
        kandadji = page.locator('.sg-map path.leaflet-interactive[aria-label*="Kandadji"]')
        assert kandadji.count() >= 2, "the demo has two incidents at Kandadji"
        for n in range(kandadji.count()):
            kandadji.nth(n).dispatch_event("click")
            entries = page.locator(".leaflet-popup-content").last.locator(".sg-popup-entry")
            entries.first.wait_for(state="visible")
            assert entries.count() == kandadji.count(), "one popup lists every incident at the place"
            page.keyboard.press("Escape")
            page.locator(".leaflet-popup").wait_for(state="detached")


def test_hanging_tile_requests_do_not_hold_up_the_load_event(browser, tmp_path):
    tiles = {"url": "https://tiles.invalid/{z}/{x}/{y}.png", "attribution": "T"}
    config = write_config(tmp_path / "mkdocs.yml", tiles=tiles)
    build(config, tmp_path / "site")
    with serve(tmp_path / "site") as base_url:
        context, _ = _new_context(browser, base_url)
        hanging: list[str] = []
        context.route("https://tiles.invalid/**", lambda route: hanging.append(route.request.url))  # never answered
        page = context.new_page()
        try:
            with screenshot_on_failure(page, "map-hanging-tiles"):
                page.goto(urljoin(base_url, f"weeks/{W39}/"), wait_until="load", timeout=8_000)
                page.wait_for_function(MAP_READY)
                page.wait_for_function("() => document.querySelectorAll('.sg-map img.leaflet-tile').length > 0")
                assert hanging, "the map asked for tiles"
                assert page.locator(".leaflet-sgOutlines-pane path").count() > 0, "outlines drawn meanwhile"
        finally:
            context.close()


def test_phones_get_the_static_map_and_load_leaflet_only_when_asked(phone, base_url):
    page, watched = phone
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    with screenshot_on_failure(page, "map-phone-tap"):
        visit(page, base_url, f"weeks/{W39}/")
        assert page.locator(".map-static svg").is_visible()
        assert not any("leaflet" in u for u in requested), "Leaflet loaded before the reader asked"
        page.locator(".map-start").tap()
        page.wait_for_function(MAP_READY)
        assert page.locator(".sg-map").is_visible() and not page.locator(".map-static").is_visible()
        assert any(u.endswith("leaflet.js") for u in requested)
        assert not any("markercluster" in u for u in requested), "a week of ten incidents does not cluster"
        assert not watched.problems(), "\n".join(watched.problems())


def test_on_touch_one_finger_scrolls_the_page_until_the_map_is_tapped(phone, base_url):
    page, watched = phone
    with screenshot_on_failure(page, "map-phone-scroll"):
        visit(page, base_url, f"weeks/{W39}/")
        page.locator(".map-start").tap()
        page.wait_for_function(MAP_READY)
        box = page.locator(".sg-map")
        # Leaflet's dragging sets touch-action: none (or pinch-zoom): the page could not scroll
        touch = box.evaluate("e => getComputedStyle(e).touchAction")
        assert "pan-y" in touch, f"a finger on the map does not scroll the page (touch-action: {touch})"
        assert "leaflet-touch-drag" not in (box.get_attribute("class") or "")
        page.mouse.wheel(0, 0)
        box.tap(position={"x": 5, "y": 5})
        page.wait_for_function("() => document.querySelector('.sg-map').classList.contains('leaflet-touch-drag')")
        assert not watched.problems(), "\n".join(watched.problems())


def test_a_dense_map_clusters_in_colours_unlike_any_event_type(browser, site, tmp_path):
    """A week page whose island holds 80 incidents at one town (the demo has no dense map)."""
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page_file = copy / "weeks" / W39 / "index.html"
    html = page_file.read_text(encoding="utf-8")
    settings = map_settings(site, f"weeks/{W39}/")
    first = settings["data"]["features"][0]
    settings["data"]["features"] = [
        {**first, "geometry": {"type": "Point", "coordinates": [1.0 + n / 1000, 14.6 + n / 1000]},
         "properties": {**first["properties"], "type": ("battle", "riot", "explosion")[n % 3]}}
        for n in range(80)
    ]  # fmt: skip
    settings["clusters"] = True
    data = json.dumps(settings).replace("<", "\\u003c")
    page_file.write_text(ISLAND.sub(lambda m: m[1] + data + m[3], html), encoding="utf-8")
    with serve(copy) as base_url:
        context, watched = _new_context(browser, base_url)
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        try:
            with screenshot_on_failure(page, "map-clusters"):
                visit(page, base_url, f"weeks/{W39}/")
                assert any(u.endswith("leaflet.markercluster.js") for u in requested)
                assert page.locator(".sg-map .sg-cluster").count() >= 1
                assert _shown_points(page) == 80
                colours = page.eval_on_selector_all(
                    ".sg-map .sg-cluster",
                    "cs => cs.flatMap(c => [getComputedStyle(c).backgroundColor, getComputedStyle(c).borderTopColor])",
                )
                swatches = set(
                    page.eval_on_selector_all(".map-legend .map-swatch", "ss => ss.map(s => getComputedStyle(s).backgroundColor)")
                )
                assert swatches and not swatches & set(colours), f"cluster colours {set(colours)} reuse event colours"
                assert not watched.problems(), "\n".join(watched.problems())
        finally:
            context.close()


def _bench_slow3g():
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "bench" / "bench_slow3g.py"
    spec = importlib.util.spec_from_file_location("bench_slow3g", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_week_page_paints_fast_and_stays_light_on_slow_3g(browser, base_url):
    bench = _bench_slow3g()
    result = bench.measure(browser, urljoin(base_url, f"weeks/{W39}/"), width=360, height=780, mobile=True)
    assert result["fcp"] is not None and result["fcp"] <= bench.FCP_TARGET_S * 1000, (
        f"first contentful paint {result['fcp']:.0f} ms on slow 3G (target {bench.FCP_TARGET_S} s)"
    )
    assert result["weight"] <= bench.WEIGHT_TARGET, f"week page weighs {result['weight']} bytes before the map"
    names = [r["name"] for r in result["own"]]
    assert not any("leaflet" in n for n in names), f"Leaflet loaded with the page: {names}"


# --- search ----------------------------------------------------------------------------------


def test_search_from_the_header_finds_the_kandadji_incident(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "search-kandadji"):
        visit(page, base_url, "")
        page.fill("#site-search-q", "Kandadji")
        page.press("#site-search-q", "Enter")
        page.wait_for_url(re.compile(r"/search/\?q=Kandadji"))
        results = page.locator("#search-results .search-result-title")
        results.first.wait_for()
        found = hrefs(results)
        assert any(h and h.endswith(f"/weeks/{W39}/#{KANDADJI}") for h in found), found
        page.locator(f"#search-results a[href$='#{KANDADJI}']").click()
        page.wait_for_url(re.compile(f"#{KANDADJI}$"))
        assert page.locator(f".incident-list > li[id='{KANDADJI}']").is_visible()
        assert not watched.problems(), "\n".join(watched.problems())


def test_search_as_you_type_and_no_result_message(desktop, base_url):
    page, _ = desktop
    with screenshot_on_failure(page, "search-typing"):
        visit(page, base_url, "search/")
        page.locator("#search-input").press_sequentially("tillaberi")  # no accent: folded
        page.locator("#search-results .search-result").first.wait_for()
        found = page.locator("#search-results .search-result").count()
        assert found >= 3
        page.fill("#search-input", "Tilaberi")  # a letter missing: the same results
        page.wait_for_function("() => /Tilaberi/.test(document.querySelector('#search-results .search-status').textContent)")
        assert page.locator("#search-results .search-result").count() == found
        page.fill("#search-input", "zzzqqqxx")
        page.wait_for_function("() => /No results/.test(document.getElementById('search-results').textContent)")


@pytest.mark.parametrize("query", ["Tillabéri", "tillaberi", "TILLABERI", "Tilaberi"])  # the last with a typo
def test_french_search_finds_tillaberi_with_and_without_accents(desktop, base_url, query):
    page, watched = desktop
    with screenshot_on_failure(page, "search-fr"):
        visit(page, base_url, "fr/search/")
        page.locator("#search-input").press_sequentially(query)
        page.locator("#search-results .search-result").first.wait_for()
        status = page.locator("#search-results .search-status").inner_text()
        assert re.match(r"\d+ résultats pour « .+ »", status), status
        titles = page.locator("#search-results .search-result-title").all_inner_texts()
        assert "Une unité de l’opération Almahaou attaquée à Kandadji : sept soldats tués" in titles
        found = hrefs(page.locator("#search-results a.search-result-title"))
        assert all("/fr/" in h for h in found), found  # the French pages
        assert not watched.problems(), "\n".join(watched.problems())


def test_french_search_stems_plurals_and_feminines(desktop, base_url):
    page, _ = desktop
    with screenshot_on_failure(page, "search-fr-stem"):
        visit(page, base_url, "fr/search/")
        page.locator("#search-input").press_sequentially("attaquées")  # finds "attaque", "attaqué" ...
        page.locator("#search-results .search-result").first.wait_for()
        titles = page.locator("#search-results .search-result-title").all_inner_texts()
        assert any("attaquée à Kandadji" in t for t in titles), titles
        page.fill("#search-input", "zzzqqqxx")
        page.wait_for_function("() => /Aucun résultat/.test(document.getElementById('search-results').textContent)")


def test_language_switch_goes_to_the_same_page_in_the_other_language(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "lang-switch"):
        visit(page, base_url, f"weeks/{W39}/")
        page.locator("a.lang-switch", has_text="Français").click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == f"/fr/weeks/{W39}/"
        assert page.locator("html").get_attribute("lang") == "fr"
        assert "Douze soldats" in page.locator("h1").inner_text()
        page.locator("a.lang-switch", has_text="English").click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == f"/weeks/{W39}/"
        assert not watched.problems(), "\n".join(watched.problems())


# --- navigation ----------------------------------------------------------------------------


def test_archive_and_next_links_walk_every_week(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "walk-weeks"):
        visit(page, base_url, "weeks/")
        archive = [urljoin(page.url, h) for h in hrefs(page.locator("main .week-list a"))]
        assert archive, "the archive lists no week"
        oldest_first = list(reversed(archive))
        page.goto(oldest_first[0], wait_until="domcontentloaded")
        walked = [page.url, *follow(page, "next")]
        assert walked == oldest_first, "following rel=next from the oldest week does not give the archive's weeks"
        back = [page.url, *follow(page, "prev")]
        assert back == archive, "following rel=prev back does not give the archive's weeks"
        # each click leaves a page before its map has loaded (map.js starts after `load`): the
        # browser aborts those requests, as it does for a reader who moves on; nothing else may fail
        watched.failed = [f for f in watched.failed if "net::ERR_ABORTED" not in f]
        assert not watched.problems(), "\n".join(watched.problems())


# --- small screens ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PAGES)
def test_layout_holds_at_360px(phone, base_url, kind):
    page, watched = phone
    with screenshot_on_failure(page, f"phone-{kind}"):
        visit(page, base_url, PAGES[kind])
        widths = page.evaluate(
            "() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth})"
        )
        assert widths["doc"] <= 360 and widths["body"] <= 360, f"{kind} page scrolls sideways at 360 px: {widths}"
        wide = page.evaluate(
            """() => [...document.querySelectorAll('main *')]
                 .filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-scroll, .leaflet-container, .map-static'))
                 .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
        )
        assert not wide, f"{kind} page: elements past the right edge at 360 px: {wide}"
        assert not watched.problems(), "\n".join(watched.problems())


@pytest.mark.parametrize("edition", ["", "fr/"])  # the French text is longer
@pytest.mark.parametrize("name", ["briefs", "errors", "importing", "incidents", "index"])
def test_guide_tables_scroll_in_their_box_at_360px(phone, base_url, name, edition):
    page, watched = phone
    with screenshot_on_failure(page, f"guide-{edition.strip('/') or 'en'}-{name}-360"):
        visit(page, base_url, edition + ("guide/" if name == "index" else f"guide/{name}/"))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"guide/{name} scrolls sideways at 360 px ({width} px)"
        tables = page.evaluate("() => [...document.querySelectorAll('main table')].map(t => t.getBoundingClientRect().right)")
        assert all(right <= 361 for right in tables), f"guide/{name}: a table runs past the screen: {tables}"
        assert not watched.problems(), "\n".join(watched.problems())


def test_home_shows_figures_and_deadliest_events_above_the_fold_on_a_phone(browser, base_url):
    context, watched = _new_context(browser, base_url, width=360, height=780, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        with screenshot_on_failure(page, "home-fold-360"):
            visit(page, base_url, "")
            figures = page.locator(".lede .figures").bounding_box()
            events = page.locator(".lede .deadliest li")
            assert events.count() >= 3
            assert figures["y"] + figures["height"] <= 780, f"the key figures end below the fold: {figures}"
            last = events.nth(events.count() - 1).bounding_box()
            assert last["y"] + last["height"] <= 780, f"the deadliest events end below the fold: {last}"
            assert "Kandadji" in events.first.inner_text() and "7 killed" in events.first.inner_text()
            events.first.locator("a").click()
            page.wait_for_load_state("load")
            assert urlsplit(page.url).path == f"/weeks/{W39}/" and urlsplit(page.url).fragment == KANDADJI
            assert not watched.problems(), "\n".join(watched.problems())
    finally:
        context.close()


def test_every_link_of_the_404_page_works_from_a_deep_address(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "404-deep-links"):
        response = page.goto(urljoin(base_url, "a/b/c/missing"), wait_until="load")
        assert response.status == 404
        links = page.eval_on_selector_all("a[href]:not([href^='#'])", "as => as.map(a => a.href)")
        assert any(urlsplit(u).path == "/guide/" for u in links), f"no guide link on the 404 page: {links}"
        for url in links:
            if urlsplit(url).netloc != urlsplit(base_url).netloc:
                continue
            status = page.request.get(url).status
            assert status == 200, f"the 404 page at /a/b/c/missing links to {url}: HTTP {status}"
        assert not watched.problems(allow_status=("missing",)), "\n".join(watched.problems())


def test_printed_pages_carry_the_week_permalink_and_print_date(desktop, base_url):
    page, watched = desktop
    visit(page, base_url, f"weeks/{W39}/")
    meta = page.locator(".print-meta")
    assert not meta.is_visible(), "the print header shows on screen"
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert meta.is_visible()
    text = meta.inner_text()
    assert W39 in text, text
    assert f"https://sahel-brief.example.org/weeks/{W39}/" in text, text
    today = dt.date.today()
    assert "Printed on" in text and str(today.year) in text and today.strftime("%B") in text, text
    page.emulate_media(media="screen")
    assert not watched.problems(), "\n".join(watched.problems())


# --- accessibility ------------------------------------------------------------------------------

AXE_PAGES = ["home", "week", "country", "archive", "data", "countries", "search", "404", "page", "week-fr", "page-fr"]


@pytest.fixture
def axe_page(browser, base_url):
    # axe is injected as an inline script, which the pages' CSP would block
    context, _ = _new_context(browser, base_url, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", [f"weeks/{W39}/", f"fr/weeks/{W39}/"])
def test_key_events_show_every_toll_on_a_phone_without_scrolling_sideways(phone, base_url, path):
    page, _ = phone
    with screenshot_on_failure(page, "key-events-phone"):
        visit(page, base_url, path)
        box = page.locator("#key-events .table-scroll")
        assert box.evaluate("b => b.scrollWidth <= b.clientWidth"), "the key events scroll sideways on a phone"
        tolls = page.locator("#key-events td.num")
        assert tolls.count() >= 3
        for n in range(tolls.count()):
            right = tolls.nth(n).evaluate("td => td.getBoundingClientRect().right")
            assert right <= 360, f"a toll ends at {right}px, off a 360px screen"


@pytest.fixture
def axe_phone_page(browser, base_url):
    context, _ = _new_context(browser, base_url, width=360, height=740, bypass_csp=True, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


# on a phone the wide tables scroll sideways: a box that scrolls must be reachable by keyboard
@pytest.mark.parametrize("kind", ["week", "week-fr", "country", "countries", "data"])
def test_axe_finds_no_serious_or_critical_violation_on_a_phone(axe_phone_page, base_url, kind):
    test_axe_finds_no_serious_or_critical_violation(axe_phone_page, base_url, kind)


@pytest.mark.parametrize("kind", AXE_PAGES)
def test_axe_finds_no_serious_or_critical_violation(axe_page, base_url, kind):
    if not AXE_JS.is_file():
        missing(f"axe-core is not installed at {AXE_JS}")
    page = axe_page
    with screenshot_on_failure(page, f"axe-{kind}"):
        visit(page, base_url, PAGES[kind])
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            """async () => {
              const r = await axe.run(document, {resultTypes: ['violations']});
              return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n =>
                  n.target.join(' ') + ': ' + (n.failureSummary || '').split('\\n').slice(1).join(' ').trim())}));
            }"""
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        report = "\n".join(f"[{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in bad)
        assert not bad, f"axe-core on the {kind} page (/{PAGES[kind]}):\n{report}"
