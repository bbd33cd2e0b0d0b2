"""The Atom feed of weekly briefs (sitegen.render.feed, templates/feed.xml)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
from jinja2 import Environment, FileSystemLoader

from sitegen.model import Brief, BriefStatus, IsoWeek
from sitegen.render.feed import render_feed
from sitegen.scaffold import theme_dir

SITE = "https://sahel-brief.example.org/"
ATOM = "{http://www.w3.org/2005/Atom}"
W38, W39, W40 = IsoWeek(2023, 38), IsoWeek(2023, 39), IsoWeek(2023, 40)

HOSTILE_TITLE = 'Raid at <script>alert("x")</script> & ]]> "Kandadji"\x01'
BRIEFS = [
    Brief(W38, "Quiet week in Mali", "body", summary="Little happened.", authors=("Sahel desk",)),
    Brief(W39, HOSTILE_TITLE, "body", summary="Lede with <b>tags</b> & ampersands", authors=("A <x> & B",)),
    Brief(W40, "Draft, not yet out", "body", status=BriefStatus.DRAFT),
]
HTML = {
    W39: '<p>See <a href="../2023-W38/">last week</a>.</p><script>alert(1)</script>',
    W40: "<p>draft text</p>",
}


def parse(xml: str):
    feed = feedparser.parse(xml)
    assert not feed.bozo, f"feed is not well-formed: {feed.get('bozo_exception')}"
    return feed


def test_feed_parses_without_bozo_and_lists_published_briefs_newest_first():
    feed = parse(render_feed(BRIEFS, SITE, "Sahel Security Brief", HTML))
    assert feed.version == "atom10"
    assert feed.feed.title == "Sahel Security Brief"
    assert [e.link for e in feed.entries] == [f"{SITE}weeks/2023-W39/", f"{SITE}weeks/2023-W38/"], "drafts stay out"
    assert [e.id for e in feed.entries] == [e.link for e in feed.entries]


def test_entry_dates_come_from_the_week_not_the_clock():
    xml = render_feed(BRIEFS, SITE, "S", HTML)
    feed = parse(xml)
    assert feed.entries[0].updated == "2023-10-01T00:00:00Z", "the brief's Sunday"
    assert feed.feed.updated == "2023-10-01T00:00:00Z"
    assert xml == render_feed(list(reversed(BRIEFS)), SITE, "S", HTML), "two builds must give the same bytes"


def test_hostile_text_is_escaped_not_interpreted():
    xml = render_feed(BRIEFS, SITE, "Site <&> \"name\"", HTML)
    feed = parse(xml)
    entry = feed.entries[0]
    assert entry.title == HOSTILE_TITLE.replace("\x01", ""), "the title round-trips as text"
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == "Lede with <b>tags</b> & ampersands"
    assert entry.authors == [{"name": "A <x> & B"}]
    assert feed.feed.title == 'Site <&> "name"'
    root = ET.fromstring(xml.encode("utf-8"))
    titles = [el.text for el in root.iter(f"{ATOM}title")]
    assert HOSTILE_TITLE.replace("\x01", "") in titles, "no markup from a title becomes XML elements"
    assert not list(root.iter("script"))


def test_content_is_the_brief_html_with_links_resolved_from_the_week_page():
    entry = parse(render_feed(BRIEFS, SITE, "S", HTML)).entries[0]
    html = entry.content[0].value
    assert f'href="{SITE}weeks/2023-W38/"' in html, "relative links resolve against the week page (xml:base)"
    assert "<script" not in html
    older = parse(render_feed(BRIEFS, SITE, "S", HTML)).entries[1]
    assert "content" not in older, "no rendered HTML given: summary only"


def test_feed_without_site_url_still_parses_with_stable_ids():
    xml = render_feed(BRIEFS, "", "S", HTML)
    feed = parse(xml)
    assert [e.id for e in feed.entries] == [e.id for e in parse(render_feed(BRIEFS, "", "S", HTML)).entries]
    assert all(e.id.startswith("urn:uuid:") for e in feed.entries)
    assert feed.entries[0].link.endswith("weeks/2023-W39/")


def test_site_url_without_trailing_slash():
    feed = parse(render_feed(BRIEFS, SITE.rstrip("/"), "S", HTML))
    assert feed.entries[0].link == f"{SITE}weeks/2023-W39/"


def test_empty_feed_is_valid():
    feed = parse(render_feed([], SITE, "S"))
    assert feed.entries == []
    assert feed.feed.updated == "1970-01-01T00:00:00Z"


def test_theme_environment_is_used_with_autoescape_forced_on():
    env = Environment(loader=FileSystemLoader(str(theme_dir())))  # like MkDocs: autoescape off
    xml = render_feed(BRIEFS, SITE, "S", HTML, env=env)
    assert parse(xml).entries[0].title == HOSTILE_TITLE.replace("\x01", "")
    assert "<script>alert" not in xml


def test_limit_keeps_the_newest_entries():
    feed = parse(render_feed(BRIEFS, SITE, "S", HTML, limit=1))
    assert [e.link for e in feed.entries] == [f"{SITE}weeks/2023-W39/"]
