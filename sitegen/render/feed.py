"""The Atom 1.0 feed of weekly briefs (feed.xml).

Dates come from the weeks, never from the clock, so two builds of the same content give
the same bytes. Every text is escaped by the template (autoescape) after characters XML
1.0 cannot carry at all are dropped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jinja2 import Environment, FileSystemLoader

from sitegen import messages
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
) -> str:
    """Atom XML for the published briefs, newest first.

    `brief_html` maps a week to its rendered brief (the entry's content); `env` is the
    theme's Jinja environment, so a site can override feed.xml (autoescape is forced on);
    `limit` keeps only the newest entries.
    """
    feed = build_feed(briefs, site_url, site_name, brief_html or {}, limit)
    return _template(env).render(feed=feed)


def build_feed(
    briefs: Iterable[Brief],
    site_url: str,
    site_name: str,
    brief_html: Mapping[IsoWeek, str],
    limit: int | None = None,
) -> Feed:
    """The feed as plain data, ready for the template."""
    base = site_url if not site_url or site_url.endswith("/") else site_url + "/"
    published = sorted((b for b in briefs if b.is_published), key=lambda b: b.week, reverse=True)
    if limit is not None:
        published = published[:limit]
    entries = tuple(_entry(brief, base, site_name, brief_html.get(brief.week, "")) for brief in published)
    return Feed(
        id=base or _urn(site_name, "feed"),
        title=_clean(site_name),
        link=base or "./",
        self_link=f"{base}feed.xml" if base else "feed.xml",
        updated=entries[0].updated if entries else EPOCH,
        entries=entries,
        lang=messages.LANGUAGE,
    )


def render_changes_feed(entries, site_url: str, site_name: str, env: Environment | None = None) -> str:
    """Atom XML of recent revisions (aggregate.RevisionEntry), newest first: changes.xml."""
    base = site_url if not site_url or site_url.endswith("/") else site_url + "/"
    items = []
    for entry in entries:
        incident, revision = entry.incident, entry.revision
        link = f"{base}weeks/{incident.week}/#{incident.id}"
        items.append(
            FeedEntry(
                id=_urn(site_name, f"revision:{incident.id}:{revision.date}:{revision.change}"),
                title=_clean(f"{incident.title}: {revision.change}"),
                link=link,
                updated=f"{revision.date.isoformat()}T00:00:00Z",
                summary=_clean(revision.change),
                content="",
                authors=(),
            )
        )
    feed = Feed(
        id=f"{base}changes/" if base else _urn(site_name, "changes"),
        title=_clean(messages.t("feed.changes_title", site=site_name)),
        link=f"{base}changes/" if base else "changes/",
        self_link=f"{base}changes.xml" if base else "changes.xml",
        updated=items[0].updated if items else EPOCH,
        entries=tuple(items),
        lang=messages.LANGUAGE,
    )
    return _template(env).render(feed=feed)


def _entry(brief: Brief, base: str, site_name: str, html: str) -> FeedEntry:
    # without a site_url the link stays relative, which resolves against feed.xml at the site root
    link = f"{base}weeks/{brief.week}/"
    return FeedEntry(
        id=link if base else _urn(site_name, str(brief.week)),
        title=_clean(brief.title),
        link=link,
        updated=f"{brief.week.sunday.isoformat()}T00:00:00Z",
        summary=_clean(brief.summary),
        content=_clean(html),
        authors=tuple(_clean(a) for a in brief.authors if a and a.strip()),
    )


def _urn(site_name: str, key: str) -> str:
    """A stable id when the site has no URL (Atom ids must be absolute IRIs)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sitegen:{site_name}:{key}").urn


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _template(env: Environment | None):
    if env is None:
        env = Environment(loader=FileSystemLoader(str(theme_dir())), autoescape=True)
    return env.overlay(autoescape=True).get_template(TEMPLATE)
