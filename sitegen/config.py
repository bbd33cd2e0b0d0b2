"""Site options, validated once: from the plugin's section of mkdocs.yml."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen.messages import t
from sitegen.model import DEFAULT_EVENT_TYPES, SLUG_RE, EventType, parse_utc

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NOW_VARIABLE = "SITEGEN_NOW"  # the embargo clock, e.g. 2023-10-05T06:00Z; else the system clock
DEFAULT_RESTRICTED_LICENCES = ("acled",)


class ConfigError(ValueError):
    """A bad option in mkdocs.yml."""


@dataclass(frozen=True)
class SiteConfig:
    docs_dir: Path
    site_dir: Path
    site_name: str = "Security briefs"
    site_url: str = ""
    event_types: tuple[EventType, ...] = DEFAULT_EVENT_TYPES
    tiles_url: str | None = DEFAULT_TILES
    tiles_attribution: str = DEFAULT_ATTRIBUTION
    recent_weeks: int = 12
    # embargoes end at `now` (UTC): read once, at config, from SITEGEN_NOW or the clock
    now: dt.datetime | None = None
    restricted_licences: tuple[str, ...] = DEFAULT_RESTRICTED_LICENCES  # shown, never in downloads
    data_licence: str | None = None  # the licence of the published data, e.g. CC-BY-4.0
    extra: dict[str, Any] = field(default_factory=dict)
    markdown_extensions: tuple[Any, ...] = ()  # mkdocs.yml's, as names or {name: options}

    @property
    def incidents_dir(self) -> Path:
        return self.docs_dir / "incidents"

    @property
    def briefs_dir(self) -> Path:
        return self.docs_dir / "briefs"

    @property
    def places_file(self) -> Path:
        return self.docs_dir / "places.yaml"


def event_types_from(raw: Any) -> tuple[EventType, ...]:
    """The event-type vocabulary from the plugin option `event_types` (None: ACLED's six)."""
    if raw is None:
        return DEFAULT_EVENT_TYPES
    if not isinstance(raw, list) or not raw:
        raise ConfigError(t("config.event_types_list"))
    types = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"slug", "label", "colour"} or "slug" not in item:
            raise ConfigError(t("config.event_type_item", item=item))
        slug, label, colour = str(item["slug"]), str(item.get("label", item["slug"])), str(item.get("colour", "#566573"))
        if not SLUG_RE.match(slug) or not _COLOUR.match(colour):
            raise ConfigError(t("config.event_type_item", item=item))
        types.append(EventType(slug, label, colour))
    return tuple(types)


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, which may hold tags like !!python/name or !ENV, without running them."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def load_config(config_file: Path) -> SiteConfig:
    """SiteConfig from mkdocs.yml, for the `sitegen` command (the plugin builds its own)."""
    try:
        data = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader) or {}  # noqa: S506 (safe subclass)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(getattr(exc, "strerror", None) or exc).split())
        raise ConfigError(t("config.unreadable", path=config_file, reason=reason)) from exc
    if not isinstance(data, dict):
        raise ConfigError(t("config.not_mapping", path=config_file))
    root = config_file.parent
    options: Any = {}
    plugins = data.get("plugins") or []
    for plugin in plugins if isinstance(plugins, list) else []:
        if isinstance(plugin, dict) and "sitegen" in plugin:
            options = plugin["sitegen"] or {}

    def text(name: str, default: str) -> str:
        value = data.get(name, default)
        if value is None and name == "site_url":
            return ""
        if not isinstance(value, str) or (name.endswith("_dir") and not value.strip()):
            raise ConfigError(t("config.bad_text", path=config_file, option=name, found=_shown(value)))
        return value

    extensions = data.get("markdown_extensions") or ()
    return from_options(
        options,
        docs_dir=root / text("docs_dir", "docs"),
        site_dir=root / text("site_dir", "site"),
        site_name=text("site_name", "Security briefs"),
        site_url=text("site_url", ""),
        markdown_extensions=tuple(
            e for e in (extensions if isinstance(extensions, list) else ())
            if (isinstance(e, str) or (isinstance(e, dict) and len(e) == 1)) and e not in ("toc", "tables", "fenced_code")
        ),
    )


def now_from(environ: Any = os.environ) -> dt.datetime:
    """The embargo clock: SITEGEN_NOW when set (tests, previews of a future date), else now."""
    text = (environ.get(NOW_VARIABLE) or "").strip()
    if not text:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return parse_utc(text)
    except ValueError as exc:
        raise ConfigError(t("config.bad_now", variable=NOW_VARIABLE, value=text)) from exc


def licences_from(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_RESTRICTED_LICENCES
    if not isinstance(raw, list) or not all(isinstance(item, str) and SLUG_RE.match(item) for item in raw):
        raise ConfigError(t("config.restricted_licences", value=raw))
    return tuple(raw)


def _shown(value: Any) -> str:
    text = "nothing" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def from_options(
    options: Any,
    *,
    docs_dir: Path,
    site_dir: Path,
    site_name: str,
    site_url: str,
    markdown_extensions: tuple[Any, ...] = (),
) -> SiteConfig:
    if not isinstance(options, dict):
        raise ConfigError(t("config.options_not_mapping", found=_shown(options)))
    tiles = options.get("tiles", {})
    if tiles is False or tiles is None:
        tiles = {"url": None}
    elif tiles is True:
        tiles = {}
    if not isinstance(tiles, dict):
        raise ConfigError(t("config.bad_tiles", found=_shown(tiles)))
    url = tiles.get("url", DEFAULT_TILES)
    attribution = tiles.get("attribution", DEFAULT_ATTRIBUTION)
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ConfigError(t("config.bad_tiles_url", found=_shown(url)))
    if attribution is None:
        attribution = ""
    if not isinstance(attribution, str) or len(attribution) > 2000:
        raise ConfigError(t("config.bad_attribution", found=_shown(attribution)))
    recent = options.get("recent_weeks", 12)
    if isinstance(recent, bool) or not isinstance(recent, int) or not 1 <= recent <= 5200:
        raise ConfigError(t("config.bad_recent_weeks", found=_shown(recent)))
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    return SiteConfig(
        docs_dir=docs_dir,
        site_dir=site_dir,
        site_name=site_name,
        site_url=site_url,
        event_types=event_types_from(options.get("event_types")),
        tiles_url=url,
        tiles_attribution=attribution,
        recent_weeks=recent,
        markdown_extensions=markdown_extensions,
        now=now_from(),
        restricted_licences=licences_from(options.get("restricted_licences")),
        data_licence=_data_licence(options.get("data_licence")),
    )


def _data_licence(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip() or "\n" in raw:
        raise ConfigError(t("config.data_licence", value=raw))
    return raw.strip()
