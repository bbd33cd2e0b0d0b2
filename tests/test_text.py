"""sitegen.text: the one teaser of a summary (incident lists, map popups, search results),
the link rule that the validator and the renderers share, and the slugs that addresses and
imported ids depend on."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sitegen.model import DEFAULT_EVENT_TYPES, Incident, Place
from sitegen.read.incidents import IncidentReader
from sitegen.render import maps
from sitegen.render.markdown import render_markdown
from sitegen.render.search import EXCERPT_LIMIT, INCIDENT_TEXT_LIMIT, search_rows
from sitegen.text import clip, exact_text, fold, fold_key, id_slug, link_allowed, plain_text, slugify, summary_teaser, teaser

WORDS = "Gunmen attacked the market of Kandadji, "
# a summary whose every word ends with a comma: wherever it is cut, a comma comes before the cut
LISTING = "Kandadji, Ayorou, Tillabéri, Makalondi, "

INCIDENT = Incident(
    id="2023-09-28-kandadji", date=dt.date(2023, 9, 28), title="Attack", type="battle", country="NE",
    location="Kandadji", lat=14.62, lon=0.98, summary=LISTING * 20,
)


def test_a_teaser_ends_on_a_word_then_an_ellipsis_never_on_a_comma():
    cut = teaser(WORDS * 10, 40)
    assert cut == "Gunmen attacked the market of Kandadji…"
    assert teaser("short text", 40) == "short text"
    # one long word (a pasted address): cut inside it rather than keep a stub
    assert teaser("See " + "x" * 100, 40) == "See " + "x" * 36 + "…"


def test_search_results_and_map_popups_shorten_a_summary_the_same_way():
    row = search_rows([INCIDENT], {}, lambda i: f"#{i.id}", str)[0]
    assert row.text == teaser("Kandadji · " + INCIDENT.summary, INCIDENT_TEXT_LIMIT)
    shown = row.shown()[-1]  # what a result shows
    assert shown.endswith("…") and not shown.endswith(",…"), shown
    assert shown == teaser(row.text, EXCERPT_LIMIT)
    popup = maps.incident_features([INCIDENT], DEFAULT_EVENT_TYPES, lambda i: "#x")["features"][0]["properties"]["summary"]
    assert popup == teaser(exact_text(INCIDENT.summary), maps.SUMMARY_CHARS)
    assert popup.endswith("…") and not popup.endswith(",…"), popup


def test_the_list_excerpt_is_the_markdown_words_shortened():
    assert summary_teaser("Gunmen **attacked** [the market](https://x.org), killing " + "many " * 60, 30) == "Gunmen attacked the market…"


@pytest.mark.parametrize("url", ["http:", "https:", "mailto:", "javascript:alert(1)", "java%09script:x", "data:text/html,x"])
def test_a_link_the_validator_refuses_is_never_rendered_as_a_link(url, tmp_path):
    assert not link_allowed(url)
    assert "href" not in str(render_markdown(f"[x]({url})"))
    path = tmp_path / "a.yaml"
    path.write_text(f"id: a\ndate: 2023-09-28\ntitle: T\ntype: battle\ncountry: NE\nlocation: K\nlat: 14.6\nlon: 0.9\nsummary: '[x]({url})'\n")
    reader = IncidentReader(DEFAULT_EVENT_TYPES, {}, today=dt.date(2026, 1, 1))
    reader.read_file(path, "a.yaml")
    assert any("is not allowed" in p.message for p in reader.problems), reader.problems


@pytest.mark.parametrize("url", ["https://acleddata.com/", "http://x.org/a?b", "mailto:desk@example.org", "../weeks/", "#kandadji"])
def test_web_and_relative_links_are_kept(url):
    assert link_allowed(url)
    assert f'href="{url}"' in str(render_markdown(f"[x]({url})"))


def test_slugs_keep_the_addresses_and_ids_they_make():
    assert slugify("Côte d'Ivoire") == "cote-divoire"  # /countries/cote-divoire/
    assert slugify("Sœur Burkinabè") == "soeur-burkinabe"
    assert id_slug("Remote explosive/landmine/IED") == "remote-explosive-landmine-ied"
    assert id_slug("NIG.1234") == "nig-1234"  # acled-nig-1234, as earlier imports wrote it
    assert fold(" Tillabéri ") == "tillaberi" and fold_key("Côte d’Ivoire") == "cotedivoire"
    assert clip("a  very long label", 8) == "a very…"


def test_place_lookup_ignores_accents_and_case():
    reader = IncidentReader(DEFAULT_EVENT_TYPES, {"Tillabéri": Place("Tillabéri", 14.2, 1.45, "NE")})
    assert dataclasses.asdict(reader._places_folded[fold("TILLABERI")])["name"] == "Tillabéri"


def test_popups_show_literal_marks_as_written():
    assert exact_text("JINJA-{{ 7*7 }} and snake_case, `code` [a link](https://x.org/a(1))") == "JINJA-{{ 7*7 }} and snake_case, code a link"
    assert plain_text("an escaped \\*star\\* and [a](https://x.org/q(1)) link") == "an escaped *star* and a link"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/report", True),
        ("HTTP://EXAMPLE.ORG", True),
        ("mailto:desk@example.org", True),
        ("https://", False),  # no site at all: a link that leads nowhere
        ("https:///report", False),
        ("http://[::1", False),  # a bracket left open
        ("http://example.org:port/", False),
        ("javascript:alert(1)", False),
        ("ftp://example.org/", False),
    ],
)
def test_a_source_url_must_name_a_site(url, ok):
    from sitegen.text import web_address_ok

    assert web_address_ok(url) is ok


def test_fold_drops_every_combining_mark_of_any_script():
    # fold's table drops what unicodedata says combines, as the character-by-character rule did
    import random
    import unicodedata

    def by_character(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
        return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())

    rng = random.Random(11)
    texts = ["Tillabéri", "Ségou  Région", "Kidal’s", "ŒUVRE Ærø", "Tombouctou"]
    texts += ["".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(60)) for _ in range(300)]
    assert [fold(t) for t in texts] == [by_character(t) for t in texts]
