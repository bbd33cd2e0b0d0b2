"""Every URL of the site in one place: pages, incident anchors, editions, links between pages.

URLs are relative to the site root and end in "/" for pages ("weeks/2023-W39/"); the
default language's edition is at the root, another under "<lang>/". Templates get these
through the environment's globals (`incident_url`, `week_uri`) and the `lang_url` filter.
"""

from __future__ import annotations

import functools
import posixpath

from sitegen.model import Incident, IsoWeek

HOME_MAP_GEOJSON = "assets/maps/recent.geojson"


def week_uri(week: IsoWeek) -> str:
    return f"weeks/{week}/"


def incident_url(incident: Incident) -> str:
    return f"weeks/{incident.week}/#{incident.id}"


def country_uri(slug: str) -> str:
    return f"countries/{slug}/"


def country_geojson(slug: str) -> str:
    return f"assets/maps/{slug}.geojson"


def prefix(lang: str, languages: tuple[str, ...]) -> str:
    """Where an edition's pages are: '' for the first language's, 'fr/' for another's."""
    return "" if not languages or lang == languages[0] else f"{lang}/"


def page_url(src_uri: str) -> str:
    """The directory URL of a generated page ('' for the home page) from its Markdown source."""
    stem = src_uri.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


@functools.lru_cache(maxsize=65536)  # thousands of links a build, most of them asked again
def relative(from_url: str, target: str) -> str:
    """`target` (relative to the site root) as a link from the page at `from_url`."""
    rel = posixpath.relpath(target or ".", from_url or ".")
    return rel + "/" if target.endswith("/") and not rel.endswith("/") else rel


def edition_file(path: str, lang: str, edition_prefix: str) -> str:
    """A map data file of an edition, whose popups speak its language
    (assets/maps/recent.geojson, assets/maps/recent.fr.geojson)."""
    return path if not edition_prefix else path.removesuffix(".geojson") + f".{lang}.geojson"


def site_root_from(uri: str) -> str:
    """The site root as seen from a file at `uri` ('search/index.json' -> '../')."""
    return "../" * uri.count("/")
