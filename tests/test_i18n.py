"""The French edition: catalogues, dates and numbers, the /fr/ pages of the demo site, feed,
search index, translated content and the command line under a French locale.

The demo site is built once per session (tests.sitetools.demo_site), with tiles off.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from babel.messages.pofile import read_po

from sitegen import i18n
from sitegen.i18n import DOMAINS, LOCALE_DIR, extract, format_date, format_days, format_number
from sitegen.model import IsoWeek
from tests.sitetools import ROOT, demo_site, run_sitegen, search_index_rows

sys.path.insert(0, str(ROOT / "tools"))
import i18n as i18n_tool  # noqa: E402  (tools/i18n.py)

SITE_URL = "https://sahel-brief.example.org/"
NNBSP = "\u202f"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return demo_site(tmp_path_factory)


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def catalogue(domain: str):
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        return read_po(f, locale="fr", domain=domain)


# --- catalogues ------------------------------------------------------------------------------


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_has_a_french_translation_with_the_same_placeholders(domain):
    french = catalogue(domain)
    missing, wrong = [], []
    for message in extract(domain):
        if not message.id:
            continue
        found = french.get(message.id)
        strings = [] if found is None else ([found.string] if isinstance(found.string, str) else list(found.string))
        if not strings or not all(strings) or found.fuzzy:  # a fuzzy translation is left out of the .mo
            missing.append(message.id)
            continue
        wanted = sorted(PLACEHOLDER.findall(message.id if isinstance(message.id, str) else message.id[-1]))
        for text in strings:
            got = PLACEHOLDER.findall(text)
            # a singular may leave out the count ("Incidents de la dernière semaine")
            if sorted(set(got)) != sorted(set(wanted)) and not (len(strings) > 1 and text is strings[0] and set(got) <= set(wanted)):
                wrong.append((message.id, text))
    assert not missing, f"{len(missing)} message(s) of {domain} not translated in fr/{domain}.po (run python tools/i18n.py update, then translate): {missing[:10]}"
    assert not wrong, f"translations whose placeholders differ from the English: {wrong[:5]}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogues_are_up_to_date_with_their_po(domain):
    po = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{domain}.po"
    assert po.with_suffix(".mo").read_bytes() == i18n_tool.mo_bytes(po), (
        f"{po.with_suffix('.mo').name} is older than {po.name}: run python tools/i18n.py compile"
    )


def test_catalogues_ship_inside_the_package():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"babel' in pyproject, "Babel is a dependency"
    assert LOCALE_DIR.is_relative_to(ROOT / "sitegen") and "locale/**/*" in pyproject


# --- dates and numbers ---------------------------------------------------------------------


def test_dates_per_language():
    day = dt.date(2023, 9, 28)
    assert format_date(day, "fr") == "28 septembre 2023"
    assert format_date(day, "en") == "28 September 2023"
    assert format_date(dt.date(2023, 10, 1), "fr") == "1er octobre 2023"
    assert format_date(dt.date(2023, 10, 1), "en") == "1 October 2023"


def test_week_days_per_language():
    assert format_days(IsoWeek(2023, 39), "fr") == "25 septembre \u2013 1er octobre 2023"
    assert format_days(IsoWeek(2023, 39), "en") == "25 September \u2013 1 October 2023"
    assert format_days(IsoWeek(2023, 38), "fr") == "18\u201324 septembre 2023"
    assert format_days(IsoWeek(2024, 1), "fr") == "1er\u20137 janvier 2024"
    assert format_days(IsoWeek(2020, 53), "en") == "28 December 2020 \u2013 3 January 2021"


def test_numbers_have_a_narrow_no_break_space_between_thousands():
    assert format_number(1234, "fr") == f"1{NNBSP}234"
    assert format_number(1234567, "en") == f"1{NNBSP}234{NNBSP}567"
    assert format_number(12, "fr") == "12"


def test_command_line_language_follows_the_locale():
    pick = i18n.language_from_environment
    assert pick({"LANGUAGE": "fr"}) == "fr"
    assert pick({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert pick({"LANGUAGE": "de:fr", "LANG": "en_GB.UTF-8"}) == "fr"
    assert pick({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}) == "en"
    assert pick({}) == "en"


# --- the French edition of the demo site ----------------------------------------------------


class _Text(HTMLParser):
    """The text of a page outside elements marked lang="en" (originals shown untranslated),
    scripts and styles; plus the values of attributes a reader meets (aria-label, placeholder)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # True: text here is skipped
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (self.stack[-1] if self.stack else False) or attrs.get("lang") == "en" or tag in ("script", "style", "code", "title")
        if attrs.get("lang") == "fr":
            skipped = tag in ("script", "style")
        if not skipped:
            self.parts.extend(v for k, v in attrs.items() if k in ("aria-label", "placeholder", "title") and v)
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def french_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_interface_strings() -> list[str]:
    """Every piece of English text of the theme whose French differs, cut at placeholders."""
    french = catalogue("theme")
    french_words = PLACEHOLDER.sub(" ", " ".join(
        m.string if isinstance(m.string, str) else " ".join(m.string) for c in (french, catalogue("cli")) for m in c if m.id
    ))
    pieces = set()
    for message in extract("theme"):
        if not message.id:
            continue
        found = french.get(message.id)
        english = [message.id] if isinstance(message.id, str) else list(message.id)
        translated = [found.string] if isinstance(found.string, str) else list(found.string)
        for text in english:
            if text in translated:
                continue
            for piece in PLACEHOLDER.split(text):
                piece = piece.strip(" ,.:;·()")
                if len(piece) >= 4 and not re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", french_words):
                    pieces.add(piece)  # "incidents" is French too
    return sorted(pieces, key=len, reverse=True)


FRENCH_PAGES = [
    "fr/index.html",
    "fr/weeks/index.html",
    "fr/weeks/2023-W39/index.html",
    "fr/weeks/2023-W33/index.html",
    "fr/countries/index.html",
    "fr/countries/niger/index.html",
    "fr/data/index.html",
    "fr/changes/index.html",
    "fr/search/index.html",
    "fr/404.html",
]


@pytest.mark.parametrize("path", FRENCH_PAGES)
def test_french_pages_speak_french_only(site, path):
    html = read(site, path)
    assert '<html lang="fr">' in html
    text = french_text(html).replace("Sahel Security Brief", "")  # the site's name is the editors' choice
    leaks = [s for s in english_interface_strings() if re.search(rf"(?<![\w’']){re.escape(s)}(?![\w’'])", text)]
    assert not leaks, f"English interface text on {path}: {leaks[:8]}"


def test_english_pages_stay_english(site):
    html = read(site, "weeks/2023-W39/index.html")
    assert '<html lang="en">' in html
    assert "25 September \u2013 1 October 2023" in html and "Incidents by type" in html
    assert "Texte original" not in html and "septembre" not in html


def test_french_week_page_has_the_french_brief_dates_and_names(site):
    html = read(site, "fr/weeks/2023-W39/index.html")
    assert "<title>Douze soldats tués dans le Tillabéri" in html
    assert "Semaine 39 (25 septembre \u2013 1er octobre 2023)" in html
    assert "Cette semaine, nous avons recensé 10 incidents publics" in html  # the brief's Jinja helpers ran
    assert "Une unité de l’opération Almahaou attaquée à Kandadji" in html  # incident("...") card, title_fr
    assert "28 septembre 2023" in html and "Incidents par type" in html
    assert "Twelve soldiers lost" not in html  # not the English brief


def test_untranslated_texts_are_shown_with_lang_en_and_a_note(site):
    html = read(site, "fr/weeks/2023-W33/index.html")  # 2023-W33 has no French brief
    assert re.search(r'<h1 lang="en">[^<]+</h1>', html)
    assert re.search(r'<div class="prose brief" lang="en">\s*<p class="original-note" lang="fr">Texte original en anglais</p>', html)
    # an incident with no French summary: its English summary marked as such
    assert '<div class="incident-summary" lang="en">' in html


def test_country_and_region_names_in_the_page_language(site):
    countries = read(site, "fr/countries/index.html")
    assert ">Burkina Faso</a>" in countries
    mali = read(site, "fr/countries/mali/index.html")
    assert "Tombouctou" in mali and "Timbuktu, " not in french_text(mali)
    assert '<html lang="fr">' in read(site, "fr/countries/niger/index.html")
    # the gazetteer's Tombouctou is Timbuktu in English, on every page that names the region
    week_fr, week_en = read(site, "fr/weeks/2023-W37/index.html"), read(site, "weeks/2023-W37/index.html")
    assert "Léré, Tombouctou, Mali" in week_fr and "Léré, Timbuktu, Mali" in week_en
    assert "Tombouctou, Mali" not in week_en
    assert ">Timbuktu<" in read(site, "countries/mali/index.html")  # the chart by region
    assert ">Tombouctou<" in mali
    assert any("Léré · Timbuktu" in row["text"] for row in search_index_rows(site))


def test_region_names_in_either_language_are_one_region():
    from sitegen import geo

    assert geo.normalise_admin1("ML", "Timbuktu") == geo.normalise_admin1("ML", "tombouctou") == "Tombouctou"
    assert [geo.admin1_name("ML", "Timbuktu", lang) for lang in ("en", "fr")] == ["Timbuktu", "Tombouctou"]
    assert geo.admin1_name("CM", "Far North", "fr") == "Extrême-Nord"
    assert geo.admin1_name("NE", "Tillabéri", "en") == "Tillabéri"  # the same in both
    assert geo.admin1_name("NE", "Nowhere", "en") == "Nowhere"


def test_an_editors_region_name_in_english_is_read_as_the_gazetteers(make_site):
    from sitegen.read import read_content
    from tests.conftest import TODAY

    incident = "date: 2023-09-12\ntitle: A\ntype: battle\ncountry: ML\nlocation: Léré\nadmin1: Timbuktu\nlat: 15.71\nlon: -4.91\n"
    content = read_content(make_site({"incidents/lere.yaml": incident}), today=TODAY)
    assert [i.admin1 for i in content.incidents] == ["Tombouctou"]


def test_the_page_description_is_the_lede_of_the_page_language_brief(site):
    description = re.compile(r'<meta name="description" content="([^"]*)">')
    assert description.search(read(site, "fr/weeks/2023-W39/index.html"))[1].startswith("L’attaque de plusieurs centaines")
    assert description.search(read(site, "weeks/2023-W39/index.html"))[1].startswith("An attack by several hundred")
    # 2023-W33 has no French brief: its English lede, as the page shows it
    assert description.search(read(site, "fr/weeks/2023-W33/index.html"))[1].startswith("An army detachment")


def test_french_pages_link_to_the_french_guide(site):
    """The guide is translated (content/guide/*.fr.md): French pages link to its French
    edition, unmarked (they linked to the English pages, marked "(en anglais)")."""
    footer = read(site, "fr/weeks/2023-W39/index.html").split('<footer class="site-footer">')[1]
    # named by the French guide's own title (guide/index.fr.md's), as the English footer by its folder's name
    assert '<a href="../../guide/">Guide de la rédaction</a> · ' in footer and "lang-note" not in footer
    assert '<span lang="en">Demo content for sitegen.' in footer  # the site's own (English) copyright line
    english = read(site, "weeks/2023-W39/index.html").split('<footer class="site-footer">')[1]
    assert '<a href="../../guide/">Guide</a> ·' in english and "lang-note" not in english
    assert '<h1 id="corriger-les-erreurs">Corriger les erreurs</h1>' in read(site, "fr/guide/errors/index.html")


def test_every_page_links_to_its_counterpart(site):
    for path in ["", "weeks/", "weeks/2023-W39/", "countries/", "countries/niger/", "data/", "search/"]:
        for html in (read(site, f"{path}index.html"), read(site, f"fr/{path}index.html")):
            assert f'<link rel="alternate" hreflang="en" href="{SITE_URL}{path}">' in html
            assert f'<link rel="alternate" hreflang="fr" href="{SITE_URL}fr/{path}">' in html
            assert f'<link rel="alternate" hreflang="x-default" href="{SITE_URL}{path}">' in html
    assert re.search(r'<a class="lang-switch" href="[^"]*fr/weeks/2023-W39/" hreflang="fr" lang="fr">Français</a>', read(site, "weeks/2023-W39/index.html"))
    assert re.search(r'<a class="lang-switch" href="\.\./\.\./\.\./weeks/2023-W39/" hreflang="en" lang="en">English</a>', read(site, "fr/weeks/2023-W39/index.html"))


def test_sitemap_lists_both_editions(site):
    sitemap = read(site, "sitemap.xml")
    for path in ["", "weeks/2023-W39/", "countries/niger/", "data/", "search/"]:
        assert f"<loc>{SITE_URL}{path}</loc>" in sitemap
        assert f"<loc>{SITE_URL}fr/{path}</loc>" in sitemap


def test_sitemap_gives_each_page_its_counterparts_as_search_engines_take_them(site):
    """Search engines read hreflang from the sitemap too (xhtml:link): it had only the pages."""
    import xml.etree.ElementTree as ET

    names = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = ET.fromstring(read(site, "sitemap.xml").encode("utf-8")).findall("s:url", names)
    listed = {u.findtext("s:loc", namespaces=names) for u in urls}
    alternates = {u.findtext("s:loc", namespaces=names): {a.get("hreflang"): a.get("href") for a in u.findall("x:link", names)} for u in urls}
    for path in ["", "weeks/2023-W39/", "countries/niger/", "data/", "search/"]:
        both = {"en": f"{SITE_URL}{path}", "fr": f"{SITE_URL}fr/{path}", "x-default": f"{SITE_URL}{path}"}
        assert alternates[f"{SITE_URL}{path}"] == alternates[f"{SITE_URL}fr/{path}"] == both, path
    assert all(set(alt.values()) <= listed for alt in alternates.values()), "each counterpart is in the sitemap"
    # the editors' pages too (the guide, in both languages)
    assert alternates[f"{SITE_URL}guide/errors/"] == alternates[f"{SITE_URL}fr/guide/errors/"] == {
        "en": f"{SITE_URL}guide/errors/", "fr": f"{SITE_URL}fr/guide/errors/", "x-default": f"{SITE_URL}guide/errors/"}


def test_french_data_page_documents_fields_in_french_and_links_the_one_set_of_downloads(site):
    html = read(site, "fr/data/index.html")
    assert "Télécharger les données" in html
    assert 'href="../../data/incidents.csv"' in html
    assert not (site / "fr" / "data" / "incidents.csv").exists()


def test_french_feed_is_valid_and_french(site):
    feed = feedparser.parse((site / "fr" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.get("language") == "fr"
    titles = {e.link: e.title for e in feed.entries}
    assert titles[f"{SITE_URL}fr/weeks/2023-W39/"].startswith("Douze soldats tués")
    english = feedparser.parse((site / "feed.xml").read_bytes())
    assert len(english.entries) == len(feed.entries)
    assert all(e.link.startswith(f"{SITE_URL}weeks/") for e in english.entries)
    # a brief without a translation: the English original, marked as English
    assert re.search(r'<entry xml:lang="en">\s*<id>https://sahel-brief\.example\.org/fr/weeks/2023-W33/</id>', read(site, "fr/feed.xml"))
    # each edition's pages announce their own feed
    assert 'type="application/atom+xml" title="Sahel Security Brief" href="../../fr/feed.xml">' in read(site, "fr/weeks/index.html")
    assert 'type="application/atom+xml" title="Sahel Security Brief" href="../feed.xml">' in read(site, "weeks/index.html")


def test_french_search_index_has_french_titles_and_links(site):
    meta = json.loads(read(site, "fr/search/index/meta.json"))
    assert meta["lang"] == "fr" and meta["root"] == "../../../"
    rows = [row for n in range(-(-meta["docs"] // meta["block"])) for row in json.loads(read(site, f"fr/search/index/d-{n}.json"))]
    kandadji = next(r for r in rows if r[1].endswith("#2023-09-28-kandadji"))
    assert kandadji[0].startswith("Une unité de l’opération Almahaou")
    assert kandadji[1] == "fr/weeks/2023-W39/#2023-09-28-kandadji"
    brief = next(r for r in rows[: meta["briefs"]] if r[1] == "fr/weeks/2023-W39/")
    assert brief[0].startswith("Douze soldats")
    # French words are indexed from the French texts: "unité" folded
    assert "unite" in json.loads(read(site, "fr/search/index/t-un.json"))
    search = read(site, "fr/search/index.html")
    assert 'data-msg-none="Aucun résultat pour « {q} »."' in search


# --- content: translations read and validated ----------------------------------------------


BRIEF = "---\ntitle: {title}\nsummary: x\n---\nBody {{{{ stats.incidents }}}}.\n"


def test_french_pages_write_dates_titles_and_colons_the_french_way(site):
    week = read(site, "fr/weeks/2023-W39/index.html")
    assert "(25 septembre 2023)" in week and "(2023-09-25)" not in week  # a source's date
    assert f"(25 septembre 2023){NNBSP}; " in week  # sources apart as actors are
    assert "<title>Combats : " in week and "<title>Combats: " not in week  # a chart bar's tooltip
    data = read(site, "fr/data/index.html")
    assert "mises à jour le 10 octobre 2023." in data and "le 2023-10-10" not in data
    assert "<title>Sahel Security Brief</title>" in read(site, "fr/index.html")  # the edition's home: the name once
    assert "<title>Page introuvable · Sahel Security Brief</title>" in read(site, "fr/404.html")
    assert "<title>Page not found · Sahel Security Brief</title>" in read(site, "404.html")
    rows = json.loads(read(site, "fr/search/index/d-0.json"))
    incidents = [row for row in rows if "#" in row[1]]
    assert incidents and all(re.fullmatch(r"\d{1,2}(er)? \w+ \d{4}", row[2]) for row in incidents), incidents[:3]


def test_untranslated_titles_in_french_lists_carry_a_visible_note(site):
    note = '<span class="lang-note">(en anglais)</span>'
    archive = read(site, "fr/weeks/index.html")  # 2023-W33 has no French brief, 2023-W39 has one
    assert re.search(r'<span class="week-title" lang="en">Deadliest attack[^<]*</span> ' + re.escape(note), archive)
    assert not re.search(r"Douze soldats[^<]*</span> " + re.escape(note), archive)
    niger = read(site, "fr/countries/niger/index.html")
    assert re.search(r'2023-W33 : <span lang="en">Deadliest attack[^<]*</span> ' + re.escape(note), niger)
    assert "lang-note" not in read(site, "weeks/index.html")  # English briefs on English pages: nothing to say


def test_a_week_says_how_many_incidents_had_no_count_of_injured(site):
    html = read(site, "weeks/2023-W30/index.html")
    assert "Injured count reported figures only: 4 incidents had no count of injured." in html
    assert "Blessés : seuls les chiffres communiqués sont comptés" in read(site, "fr/weeks/2023-W36/index.html")


def test_the_home_trend_heading_says_the_weeks_its_chart_shows(site):
    # the chart keeps the last 26 weeks; the demo site has 12
    assert '<h2 id="trend-title">Trend over the 12 weeks since 2023-W30</h2>' in read(site, "index.html")
    assert '<h2 id="trend-title">Évolution sur 12 semaines, depuis la semaine 2023-W30</h2>' in read(site, "fr/index.html")


def test_a_brief_translation_is_read_beside_the_brief(make_site):
    from sitegen.read import read_content

    config = make_site({
        "briefs/2023-W39.md": BRIEF.format(title="English"),
        "briefs/2023-W39.fr.md": BRIEF.format(title="Français"),
    })
    content = read_content(config)
    assert [b.title for b in content.briefs] == ["English"]
    assert [(str(b.week), b.lang, b.title) for b in content.translations] == [("2023-W39", "fr", "Français")]
    assert not content.problems


def test_a_brief_named_for_a_language_sitegen_has_no_edition_in_is_a_warning_not_a_brief(cli_site):
    # 2023-W39.de.md (with `week:` in its front matter) was published as the week's English
    # brief, without a word; without `week:`, it was an error of no week
    incident = "id: a\ndate: 2023-09-28\ntitle: T\ntype: battle\ncountry: NE\nlocation: Kandadji\nlat: 14.62\nlon: 0.98\n"
    (cli_site / "content/incidents/a.yaml").write_text(incident)
    (cli_site / "content/briefs/2023-W39.de.md").write_text("---\ntitle: Deutsch\nweek: 2023-W39\n---\nAuf Deutsch.\n")
    (cli_site / "content/briefs/2023-W40.de.md").write_text("---\ntitle: Auch Deutsch\n---\nNoch einmal.\n")
    (cli_site / "content/briefs/2023-W40.xx.md").write_text("---\ntitle: Not a language\n---\nx\n")  # as before
    english = run(cli_site, "validate", lang="en")
    lines = english.stdout.splitlines()
    for week in ("2023-W39", "2023-W40"):
        assert (f"content/briefs/{week}.de.md:1:1: warning: a translation into German, which is not among the site's"
                " languages (en, fr): it is not published") in lines, english.stdout
    assert any(line.startswith("content/briefs/2023-W40.xx.md:1:1: error:") for line in lines), english.stdout
    french = run(cli_site, "validate")
    assert "content/briefs/2023-W39.de.md:1:1: warning: une traduction en allemand, qui ne fait pas partie" in french.stdout
    (cli_site / "content/briefs/2023-W40.xx.md").unlink()
    (cli_site / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen:\n      tiles: false\n")
    built = run(cli_site, "build", "--no-strict", lang="en")
    assert built.returncode == 0, built.stderr
    week = (cli_site / "site/weeks/2023-W39/index.html").read_text(encoding="utf-8")
    assert "Deutsch" not in week and not (cli_site / "site/weeks/2023-W40").exists()


def test_two_french_translations_of_one_week_are_an_error(make_site):
    from sitegen.read import read_content

    config = make_site({
        "briefs/2023-W39.fr.md": BRIEF.format(title="Un"),
        "briefs/w39-bis.fr.md": "---\ntitle: Deux\nweek: 2023-W39\n---\nx\n",
    })
    problems = [str(p) for p in read_content(config).problems]
    assert any("w39-bis.fr.md:1:1: error:" in p and "2023-W39" in p for p in problems), problems


def test_french_fields_are_validated_like_the_english_ones(make_site):
    from sitegen.read import read_content

    config = make_site({
        "incidents/a.yaml": (
            "id: a\ndate: 2023-09-28\ntitle: T\ntitle_fr: |\n  two\n  lines\ntype: battle\ncountry: NE\n"
            "location: Kandadji\nlat: 14.62\nlon: 0.98\nsummary_fr: '<script>x</script>'\n"
        ),
        "incidents/b.yaml": "id: b\ndate: 2023-09-28\ntitle: T\ntitel_fr: x\ntype: battle\ncountry: NE\nlocation: K\nlat: 14.6\nlon: 0.9\n",
    })
    problems = [str(p) for p in read_content(config).problems]
    assert any(p.startswith("content/incidents/a.yaml:4:") and "'title_fr' must be one line" in p for p in problems), problems
    assert any(p.startswith("content/incidents/a.yaml:12:") and "raw HTML" in p for p in problems), problems
    assert any("b.yaml:4:1: error: unknown field 'titel_fr' (did you mean 'title_fr'?)" in p for p in problems), problems


def test_schema_documents_the_french_fields():
    from sitegen.model import DEFAULT_EVENT_TYPES
    from sitegen.read.schema import incident_schema

    properties = incident_schema(DEFAULT_EVENT_TYPES)["$defs"]["incident"]["properties"]
    assert properties["title_fr"]["type"] == properties["summary_fr"]["type"] == ["string", "null"]  # optional: may be left empty


def test_a_french_first_site_puts_english_under_en(tmp_path):
    from sitegen.aggregate import aggregate
    from sitegen.config import from_options
    from sitegen.generate import SiteGenerator
    from sitegen.model import Content

    config = from_options({"languages": ["fr", "en"]}, docs_dir=tmp_path, site_dir=tmp_path / "site", site_name="S", site_url="")
    pages = SiteGenerator(aggregate(Content(), config.event_types), config).pages()
    assert {"index.md", "weeks/index.md", "en/index.md", "en/weeks/index.md", "en/search/index.md"} <= set(pages)
    assert pages["index.md"].lang == "fr" and pages["en/data/index.md"].lang == "en"
    assert pages["weeks/index.md"].title == "Toutes les semaines"


def test_an_unknown_language_is_a_configuration_error(tmp_path):
    from sitegen.config import ConfigError, from_options

    with pytest.raises(ConfigError, match="'languages'"):
        from_options({"languages": ["en", "de"]}, docs_dir=tmp_path, site_dir=tmp_path, site_name="S", site_url="")


# --- the command line under a French locale ------------------------------------------------


def run(cwd: Path, *args: str, lang: str | None = "fr") -> subprocess.CompletedProcess:
    return run_sitegen(cwd, *args, lang=lang)


def test_validate_speaks_french_under_a_french_locale(cli_site):
    (cli_site / "content/incidents/bad.yaml").write_text(
        "id: a\ndate: 2023-09-28\ntitle: T\ntype: battle\ncountry: NE\nlocation: Kandadji\nlat: 14.62\nlon: 0.98\nfatalities: -1\n"
    )
    result = run(cli_site, "validate")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    # the location and severity stay as tools read them; the message is French
    assert lines[0] == "content/incidents/bad.yaml:9:13: error: « fatalities » vaut -1 : un décompte ne peut pas être négatif"
    assert lines[-1] == "1 erreur(s), 0 avertissement(s) dans 1 fichier(s)"
    assert "0 incident(s) et 0 bulletin(s) vérifiés" in result.stderr
    english = run(cli_site, "validate", lang=None)
    assert english.stdout.splitlines()[-1] == "1 error(s), 0 warning(s) in 1 file(s)"


def test_validate_translations_warns_about_a_brief_translated_for_one_language_only(cli_site):
    (cli_site / "content/briefs/2023-W39.md").write_text(BRIEF.format(title="W39"))
    (cli_site / "content/briefs/2023-W40.md").write_text(BRIEF.format(title="W40"))
    (cli_site / "content/briefs/2023-W40.fr.md").write_text(BRIEF.format(title="S40"))
    (cli_site / "content/briefs/2023-W41.fr.md").write_text(BRIEF.format(title="S41"))
    no_page = ("content/briefs/2023-W41.fr.md:1:1: warning: a French translation of week 2023-W41, which has no English"
               " brief and no incident: no page shows it; write content/briefs/2023-W41.md or remove this file")
    quiet = run(cli_site, "validate", lang=None)
    # a translation no page shows is always said; a missing translation only when asked
    assert quiet.returncode == 0 and quiet.stdout.splitlines() == [no_page, "0 error(s), 1 warning(s) in 1 file(s)"]
    result = run(cli_site, "validate", "--translations", lang=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "content/briefs/2023-W39.md:1:1: warning: this brief has no French translation: write content/briefs/2023-W39.fr.md (checked because of --translations)",
        no_page,
        "0 error(s), 2 warning(s) in 2 file(s)",
    ]
    french = run(cli_site, "validate", "--translations")
    assert "ce bulletin n’a pas de traduction en français" in french.stdout


def test_french_texts_of_an_incident_are_escaped_and_marked_when_missing():
    from jinja2 import Environment, FileSystemLoader

    from sitegen.model import DEFAULT_EVENT_TYPES, Incident
    from sitegen.render.markdown import render_markdown
    from sitegen.text import summary_teaser as excerpt

    env = i18n.install(Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=True))
    env.filters.update(markdown=render_markdown, excerpt=excerpt)
    env.globals["sg_types"] = {e.slug: e for e in DEFAULT_EVENT_TYPES}
    hostile = Incident(
        "a", dt.date(2023, 9, 28), "English <b>title</b>", "battle", "NE", "Kandadji", 14.6, 1.0,
        title_fr="Titre <script>alert(1)</script>", summary="English summary.", fatalities=1,
    )
    french = env.get_template("partials/incidents.html").render(incidents=[hostile], compact=False, sg_lang="fr")
    assert "<script>" not in french and "Titre &lt;script&gt;alert(1)&lt;/script&gt;" in french
    assert '<h3><a href="#a">' in french  # the French title: no lang attribute
    assert '<div class="incident-summary" lang="en"><p>English summary.</p>\n</div><p class="original-note">Texte original en anglais</p>' in french
    assert "<strong>1</strong> tué<" in french and "28 septembre 2023" in french and "Combats" in french
    english = env.get_template("partials/incidents.html").render(incidents=[hostile], compact=False, sg_lang="en")
    assert "English &lt;b&gt;title&lt;/b&gt;" in english and "Texte original" not in english and 'lang="en"' not in english


def test_a_summary_written_in_french_only_is_shown_on_english_pages_marked_as_french():
    # it was dropped from the English edition without a word
    from jinja2 import Environment, FileSystemLoader

    from sitegen.model import DEFAULT_EVENT_TYPES, Incident
    from sitegen.render.markdown import render_markdown
    from sitegen.text import summary_teaser as excerpt

    env = i18n.install(Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=True))
    env.filters.update(markdown=render_markdown, excerpt=excerpt)
    env.globals["sg_types"] = {e.slug: e for e in DEFAULT_EVENT_TYPES}
    french_only = Incident("a", dt.date(2023, 9, 28), "Title", "battle", "NE", "Kandadji", 14.6, 1.0, summary_fr="Résumé en français.")
    english = env.get_template("partials/incidents.html").render(incidents=[french_only], compact=False, sg_lang="en")
    assert '<div class="incident-summary" lang="fr"><p>Résumé en français.</p>\n</div><p class="original-note">Original text in French</p>' in english
    french = env.get_template("partials/incidents.html").render(incidents=[french_only], compact=False, sg_lang="fr")
    assert '<div class="incident-summary"><p>Résumé en français.</p>' in french
    assert "Texte original en français" not in french and "Texte original en anglais" in french  # of its English title
    compact = env.get_template("partials/incidents.html").render(incidents=[french_only], compact=True, sg_lang="en")
    assert '<p lang="fr">Résumé en français.</p>' in compact
    # a busy week's French list: one note for its untranslated texts, not one an item (500 of them: 27 kB)
    busy = env.get_template("partials/incidents.html").render(incidents=[french_only] * 3, compact=True, sg_lang="fr")
    assert busy.count('class="original-note"') == 1 and "Les titres et résumés non traduits" in busy
    assert busy.count('<h3 lang="en">') == 3


def test_french_maps_show_french_popups_and_labels(site):
    home = read(site, "fr/index.html")
    assert "../assets/maps/recent.fr.geojson" in home and "recent.geojson" not in home.replace("recent.fr.geojson", "")
    data = json.loads(read(site, "assets/maps/recent.fr.geojson"))
    titles = {f["properties"]["title"] for f in data["features"]}
    assert "Une unité de l’opération Almahaou attaquée à Kandadji : sept soldats tués" in titles
    assert json.loads(read(site, "assets/maps/recent.geojson")) != data  # the English edition keeps its own
    week = read(site, "fr/weeks/2023-W39/index.html")
    assert '"fatalities": "Tués"' in week or '"fatalities":"Tués"' in week  # the popup's labels
    assert 'aria-label="Carte des incidents' in week
    assert '"fatalities":"Fatalities"' in read(site, "weeks/2023-W39/index.html").replace('": "', '":"')


def test_each_incident_of_a_list_shows_its_own_toll_and_actors():
    # a list makes each distinct toll and set of actors once (Localizer.once): never another's
    from jinja2 import Environment, FileSystemLoader

    from sitegen.model import DEFAULT_EVENT_TYPES, Incident, Source
    from sitegen.render.markdown import render_markdown
    from sitegen.text import summary_teaser as excerpt

    env = i18n.install(Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=True))
    env.filters.update(markdown=render_markdown, excerpt=excerpt)
    env.globals["sg_types"] = {e.slug: e for e in DEFAULT_EVENT_TYPES}

    def incident(n: int, **fields) -> Incident:
        return Incident(f"i{n}", dt.date(2023, 9, 28), f"T{n}", "battle", "BF", "Djibo", 14.1, -1.6, **fields)

    listed = [
        incident(1, fatalities=3, actor1="JNIM", actor2="Military Forces of Burkina Faso"),
        incident(2, fatalities=3, fatalities_low=2, fatalities_high=5, actor1="JNIM", actor2="VDP"),
        incident(3, fatalities=3, injured=4, actor1="JNIM", actor2="VDP", civilian_targeting=True),
        incident(4, actors=("JNIM", "VDP")),
        incident(5, fatalities=3, actor1="JNIM", actor2="Military Forces of Burkina Faso",
                 sources=(Source("AFP", "https://afp.example/1", dt.date(2023, 9, 29)), Source("Radio <b>", None, None))),
    ]
    html = env.get_template("partials/incidents.html").render(incidents=listed, compact=False, sg_lang="en")
    items = dict(re.findall(r'<li id="(i\d)"(.*?)</li>', html, re.S))
    assert "<strong>3</strong> killed</p>" in items["i1"] and "estimates" not in items["i1"] and "injured" not in items["i1"]
    assert "(estimates 2 to 5)" in items["i2"] and "injured" not in items["i2"]
    assert "<strong>3</strong> killed, <strong>4</strong> injured" in items["i3"] and "estimates" not in items["i3"]
    assert "no toll reported" in items["i4"] and "Actors: JNIM; VDP" in items["i4"] and "Actor 1" not in items["i4"]
    assert "actor 2: Military Forces of Burkina Faso</p>" in items["i1"] and items["i1"].split("</h3>", 1)[1] in items["i5"]
    assert "actor 2: VDP</p>" in items["i2"] and "actor 2: VDP; civilians targeted</p>" in items["i3"]
    assert ('<p class="incident-more">Sources: <a href="https://afp.example/1" rel="noopener noreferrer">AFP</a>'
            " (29 September 2023); Radio &lt;b&gt;</p>") in items["i5"] and "Sources" not in items["i1"]


def test_lists_of_actors_and_deaths_use_the_french_semicolon_on_french_pages():
    """French sets a narrow no-break space before a semicolon: "JNIM ; civils"."""
    from jinja2 import Environment, FileSystemLoader

    from sitegen.model import Incident

    env = i18n.install(Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=True))
    incident = Incident(
        id="x", date=dt.date(2023, 9, 28), title="T", type="battle", country="BF", location="Djibo", lat=14.1, lon=-1.6,
        actor1="JNIM", actor2="Military Forces of Burkina Faso", fatalities=70, deaths_a=53, deaths_b=17,
    )
    template = env.from_string('{% from "partials/incident-actors.html" import actors %}{{ actors(incident, sg_lang|localizer) }}')
    french, english = template.render(incident=incident, sg_lang="fr"), template.render(incident=incident, sg_lang="en")
    assert "JNIM\u202f; " in french and "53\u202f; " in french, french
    assert "JNIM; " in english and "\u202f;" not in english, english


def test_a_french_first_site_translates_its_incidents_into_english(cli_site):
    # languages: [fr, en]: the incidents are written in French; title_en and summary_en are the
    # English edition's (there was no way to give them: title_en was an unknown field)
    (cli_site / "mkdocs.yml").write_text(
        "site_name: Test\ndocs_dir: content\ntheme: {name: sitegen}\nplugins:\n  - sitegen:\n      languages: [fr, en]\n"
    )
    (cli_site / "content/incidents/a.yaml").write_text(
        "date: 2023-09-12\ntitle: Attaque près de Gao\ntitle_en: Attack near Gao\ntype: battle\ncountry: ML\n"
        "location: Gao\nlat: 16.27\nlon: -0.04\nsummary: Une embuscade.\nsummary_en: An ambush.\n"
        "title_fr: ignored\n"
    )
    (cli_site / "content/incidents/b.yaml").write_text(
        "date: 2023-09-13\ntitle: Enlèvement à Gao\ntype: battle\ncountry: ML\nlocation: Gao\nlat: 16.27\nlon: -0.04\n"
    )
    assert run_sitegen(cli_site, "build").returncode == 0
    french = (cli_site / "site/weeks/2023-W37/index.html").read_text(encoding="utf-8")
    english = (cli_site / "site/en/weeks/2023-W37/index.html").read_text(encoding="utf-8")
    assert "Attaque près de Gao" in french and "Une embuscade." in french and "Attack near Gao" not in french
    assert "Attack near Gao" in english and "An ambush." in english
    assert re.search(r'<h3 lang="fr"><a href="#b">Enlèvement à Gao</a></h3>', english)  # untranslated: its original, marked


def test_the_home_maps_text_alternative_says_what_it_lists(site):
    # it said "every incident on this map" and listed the latest week's of a map of twelve
    home, french = read(site, "index.html"), read(site, "fr/index.html")
    assert "the latest week&#39;s incidents, as text; the weeks before are in the" in home or "the latest week's incidents, as text; the weeks before are in the" in home
    assert re.search(r'the weeks before are in the <a href="weeks/">archive</a>', home)
    assert re.search(r'les semaines précédentes sont dans les <a href="weeks/">archives</a>', french)
    assert "every incident on this map, as text." in read(site, "weeks/2023-W39/index.html")


def test_the_site_is_the_same_whatever_language_its_builder_speaks(tmp_path):
    """The command line speaks the editor's language (LANGUAGE=fr); what it builds does not:
    the data package's descriptions were in French when a French editor built an English site."""
    built = {}
    for lang in (None, "fr"):
        folder = tmp_path / (lang or "en")
        shutil.copytree(ROOT / "content", folder / "content")
        shutil.copy(ROOT / "mkdocs.yml", folder)
        result = run_sitegen(folder, "build", lang=lang)
        assert result.returncode == 0, result.stderr
        built[lang] = {p.relative_to(folder / "site"): p.read_bytes() for p in (folder / "site").rglob("*") if p.is_file()}
    assert built[None].keys() == built["fr"].keys()
    assert [str(p) for p, data in built[None].items() if built["fr"][p] != data] == []
    package = json.loads(built["fr"][Path("data/datapackage.json")])
    count = len(json.loads(built["fr"][Path("data/incidents.json")])["incidents"])
    assert package["description"].startswith(f"{count} incidents, one row each"), "in the site's language, English"


def test_the_command_line_s_own_words_are_french_under_a_french_locale(cli_site):
    # argparse's: "usage:", "positional arguments", "show this help message and exit", its errors
    helped = run(cli_site, "--help")
    assert helped.stdout.startswith("utilisation : sitegen ") and "afficher cette aide et quitter" in helped.stdout
    assert "\narguments :\n" in helped.stdout and "\noptions :\n" in helped.stdout  # French sets a space before ':'
    for english in ("usage:", "positional arguments", "show this help", "error"):
        assert english not in helped.stdout, english
    missing = run(cli_site, "new", "brief")
    assert missing.returncode == 2 and "sitegen new brief : erreur : il manque : semaine" in missing.stderr, missing.stderr
    unknown = run(cli_site, "frob")
    assert "choix inconnu : 'frob' (au choix : 'validate'" in unknown.stderr, unknown.stderr
    english = run(cli_site, "new", "brief", lang="en")  # argparse's own words, as before
    assert english.stderr.splitlines()[-1] == "sitegen new brief: error: the following arguments are required: week"
    assert run(cli_site, "--help", lang="en").stdout.startswith("usage: sitegen ")
