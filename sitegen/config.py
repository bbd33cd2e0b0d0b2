"""Site options, validated once: from the plugin's section of mkdocs.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen.messages import t
from sitegen.model import DEFAULT_EVENT_TYPES, SLUG_RE, EventType

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


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
    extra: dict[str, Any] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en", "fr")  # the first at the site's root, the others under /<lang>/

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def prefix(self, lang: str) -> str:
        """Where an edition's pages are: '' for the default language, 'fr/' for French."""
        return "" if lang == self.languages[0] else f"{lang}/"

    @property
    def incidents_dir(self) -> Path:
        return self.docs_dir / "incidents"

    @property
    def briefs_dir(self) -> Path:
        return self.docs_dir / "briefs"

    @property
    def places_file(self) -> Path:
        return self.docs_dir / "places.yaml"


def languages_from(raw: Any) -> tuple[str, ...]:
    """The plugin option `languages`: languages sitegen has catalogues for, default first."""
    from sitegen.i18n import LANGUAGES

    if raw is None:
        return ("en", "fr")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or len(set(map(str, raw))) != len(raw) or any(str(x) not in LANGUAGES for x in raw):
        raise ConfigError(t("config.languages", value=raw, known=", ".join(LANGUAGES)))
    return tuple(str(x) for x in raw)


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
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(t("config.unreadable", path=config_file, reason=exc)) from exc
    root = config_file.parent
    options: dict[str, Any] = {}
    for plugin in data.get("plugins") or []:
        if isinstance(plugin, dict) and "sitegen" in plugin:
            options = plugin["sitegen"] or {}
    return from_options(
        options,
        docs_dir=root / data.get("docs_dir", "docs"),
        site_dir=root / data.get("site_dir", "site"),
        site_name=data.get("site_name", "Security briefs"),
        site_url=data.get("site_url") or "",
    )


def from_options(options: dict[str, Any], *, docs_dir: Path, site_dir: Path, site_name: str, site_url: str) -> SiteConfig:
    tiles = options.get("tiles", {})
    if tiles is False or tiles is None:
        tiles = {"url": None}
    elif tiles is True:
        tiles = {}
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    return SiteConfig(
        docs_dir=docs_dir,
        site_dir=site_dir,
        site_name=site_name,
        site_url=site_url,
        event_types=event_types_from(options.get("event_types")),
        tiles_url=tiles.get("url", DEFAULT_TILES) if isinstance(tiles, dict) else None,
        tiles_attribution=tiles.get("attribution", DEFAULT_ATTRIBUTION) if isinstance(tiles, dict) else "",
        recent_weeks=int(options.get("recent_weeks", 12)),
        languages=languages_from(options.get("languages")),
    )
