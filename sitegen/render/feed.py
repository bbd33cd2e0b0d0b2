"""The Atom 1.0 feed of weekly briefs (feed.xml).

Dates come from the weeks, never from the clock, so two builds of the same content give
the same bytes. Every text is escaped by the template (autoescape) after characters XML
1.0 cannot carry at all are dropped.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader

from sitegen import messages, urls
from sitegen.model import Brief, IsoWeek
from sitegen.scaffold import theme_dir

TEMPLATE = "feed.xml"
EPOCH = "1970-01-01T00:00:00Z"  # `updated` of a feed without entries: Atom requires one

# XML 1.0 Char production: no C0 controls but tab/LF/CR, no surrogates, no U+FFFE/U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    link: str
    updated: str
    summary: str
    content: str
    authors: tuple[str, ...]
    lang: str = ""  # set where the entry is not in the feed's language (an untranslated brief)


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    link: str
    self_link: str
    updated: str
    entries: tuple[FeedEntry, ...]
    lang: str = "en"


def render_feed(
    briefs: Iterable[Brief],
    site_url: str,
    site_name: str,
    brief_html: Mapping[IsoWeek, str] | None = None,
    env: Environment | None = None,
    limit: int | None = None,
    *,
    lang: str = "en",
    prefix: str = "",
    default_lang: str = "en",
) -> str:
    """Atom XML for the published briefs, newest first.

    `brief_html` maps a week to its rendered brief (the entry's content); `env` is the
    theme's Jinja environment, so a site can override feed.xml (autoescape is forced on);
    `limit` keeps only the newest entries.
    """
    feed = build_feed(briefs, site_url, site_name, brief_html or {}, limit, lang=lang, prefix=prefix, default_lang=default_lang)
    return _template(env).render(feed=feed)


def build_feed(
    briefs: Iterable[Brief],
    site_url: str,
    site_name: str,
    brief_html: Mapping[IsoWeek, str],
    limit: int | None = None,
    *,
    lang: str = "en",
    prefix: str = "",
    default_lang: str = "en",
) -> Feed:
    """The feed as plain data, ready for the template: the edition of `lang`, whose pages are
    under `prefix` ('' for the default language's, 'fr/')."""
    base = site_url if not site_url or site_url.endswith("/") else site_url + "/"
    published = sorted((b for b in briefs if b.is_published), key=lambda b: b.week, reverse=True)
    if limit is not None:
        published = published[:limit]
    entries = tuple(
        _entry(brief, base, site_name, brief_html.get(brief.week, ""), prefix, "" if (brief.lang or default_lang) == lang else brief.lang or default_lang)
        for brief in published
    )
    key = "feed" if not prefix else f"feed-{lang}"
    return Feed(
        id=f"{base}{prefix}" if base else _urn(site_name, key),
        title=_clean(site_name),
        link=f"{base}{prefix}" if base else "./",
        self_link=f"{base}{prefix}feed.xml" if base else "feed.xml",
        updated=entries[0].updated if entries else EPOCH,
        entries=entries,
        lang=lang,
    )


def render_changes_feed(
    entries,
    site_url: str,
    site_name: str,
    env: Environment | None = None,
    lang: str = "en",
    *,
    prefix: str = "",
    default_lang: str = "en",
) -> str:
    """Atom XML of recent revisions (aggregate.RevisionEntry), newest first: the changes.xml of
    the edition of `lang`, under `prefix` ('' or 'fr/'), linking to that edition's pages.
    Incident titles are in `lang` where translated; an entry whose title is not says so (lang)."""
    base = site_url if not site_url or site_url.endswith("/") else site_url + "/"
    items = []
    for entry in entries:
        incident, revision = entry.incident, entry.revision
        # without a site_url the link stays relative, to changes.xml in the edition's root
        link = f"{base}{prefix}{urls.incident_url(incident)}" if base else urls.incident_url(incident)
        translated = getattr(incident, f"title_{lang}", None) if lang != default_lang else None
        key = f"revision:{incident.id}:{revision.date}:{revision.change}"
        items.append(
            FeedEntry(
                id=_urn(site_name, key if not prefix else f"{prefix}{key}"),
                title=_clean(f"{translated or incident.title}: {revision.change}"),
                link=link,
                updated=f"{revision.date.isoformat()}T00:00:00Z",
                summary=_clean(revision.change),
                content="",
                authors=(),
                lang="" if translated or lang == default_lang else default_lang,
            )
        )
    feed = Feed(
        id=f"{base}{prefix}changes/" if base else _urn(site_name, "changes" if not prefix else f"changes-{lang}"),
        title=_clean(messages.translate(lang, "feed.changes_title", site=site_name)),
        link=f"{base}{prefix}changes/" if base else "changes/",
        self_link=f"{base}{prefix}changes.xml" if base else "changes.xml",
        updated=items[0].updated if items else EPOCH,
        entries=tuple(items),
        lang=lang,
    )
    return _template(env).render(feed=feed)


def _entry(brief: Brief, base: str, site_name: str, html: str, prefix: str = "", lang: str = "") -> FeedEntry:
    # without a site_url the link stays relative, which resolves against feed.xml (in the edition's root)
    link = f"{base}{prefix}{urls.week_uri(brief.week)}" if base else urls.week_uri(brief.week)
    key = str(brief.week) if not prefix else f"{prefix}{brief.week}"
    return FeedEntry(
        id=link if base else _urn(site_name, key),
        title=_clean(brief.title),
        link=link,
        updated=f"{brief.week.sunday.isoformat()}T00:00:00Z",
        summary=_clean(brief.summary),
        content=_clean(html),
        authors=tuple(_clean(a) for a in brief.authors if a and a.strip()),
        lang=lang,
    )


def _urn(site_name: str, key: str) -> str:
    """A stable id when the site has no URL (Atom ids must be absolute IRIs)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sitegen:{site_name}:{key}").urn


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _template(env: Environment | None):
    if env is None:
        return _theme_env().get_template(TEMPLATE)
    return env.overlay(autoescape=True).get_template(TEMPLATE)


@functools.cache
def _theme_env() -> Environment:
    """The theme's own templates (each edition's changes.xml): feed.xml compiled once, and
    again only if it changes."""
    return Environment(loader=FileSystemLoader(str(theme_dir())), autoescape=True)
