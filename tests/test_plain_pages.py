"""The editors' own pages (content/about.md, content/guide/...) in both editions: a
translation beside a page (`about.fr.md`) is its French page at fr/about/; a page without
one is there too, its text marked as English. Before, `about.fr.md` was a page of its own
at /about.fr/, the French edition had no page of the editors' at all, and their pages had
no counterpart (no hreflang, no language switch)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sitetools import make_cli_site, run_sitegen

SITE_URL = "https://brief.example.org/"
CONFIG = f"site_name: T\nsite_url: {SITE_URL}\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen:\n      tiles: false\n"
BRIEF = "---\ntitle: Week 43\n---\nOur [method](../about.md), the [other one](../about.fr.md) and the [guide](../guide/index.md).\n"


def _site(root: Path, config: str = CONFIG, pages: dict[str, str] | None = None) -> Path:
    make_cli_site(root, config)
    (root / "content" / "img").mkdir()
    (root / "content" / "img" / "map.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    brief = BRIEF if pages is None else "---\ntitle: Week 43\n---\nText.\n"
    pages = pages if pages is not None else {
        "about.md": "# About us\n\nSee the [guide](guide/index.md#start) and ![a map](img/map.svg).\n",
        "about.fr.md": "# Qui sommes-nous\n\nVoir le [guide](guide/index.md#start) et ![une carte](img/map.svg).\n",
        "guide/index.md": "# Guide\n\n## Start\n\nBack to [about](../about.md).\n",
    }
    for name, text in pages.items():
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    (root / "content" / "briefs" / "2023-W43.md").write_text(brief, encoding="utf-8")
    result = run_sitegen(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


def _read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def _alternates(page: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return _site(tmp_path_factory.mktemp("plain"))


def test_a_translation_is_the_french_page_at_the_originals_address(site):
    french = _read(site, "fr/about/index.html")
    assert '<html lang="fr">' in french and "<h1 id=\"qui-sommes-nous\">Qui sommes-nous</h1>" in french
    assert "<title>Qui sommes-nous · T</title>" in french
    assert "original-note" not in french and '<article class="prose">' in french
    assert not (site / "about.fr").exists(), "the translation is not a page of its own"
    assert "About us" in _read(site, "about/index.html")


def test_a_page_without_translation_is_in_the_french_edition_as_its_english_text_marked(site):
    french = _read(site, "fr/guide/index.html")
    assert '<html lang="fr">' in french
    assert '<p class="original-note">Cette page n’est pas encore traduite en français : voici l’original, en anglais.</p>' in french
    assert '<article class="prose" lang="en">' in french and '<h1 id="guide">Guide</h1>' in french
    assert "original-note" not in _read(site, "guide/index.html")


def test_each_page_and_its_counterpart_link_to_each_other(site):
    for path in ("about/", "guide/"):
        english, french = _read(site, f"{path}index.html"), _read(site, f"fr/{path}index.html")
        both = {"en": f"{SITE_URL}{path}", "fr": f"{SITE_URL}fr/{path}", "x-default": f"{SITE_URL}{path}"}
        assert _alternates(english) == _alternates(french) == both
        switch = re.compile(r'<a class="lang-switch" href="([^"]+)" hreflang="(\w+)"')
        assert switch.findall(english) == [("../fr/" + path if path != "guide/" else "../fr/guide/", "fr")]
        assert switch.findall(french) == [("../../" + path, "en")]
    sitemap = _read(site, "sitemap.xml")
    assert f"<loc>{SITE_URL}fr/about/</loc>" in sitemap and f"<loc>{SITE_URL}fr/guide/</loc>" in sitemap
    assert f'<xhtml:link rel="alternate" hreflang="fr" href="{SITE_URL}fr/about/"/>' in sitemap


def test_links_in_a_french_page_lead_to_french_pages_and_to_the_one_copy_of_files(site):
    french_about, french_guide = _read(site, "fr/about/index.html"), _read(site, "fr/guide/index.html")
    assert '<a href="../guide/#start">guide</a>' in french_about  # fr/guide/, at the anchor
    assert 'src="../../img/map.svg"' in french_about  # the image published once, at the root
    assert '<a href="../about/">about</a>' in french_guide  # the untranslated page's links: the French pages
    english = _read(site, "about/index.html")
    assert '<a href="../guide/#start">guide</a>' in english and 'src="../img/map.svg"' in english
    assert (site / "img" / "map.svg").is_file() and not (site / "fr" / "img").exists()


def test_the_footer_of_each_edition_lists_the_editors_pages_in_its_language(site):
    def footer(path: str) -> str:
        return _read(site, path).split('<footer class="site-footer">')[1]

    week = footer("fr/weeks/2023-W43/index.html")
    assert '<a href="../../about/">Qui sommes-nous</a>' in week  # translated: its French title, nothing marked
    assert '<a href="../../guide/" hreflang="en" lang="en">Guide</a> <span class="lang-note">(en anglais)</span>' in week
    assert '<a href="../../about/">About us</a>' in footer("weeks/2023-W43/index.html")
    assert '<a href="./" aria-current="page">Qui sommes-nous</a>' in footer("fr/about/index.html")


def test_a_briefs_links_to_pages_lead_to_the_pages_of_its_edition(site):
    english, french = _read(site, "weeks/2023-W43/index.html"), _read(site, "fr/weeks/2023-W43/index.html")
    assert '<a href="../../about/">method</a>' in english and '<a href="../../guide/">guide</a>' in english
    assert '<a href="../../about/">method</a>' in french and '<a href="../../guide/">guide</a>' in french  # fr/about/
    assert '<a href="../../about/">other one</a>' in french
    assert '<a href="../../fr/about/">other one</a>' in english  # about.fr.md: the French page, from either edition


def test_a_french_first_site_publishes_english_translations_under_en(tmp_path):
    config = CONFIG.replace("      tiles: false\n", "      tiles: false\n      languages: [fr, en]\n")
    site = _site(tmp_path, config, {
        "apropos.md": "# À propos\n\nLe [guide](guide.md).\n",
        "apropos.en.md": "# About\n\nThe [guide](guide.md).\n",
        "guide.md": "# Guide\n\nTexte.\n",
    })
    english = _read(site, "en/apropos/index.html")
    assert '<html lang="en">' in english and "About" in english and '<a href="../guide/">guide</a>' in english
    guide = _read(site, "en/guide/index.html")
    assert "This page has not been translated into English yet: here is the original, in French." in guide
    assert '<article class="prose" lang="fr">' in guide
    assert _alternates(_read(site, "apropos/index.html"))["en"] == f"{SITE_URL}en/apropos/"
    assert not (site / "apropos.en").exists()


def test_a_translation_without_its_original_is_a_page_of_its_edition_only(tmp_path):
    site = _site(tmp_path, pages={"news.fr.md": "# Nouvelles\n\nTexte.\n"})
    french = _read(site, "fr/news/index.html")
    assert '<html lang="fr">' in french and "Nouvelles" in french and not _alternates(french)
    assert not (site / "news").exists() and not (site / "news.fr").exists()


def test_a_translation_of_a_page_sitegen_makes_is_replaced_as_the_original_is(tmp_path):
    """content/index.md is replaced by the home page; its translation was published at
    fr/index.html too, over the French home page (which of the two won was chance), and
    weeks.fr.md over the French archive."""
    site = _site(tmp_path, pages={"index.md": "# Our home\n", "index.fr.md": "# Notre accueil\n", "weeks.fr.md": "# Semaines\n"})
    assert "Notre accueil" not in _read(site, "fr/index.html") and "Our home" not in _read(site, "index.html")
    assert 'class="lang-switch"' in _read(site, "fr/index.html")  # sitegen's French home
    assert not (site / "index.fr").exists()
    assert "Semaines</h1>" not in _read(site, "fr/weeks/index.html") and "Toutes les semaines" in _read(site, "fr/weeks/index.html")
    sitemap = _read(site, "sitemap.xml")  # one page at each place (there were two)
    assert sitemap.count(f"<loc>{SITE_URL}fr/</loc>") == sitemap.count(f"<loc>{SITE_URL}fr/weeks/</loc>") == 1


def test_a_single_language_site_keeps_a_dotted_page_as_it_is(tmp_path):
    config = CONFIG.replace("      tiles: false\n", "      tiles: false\n      languages: [en]\n")
    site = _site(tmp_path, config, {"about.md": "# About\n", "about.fr.md": "# Qui\n"})
    assert (site / "about" / "index.html").is_file() and (site / "about.fr" / "index.html").is_file()
    assert not (site / "fr").exists()


# --- found by a red team: what an editor may well write --------------------------------------


def _build(root: Path, pages: dict[str, str], config: str = CONFIG) -> tuple[Path, object]:
    root.mkdir(parents=True, exist_ok=True)
    make_cli_site(root, config)
    for name, text in pages.items():
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    (root / "content" / "briefs" / "2023-W43.md").write_text("---\ntitle: Week 43\n---\nText.\n", encoding="utf-8")
    return root / "site", run_sitegen(root, "build")


def test_an_untranslated_pages_link_to_an_anchor_of_a_translated_page_keeps_its_anchor(tmp_path):
    """The copy of about.md linked to guide.fr.md#setup, an anchor the French guide has not
    (its heading is "Installation"): the reader landed at the top, and a site checking
    anchors (validation: anchors: warn) failed its strict build on files that do not exist."""
    config = CONFIG + "validation:\n  anchors: warn\n"
    site, result = _build(tmp_path, {"about.md": "# About\n\n[setup](guide.md#setup), [guide](guide.md)\n",
                                     "guide.md": "# Guide\n\n## Setup\n", "guide.fr.md": "# Guide\n\n## Installation\n"}, config)
    assert result.returncode == 0, result.stderr
    french = _read(site, "fr/about/index.html")
    assert '<a href="../../guide/#setup">setup</a>' in french  # the English section it names
    assert '<a href="../guide/">guide</a>' in french  # the French page, where no anchor is asked


def test_a_folder_translated_as_index_where_its_page_is_readme_is_its_french_page(tmp_path):
    """guide/README.md and guide/index.fr.md are the same page: the French text was lost
    behind a copy of the English one, both written at fr/guide/."""
    site, result = _build(tmp_path, {"guide/README.md": "# Guide\n", "guide/index.fr.md": "# Le guide\n"})
    assert result.returncode == 0, result.stderr
    french = _read(site, "fr/guide/index.html")
    assert "Le guide" in french and "original-note" not in french
    assert _read(site, "sitemap.xml").count(f"<loc>{SITE_URL}fr/guide/</loc>") == 1


def test_a_page_without_a_heading_is_titled_by_its_name_in_each_edition(tmp_path):
    site, result = _build(tmp_path, {"about.md": "Text.\n", "team.md": "Text.\n", "team.fr.md": "Texte.\n"})
    assert result.returncode == 0, result.stderr
    for path in ("about", "fr/about"):
        assert "<title>About · T</title>" in _read(site, f"{path}/index.html"), path
    assert "<title>Team · T</title>" in _read(site, "fr/team/index.html")  # was "Team.fr"


def test_drafts_stay_drafts_in_both_editions(tmp_path):
    """draft_docs: French work in progress stays out of the site (the French edition shows
    the English text meanwhile); a draft page's translation was published."""
    config = CONFIG + "draft_docs: |\n  *.fr.md\n  /wip.md\n"
    site, result = _build(tmp_path, {"about.md": "# About\n", "about.fr.md": "# Brouillon\n",
                                     "wip.md": "# Draft\n", "wip.fr.md": "# Pas prêt\n"}, config)
    assert result.returncode == 0, result.stderr
    assert "DeprecationWarning" not in result.stderr
    french = _read(site, "fr/about/index.html")
    assert "Brouillon" not in french and "original-note" in french
    assert not (site / "wip").exists() and not (site / "fr" / "wip").exists()


def test_an_editors_own_page_under_fr_keeps_its_place_and_a_clash_is_said(tmp_path):
    site, result = _build(tmp_path, {"x.md": "# X\n", "fr/x.md": "# X en français\n"})
    assert result.returncode == 0, result.stderr
    assert "X en français" in _read(site, "fr/x/index.html") and not (site / "fr" / "fr").exists()
    site, result = _build(tmp_path / "clash", {"about.md": "# About\n", "about.fr.md": "# À propos\n", "fr/about.md": "# Autre\n"})
    assert result.returncode == 1
    assert "content/about.fr.md is not published: content/fr/about.md is the page at /fr/about/" in result.stderr


def test_two_translations_of_one_page_are_a_warning_naming_both(tmp_path):
    """guide/index.fr.md and guide/README.fr.md are both the French guide/: one was
    published at /guide/README.fr/ in the English edition, unsaid."""
    site, result = _build(tmp_path, {"guide/index.md": "# Guide\n", "guide/index.fr.md": "# Un\n", "guide/README.fr.md": "# Deux\n"})
    assert result.returncode == 1
    assert "content/guide/index.fr.md is not published: content/guide/README.fr.md is the page at /fr/guide/" in result.stderr


def test_a_broken_link_of_an_untranslated_page_is_said_once_naming_the_editors_file(tmp_path):
    """MkDocs said each link problem of an untranslated page twice: for the page and for its
    copy in the French edition, named about.fr.md, a file the editor does not have (and a
    strict build counted both). A translation's own problems are still said."""
    config = CONFIG + "validation:\n  anchors: warn\n"
    site, result = _build(tmp_path, {"about.md": "# About\n\n[x](nothere.md), [y](#nope)\n",
                                     "team.md": "# Team\n", "team.fr.md": "# Équipe\n\n[z](gone.md)\n"}, config)
    assert result.returncode == 1
    assert result.stderr.count("'nothere.md'") == 1 and result.stderr.count("'#nope'") == 1, result.stderr
    assert "Doc file 'about.md' contains a link 'nothere.md'" in result.stderr
    assert "about.fr.md" not in result.stderr
    assert "Doc file 'team.fr.md' contains a link 'gone.md'" in result.stderr
    assert "Aborted with 3 warnings in strict mode!" in result.stderr


def test_the_french_404_page_lists_the_editors_pages_as_every_french_page_does(site):
    """fr/404.html was made before MkDocs had its nav: its footer listed none of them."""
    french = _read(site, "fr/404.html").split('<footer class="site-footer">')[1]
    assert '<a href="/fr/about/">Qui sommes-nous</a>' in french  # served at any depth: from the root
    assert '<a href="/fr/guide/" hreflang="en" lang="en">Guide</a> <span class="lang-note">(en anglais)</span>' in french
    english = _read(site, "404.html").split('<footer class="site-footer">')[1]
    assert '<a href="/about/">About us</a>' in english and '<a href="/guide/">Guide</a>' in english


def test_a_page_named_for_no_language_of_the_site_is_not_published_and_said(tmp_path):
    """about.de.md (German, which the site has not), Team.FR.md (its language in capitals)
    and about.en.md (English, whose pages have no language in their names) were published
    as pages of their own, /about.de/ in the English edition, unsaid."""
    pages = {"about.md": "# About\n", "about.de.md": "# Über uns\n", "team.md": "# Team\n", "Team.FR.md": "# Équipe\n",
             "about.en.md": "# About (en)\n", "notes.v2.md": "# Notes v2\n", "how.to.md": "# How to\n"}
    site, result = _build(tmp_path, pages)
    assert result.returncode == 1
    assert ("content/about.de.md is not published: its name makes it a translation into German ('de'), which is not"
            " among the site's languages (en, fr); a page of its own is named without '.de'") in result.stderr
    assert result.stderr.count("content/about.de.md is not published") == 1, result.stderr  # not again by validate's check
    assert ("content/Team.FR.md is not published: the language of a translation is written in lower case;"
            " rename it content/Team.fr.md") in result.stderr
    assert ("content/about.en.md is not published: a page in English, the site's default language, is named"
            " without a language (content/about.md)") in result.stderr
    assert "notes.v2.md" not in result.stderr  # not a language's
    assert "how.to.md" not in result.stderr  # "to" is Tongan's code, but there is no how.md it would translate
    french = run_sitegen(tmp_path, "build", lang="fr")
    assert ("content/about.de.md n’est pas publié : son nom en fait une traduction en allemand (« de »), qui ne fait"
            " pas partie des langues du site (en, fr) ; une page à part entière se nomme sans « .de »") in french.stderr
    mkdocs = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=tmp_path, capture_output=True, text=True)
    assert mkdocs.returncode == 0, mkdocs.stderr
    assert not any((site / path).exists() for path in ("about.de", "Team.FR", "about.en", "fr/about.de", "fr/Team.FR"))
    assert (site / "how.to/index.html").is_file()
    assert "Équipe" not in _read(site, "fr/team/index.html")  # the English text, as untranslated
    assert (site / "notes.v2" / "index.html").is_file()


def test_a_folder_in_the_french_footer_is_named_by_its_translated_index_page(tmp_path):
    """The footer names a folder of pages by the folder (guide/: "Guide"), in French too
    where its index page has a French title; one without a heading is named by its file
    ("Index"), not a title: the folder's name then."""
    site, result = _build(tmp_path, {"guide/index.md": "# User guide\n", "guide/index.fr.md": "# Guide de l’utilisateur\n",
                                     "help/index.md": "# Help\n", "help/index.fr.md": "Texte.\n"})
    assert result.returncode == 0, result.stderr
    french = _read(site, "fr/weeks/2023-W43/index.html").split('<footer class="site-footer">')[1]
    assert '<a href="../../guide/">Guide de l’utilisateur</a>' in french and '<a href="../../help/">Help</a>' in french
    english = _read(site, "weeks/2023-W43/index.html").split('<footer class="site-footer">')[1]
    assert '<a href="../../guide/">Guide</a>' in english and '<a href="../../help/">Help</a>' in english


def test_a_briefs_link_to_a_page_named_for_no_language_leads_to_nothing_and_says_why(tmp_path):
    """The build refuses about.de.md (German, which the site has not) and Team.FR.md, but a
    brief's links to them were taken and pointed at /about.de/ and /Team.FR/, which are not
    published: a 404 on the week page, unsaid."""
    root = make_cli_site(tmp_path, CONFIG)
    for name, text in {"about.md": "# About\n", "about.de.md": "# Über uns\n", "team.md": "# Team\n", "Team.FR.md": "# Équipe\n"}.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    brief = root / "content" / "briefs" / "2023-W43.md"
    brief.write_text("---\ntitle: Week 43\n---\nOur [team](../team.md).\n\n[Über uns](../about.de.md#wer), [équipe](../Team.FR.md).\n",
                     encoding="utf-8")
    result = run_sitegen(root, "validate")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == [
        "content/briefs/2023-W43.md:6:1: error: '../about.de.md#wer' leads to nothing on the site, as content/about.de.md is"
        " not published: its name makes it a translation into German ('de'), which is not among the site's languages"
        " (en, fr); a page of its own is named without '.de'",
        "content/briefs/2023-W43.md:6:1: error: '../Team.FR.md' leads to nothing on the site, as content/Team.FR.md is not"
        " published: the language of a translation is written in lower case; rename it content/Team.fr.md",
    ], result.stdout
    french = run_sitegen(root, "validate", lang="fr").stdout
    assert "error: « ../Team.FR.md » ne mène à rien sur le site, car content/Team.FR.md n’est pas publié : " in french, french
    built = run_sitegen(root, "build")
    assert built.returncode == 1 and "'../about.de.md#wer' leads to nothing on the site, as" in built.stderr, built.stderr
    brief.write_text("---\ntitle: Week 43\n---\nOur [team](../team.md).\n", encoding="utf-8")
    assert run_sitegen(root, "build").returncode == 1  # the pages' own warnings: a strict build stops
    assert run_sitegen(root, "build", "--no-strict").returncode == 0
    assert '<a href="../../team/">team</a>' in _read(root / "site", "weeks/2023-W43/index.html")
    assert not (root / "site" / "about.de").exists() and not (root / "site" / "Team.FR").exists()


def test_a_french_page_s_links_to_sitegen_s_pages_lead_to_their_french_pages(tmp_path):
    """An editor's page linking to the data page or a week (`data/index.md`,
    `weeks/2023-W43.md#key-events`): its French edition linked to the English ones."""
    from urllib.parse import urljoin

    pages = {
        "about.md": "# About\n\nThe [data](data/index.md), the [week](weeks/2023-W43.md#key-events), [home](index.md).\n",
        "guide/index.md": "# Guide\n\nThe [data](../data/index.md).\n",
        "guide/more.md": "# More\n\nThe [archive](../weeks/index.md).\n",
        "guide/more.fr.md": "# Plus\n\nLes [archives](../weeks/index.md), [déjà en français](../fr/data/index.md).\n",
    }
    site = _site(tmp_path, pages=pages)

    def links(path: str) -> dict[str, str]:  # each link's text -> the address it leads to
        return {text: urljoin(f"/{path.removesuffix('index.html')}", href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', _read(site, path))}

    assert links("fr/about/index.html").items() >= {"data": "/fr/data/", "week": "/fr/weeks/2023-W43/#key-events", "home": "/fr/"}.items()
    assert links("fr/guide/index.html")["data"] == "/fr/data/"
    assert links("fr/guide/more/index.html")["archives"] == "/fr/weeks/" and links("fr/guide/more/index.html")["déjà en français"] == "/fr/data/"
    assert links("about/index.html").items() >= {"data": "/data/", "week": "/weeks/2023-W43/#key-events", "home": "/"}.items()  # as written
    assert links("guide/more/index.html")["archive"] == "/weeks/"
