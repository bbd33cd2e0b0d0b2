"""Search index (sitegen.render.search), search.js, and the safe Markdown it relies on
(sitegen.render.markdown)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import subprocess
import threading
import urllib.parse

import pytest

from sitegen.model import Incident, IsoWeek, Visibility
from sitegen.render.exports import dump_json
from sitegen.render.markdown import render_markdown
from sitegen.text import plain_text as markdown_to_text
from sitegen.render.search import INCIDENT_TEXT_LIMIT, search_index
from sitegen.scaffold import theme_dir

W39 = IsoWeek(2023, 39)
KANDADJI = Incident(
    id="2023-09-28-kandadji",
    date=dt.date(2023, 9, 28),
    title="Almahaou unit attacked near Kandadji",
    type="battle",
    country="NE",
    location="Kandadji",
    lat=14.62,
    lon=0.98,
    admin1="Tillabéri",
    actors=("Niger armed forces", "Suspected jihadists"),
    summary="Several hundred **assailants** attacked [the unit](https://example.org/x). " * 20,
)
HOSTILE = Incident(
    id="2023-09-29-ayorou",
    date=dt.date(2023, 9, 29),
    title="<img src=x onerror=alert(1)> Ayorou market raid",
    type="violence-against-civilians",
    country="NE",
    location="Ayorou",
    lat=14.73,
    lon=0.92,
    summary="Gunmen near Kandadji",
)
SECRET = Incident(
    id="2023-09-29-secret-source",
    date=dt.date(2023, 9, 29),
    title="Informant report from Kandadji",
    type="strategic-development",
    country="NE",
    location="Kandadji",
    lat=14.62,
    lon=0.98,
    summary="Name withheld",
    visibility=Visibility.INTERNAL,
)
BRIEFS = {W39: ("Twelve soldiers lost in Tillabéri", "The week in Kandadji and beyond.")}


def incident_url(incident: Incident) -> str:
    return f"weeks/{incident.week}/#{incident.id}"


def week_url(week: IsoWeek) -> str:
    return f"weeks/{week}/"


def build_index() -> dict:
    return search_index([KANDADJI, SECRET, HOSTILE], BRIEFS, incident_url, week_url)


def rows(index: dict) -> list[dict]:
    return [dict(zip(index["fields"], doc)) for doc in index["docs"]]


# --- the index --------------------------------------------------------------------------


def test_index_holds_briefs_then_incidents_newest_first():
    docs = rows(build_index())
    assert [(d["kind"], d["title"]) for d in docs] == [
        ("brief", "Twelve soldiers lost in Tillabéri"),
        ("incident", HOSTILE.title),
        ("incident", KANDADJI.title),
    ]
    brief, _, kandadji = docs
    assert brief["url"] == "weeks/2023-W39/" and brief["date"] == "2023-W39"
    assert kandadji["url"] == "weeks/2023-W39/#2023-09-28-kandadji"
    assert kandadji["date"] == "2023-09-28" and kandadji["country"]


def test_index_excludes_internal_incidents():
    text = dump_json(build_index())
    for secret in (SECRET.id, SECRET.title, SECRET.summary):
        assert secret not in text, f"internal incident data {secret!r} reached the search index"


def test_incident_text_is_a_short_plain_excerpt_led_by_places_and_actors():
    kandadji = rows(build_index())[2]
    assert kandadji["text"].startswith("Kandadji · Tillabéri · Niger armed forces · Suspected jihadists · Several")
    assert len(kandadji["text"]) <= INCIDENT_TEXT_LIMIT + 1
    assert "**" not in kandadji["text"] and "https://" not in kandadji["text"], "Markdown is stripped"


def test_index_stays_small_per_incident():
    many = [
        Incident(**{**_fields(KANDADJI), "id": f"incident-{n}", "date": dt.date(2023, 1, 1) + dt.timedelta(n % 300)})
        for n in range(1000)
    ]
    size = len(dump_json(search_index(many, {}, incident_url, week_url)).encode("utf-8"))
    assert size / len(many) < 400, f"{size / len(many):.0f} bytes per incident: 100,000 incidents would be too big"


# --- search.js in a browser ---------------------------------------------------------------

SEARCH_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'">
</head><body>
<form role="search" data-index="index.json" action="." method="get">
<input type="search" id="search-input" name="q"><button>Search</button></form>
<div id="search-results" aria-live="polite"></div>
<script src="../assets/search.js"></script></body></html>"""


@pytest.fixture
def served_search(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "assets").mkdir()
    shutil.copy(theme_dir() / "assets" / "search.js", tmp_path / "assets" / "search.js")
    (tmp_path / "search" / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")
    (tmp_path / "search" / "index.json").write_text(dump_json(build_index()), encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/search/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def dump_dom(url: str) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium to run search.js")
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom", url]
    return subprocess.run(args, capture_output=True, text=True, timeout=90, check=True).stdout


@pytest.mark.browser
def test_search_js_answers_q_from_the_address_under_a_strict_csp(served_search):
    dom = dump_dom(served_search + "?q=" + urllib.parse.quote("kandadji TILLABERI"))
    results = dom[dom.index('id="search-results"') :]
    assert "2 results" in results, "all words must match: the Ayorou raid has no Tillabéri"
    assert results.index("Twelve soldiers lost in Tillabéri") < results.index(KANDADJI.title)
    assert "#2023-09-28-kandadji" in results
    assert SECRET.title not in results


@pytest.mark.browser
def test_search_js_ranks_title_matches_first_and_ignores_accents(served_search):
    dom = dump_dom(served_search + "?q=" + urllib.parse.quote("KANDADJÍ"))
    results = dom[dom.index('id="search-results"') :]
    assert results.index(KANDADJI.title) < results.index("Twelve soldiers"), "title matches come first"
    assert "&lt;img src=x onerror=alert(1)&gt; Ayorou market raid" in results, "titles are text, never markup"
    assert "<img" not in results


# --- safe Markdown ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](java&#10;script:alert(1))",
        "[click](java%09script:alert(1))",
        "<javascript:alert(1)>",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](file:///etc/passwd)",
    ],
)
def test_render_markdown_drops_non_web_links(text):
    html = str(render_markdown(text))
    assert "href" not in html, f"{text!r} became a link: {html}"


def test_render_markdown_shows_raw_html_as_text():
    html = str(render_markdown('<script>alert(1)</script> <img src=x onerror="alert(1)"> <b>bold</b>'))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_render_markdown_keeps_web_links_and_marks_external_ones():
    text = "[a](https://example.org/?a=1&b=2) [b](../weeks/2023-W39/) [c](mailto:desk@example.org)"
    html = str(render_markdown(text))
    assert '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">a</a>' in html
    assert '<a href="../weeks/2023-W39/">b</a>' in html
    assert '<a href="mailto:desk@example.org">c</a>' in html


def test_render_markdown_loads_no_images():
    assert "<img" not in str(render_markdown("![tracker](https://tracker.example/pixel.gif)"))


def test_render_markdown_returns_markup_safe_for_autoescape():
    from jinja2 import Environment

    env = Environment(autoescape=True)
    env.filters["markdown"] = render_markdown
    out = env.from_string("{{ s|markdown }}").render(s="**x** <i>")
    assert out == "<p><strong>x</strong> &lt;i&gt;</p>\n"
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_markdown_to_text_keeps_the_words_only():
    text = markdown_to_text("# Head\n\nSome **bold** [link](https://x.org) `code` &amp; _more_\n\n[ref]: https://y.org")
    assert text == "Head Some bold link code & more"


def _fields(incident: Incident) -> dict:
    return {name: getattr(incident, name) for name in incident.__slots__}
