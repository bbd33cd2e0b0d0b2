"""data/datapackage.json: a Frictionless Data Package describing every site-wide download,
with a Table Schema for each, the licence of the published data and its sources.

Plain data from the site's options and the rows that were exported; the generator writes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sitegen import i18n
from sitegen.config import SiteConfig
from sitegen.messages import translate
from sitegen.render.exports import COLUMNS

# the site-wide downloads, under data/, as the data page lists them
DOWNLOADS = ("incidents.csv", "incidents.geojson", "incidents.json", "incident.schema.json")
PROFILE = "data-package"

_DEATHS_BY_SIDE = {"deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"}
_INTEGERS = frozenset(
    {"fatalities", "injured", "inter1", "inter2", "interaction", "fatalities_low", "fatalities_high", "timestamp"}
    | _DEATHS_BY_SIDE
)
_COUNTS = frozenset({"fatalities", "injured", "fatalities_low", "fatalities_high"} | _DEATHS_BY_SIDE)
_DATES = frozenset({"date", "date_end"})
_NUMBERS = frozenset({"lat", "lon"})
_LISTS = frozenset({"actors", "sources", "source_urls", "tags", "revisions"})
# where the rows of an imported licence come from
KNOWN_SOURCES = {
    "ucdp": {"title": "UCDP Georeferenced Event Dataset", "path": "https://ucdp.uu.se/downloads/"},
    "acled": {"title": "Armed Conflict Location & Event Data (ACLED)", "path": "https://acleddata.com/"},
}


def table_schema(columns: Iterable[str] = COLUMNS, *, lists_as_arrays: bool = False, lang: str = "en") -> dict[str, Any]:
    """The Table Schema of the incident rows, described in `lang`: a CSV cell holds a list
    joined with '; ', JSON an array."""
    fields = []
    for name in columns:
        field: dict[str, Any] = {"name": name, "description": translate(lang, f"column.{name}")}
        if name in _INTEGERS:
            field["type"] = "integer"
            if name in _COUNTS:
                field["constraints"] = {"minimum": 0}
        elif name in _DATES:
            field["type"] = "date"
        elif name in _NUMBERS:
            field["type"] = "number"
            limit = 90 if name == "lat" else 180
            field["constraints"] = {"minimum": -limit, "maximum": limit}
        elif name == "civilian_targeting":
            field["type"] = "boolean"
        elif name in _LISTS and lists_as_arrays:
            field["type"] = "array"
        else:
            field["type"] = "string"
        if name in ("id", "date", "title", "type", "country", "location", "lat", "lon"):
            field.setdefault("constraints", {})["required"] = True
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


def data_package(
    config: SiteConfig,
    count: int,
    by_licence: Mapping[str, int],
    withheld: list[tuple[str, int]],
    sizes: dict[str, int],
    last_update: dt.date | None,
    latest_week: object = None,
) -> dict[str, Any]:
    """The descriptor, for the `count` incidents that went into the downloads (`by_licence`:
    how many of them came under each licence); `latest_week`: the newest week with a page
    of its own downloads, named as an example of them. In the site's default language,
    never the language of whoever builds it."""
    def t(key: str, **values: object) -> str:
        return translate(config.default_language, key, **values)

    json_columns = [c for c in COLUMNS if c != "source_urls"]
    licences = [{"name": config.data_licence, "title": config.data_licence}] if config.data_licence else []
    left_out = ", ".join(f"{i18n.format_number(n, config.default_language)} ({licence})" for licence, n in withheld)
    description = t("package.description", count=i18n.format_number(count, config.default_language))
    if latest_week is not None:
        description += " " + t("package.weekly", week=latest_week)
    if withheld:
        description += " " + t("package.withheld", rows=left_out)
    resources = [
        {
            "name": "incidents-csv",
            "path": "incidents.csv",
            "title": t("package.csv"),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "header": True},
            "schema": table_schema(lang=config.default_language),
            **_licensed(licences),
        },
        {
            "name": "incidents-json",
            "path": "incidents.json",
            "title": t("package.json"),
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "dialect": {"json": {"property": "incidents", "keyed": True}},
            "schema": table_schema(json_columns, lists_as_arrays=True, lang=config.default_language),
            **_licensed(licences),
        },
        {
            "name": "incidents-geojson",
            "path": "incidents.geojson",
            "title": t("package.geojson"),
            "format": "geojson",
            "mediatype": "application/geo+json",
            "encoding": "utf-8",
            **_licensed(licences),
        },
        {
            "name": "incident-schema",
            "type": "json",  # not a Table Schema, as its name would make frictionless guess
            "path": "incident.schema.json",
            "title": t("package.schema"),
            "format": "json",
            "mediatype": "application/schema+json",
            "encoding": "utf-8",
        },
    ]
    for resource in resources:
        size = sizes.get(resource["path"])
        if size is not None:
            resource["bytes"] = size
    package: dict[str, Any] = {
        "profile": PROFILE,
        "name": _package_name(config.site_name),
        "title": config.site_name,
        "description": description,
        "resources": resources,
        "sources": _sources(config, by_licence),
    }
    if licences:
        package["licenses"] = licences
    if config.site_url:
        package["homepage"] = f"{config.site_url}data/"
        package["id"] = f"{config.site_url}data/datapackage.json"
    if last_update is not None:
        package["created"] = f"{last_update.isoformat()}T00:00:00Z"
    return package


def _licensed(licences: list[dict[str, str]]) -> dict[str, Any]:
    return {"licenses": licences} if licences else {}


def _sources(config: SiteConfig, by_licence: Mapping[str, int]) -> list[dict[str, str]]:
    """The site itself, then the datasets imported rows come from (most rows first)."""
    own = {"title": translate(config.default_language, "package.source", site=config.site_name)}
    if config.site_url:
        own["path"] = config.site_url
    imported = [
        KNOWN_SOURCES.get(licence, {"title": licence})
        for licence, n in sorted(by_licence.items(), key=lambda kv: (-kv[1], kv[0])) if n
    ]
    return [own, *imported]


def _package_name(site_name: str) -> str:
    """A Data Package name: lower-case letters, digits and - . _ only."""
    return re.sub(r"[^a-z0-9._-]+", "-", site_name.lower()).strip("-") or "incidents"
