"""Untrusted incident text, escaped wherever it lands; a Content-Security-Policy on every page.

The hostile corpus (tests/fixtures/hostile/) puts an injection attempt in every text field
of its incidents and in its brief's front matter. The site is built once, then checked
statically (every HTML, XML, JSON and CSV file of site/) and in Chromium (every marker
clicked and hovered, every popup opened, the search run): nothing may run, and every
payload must show literally.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import FIXTURES, ROOT
from tests.sitetools import (
    build, demo_site, html_pages, launch_chromium, make_cli_site, missing, run_sitegen, search_index_rows,
    search_index_text, serve,
)

HOSTILE = FIXTURES / "hostile"

# The title of each hostile incident is its payload, exactly; every other text field
# carries it too, with a prefix. Keep in step with tests/fixtures/hostile/content/.
PAYLOADS = {
    "hostile-script": "<script>alert(1)</script>",
    "hostile-img": "<img src=x onerror=alert(1)>",
    "hostile-svg": '"><svg onload=alert(1)>',
    "hostile-close-script": "</script><script>alert(1)</script>",
    "hostile-template-string": "`${alert(1)}` ${document.cookie}",
    "hostile-quotes": "it's \"quoted\" \\ back\\slash \\\\ \\u0041 \\x3c '-alert(1)-'",
    "hostile-line-separators": "before\u2028after\u2029end",
    "hostile-jinja": "JINJA-{{ 7*7 }}-{% if %}-{# c #}-END",
    "hostile-markup": "<!-- ]]> </textarea></title></style> &lt;b&gt; &amp;",
}
CSV_PAYLOADS = {
    "title": '=HYPERLINK("https://evil.example/","click me")',
    "location": "+1",
    "admin1": "-2+3",
    "actors": "@SUM(A1:A9); =1+1",
    "sources": "=cmd|' /C calc'!A0; +SUM(1)",
    "summary": '-2+3 =HYPERLINK("https://evil.example/")',
}
TITLES = {**PAYLOADS, "hostile-csv-formula": CSV_PAYLOADS["title"]}
BRIEF_TITLE = 'Hostile week <script>alert(1)</script> "><svg onload=alert(1)> JINJA-{{ 7*7 }}-END'
BRIEF_AUTHORS = ("Desk </script><script>alert(1)</script>", 'Desk "><svg onload=alert(1)>')
SITE_NAME = "Hostile <script>alert(1)</script> corpus"
JINJA_EVALUATED = "JINJA-49"
SITE_HOST = "hostile.example.org"
WEEK = "2023-W39"

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_COLUMNS = frozenset({"lat", "lon", "fatalities", "injured"})
EVENT_HANDLER = re.compile(r"^on[a-z]+$", re.I)
SCRIPT_TAG = re.compile(r"<script\b", re.I)
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
# the only inline scripts the build emits: the maps' JSON data islands (never run)
MAP_ISLAND = {"type": "application/json", "class": "sg-map-data"}


# --- reading built files -----------------------------------------------------------------


@dataclass
class Script:
    attrs: dict[str, str | None]
    body: str = ""


class ParsedPage(HTMLParser):
    """Tags, attributes, scripts and text of an HTML page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[Script] = []
        self.text: list[str] = []
        self._script: Script | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = Script(dict(attrs))
            self.scripts.append(self._script)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.body += data
        else:
            self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def parse_html(path: Path) -> ParsedPage:
    page = ParsedPage()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def inline_features(island: str) -> list[dict]:
    """The GeoJSON features of a map's data island."""
    return json.loads(island)["data"]["features"]


def executable(script: Script) -> bool:
    return script.attrs.get("type") not in ("application/json",)


def csp_of(html_text: str) -> dict[str, list[str]]:
    match = CSP_META.search(html_text)
    assert match, "no Content-Security-Policy meta tag"
    policy = match[1].replace("&#39;", "'").replace("&#x27;", "'")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# --- the hostile site ----------------------------------------------------------------------


def copy_site(fixture: Path, dest: Path) -> Path:
    """A copy of a fixture site (theme: the installed sitegen), so the build and the cache
    it keeps beside mkdocs.yml happen outside the repository."""
    shutil.copytree(fixture, dest)
    return dest / "mkdocs.yml"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    build(copy_site(HOSTILE, work / "src"), work / "site")
    return work / "site"


@pytest.fixture(scope="module")
def html_files(hostile_site) -> list[Path]:
    files = html_pages(hostile_site)
    # home, archive, week, countries, country, data, changes, search, 404: in English and in French (/fr/)
    assert len(files) == 18, f"expected home, archive, week, countries, country, data, changes, search, 404 in two languages: {files}"
    return files


def test_the_corpus_holds_the_payloads_this_module_checks():
    titles = {}
    for path in sorted((HOSTILE / "content" / "incidents").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        titles[data["id"]] = data["title"]
        if data["id"] in PAYLOADS:
            payload = PAYLOADS[data["id"]]
            fields = [data["location"], data["admin1"], *data["actors"]]
            fields += [s if isinstance(s, str) else s["name"] for s in data["sources"]]
            assert all(payload in f for f in fields), data["id"]
    assert titles == TITLES


def test_the_corpus_builds_under_strict(hostile_site):
    assert (hostile_site / "weeks" / WEEK / "index.html").is_file()
    assert (hostile_site / "countries" / "niger" / "index.html").is_file()


# --- static: HTML --------------------------------------------------------------------------


def test_no_page_has_an_injected_element_or_event_handler(html_files):
    for path in html_files:
        page = parse_html(path)
        for tag, attrs in page.tags:
            handlers = [name for name in attrs if EVENT_HANDLER.match(name)]
            assert not handlers, f"{path.name}: <{tag}> carries event handler attributes {handlers}"
            assert not (tag == "img" and attrs.get("src") == "x"), f"{path}: injected <img src=x>"
            if tag == "svg":
                ours = {"chart-svg", "map-svg", "map-size-svg"}
                assert ours & set((attrs.get("class") or "").split()), f"{path}: injected <svg {attrs}>"


def test_every_script_on_every_page_is_ours(html_files):
    for path in html_files:
        html_text = path.read_text(encoding="utf-8")
        page = parse_html(path)
        # a tokenizer that saw more <script> tags than elements was tricked by a payload
        assert len(SCRIPT_TAG.findall(html_text)) == len(page.scripts), path
        for script in page.scripts:
            src = script.attrs.get("src")
            if src is not None:
                assert not urlsplit(src).netloc and not urlsplit(src).scheme, f"{path}: script from {src}"
                assert script.body.strip() == ""
                continue
            body = script.body
            island = {k: script.attrs.get(k) for k in MAP_ISLAND}
            assert island == MAP_ISLAND, f"{path}: unexpected inline script {body[:80]!r}"
            assert "alert(1)</script>" not in body and "<!--" not in body and "</" not in body, path
            assert "\u2028" not in body and "\u2029" not in body, f"{path}: raw line separator in a script"
            json.loads(body)


def test_inline_map_data_decodes_to_the_literal_payloads(hostile_site):
    page = parse_html(hostile_site / "weeks" / WEEK / "index.html")
    maps = [s.body for s in page.scripts if s.attrs.get("class") == "sg-map-data" and '"data":' in s.body]
    assert len(maps) == 1, "the week page has one map with inline data"
    titles = {f["properties"]["title"] for f in inline_features(maps[0])}
    assert titles == set(TITLES.values())


def test_every_payload_shows_literally_on_the_week_page(hostile_site):
    text = parse_html(hostile_site / "weeks" / WEEK / "index.html").all_text
    for incident_id, payload in PAYLOADS.items():
        for shown in (payload, f"Location {payload}", f"Region {payload}", f"Actor {payload}", f"Source {payload}"):
            assert shown in text, f"{incident_id}: {shown!r} is not shown literally"
        # the Markdown summary of each payload, escaped for Markdown in the fixture
        assert f"Summary {payload} and" in text, f"{incident_id}: summary not literal"
    for value in CSV_PAYLOADS.values():
        for part in value.split("; "):
            assert part in text
    assert BRIEF_TITLE in text
    for author in BRIEF_AUTHORS:
        assert author in text


def test_every_payload_shows_literally_on_home_and_country_pages(hostile_site):
    home = parse_html(hostile_site / "index.html").all_text
    assert BRIEF_TITLE in home
    country = parse_html(hostile_site / "countries" / "niger" / "index.html").all_text
    for incident_id, payload in TITLES.items():
        assert payload in country, f"{incident_id}: title not literal on the country page"
        assert f"Region {payload}" in country or incident_id == "hostile-csv-formula"


def test_jinja_in_incident_text_is_never_evaluated(hostile_site):
    for path in sorted(p for p in hostile_site.rglob("*") if p.is_file() and "vendor" not in p.parts):
        data = path.read_bytes()
        if path.suffix == ".gz":
            continue
        assert JINJA_EVALUATED.encode() not in data, f"{path}: '{{{{ 7*7 }}}}' was evaluated"
    week = (hostile_site / "weeks" / WEEK / "index.html").read_text(encoding="utf-8")
    assert "JINJA-{{ 7*7 }}-{% if %}-{# c #}-END" in week


def test_titles_and_meta_descriptions_are_escaped(html_files):
    for path in html_files:
        html_text = path.read_text(encoding="utf-8")
        head = html_text.split("</head>", 1)[0]
        # inside <head>, only our own tags: a payload here would open a tag of its own
        assert "<script>alert" not in head and "<svg" not in head and "<img" not in head, path
        title = re.search(r"<title>(.*?)</title>", head, re.S)
        assert title and "<" not in title[1], f"{path}: unescaped <title> {title}"


# --- static: links ---------------------------------------------------------------------------


def external_links(page: ParsedPage, own_host: str | None) -> list[dict[str, str | None]]:
    links = []
    for tag, attrs in page.tags:
        href = attrs.get("href") if tag == "a" else None
        if href is None:
            continue
        parts = urlsplit(href.strip())
        # "http:/evil.example" has no netloc for Python, but a browser on an https page
        # goes to evil.example: any http(s) link not naming our host counts as off-site
        if (parts.netloc or parts.scheme.lower() in ("http", "https")) and parts.netloc != own_host:
            links.append(attrs)
    return links


def check_links(site: Path, own_host: str | None) -> int:
    """Every link is web or relative; every link to another host has rel noopener noreferrer."""
    checked = 0
    for path in html_pages(site):
        page = parse_html(path)
        for tag, attrs in page.tags:
            href = (attrs.get("href") or "") if tag in ("a", "area", "link") else ""
            scheme = urlsplit(href.strip()).scheme.lower()
            assert scheme in ("", "http", "https", "mailto"), f"{path}: <{tag} href={href!r}>"
        for attrs in external_links(page, own_host):
            rel = set((attrs.get("rel") or "").split())
            where = path.relative_to(site)
            href = attrs["href"]
            assert {"noopener", "noreferrer"} <= rel, f"{where}: <a href={href!r}> lacks rel=noopener noreferrer"
            checked += 1
    return checked


def test_external_links_on_the_hostile_site_are_safe(hostile_site):
    assert check_links(hostile_site, SITE_HOST) > 0  # the summaries' and sources' links


def test_external_links_on_the_demo_site_are_safe(tmp_path_factory):
    site = demo_site(tmp_path_factory)
    assert check_links(site, "sahel-brief.example.org") > 0


def test_summary_links_to_other_hosts_get_rel(hostile_site):
    html_text = (hostile_site / "weeks" / WEEK / "index.html").read_text(encoding="utf-8")
    # the payload's quote is percent-encoded: it cannot end the attribute
    assert 'href="https://example.org/?q=%22onmouseover=alert(1)//" rel="noopener noreferrer"' in html_text


# --- static: data files ----------------------------------------------------------------------


def test_csv_cells_cannot_run_as_formulas(hostile_site):
    files = [hostile_site / "data" / "incidents.csv", hostile_site / "weeks" / WEEK / "incidents.csv"]
    for path in files:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        assert {r["id"] for r in rows} == set(TITLES)
        for row in rows:
            for column, cell in row.items():
                if column not in NUMERIC_COLUMNS:
                    assert not cell.startswith(FORMULA_START), f"{path.name}: {row['id']}.{column} = {cell!r}"
        formula = next(r for r in rows if r["id"] == "hostile-csv-formula")
        for column, value in CSV_PAYLOADS.items():
            assert formula[column] == "'" + value, f"{column}: {formula[column]!r}"
        for row in rows:
            if row["id"] in PAYLOADS:
                assert row["title"] == PAYLOADS[row["id"]]  # text is kept as is, quotes and all


def test_json_downloads_and_search_index_keep_text_literal(hostile_site):
    for rel in ("data/incidents.json", "data/incidents.geojson", f"weeks/{WEEK}/incidents.geojson",
                "assets/maps/recent.geojson", "assets/maps/niger.geojson", "search/index/"):
        raw = search_index_text(hostile_site) if rel.endswith("/") else (hostile_site / rel).read_text(encoding="utf-8")
        assert "</script" not in raw.lower(), f"{rel}: could close a script if inlined"
        data = search_index_rows(hostile_site) if rel.endswith("/") else json.loads(raw)
        text = json.dumps(data, ensure_ascii=False)
        for payload in TITLES.values():
            if rel.startswith("search/"):
                payload = " ".join(payload.split())  # search rows are one line of text, by design
            assert json.dumps(payload, ensure_ascii=False)[1:-1] in text, f"{rel}: {payload!r} not literal"


def test_feed_is_well_formed_and_literal(hostile_site):
    tree = ET.parse(hostile_site / "feed.xml")
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    root = tree.getroot()
    assert root.findtext("atom:title", namespaces=ns) == SITE_NAME
    entry = root.find("atom:entry", ns)
    assert entry.findtext("atom:title", namespaces=ns) == BRIEF_TITLE
    assert [a.findtext("atom:name", namespaces=ns) for a in entry.findall("atom:author", ns)] == list(BRIEF_AUTHORS)
    assert "<script>alert(1)</script>" in entry.findtext("atom:summary", namespaces=ns)


def test_sitemap_is_well_formed(hostile_site):
    ET.parse(hostile_site / "sitemap.xml")


# --- validation: what is refused ---------------------------------------------------------------

REFUSED = {
    "js-link.yaml": ("summary: '[click](javascript:alert(1))'", "javascript:"),
    "js-link-case.yaml": ("summary: '[click](JaVaScRiPt:alert(1))'", "JaVaScRiPt:"),
    "js-link-entity.yaml": ("summary: '[click](java&#x09;script:alert(1))'", "script:alert"),
    "js-link-reference.yaml": ("summary: \"[click][x]\\n\\n[x]: javascript:alert(1)\"", "javascript:"),
    "js-autolink.yaml": ("summary: '<javascript:alert(1)>'", "javascript:"),
    "data-link.yaml": ("summary: '[click](data:text/html,<script>alert(1)</script>)'", "data:"),
    "vbscript-link.yaml": ("summary: '[click](vbscript:msgbox(1))'", "vbscript:"),
    "raw-html.yaml": ("summary: 'Hello <img src=x onerror=alert(1)>'", "<img"),
    "raw-script.yaml": ("summary: |\n  Text\n\n  <script>alert(1)</script>", "<script"),
    "source-js.yaml": ("sources:\n  - name: x\n    url: 'javascript:alert(1)'", "javascript:"),
}
INCIDENT = """\
id: {id}
date: 2023-09-26
title: Refused {id}
type: battle
country: NE
location: Somewhere
lat: 14.0
lon: 2.5
"""


def test_javascript_links_and_raw_html_fail_the_build_with_located_messages(tmp_path):
    site = tmp_path / "hostile"
    copy_site(HOSTILE, site)
    refused = site / "content" / "incidents" / "refused"
    refused.mkdir()
    for name, (extra, _) in REFUSED.items():
        (refused / name).write_text(INCIDENT.format(id=name.removesuffix(".yaml")) + extra + "\n", encoding="utf-8")
    result = build(site / "mkdocs.yml", tmp_path / "out", check=False)
    assert result.returncode != 0, "a javascript: link or raw HTML passed the strict build"
    output = result.stdout + result.stderr
    for name, (_, fragment) in REFUSED.items():
        located = re.search(rf"content/incidents/refused/{re.escape(name)}:(\d+):(\d+): error: (.*)", output)
        assert located, f"{name}: no located error in\n{output}"
        assert int(located[1]) >= 9, f"{name}: error not on the field's line: {located[0]}"
    validate = subprocess.run(
        [sys.executable, "-m", "sitegen", "validate"], cwd=site, capture_output=True, text=True, timeout=120
    )
    assert validate.returncode == 1
    for name in REFUSED:
        assert f"refused/{name}:" in validate.stdout + validate.stderr, name
    assert "Traceback" not in validate.stderr


# --- in the browser ------------------------------------------------------------------------

INIT_SCRIPT = """
(() => {
  const pwn = () => { window.__pwned = true; };
  window.alert = pwn; window.confirm = pwn; window.prompt = pwn; window.print = pwn;
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
  });
})();
"""
FIND_HANDLERS = """
() => Array.from(document.querySelectorAll("*")).flatMap((el) =>
  Array.from(el.attributes).filter((a) => /^on/i.test(a.name)).map((a) => el.tagName + " " + a.name))
"""
WAIT_MS = 20000  # generous: CI machines are slow and busy
WAIT_FOR_STILL_MARKERS = """
() => new Promise((resolve) => {
  let last = "", still = 0;
  const tick = () => {
    const now = JSON.stringify(Array.from(document.querySelectorAll("path.leaflet-interactive"), (p) => {
      const r = p.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height];
    }));
    still = now === last ? still + 1 : 0;
    last = now;
    if (still >= 10 && !document.querySelector(".leaflet-zoom-anim")) { resolve(true); } else { requestAnimationFrame(tick); }
  };
  tick();
})
"""
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser fixture says so
    PlaywrightTimeout = TimeoutError


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


class Watched:
    """A page with alert() trapped and dialogs, CSP violations, errors and off-site requests recorded."""

    def __init__(self, browser, base_url: str, tiles: bool = False):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console_csp: list[str] = []
        self.offsite: list[str] = []
        self.tiles: list[str] = []
        self.page.add_init_script(INIT_SCRIPT)
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)
        own = urlsplit(base_url).netloc

        def route(r):
            url = r.request.url
            if urlsplit(url).netloc == own:
                return r.continue_()
            if tiles and urlsplit(url).path.endswith(".png"):
                self.tiles.append(url)
                return r.fulfill(status=200, content_type="image/png", body=PNG_1X1)
            self.offsite.append(url)
            return r.abort()

        self.page.route("**/*", route)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console_csp.append(message.text)

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="load")

    def wait_for_maps(self) -> None:
        self.page.wait_for_function(
            """() => Array.from(document.querySelectorAll(".sg-map"))
                 .every((m) => m.getAttribute("data-sg-state") === "ready")""",
            timeout=WAIT_MS,
        )

    def assert_nothing_ran(self, where: str) -> None:
        pwned = self.page.evaluate("() => window.__pwned")
        assert pwned is None, f"{where}: a payload called alert()"
        assert not self.dialogs, f"{where}: dialogs opened: {self.dialogs}"
        handlers = self.page.evaluate(FIND_HANDLERS)
        assert not handlers, f"{where}: elements with event handlers in the DOM: {handlers}"
        assert not self.errors, f"{where}: JavaScript errors: {self.errors}"
        assert not self.offsite, f"{where}: requests left the site: {self.offsite}"

    def assert_no_csp_violation(self, where: str) -> None:
        violations = self.page.evaluate("() => window.__csp")
        assert not violations, f"{where}: CSP violations: {violations}"
        assert not self.console_csp, f"{where}: CSP messages: {self.console_csp}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def hostile_url(hostile_site):
    with serve(hostile_site) as url:
        yield url


READ_TOOLTIP = """() => {
  const tip = Array.from(document.querySelectorAll(".leaflet-tooltip")).pop();
  return tip ? {text: tip.textContent} : null;
}"""
READ_POPUP = """() => {
  const box = Array.from(document.querySelectorAll(".leaflet-popup-content")).pop();
  if (!box || !box.querySelector(".sg-popup-title")) { return null; }
  const part = (cls) => { const el = box.querySelector(cls); return el ? el.textContent : null; };
  return {title: part(".sg-popup-title"), summary: part(".sg-popup-summary"), text: box.textContent,
          links: Array.from(box.querySelectorAll("a"), (a) => a.getAttribute("href"))};
}"""


def _read_after(page, read: str, action, fallback) -> tuple[dict, bool]:
    """Do `action` (a real hover or click) and read what it showed, at once: the map may
    move it away again. On a busy machine the map may still be panning and the pointer
    miss: the marker then gets the DOM event itself. Returns (what was read, whether the
    real pointer did it)."""
    action()
    try:
        return page.wait_for_function(read, timeout=3000).json_value(), True
    except PlaywrightTimeout:
        fallback()
        return page.wait_for_function(read, timeout=WAIT_MS).json_value(), False


def exercise_markers(watched: Watched) -> tuple[set[str], set[str], int]:
    """Hover and click every marker: (popup titles, tooltip texts, real pointer actions).
    Each popup must show its title, summary and link as text."""
    page = watched.page
    markers = page.locator("path.leaflet-interactive")
    count = markers.count()
    assert count == len(TITLES), f"expected {len(TITLES)} markers, found {count}"
    popups: set[str] = set()
    tooltips: set[str] = set()
    real = 0
    for n in range(count):
        # fitBounds and the popups' autoPan animate the map: a moving marker slips from under the pointer
        page.evaluate(WAIT_FOR_STILL_MARKERS)
        marker = markers.nth(n)
        tip, by_pointer = _read_after(page, READ_TOOLTIP, marker.hover, lambda: marker.dispatch_event("mouseover"))
        real += by_pointer
        tooltips.add(tip["text"])
        shown, by_pointer = _read_after(page, READ_POPUP, marker.click, lambda: marker.dispatch_event("click"))
        real += by_pointer
        title = shown["title"]
        assert title in TITLES.values(), f"popup title not literal: {title!r}"
        assert title in shown["text"]
        for incident_id, payload in PAYLOADS.items():
            if title == payload:
                teaser = " ".join(f"Summary {payload}".split())[:40]  # a one-line teaser, by design
                assert shown["summary"].startswith(teaser), f"{incident_id}: popup summary {shown['summary']!r}"
        assert len(shown["links"]) == 1 and "#hostile-" in shown["links"][0], shown["links"]
        popups.add(title)
        close = page.locator(".leaflet-popup-close-button").last
        close.click()
        try:
            page.locator(".leaflet-popup").wait_for(state="detached", timeout=3000)
        except PlaywrightTimeout:  # the popup's autoPan was still moving it
            close.dispatch_event("click")
            page.locator(".leaflet-popup").wait_for(state="detached", timeout=WAIT_MS)
        marker.dispatch_event("mouseout")
        page.mouse.move(0, 0)
        page.locator(".leaflet-tooltip").wait_for(state="detached", timeout=WAIT_MS)
    return popups, tooltips, real


@pytest.mark.browser
@pytest.mark.parametrize("path", [f"weeks/{WEEK}/", "", "countries/niger/"], ids=["week", "home", "country"])
def test_markers_popups_and_tooltips_run_nothing(browser, hostile_url, path):
    watched = Watched(browser, hostile_url)
    try:
        watched.goto(hostile_url + path)
        watched.wait_for_maps()
        watched.assert_nothing_ran(path or "home")
        popups, tooltips, real = exercise_markers(watched)
        assert popups == set(TITLES.values())
        assert tooltips == set(TITLES.values())
        assert real > 0, "no real hover or click reached a marker"
        watched.assert_nothing_ran(path or "home")
        watched.assert_no_csp_violation(path or "home")
    finally:
        watched.close()


@pytest.mark.browser
def test_week_page_text_is_literal_in_the_dom(browser, hostile_url):
    watched = Watched(browser, hostile_url)
    try:
        watched.goto(hostile_url + f"weeks/{WEEK}/")
        titles = watched.page.locator("#incidents li > h3").all_text_contents()
        shown = {t.removesuffix("#").strip() for t in titles}
        assert shown == {t.strip() for t in TITLES.values()}
        cards = watched.page.locator(".incident-card .incident-title").all_text_contents()
        assert {c.strip() for c in cards} == {t.strip() for t in TITLES.values()}
        assert watched.page.locator("h1").first.text_content() == BRIEF_TITLE
        watched.assert_nothing_ran("week")
    finally:
        watched.close()


@pytest.mark.browser
def test_search_results_run_nothing(browser, hostile_url):
    watched = Watched(browser, hostile_url)
    try:
        watched.goto(hostile_url + "search/?q=alert")
        page = watched.page
        page.locator(".search-result").first.wait_for(timeout=WAIT_MS)
        titles = set(page.locator(".search-result-title").all_text_contents())
        expected = {p for p in TITLES.values() if "alert" in p} | {BRIEF_TITLE}
        assert expected <= titles, f"missing from results: {expected - titles}"
        page.fill("#search-input", "JINJA")
        page.wait_for_function(
            """(title) => Array.from(document.querySelectorAll(".search-result-title"))
                 .some((a) => a.textContent === title)""",
            arg=PAYLOADS["hostile-jinja"],
        )
        watched.assert_nothing_ran("search")
        watched.assert_no_csp_violation("search")
    finally:
        watched.close()


# --- Content-Security-Policy ---------------------------------------------------------------------


def check_csp_static(site: Path) -> int:
    """Every page: a CSP meta tag first in <head>, scripts limited to 'self' (no page has
    inline code: map data are JSON islands); no inline event handler anywhere."""
    pages = html_pages(site)
    for path in pages:
        html_text = path.read_text(encoding="utf-8")
        csp = csp_of(html_text)
        where = path.relative_to(site)
        assert "__SG_" not in html_text, f"{where}: CSP placeholder left unfilled"
        assert csp.get("script-src", [None])[0] == "'self'", f"{where}: script-src {csp.get('script-src')}"
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
        loose = [d for d, sources in csp.items() if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources]
        assert not loose, f"{where}: unsafe sources in {loose}"
        assert csp.get("style-src") == ["'self'"], f"{where}: style-src {csp.get('style-src')}"
        assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") == ["'self'"]
        assert csp.get("default-src") == ["'self'"]
        page = parse_html(path)
        inline = [s.body for s in page.scripts if s.attrs.get("src") is None and executable(s)]
        assert not inline, f"{where}: inline code"
        assert csp["script-src"] == ["'self'"], f"{where}: script-src {csp['script-src']}"
        assert html_text.index("Content-Security-Policy") < html_text.index("<script") if page.scripts else True
        for tag, attrs in page.tags:
            assert not any(EVENT_HANDLER.match(a) for a in attrs), f"{where}: <{tag}> {attrs}"
            assert "style" not in attrs and tag != "style", f"{where}: <{tag}> styled inline, which the CSP blocks"
            assert not (attrs.get("href") or "").lower().startswith("javascript:"), f"{where}: {attrs}"
    return len(pages)


def test_every_page_of_the_hostile_site_has_a_strict_csp(hostile_site):
    assert check_csp_static(hostile_site) == 18  # 9 pages in each language


def test_every_page_of_the_demo_site_has_a_strict_csp(tmp_path_factory):
    assert check_csp_static(demo_site(tmp_path_factory)) >= 8


def test_aligned_table_columns_in_briefs_and_pages_keep_their_alignment_under_the_csp(tmp_path):
    """Python-Markdown's tables align a column with a style attribute, which the pages' CSP
    (style-src 'self') would block: the column keeps its alignment by a class instead."""
    root = make_cli_site(tmp_path, "site_name: Test\nsite_url: https://example.org/\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    table = "| Place | Deaths |\n|:------|-------:|\n| Kandadji | 7 |\n"
    (root / "content" / "briefs" / "2023-W39.md").write_text(f"---\ntitle: A week\n---\n{table}", encoding="utf-8")
    (root / "content" / "about.md").write_text(f"# About\n\n{table}", encoding="utf-8")
    result = run_sitegen(root, "build")
    assert result.returncode == 0, result.stderr
    for page in ("weeks/2023-W39/index.html", "fr/weeks/2023-W39/index.html", "about/index.html"):
        text = (root / "site" / page).read_text(encoding="utf-8")
        assert '<th class="align-left">Place</th>' in text and '<td class="align-right">7</td>' in text, page
        assert "style=" not in text, page
    css = (root / "site" / "assets" / "site.css").read_text(encoding="utf-8")
    assert ".prose .align-right { text-align: right; }" in css


@pytest.fixture(scope="module")
def demo_with_tiles(tmp_path_factory) -> Path:
    """The demo site with its map tiles on, as published: the CSP must let tiles load."""
    site = tmp_path_factory.mktemp("demo-tiles") / "site"
    build(ROOT / "mkdocs.yml", site)
    return site


@pytest.mark.browser
def test_demo_pages_report_no_csp_violation(browser, demo_with_tiles):
    with serve(demo_with_tiles) as base:
        week = sorted(p.parent.name for p in (demo_with_tiles / "weeks").glob("*/index.html"))[-1]
        for path in ("", f"weeks/{week}/", "countries/niger/", "search/?q=niger", "weeks/", "data/", "404.html"):
            watched = Watched(browser, base, tiles=True)
            try:
                watched.goto(base + path)
                if watched.page.locator(".sg-map").count():
                    watched.wait_for_maps()
                    watched.page.wait_for_function(
                        "() => document.querySelectorAll('.leaflet-tile-loaded').length > 0", timeout=WAIT_MS
                    )
                if path.startswith("search"):
                    watched.page.locator(".search-result").first.wait_for(timeout=WAIT_MS)
                watched.assert_no_csp_violation(path or "home")
                watched.assert_nothing_ran(path or "home")
                assert watched.tiles or not watched.page.locator(".sg-map").count(), f"{path}: no tile requested"
            finally:
                watched.close()


@pytest.mark.browser
def test_an_injected_inline_script_would_be_blocked(browser, hostile_site, tmp_path):
    """The policy is not decorative: an inline script the build did not hash is refused."""
    site = tmp_path / "site"
    shutil.copytree(hostile_site, site)
    page_file = site / "data" / "index.html"
    page_file.write_text(
        page_file.read_text(encoding="utf-8").replace("</main>", "<script>alert(1)</script></main>"), encoding="utf-8"
    )
    with serve(site) as base:
        watched = Watched(browser, base)
        try:
            watched.goto(base + "data/")
            watched.page.wait_for_timeout(200)
            assert watched.page.evaluate("() => window.__pwned") is None
            assert watched.page.evaluate("() => window.__csp.length") >= 1
        finally:
            watched.close()
