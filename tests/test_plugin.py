"""The plugin inside a real `mkdocs build --strict` of a small site."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sitetools import search_index_rows


INCIDENT = """\
id: {id}
date: {date}
title: {title}
type: battle
country: NE
location: Kandadji
lat: {lat}
lon: {lon}
"""


def build(site: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site / "out")],
        cwd=site, capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content/incidents").mkdir(parents=True)
    (tmp_path / "content/briefs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        "plugins:\n  - sitegen:\n      tiles: {url: null}\n"
    )
    (tmp_path / "content/incidents/a.yaml").write_text(
        INCIDENT.format(id="early", date="2023-09-20", title="Early attack", lat=14.62, lon=0.98)
    )
    return tmp_path


def test_a_content_warning_is_a_build_warning_and_stops_a_strict_build(site):
    # as `sitegen validate --strict`: CI's `mkdocs build --strict` does not publish past a warning
    (site / "content/incidents/b.yaml").write_text(
        INCIDENT.format(id="swapped", date="2023-09-28", title="Swapped", lat=2.11, lon=13.51)
    )
    result = build(site)
    assert result.returncode == 1
    assert "WARNING -  content/incidents/b.yaml:7:6: warning: coordinates lat 2.11, lon 13.51 fall outside Niger" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_content_error_stops_the_strict_build_with_its_location(site):
    (site / "content/incidents/b.yaml").write_text(
        INCIDENT.format(id="bad", date="2023-09-31", title="Bad", lat=14.6, lon=0.9)
    )
    result = build(site)
    assert result.returncode == 1
    assert "content/incidents/b.yaml:2:7: error: 'date' is 2023-09-31, which is not a real date" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_incident_of_another_week_embedded_in_a_brief_links_to_its_own_week(site):
    (site / "content/briefs/2023-W39.md").write_text('---\ntitle: W39\n---\nEarlier: {{ incident("early") }}\n')
    assert build(site).returncode == 0
    page = (site / "out/weeks/2023-W39/index.html").read_text()
    assert 'href="../2023-W38/#early"' in page


def test_external_links_in_editors_pages_carry_noopener(site):
    (site / "content/about.md").write_text("# About\n\nSee [ACLED](https://acleddata.com/) and [data](data/).\n")
    assert build(site).returncode == 0
    page = (site / "out/about/index.html").read_text()
    assert '<a href="https://acleddata.com/" rel="noopener noreferrer">ACLED</a>' in page


@pytest.mark.parametrize("off", ["tiles: false", "tiles: null"])
def test_tiles_false_or_null_switches_map_tiles_off(site, off):
    config = (site / "mkdocs.yml").read_text().replace("tiles: {url: null}", off)
    (site / "mkdocs.yml").write_text(config)
    assert build(site).returncode == 0
    page = (site / "out/weeks/2023-W38/index.html").read_text()
    assert "tile.openstreetmap.org" not in page
    assert "img-src 'self' data:;" in page


def test_build_date_follows_the_content_unless_the_user_sets_it(site, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (site / "mkdocs.yml").write_text("site_url: https://example.org/\n" + (site / "mkdocs.yml").read_text())
    assert build(site).returncode == 0
    assert "<lastmod>2023-09-20</lastmod>" in (site / "out/sitemap.xml").read_text()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build(site).returncode == 0
    assert "<lastmod>2023-11-14</lastmod>" in (site / "out/sitemap.xml").read_text()


def test_the_build_date_is_pinned_without_writing_the_environment(site, monkeypatch):
    """Two builds in one process (serve rebuilds) both date the site by its content, and
    the process environment is left as it was: the date goes to the pages themselves."""
    import gzip

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(site)
    (site / "mkdocs.yml").write_text("site_url: https://example.org/\n" + (site / "mkdocs.yml").read_text())
    for day in ("2023-09-20", "2023-10-04"):
        (site / "content/incidents/b.yaml").write_text(INCIDENT.format(id="b", date=day, title="B", lat=14.6, lon=0.9))
        cfg = load_config(str(site / "mkdocs.yml"))
        cfg.plugins.on_startup(command="serve", dirty=False)
        mkdocs_build(cfg)
        cfg.plugins.on_shutdown()
        assert "SOURCE_DATE_EPOCH" not in os.environ
        assert f"<lastmod>{day}</lastmod>" in (site / "site/sitemap.xml").read_text()
        with gzip.open(site / "site/sitemap.xml.gz") as handle:
            handle.read()
            mtime = handle.mtime
        assert mtime == int(__import__("datetime").datetime.fromisoformat(day + "T00:00:00+00:00").timestamp())


def test_a_build_after_serve_in_the_same_process_is_a_build(site, monkeypatch):
    """MkDocs keeps the plugin for every later build in its process: once a serve has ended,
    a build through MkDocs' API is one, and a content error stops it (serve's would not)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    monkeypatch.chdir(site)
    cfg = load_config(str(site / "mkdocs.yml"))
    cfg.plugins.on_startup(command="serve", dirty=False)
    mkdocs_build(cfg)
    cfg.plugins.on_shutdown()
    (site / "content/incidents/b.yaml").write_text(INCIDENT.format(id="bad", date="2023-09-31", title="Bad", lat=14.6, lon=0.9))
    with pytest.raises(Abort):  # MkDocs' word for a plugin's error
        mkdocs_build(load_config(str(site / "mkdocs.yml")))


def test_generated_pages_have_readable_titles(site):
    assert build(site).returncode == 0
    titles = {
        "weeks/index.html": "<title>All weeks · T</title>",
        "countries/index.html": "<title>Countries · T</title>",
        "data/index.html": "<title>Data · T</title>",
        "weeks/2023-W38/index.html": "<title>Incidents of week 2023-W38 · T</title>",
    }
    for path, title in titles.items():
        assert title in (site / "out" / path).read_text(), path


def test_a_brief_is_rendered_whole_before_mkdocs_with_its_helpers_in_place(site):
    """The brief's map, table and card stand where the brief put them, its external links
    keep no referrer, and the feed and search index carry the brief's own text only."""
    (site / "content/briefs/2023-W38.md").write_text(
        "---\ntitle: W38\n---\nBefore the map, see [ACLED](https://acleddata.com/).\n\n{{ map() }}\n\n"
        "## After\n\nThen {{ incident('early') }} and the list:\n\n{{ incidents_table() }}\n\n[ref]: https://example.org/\n"
    )
    assert build(site).returncode == 0
    page = (site / "out/weeks/2023-W38/index.html").read_text()
    brief = page[page.index('<div class="prose brief">'):]
    assert brief.index("Before the map") < brief.index('<figure class="map-figure">') < brief.index('id="after"')
    assert brief.index('id="after"') < brief.index('<aside class="incident-card">') < brief.index('id="incidents"')
    assert page.count('id="incidents"') == 1 and page.count('class="sg-map"') == 1  # placed once, by the brief
    assert '<a href="https://acleddata.com/" rel="noopener noreferrer">ACLED</a>' in brief
    assert "data-sg-block" not in page and "wzxhzdk" not in page
    feed = (site / "out/feed.xml").read_text()
    assert "Before the map" in feed and "map-figure" not in feed and "incident-card" not in feed
    text = next(row for row in search_index_rows(site / "out") if row["kind"] == "brief")["text"]
    assert text.startswith("Before the map, see ACLED") and "After Then and the list:" in text


def test_types_css_holds_one_rule_per_event_type_with_its_colour(site):
    """The swatches of the incident list and of cards take their colour from assets/types.css,
    made of the site's own event types, which every page links."""
    types = [{"slug": "battle", "label": "Battle", "colour": "#123456"}, {"slug": "road-block", "label": "Road block", "colour": "#A0b1C2"}]
    (site / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        f"plugins:\n  - sitegen:\n      tiles: {{url: null}}\n      event_types: {json.dumps(types)}\n"
    )
    assert build(site).returncode == 0
    css = (site / "out/assets/types.css").read_text()
    rules = [(selector.strip(), body.strip()) for selector, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css)]
    assert rules == [(f".t-{t['slug']}", f"--sg-type: {t['colour']};") for t in types], css
    assert not re.sub(r"[^{}]*\{[^{}]*\}", "", css).strip(), f"types.css holds more than its rules: {css}"
    for page, root in (("weeks/2023-W38/index.html", "../.."), ("fr/weeks/2023-W38/index.html", "../../..")):
        html = (site / "out" / page).read_text()
        assert f'<link rel="stylesheet" href="{root}/assets/types.css">' in html, page
        assert '<li id="early" class="t-battle">' in html, page


def test_the_data_page_shows_each_download_at_its_written_size(site):
    """The sizes come from the files the build hands to MkDocs, before the page is made."""
    from sitegen.generate import human_size

    assert build(site).returncode == 0
    for edition in ("", "fr/"):
        page = (site / "out" / edition / "data/index.html").read_text()
        for name in ("incidents.csv", "incidents.geojson", "incidents.json", "incident.schema.json"):
            size = (site / "out/data" / name).stat().st_size
            assert size > 0
            assert f'{name}</a> ({human_size(size, edition.rstrip("/") or "en")})' in page, (edition, name)


def test_use_directory_urls_false_still_gives_the_contract_urls_and_working_links(site):
    """The site's URLs are directory URLs (weeks/2023-W38/); with use_directory_urls: false
    MkDocs wrote weeks/2023-W38.html while every link still named weeks/2023-W38/."""
    (site / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text() + "use_directory_urls: false\n")
    (site / "content/about.md").write_text("# About\n\nA plain page.\n")
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert "use_directory_urls: false" in result.stderr  # the note says why the setting is not used
    out = site / "out"
    assert (out / "weeks/2023-W38/index.html").is_file() and (out / "about/index.html").is_file()
    broken = []
    for page in out.rglob("*.html"):
        for href in re.findall(r'href="([^"#?:]*)[^"]*"', page.read_text(encoding="utf-8")):
            target = (out / href.lstrip("/")) if href.startswith("/") else (page.parent / href) if href else page
            if href and not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"{page.relative_to(out)} -> {href}")
    assert not broken, broken[:10]


def test_key_events_and_search_give_a_week_or_month_date_as_such(site):
    """An incident known to the week or the month showed a single day in key events and in
    search results ('1 March'), while its card said 'March 2024 (date known to the month)'."""
    more = INCIDENT.format(id="monthly", date="2023-09-01", title="Raids reported in September", lat=14.6, lon=0.9)
    more += "date_precision: month\nfatalities: 9\n"
    weekly = INCIDENT.format(id="weekly", date="2023-09-18", title="Clashes that week", lat=14.7, lon=1.0)
    weekly += "date_precision: week\nfatalities: 4\n"
    (site / "content/incidents/b.yaml").write_text(more)
    (site / "content/incidents/c.yaml").write_text(weekly)
    (site / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text().replace("tiles: {url: null}", "tiles: {url: null}\n      languages: [en, fr]"))
    assert build(site).returncode == 0
    for prefix, month, week in (("", "September 2023", "18–24 September 2023"), ("fr/", "septembre 2023", "18–24 septembre 2023")):
        for page, day in ((f"{prefix}weeks/2023-W35/index.html", month), (f"{prefix}weeks/2023-W38/index.html", week)):
            html = (site / "out" / page).read_text()
            cells = re.findall(r'<td class="date">(.*?)</td>', html[html.index('id="key-events"'):])
            assert re.sub(r"<[^>]+>", "", cells[0]) == day, page  # the deadliest first
        rows = {row["url"].rsplit("#", 1)[-1]: row["date"] for row in search_index_rows(site / "out", prefix) if row["kind"] == "incident"}
        assert (rows["monthly"], rows["weekly"]) == (month, week), prefix


def test_a_brief_prints_its_figures_and_changes_as_its_language_writes_numbers(site):
    """{{ stats.fatalities }} printed 1336 in a brief (and the figures' change '+1299'), where
    the page around it wrote '1 336'."""
    big = INCIDENT.format(id="big", date="2023-09-19", title="Massacre", lat=14.6, lon=0.9) + "fatalities: 1336\n"
    (site / "content/incidents/b.yaml").write_text(big)
    (site / "content/incidents/c.yaml").write_text(
        INCIDENT.format(id="before", date="2023-09-12", title="Raid", lat=14.6, lon=0.9) + "fatalities: 37\n")
    body = "{{ stats.fatalities }} killed{% if stats.fatalities > 1000 %}, over a thousand{% endif %}; {{ stats.fatalities - previous.fatalities }} more.\n"
    (site / "content/briefs/2023-W38.md").write_text("---\ntitle: A week\n---\n" + body)
    (site / "content/briefs/2023-W38.fr.md").write_text("---\ntitle: Une semaine\n---\n" + body)
    (site / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text().replace("tiles: {url: null}", "tiles: {url: null}\n      languages: [en, fr]"))
    result = build(site)
    assert result.returncode == 0, result.stderr
    for prefix in ("", "fr/"):
        html = (site / "out" / prefix / "weeks/2023-W38/index.html").read_text()
        assert "1\u202f336 killed, over a thousand; 1299 more." in html, prefix
        assert "+1\u202f299" in html and "+1299" not in html, prefix  # the key figures' change


def test_a_french_list_notes_an_untranslated_title_even_without_a_summary(site):
    """A French page showed an English title (lang="en") with no visible note when the
    incident had no summary, or a French summary only; and '0 blessés' beside '0 tué'."""
    (site / "content/incidents/b.yaml").write_text(
        INCIDENT.format(id="bare", date="2023-09-19", title="Bare title", lat=14.6, lon=0.9) + "fatalities: 0\ninjured: 1\n")
    (site / "content/incidents/c.yaml").write_text(
        INCIDENT.format(id="half", date="2023-09-19", title="Half translated", lat=14.6, lon=0.9) + "summary_fr: Résumé en français.\n")
    (site / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text().replace("tiles: {url: null}", "tiles: {url: null}\n      languages: [en, fr]"))
    assert build(site).returncode == 0
    french = (site / "out/fr/weeks/2023-W38/index.html").read_text()
    english = (site / "out/weeks/2023-W38/index.html").read_text()
    for incident_id in ("bare", "half"):
        item = french[french.index(f'<li id="{incident_id}"'):]
        item = item[: item.index("</li>")]
        assert '<h3 lang="en">' in item and "Texte original en anglais" in item, item
    english_item = english[english.index('<li id="bare"'):]
    assert "original-note" not in english_item[: english_item.index("</li>")]  # English is its language
    bare = french[french.index('<li id="bare"'):]
    assert "<strong>0</strong> tué, <strong>1</strong> blessé<" in bare[: bare.index("</li>")]


def test_a_summary_written_in_french_only_is_in_the_english_map_and_search_marked_french(site):
    """The English week page showed it (marked as French), but the English map's popup and
    search result had no summary at all."""
    (site / "content/incidents/b.yaml").write_text(
        INCIDENT.format(id="frenchonly", date="2023-09-19", title="Raid", lat=14.6, lon=0.9) + "summary_fr: Attaque nocturne signalée.\n")
    (site / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text().replace("tiles: {url: null}", "tiles: {url: null}\n      languages: [en, fr]"))
    assert build(site).returncode == 0
    features = json.loads((site / "out/assets/maps/recent.geojson").read_text())["features"]
    popup = next(f["properties"] for f in features if f["properties"]["url"].endswith("#frenchonly"))
    assert popup["summary"] == "Attaque nocturne signalée." and popup["summary_lang"] == "fr"
    early = next(f["properties"] for f in features if f["properties"]["url"].endswith("#early"))
    assert "summary_lang" not in early
    index = site / "out/search/index"
    rows = [row for part in sorted(index.glob("d-*.json")) for row in json.loads(part.read_text())]
    row = next(r for r in rows if r[1].endswith("#frenchonly"))
    assert row[4].endswith("Attaque nocturne signalée.") and row[-1] == "fr", row
