"""Maps in a real browser, as a reader sees them: markers at one place side by side (each one
under the pointer and reachable by keyboard), Leaflet's controls in the page's language, the
popup's toll in the incident lists' words, and the static map keeping every marker and name
in view on a phone and in print. The demo site and the browser are test_browser's."""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401 (fixtures)
    W39,
    _new_context,
    base_url,
    browser,
    desktop,
    screenshot_on_failure,
    site,
    visit,
)

pytestmark = pytest.mark.browser

# markers in the map's view whose centre is under another marker
HIDDEN = """() => {
  const view = document.querySelector('.sg-map').getBoundingClientRect();
  return [...document.querySelectorAll('.sg-map path.leaflet-interactive')].filter(p => {
    const box = p.getBoundingClientRect(), x = box.left + box.width / 2, y = box.top + box.height / 2;
    if (x < view.left || x > view.right || y < view.top || y > view.bottom) { return false; }
    const top = document.elementFromPoint(x, y);
    return top !== p && top.matches('.sg-map path.leaflet-interactive');
  }).map(p => p.getAttribute('aria-label'));
}"""


def test_markers_at_one_place_each_show_and_take_a_click_and_the_tab_key(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "map-one-place"):
        visit(page, base_url, "")  # the home map, which does not cluster: 17 incidents at Niamey
        niamey = page.locator('.sg-map path.leaflet-interactive[aria-label*="Niamey"]')
        assert niamey.count() >= 17
        page.evaluate("() => document.querySelector('.sg-map').scrollIntoView()")
        assert page.evaluate(HIDDEN) == [], "every marker's centre is its own: none is hidden under another"
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(600)  # the zoom's animation
        assert page.evaluate(HIDDEN) == [], "still apart one zoom closer"
        names = page.eval_on_selector_all('.sg-map path.leaflet-interactive[aria-label*="Niamey"]', "ps => ps.map(p => p.tabIndex)")
        assert names.count(0) == niamey.count(), "each is reachable by keyboard"
        niamey.nth(5).dispatch_event("click")
        entries = page.locator(".leaflet-popup-content").last.locator(".sg-popup-entry")
        entries.first.wait_for(state="visible")
        assert entries.count() == niamey.count(), "one popup lists every incident at the place"
        assert not watched.problems(), "\n".join(watched.problems())


def test_french_maps_name_leaflets_controls_and_say_the_toll_in_french(desktop, base_url):
    page, watched = desktop
    with screenshot_on_failure(page, "map-french-controls"):
        visit(page, base_url, f"fr/weeks/{W39}/")
        zoom = page.eval_on_selector_all(".leaflet-control-zoom a", "as => as.map(a => [a.title, a.getAttribute('aria-label')])")
        assert zoom == [["Zoom avant", "Zoom avant"], ["Zoom arrière", "Zoom arrière"]]
        assert page.get_attribute('.leaflet-control-attribution a[href="https://leafletjs.com"]', "title") == "Bibliothèque JavaScript de cartes interactives"
        zero = page.locator('.sg-map path.leaflet-interactive[aria-label$=", 0 tué"]').first
        zero.dispatch_event("click")
        popup = page.locator(".leaflet-popup").last
        popup.locator(".sg-popup-entry").first.wait_for(state="visible")
        assert popup.locator(".leaflet-popup-close-button").get_attribute("aria-label") == "Fermer la fenêtre"
        meta = popup.locator(".sg-popup-meta").first.inner_text()
        assert meta.endswith(" · 0 tué") and "Tués" not in meta, meta
        page.keyboard.press("Escape")
        page.locator('.sg-map path.leaflet-interactive[aria-label*="Kandadji"][aria-label$="7 tués"]').first.dispatch_event("click")
        assert page.locator(".leaflet-popup").last.locator(".sg-popup-meta").first.inner_text().endswith(" · 7 tués")
        assert not watched.problems(), "\n".join(watched.problems())


OUTSIDE = """() => {
  const frame = document.querySelector('.map-svg').getBoundingClientRect();
  const out = [];
  for (const node of document.querySelectorAll('.map-svg .map-points circle, .map-svg .map-capital-name')) {
    const box = node.getBoundingClientRect();
    if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1 || box.bottom > frame.bottom + 1) {
      out.push(node.textContent || `circle ${node.getAttribute('cx')},${node.getAttribute('cy')}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("uri", ["", "countries/mali/", "countries/niger/", f"fr/weeks/{W39}/"])
@pytest.mark.parametrize(("width", "media"), [(360, "screen"), (718, "print"), (1280, "screen")])
def test_the_static_map_keeps_every_marker_and_name_in_view(browser, base_url, uri, width, media):
    context, watched = _new_context(browser, base_url, width=width, height=800, java_script_enabled=False)
    page = context.new_page()
    try:
        with screenshot_on_failure(page, f"static-map-{width}-{media}-{uri}"):
            page.goto(base_url + uri, wait_until="load")
            page.emulate_media(media=media)
            names = page.eval_on_selector_all(".map-svg .map-capital-name", "ts => ts.map(t => t.textContent)")
            assert names, "the map names some capitals"
            assert page.evaluate(OUTSIDE) == [], f"/{uri} at {width} px ({media}): cut at the map's edge"
            circles = page.eval_on_selector_all(
                ".map-svg .map-points circle",
                "cs => cs.map(c => { const b = c.getBoundingClientRect(); return [Math.round(b.left), Math.round(b.top)]; })",
            )
            assert len(set(map(tuple, circles))) == len(circles), "no two markers drawn on one spot"
    finally:
        context.close()


# each moved marker's centre against where it should be: its place plus the phone's scale of
# its offset (the place is its transform-origin attribute: the pages' CSP allows no style attribute)
MOVED_OFF = """() => [...document.querySelectorAll('.map-svg circle.map-moved')].map(c => {
  const m = c.ownerSVGElement.getScreenCTM(), b = c.getBoundingClientRect();
  const [ox, oy] = c.getAttribute('transform-origin').split(' ').map(Number);
  const s = parseFloat(getComputedStyle(c).scale) || 1;
  const x = m.a * (ox + s * (c.cx.baseVal.value - ox)) + m.e, y = m.d * (oy + s * (c.cy.baseVal.value - oy)) + m.f;
  return [s, Math.abs(b.left + b.width / 2 - x) + Math.abs(b.top + b.height / 2 - y)];
})"""


def test_on_a_phone_markers_set_around_their_place_grow_about_it(browser, base_url):
    context, _ = _new_context(browser, base_url, width=360, height=800, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url, wait_until="load")
        moved = page.evaluate(MOVED_OFF)
        assert moved, "the demo's home map sets markers at one place around it"
        assert all(scale == 2.2 and off < 1 for scale, off in moved), moved
    finally:
        context.close()
