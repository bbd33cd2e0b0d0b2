"""Search index (sitegen.render.search), search.js, and the safe Markdown it relies on
(sitegen.render.markdown)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import urllib.parse

import msgspec
import pytest

from tests.sitetools import launch_chromium, missing, serve

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

from sitegen import urls
from sitegen.aggregate import aggregate
from sitegen.cache import BuildCache, seal
from sitegen.config import from_options
from sitegen.generate import SiteGenerator
from sitegen.search_job import SEARCH_PIECES
from sitegen.model import Content, Incident, IsoWeek, Source, Visibility
from sitegen.render.markdown import render_markdown
from sitegen.text import plain_text as markdown_to_text
from sitegen.text import teaser
from sitegen.render import search
from sitegen.render.search import (
    BLOCK,
    Row,
    EXCERPT_LIMIT,
    Index,
    META_FILE,
    decode_set,
    encode_set,
    pack,
    search_files,
    search_rows,
    shard_name,
    unpack,
)
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

def _fields(incident: Incident) -> dict:
    return {name: getattr(incident, name) for name in incident.__slots__}


def incident_url(incident: Incident) -> str:
    return f"weeks/{incident.week}/#{incident.id}"


def week_url(week: IsoWeek) -> str:
    return f"weeks/{week}/"


def build_rows(incidents=(KANDADJI, SECRET, HOSTILE), lang="en"):
    return search_rows(list(incidents), BRIEFS, incident_url, week_url, lang=lang)


def build_files(incidents=(KANDADJI, SECRET, HOSTILE), lang="en") -> dict[str, bytes]:
    return search_files(build_rows(incidents, lang), lang=lang)


def shown_rows(files: dict[str, bytes]) -> list[list[str]]:
    """Every document's row as the browser gets it, in document order."""
    meta = json.loads(files[META_FILE])
    blocks = [json.loads(files[f"search/index/d-{n}.json"]) for n in range(-(-meta["docs"] // meta["block"]))]
    return [row for block in blocks for row in block]


def postings(files: dict[str, bytes], term: str) -> tuple[list[int], list[int]]:
    """(documents holding `term`, those holding it in their title)."""
    sets = json.loads(files[f"search/index/t-{shard_name(term[:2])}.json"])[term]
    return decode_set(sets[0]), decode_set(sets[1]) if len(sets) > 1 else []


# --- the index --------------------------------------------------------------------------


def test_index_holds_briefs_then_incidents_newest_first():
    files = build_files()
    rows = shown_rows(files)
    assert [r[0] for r in rows] == ["Twelve soldiers lost in Tillabéri", HOSTILE.title, KANDADJI.title]
    brief, _, kandadji = rows
    assert brief[1:3] == ["weeks/2023-W39/", "2023-W39"]
    assert kandadji[1:4] == ["weeks/2023-W39/#2023-09-28-kandadji", "28 September 2023", "Niger"]  # the date as the edition writes it
    meta = json.loads(files[META_FILE])
    assert meta["docs"] == 3 and meta["briefs"] == 1 and meta["root"] == "../../" and meta["lang"] == "en"


def test_terms_are_folded_and_point_at_their_documents_and_titles():
    files = build_files()
    assert postings(files, "tillaberi") == ([0, 2], [0]), "Tillabéri: the brief (in its title) and Kandadji (admin1)"
    assert postings(files, "kandadji") == ([0, 1, 2], [2])
    assert "t-ti.json" in " ".join(files) and not any("é" in path for path in files)
    assert json.loads(files[META_FILE])["shards"] == sorted({p[len("search/index/t-"):-5] for p in files if "/t-" in p})


def test_index_excludes_internal_incidents():
    blob = b"".join(build_files().values()).decode("utf-8")
    for secret in (SECRET.id, "informant", "withheld", SECRET.summary):
        assert secret not in blob, f"internal incident data {secret!r} reached the search index"


def test_rows_hold_only_what_a_result_shows():
    kandadji = shown_rows(build_files())[2]
    assert len(kandadji) == 5, "title, link, date, country, excerpt: nothing else"
    assert kandadji[4].startswith("Kandadji · Tillabéri · Niger armed forces · Suspected jihadists · Several")
    assert len(kandadji[4]) <= EXCERPT_LIMIT + 1
    assert "**" not in kandadji[4] and "https://" not in kandadji[4], "Markdown is stripped"


def test_restricted_licence_rows_keep_what_a_page_shows_and_no_more():
    acled = Incident(
        **{**_fields(KANDADJI), "id": "acled-ner1", "licence": "acled", "source_scale": "Subnational-National",
           "disorder_type": "Political violence", "timestamp": 1696032000, "sources": (Source("Le Sahel", "https://lesahel.example/x"),)}
    )
    blob = b"".join(build_files([acled]).values()).decode("utf-8")
    assert "acled-ner1" in blob, "the row is there: the week page shows it"
    for hidden in ("acled", "Subnational", "Political violence", "1696032000", "lesahel", "14.62"):
        assert hidden.lower() not in blob.replace("acled-ner1", "").lower(), f"{hidden!r} is not on the page's result"


def test_documents_come_in_blocks_and_the_index_is_byte_identical():
    many = [Incident(**{**_fields(KANDADJI), "id": f"incident-{n:04d}", "date": dt.date(2023, 1, 1) + dt.timedelta(n % 300)}) for n in range(100)]
    files = search_files(search_rows(many, {}, incident_url, week_url))
    assert sum(1 for p in files if "/d-" in p) == -(-100 // BLOCK)
    assert all(len(json.loads(files[f"search/index/d-{n}.json"])) == BLOCK for n in range(100 // BLOCK))
    again = search_files(search_rows(list(reversed(many)), {}, incident_url, week_url))
    assert again == files and list(again) == list(files), "same content, same bytes, whatever the reading order"
    names = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    assert unpack(pack(Index(files, names=names))) == Index({}, names=names), "packed without the bytes: named blobs hold them"
    for foreign in (
        {"files": []}, {"files": {"search/index/a.json": b"y"}},  # a packed index holds no bytes
        {"files": {}, "names": {"../../etc/x": "0" * 64}}, {"files": {}, "names": {"search/index/a.json": "../../../x"}},
        {"files": {}, "names": {"search/index/a.json": 1}},
    ):
        with pytest.raises(ValueError):
            unpack(msgspec.msgpack.encode(foreign))
        with pytest.raises(ValueError):
            unpack(json.dumps(foreign, default=bytes.decode).encode())


def test_index_stays_small_per_incident():
    many = [
        Incident(**{**_fields(KANDADJI), "id": f"incident-{n}", "date": dt.date(2023, 1, 1) + dt.timedelta(n % 300)})
        for n in range(1000)
    ]
    files = search_files(search_rows(many, {}, incident_url, week_url))
    assert sum(map(len, files.values())) / len(many) < 400, "100,000 incidents would be too big"
    assert max(len(data) for path, data in files.items() if "/t-" in path) < 2_000, "a term on every page is a bitmap"


@pytest.mark.parametrize(
    "docs",
    [[], [0], [5], [0, 1, 2, 3], [31, 32, 1023, 1024, 99_999], list(range(0, 100_000, 3)), list(range(7, 5000))],
)
def test_document_sets_round_trip(docs):
    encoded = encode_set(docs)
    assert decode_set(encoded) == docs
    assert '"' not in encoded and "\\" not in encoded


def test_a_big_shard_is_split_and_each_term_lives_under_its_longest_key():
    dense = encode_set(list(range(0, 100_000, 2)))  # ~17 KB: four years overflow a shard
    entries = {"20": ["0"], "2019": [dense], "2018": [dense], "2020": [dense], "2021": [dense], "2105": ["1"], "21": ["2"]}
    shards = search.split_shards(entries)
    assert list(shards) == ["20", "201", "202", "21"]
    assert shards["20"] == {"20": ["0"]} and set(shards["201"]) == {"2018", "2019"} and set(shards["21"]) == {"21", "2105"}
    for key, group in shards.items():
        for term in group:
            assert max((k for k in shards if term.startswith(k)), key=len) == key, term


def test_dense_sets_are_bitmaps_and_sparse_ones_gaps():
    assert encode_set(list(range(1000))).startswith("~")
    assert len(encode_set(list(range(1000)))) < 200
    assert encode_set([3, 40_000]) == "3" + encode_set([39_996])


def _encode_set_reference(docs: list[int]) -> str:
    """encode_set as first written, one number at a time."""
    varints, prev = "", -1
    for n in docs:
        gap, prev, digits = n - prev - 1, n, []
        digits.append(search.DIGITS[gap & 31])
        gap >>= 5
        while gap:
            digits.append(search.DIGITS[32 + (gap & 31)])
            gap >>= 5
        varints += "".join(reversed(digits))
    if not docs or len(varints) <= (docs[-1] // 8 + 1) * 4 // 3 + 1:
        return varints
    bitmap = encode_set(docs)
    assert bitmap.startswith("~") or bitmap == varints
    return bitmap if len(bitmap) < len(varints) else varints


@pytest.mark.parametrize("seed", range(20))
def test_document_sets_are_encoded_as_one_number_at_a_time_would(seed):
    import random

    r = random.Random(seed)
    for _ in range(300):
        top = r.choice([1, 31, 32, 33, 100, 1024, 100_000, 10**7])
        docs = sorted(r.sample(range(top), min(r.choice([1, 1, 2, 3, 10, 60, 400]), top)))
        assert encode_set(docs) == _encode_set_reference(docs), docs


def test_texts_shared_between_editions_are_those_each_edition_would_make():
    timbuktu = Incident(
        id="2023-09-27-timbuktu", date=dt.date(2023, 9, 27), title="Boat attacked near Timbuktu", type="battle",
        country="ML", location="Timbuktu", lat=16.77, lon=-3.0, admin1="Timbuktu", summary="A boat on the Niger river.",
    )  # fmt: skip
    translated = Incident(
        **{**_fields(HOSTILE), "id": "2023-09-29-translated", "summary": "Des hommes armés près de Kandadji"}
    )
    english = [KANDADJI, HOSTILE, timbuktu, Incident(**{**_fields(HOSTILE), "id": "2023-09-29-translated"})]
    french = [KANDADJI, HOSTILE, timbuktu, translated]
    texts: dict = {}
    shared_en = search_rows(english, BRIEFS, incident_url, week_url, lang="en", texts=texts, keep=True)
    assert len(texts) == 4
    shared_fr = search_rows(french, BRIEFS, incident_url, week_url, lang="fr", texts=texts)
    assert texts == {}  # the last edition takes them out
    assert shared_en == search_rows(english, BRIEFS, incident_url, week_url, lang="en")
    assert shared_fr == search_rows(french, BRIEFS, incident_url, week_url, lang="fr")
    by_id = {row.url.rsplit("#", 1)[1]: row.text for row in shared_fr if row.kind == "incident"}
    assert "Tombouctou" in by_id["2023-09-27-timbuktu"] and "Des hommes armés" in by_id["2023-09-29-translated"]


# --- rebuilds: the index in pieces, kept in the build cache ------------------------------

MONDAY = dt.date(2023, 7, 3)
PLACES = ("Kandadji", "Ayorou", "Ouallam", "Tillabéri town")
BRIEF_WEEKS = {IsoWeek.of(MONDAY + dt.timedelta(weeks=w)): (f"Week {w} in Tillabéri", f"Raids went on, lull{w} aside.") for w in (0, 2, 5)}


def _many_weeks(weeks: int = 6, per_week: int = 12) -> list[Incident]:
    """Weeks of incidents with words on every one (bitmaps), on every other one (a bitmap
    made of gaps: too few in a week to keep a mask) and on one alone; some translated."""
    made = []
    for w in range(weeks):
        for n in range(per_week):
            day = MONDAY + dt.timedelta(weeks=w, days=n % 7)
            made.append(Incident(**{
                **_fields(KANDADJI), "id": f"{day}-raid-{w}-{n}", "date": day, "location": PLACES[n % 4],
                "title": f"Raid {n} near {PLACES[n % 4]}", "summary": f"Gunmen {'often ' * (n % 2)}seen, word{w}x{n}.",
                "title_fr": f"Attaque {n} près de {PLACES[n % 4]}" if n % 5 == 0 else None,
            }))  # fmt: skip
    return made


def _edited(incidents: list[Incident], **changes) -> list[Incident]:
    """The incidents with the middle one changed (or deleted, or moved: another date)."""
    middle = len(incidents) // 2
    rest = incidents[:middle] + incidents[middle + 1 :]
    return rest if changes.get("deleted") else [*rest, Incident(**{**_fields(incidents[middle]), **changes})]


def _with_brief_text(briefs: dict, text: str) -> dict:
    week = sorted(briefs)[1]
    return {**briefs, week: (briefs[week][0], briefs[week][1] + text)}


EDITS = {
    "one brief's text": lambda i, b: (i, _with_brief_text(b, " An editor's new sentence.")),
    "a new brief (every incident's number moves)": lambda i, b: (i, {**b, IsoWeek.of(MONDAY + dt.timedelta(weeks=9)): ("Later", "Quiet.")}),
    "one incident's summary": lambda i, b: (_edited(i, summary="Gunmen seen again, newword."), b),
    "an added incident (the older ones' numbers move)": lambda i, b: ([*i, Incident(**{**_fields(i[-1]), "id": "2023-08-11-new"})], b),
    "a deleted incident (the older ones' numbers move)": lambda i, b: (_edited(i, deleted=True), b),
    "an incident moved to another week": lambda i, b: (_edited(i, date=MONDAY - dt.timedelta(days=3)), b),
}


class _Builds:
    """Both editions' search indexes as builds make them, one after another, with the
    build cache kept between them (or none: a cold build)."""

    def __init__(self, tmp_path):
        self.config = from_options({}, docs_dir=tmp_path, site_dir=tmp_path / "site", site_name="S", site_url="")
        self.cache_dir = tmp_path / ".cache"
        self.pieces_made = 0
        self.groups_made = 0  # groups of terms encoded (a shard's or more: search._shards)
        self.blocks_made = 0  # blocks of documents written (d-N.json)

    def index(self, incidents: list[Incident], briefs: dict, cold: bool = False, fr_briefs: dict | None = None) -> dict[str, bytes]:
        cache = None if cold else BuildCache(self.cache_dir, "salt")
        generator = SiteGenerator(aggregate(Content(incidents=list(incidents)), self.config.event_types), self.config, cache)
        files = {}
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search, "index_piece", self._counted(search.index_piece))
            patch.setattr(search, "_shards", self._counted_groups(search._shards))
            patch.setattr(search, "_dump", self._counted_blocks(search._dump))
            for ed in generator.editions():
                files.update(generator.search_files(fr_briefs if fr_briefs and ed.lang == "fr" else briefs, ed=ed))
        if cache is not None:
            cache.prune()
        return files

    def _counted(self, index_piece):
        def counted(rows, known=None):
            self.pieces_made += 1
            return index_piece(rows, known)

        return counted

    def _counted_blocks(self, dump):
        def counted(value):
            self.blocks_made += isinstance(value, list)  # a block is a list of documents
            return dump(value)

        return counted

    def _counted_groups(self, shards):
        def counted(entries):
            self.groups_made += 1
            return shards(entries)

        return counted


def _differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(path for path in a.keys() | b.keys() if a.get(path) != b.get(path))


@pytest.mark.parametrize("edit", EDITS)
def test_a_rebuild_after_an_edit_gives_the_index_of_a_cold_build(tmp_path, edit):
    builds = _Builds(tmp_path)
    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    before = builds.index(incidents, briefs)
    assert builds.index(incidents, briefs) == before
    made, groups, blocks = builds.pieces_made, builds.groups_made, builds.blocks_made
    incidents, briefs = EDITS[edit](incidents, briefs)
    warm = builds.index(incidents, briefs)
    remade, regrouped, rewritten = builds.pieces_made - made, builds.groups_made - groups, builds.blocks_made - blocks
    cold = builds.index(incidents, briefs, cold=True)
    assert _differing(warm, cold) == []
    assert _differing(warm, before), "the edit shows in the index"
    assert len(json.loads(warm["search/index/t-gu.json"])["gunmen"][0]) < 20, "a bitmap, placed piece by piece"
    # the unchanged rebuild made none; the edit, its pieces only (a moved incident: two weeks)
    assert made == 2 * (len(BRIEF_WEEKS) + 6) and 0 < remade <= 2 * 2
    if "move" not in edit:  # no document's number moved: only the groups of the edit's words are encoded again,
        assert 0 < regrouped < groups / 4
        assert 0 < rewritten <= 2 * 2, "and the blocks of its documents are written again, no other"  # 2 editions


def test_an_edition_whose_index_did_not_change_keeps_its_pieces_for_the_next_edit(tmp_path):
    builds = _Builds(tmp_path)
    incidents, english = _many_weeks(), _with_brief_text(BRIEF_WEEKS, " English only.")
    builds.index(incidents, BRIEF_WEEKS)
    builds.index(incidents, english, fr_briefs=BRIEF_WEEKS)  # a brief with a translation edited
    made = builds.pieces_made
    edited = _edited(incidents, summary="Gunmen seen again.")
    warm = builds.index(edited, english, fr_briefs=BRIEF_WEEKS)
    assert builds.pieces_made - made == 2, "one week's piece remade per edition"
    assert _differing(warm, builds.index(edited, english, cold=True, fr_briefs=BRIEF_WEEKS)) == []


def test_an_index_in_pieces_is_the_index_made_whole(tmp_path):
    config = from_options({}, docs_dir=tmp_path, site_dir=tmp_path / "site", site_name="S", site_url="")
    model = aggregate(Content(incidents=_many_weeks(weeks=3)), config.event_types)
    generator = SiteGenerator(model, config)
    for ed in generator.editions():
        rows = search_rows(ed.incidents(model.incidents), BRIEF_WEEKS, lambda i: ed.prefix + urls.incident_url(i), lambda w: ed.prefix + urls.week_uri(w), lang=ed.lang)
        whole = {ed.prefix + path: data for path, data in search_files(rows, root="../" * (2 + ed.prefix.count("/")), lang=ed.lang).items()}
        assert _differing(generator.search_files(BRIEF_WEEKS, ed=ed), whole) == []


def test_a_foreign_entry_for_the_pieces_is_never_trusted(tmp_path):
    builds = _Builds(tmp_path)
    incidents = _many_weeks(weeks=2)
    builds.index(incidents, BRIEF_WEEKS)
    for entry in (tmp_path / ".cache" / SEARCH_PIECES).iterdir():
        entry.write_bytes(seal(b'{"x": {"shown": [["<b>"]], "anywhere": {}, "in_title": {}}, "y": 1}'))
    edited = _edited(incidents, summary="Gunmen seen again.")
    assert _differing(builds.index(edited, BRIEF_WEEKS), builds.index(edited, BRIEF_WEEKS, cold=True)) == []


# --- search.js in a browser (Chromium through Playwright, the index served) --------------

SEARCH_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'">
</head><body>
<form role="search" data-index="index/meta.json" data-lang="{lang}" action="." method="get">
<input type="search" id="search-input" name="q"><button>Search</button></form>
<div id="search-results" aria-live="polite"></div>
<script src="{root}assets/search.js"></script></body></html>"""

FR_KANDADJI = Incident(
    **{
        **_fields(KANDADJI),
        "id": "2023-09-27-kandadji",
        "date": dt.date(2023, 9, 27),
        "title": "Soldats attaqués près de Kandadji",
        "summary": "Les généraux parlent d’une embuscade",
        # as Edition.incidents hands the French edition an incident with its French texts
        "title_fr": "Soldats attaqués près de Kandadji",
        "summary_fr": "Les généraux parlent d’une embuscade",
    }
)
MANY = [
    Incident(**{**_fields(HOSTILE), "id": f"raid-{n:03d}", "title": f"Raid {n} on Ayorou market", "date": dt.date(2023, 1, 1) + dt.timedelta(n)})
    for n in range(60)
]


@pytest.fixture(scope="module")
def served_search(tmp_path_factory):
    """An English edition at /search/ and a French one at /fr/search/, as a site has them."""
    root = tmp_path_factory.mktemp("search-site")
    (root / "assets").mkdir()
    shutil.copy(theme_dir() / "assets" / "search.js", root / "assets" / "search.js")
    # the French index with every shard split as far as it goes, as big shards are at 100k
    editions = {"": ("en", [KANDADJI, SECRET, HOSTILE, *MANY], search.SHARD_BUDGET), "fr/": ("fr", [KANDADJI, SECRET, FR_KANDADJI], 10)}
    for prefix, (lang, incidents, budget) in editions.items():
        rows = search_rows(incidents, BRIEFS, lambda i: prefix + incident_url(i), lambda w: prefix + week_url(w), lang=lang)
        depth = "../" * (1 + prefix.count("/"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search, "SHARD_BUDGET", budget)
            files = search_files(rows, root="../" + depth, lang=lang)
        if prefix:
            assert "search/index/t-20.json" not in files and any("/t-2023" in p for p in files), "split shards"
        for path, data in files.items():
            (root / prefix / path).parent.mkdir(parents=True, exist_ok=True)
            (root / prefix / path).write_bytes(data)
        (root / prefix / "search" / "index.html").write_text(SEARCH_PAGE.format(lang=lang, root=depth), encoding="utf-8")
    with serve(root) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        missing("Playwright is not installed")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def query(browser, served_search):
    """query(q, path="search/") -> (status text, result titles, result links, paths fetched)."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None)

    def run(q: str, path: str = "search/"):
        fetched = []
        page.on("request", lambda r: fetched.append(urllib.parse.urlsplit(r.url).path))
        page.goto(served_search + path + "?q=" + urllib.parse.quote(q))
        page.wait_for_selector("#search-results .search-status:not(:empty)")
        page.wait_for_function("() => !/Loading/.test(document.getElementById('search-results').textContent)")
        page.wait_for_load_state("networkidle")
        status = page.locator("#search-results .search-status").inner_text()
        titles = page.locator("#search-results .search-result-title").all_inner_texts()
        links = page.locator("#search-results a.search-result-title").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert not errors, errors
        return status, titles, links, fetched

    run.page = page
    yield run
    context.close()


@pytest.mark.browser
def test_search_js_answers_q_from_the_address_under_a_strict_csp(query):
    status, titles, links, fetched = query("kandadji TILLABERI")
    assert status == "2 results for “kandadji TILLABERI”.", "all words must match: the Ayorou raid has no Tillabéri"
    assert titles == ["Twelve soldiers lost in Tillabéri", KANDADJI.title]
    assert any(link.endswith("/weeks/2023-W39/#2023-09-28-kandadji") for link in links)
    assert SECRET.title not in titles
    index = sorted(p.rsplit("/", 1)[1] for p in fetched if "/search/index/" in p)
    assert index == ["d-0.json", "meta.json", "t-ka.json", "t-ti.json"], "only the shards of the query's words"


@pytest.mark.browser
def test_search_js_ranks_title_matches_first_and_shows_titles_as_text(query):
    _, titles, _, _ = query("KANDADJÍ")
    assert titles.index(KANDADJI.title) < titles.index("Twelve soldiers lost in Tillabéri"), "title matches come first"
    assert "<img src=x onerror=alert(1)> Ayorou market raid" in titles, "titles are text, never markup"
    assert query.page.locator("#search-results img").count() == 0


@pytest.mark.browser
@pytest.mark.parametrize("q", ["Tilaberi", "Tillaberri", "Tillabero", "Tillbaéri", "tillabéri", "TILLABERI"])
def test_search_js_forgives_one_typo_and_accents(query, q):
    _, titles, _, _ = query(q)
    assert titles == ["Twelve soldiers lost in Tillabéri", KANDADJI.title], q


@pytest.mark.browser
def test_search_js_forgives_no_more_than_one_typo_nor_in_short_words(query):
    assert query("Tilabero")[0] == "No results for “Tilabero”."
    assert query("Kandadij Gaa")[0] == "No results for “Kandadij Gaa”.", "Gao: too short for a typo"


@pytest.mark.browser
def test_french_search_stems_and_folds_on_the_french_index(query):
    status, titles, links, fetched = query("attaquées tillaberi", "fr/search/")
    assert titles == [FR_KANDADJI.title], status
    assert links[0].endswith("/fr/weeks/2023-W39/#2023-09-27-kandadji")
    assert all("/fr/search/" in p for p in fetched if "/index/" in p), "the French page reads the French index"
    assert query("généraux", "fr/search/")[1] == [FR_KANDADJI.title]
    assert query("embuscades", "fr/search/")[1] == [FR_KANDADJI.title]


@pytest.mark.browser
def test_french_results_mark_an_untranslated_incident_as_english(query):
    _, titles, _, _ = query("kandadji", "fr/search/")
    assert KANDADJI.title in titles and FR_KANDADJI.title in titles
    results = query.page.locator("#search-results li")
    shown = results.evaluate_all(
        """lis => lis.map(li => [li.querySelector('.search-result-title').textContent,
             li.querySelector('.search-result-title').lang, (li.querySelector('.lang-note') || {}).textContent || '',
             (li.querySelector('.search-result-excerpt') || {}).lang || ''])"""
    )
    english = next(s for s in shown if s[0] == KANDADJI.title)
    french = next(s for s in shown if s[0] == FR_KANDADJI.title)
    assert english[1:] == ["en", "(in English)", "en"]  # the test page has no French messages: the script's own
    assert french[1:] == ["", "", ""]
    _, titles, _, _ = query("kandadji")
    assert not query.page.locator("#search-results [lang], #search-results .lang-note").count(), "English on English pages"


@pytest.mark.browser
def test_french_search_reads_shards_split_for_size(query):
    status, titles, _, fetched = query("2023-09-27 Kandadji", "fr/search/")
    assert titles == [FR_KANDADJI.title], status
    assert "/fr/search/index/t-2023.json" in fetched and "/fr/search/index/t-20.json" not in fetched
    assert query("20 kandadji", "fr/search/")[1] == [BRIEFS[W39][0], KANDADJI.title, FR_KANDADJI.title], "a short word reads every sub-shard"


@pytest.mark.browser
def test_many_results_come_a_page_at_a_time(query):
    status, titles, _, fetched = query("ayorou")
    assert status == "61 results for “ayorou”; the first 20 are shown. Add words to narrow the search."
    assert len(titles) == 20
    blocks = {p for p in fetched if "/d-" in p}
    page = query.page
    page.click("#search-results .search-more")
    page.wait_for_function("() => document.querySelectorAll('#search-results .search-result').length === 40")
    assert page.evaluate("document.activeElement.textContent") == page.locator("#search-results .search-result-title").nth(20).inner_text()
    assert len({p for p in fetched if "/d-" in p}) > len(blocks), "the next page fetches its own blocks"
    assert "the first 40 are shown" in page.locator("#search-results .search-status").inner_text()


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



# --- an index updated from the last one ---------------------------------------------------

_WORDS = [a + b + c for a in ("ti", "ta", "ka", "ni", "ay") for b in ("l", "r", "ab", "é") for c in ("", "a", "eri", "ou")]


def _random_rows(r, docs: int) -> list[Row]:
    return [
        Row("incident", " ".join(r.sample(_WORDS, 2)), f"weeks/{r.randrange(99)}/", "2023-09-28", r.choice(["Niger", "Mali"]),
            " ".join(r.choices(_WORDS, k=r.randrange(1, 12))))
        for _ in range(docs)
    ]  # fmt: skip


def _random_piece(r, docs: int) -> search.Piece:
    return search.index_piece(_random_rows(r, docs))


@pytest.mark.parametrize("seed", range(12))
def test_an_edition_s_piece_made_from_another_s_terms_is_the_piece_made_alone(seed):
    """A week's French piece is made right after its English one, from the terms of the texts
    both hold (search.Known): the same piece, whatever the French rows share with the English
    ones (a title, a text, none) or hold that they do not (a country's name, a translated text)."""
    import random

    r = random.Random(seed)
    english = _random_rows(r, r.randrange(1, 30))
    french = []
    for row in english:
        changes = {}
        if r.random() < 0.3:
            changes["title"] = " ".join(r.sample(_WORDS, 2))
        if r.random() < 0.3:
            changes["text"] = row.title if r.random() < 0.5 else " ".join(r.choices(_WORDS, k=4))  # another row's title, even
        french.append(dataclasses.replace(row, country={"Niger": "Niger", "Mali": "Mali (fr)"}[row.country], day="28 sept.", **changes))
    def docs(postings) -> list[int]:
        return [postings] if isinstance(postings, int) else search.decode_set(search._varint(postings[0]) + postings[2])

    def expected(rows):  # each term's documents, from each row's words
        anywhere, in_title = {}, {}
        for n, row in enumerate(rows):
            for term in search.terms(row.title):
                in_title.setdefault(term, []).append(n)
            for term in search.terms(f"{row.title} {row.country} {row.text} {row.date}"):
                anywhere.setdefault(term, []).append(n)
        return anywhere, in_title

    known = search.Known()
    for rows in (english, french):
        piece = search.index_piece(rows, known)
        assert piece == search.index_piece(rows)
        assert ({t: docs(p) for t, p in piece.anywhere.items()}, {t: docs(p) for t, p in piece.in_title.items()}) == expected(rows)
        assert [shown[4] for shown in piece.shown] == [teaser(row.text, search.EXCERPT_LIMIT) for row in rows]


@pytest.mark.parametrize("seed", range(24))
def test_an_index_updated_after_an_edit_is_the_index_made_whole(seed, monkeypatch):
    """Pieces edited (a week's incidents as many, one or all of them changed), the index
    updated from the last one is the one made whole, each file and what it was made of."""
    import random

    monkeypatch.setattr(search, "SHARD_BUDGET", 400)  # groups split into shards, the split moving with the edits
    r = random.Random(seed)
    sizes = [1, 1, *(r.randrange(1, 40) for _ in range(14))]  # two briefs, then weeks of incidents
    rows = {f"k{n}": _random_rows(r, size) for n, size in enumerate(sizes)}
    pieces = {key: search.index_piece(of_key) for key, of_key in rows.items()}
    keys = list(pieces)
    index, placing = search.index_and_placing([pieces[k] for k in keys], 2, lang="fr", last=Index({}), keys=keys)
    for step in range(12):
        keys = list(keys)
        for n in r.sample(range(len(keys)), r.choice([1, 1, 2, 3])):
            edited = list(rows[keys[n]])
            if r.random() < 0.7:  # a word of one document's text changed: most terms where they were
                at = r.randrange(len(edited))
                words = edited[at].text.split()
                words[r.randrange(len(words))] = r.choice(_WORDS)
                edited[at] = dataclasses.replace(edited[at], text=" ".join(words + r.sample(_WORDS, r.randrange(3))))
            else:
                edited = _random_rows(r, len(edited))
            keys[n] = f"k{len(pieces)}"
            rows[keys[n]], pieces[keys[n]] = edited, search.index_piece(edited)
        whole = search.build_index([pieces[k] for k in keys], 2, lang="fr", last=index, keys=keys)
        updated = search.update_index(placing, keys, pieces.__getitem__, 2, lang="fr")
        assert updated is not None
        assert updated[0] == whole, f"step {step}"
        index, placing = updated
        assert placing.of_key.keys() == set(keys), "holding the pieces of this index only"
    assert whole.files, "each edit wrote some files"
    assert len(whole.files) < len(whole.names), "and kept others"


def test_an_updated_index_keeps_a_group_s_terms_in_the_order_a_whole_one_has():
    """The terms a document brings come in its order: an edit that changes that order alone
    (the same documents for each term) changes the group's key as a whole index would."""
    shown = [["t", "u", "d", "c", "x"]]
    before = search.Piece(shown, {"abx": 0, "aby": 0}, {})
    after = search.Piece(shown, {"aby": 0, "abx": 0, "zz": 0}, {})
    other = search.Piece(shown, {"abz": 0}, {})
    index, placing = search.index_and_placing([other, before], 0, last=Index({}), keys=["o", "b"])
    whole = search.build_index([other, after], 0, last=index, keys=["o", "a"])
    updated, _ = search.update_index(placing, ["o", "a"], {"a": after}.__getitem__, 0)
    assert updated.groups["ab"] == whole.groups["ab"] != index.groups["ab"]
    assert updated == whole


def test_an_index_is_not_updated_where_documents_move():
    import random

    r = random.Random(1)
    pieces = {f"k{n}": _random_piece(r, 3) for n in range(4)}
    keys = list(pieces)
    _, placing = search.index_and_placing(pieces.values(), 0, last=Index({}), keys=keys)
    pieces["k9"] = _random_piece(r, 4)  # a week with one incident more: every later document moves
    assert search.update_index(placing, ["k0", "k9", "k2", "k3"], pieces.__getitem__, 0) is None
    assert search.update_index(placing, [*keys, "k9"], pieces.__getitem__, 0) is None  # one more piece
    assert search.update_index(placing, keys, pieces.__getitem__, 1) is None  # another count of briefs


def test_a_french_result_for_a_brief_shown_in_english_says_its_language():
    briefs = {IsoWeek(2023, 39): ("Twelve soldiers lost", "Words.", "en"), IsoWeek(2023, 40): ("Douze soldats", "Mots.", "")}
    rows = search_rows([], briefs, incident_url, lambda w: f"fr/weeks/{w}/", lang="fr")
    assert [(r.title, r.shown()[5:]) for r in rows] == [("Douze soldats", []), ("Twelve soldiers lost", ["en", "en"])]


def test_the_build_marks_the_french_editions_untranslated_briefs(tmp_path_factory):
    from tests.sitetools import demo_site

    site = demo_site(tmp_path_factory)
    meta = json.loads((site / "fr/search/index/meta.json").read_text(encoding="utf-8"))
    rows = json.loads((site / "fr/search/index/d-0.json").read_text(encoding="utf-8"))[: meta["briefs"]]
    marked = {row[1]: row[5:] for row in rows}
    assert marked["fr/weeks/2023-W39/"] == []  # translated
    assert marked["fr/weeks/2023-W33/"] == ["en", "en"]  # shown in English
