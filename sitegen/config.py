"""Site options, validated once: from the plugin's section of mkdocs.yml."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen.messages import t
from sitegen.model import DEFAULT_EVENT_TYPES, SLUG_RE, EventType, Problem, Severity, parse_utc

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NOW_VARIABLE = "SITEGEN_NOW"  # the embargo clock, e.g. 2023-10-05T06:00Z; else the system clock
DEFAULT_RESTRICTED_LICENCES = ("acled",)


class ConfigError(ValueError):
    """A bad option in mkdocs.yml; `option`: the sitegen option at fault, to find its line."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


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
        raise ConfigError(t("config.languages", value=raw, known=", ".join(LANGUAGES)), option="languages")
    return tuple(str(x) for x in raw)


def event_types_from(raw: Any) -> tuple[EventType, ...]:
    """The event-type vocabulary from the plugin option `event_types` (None: ACLED's six)."""
    if raw is None:
        return DEFAULT_EVENT_TYPES
    if not isinstance(raw, list) or not raw:
        raise ConfigError(t("config.event_types_list"), option="event_types")
    from sitegen.i18n import LANGUAGES

    types = []
    # a type given no colour takes the first of the palette no type has: two never share one
    given = {str(item.get("colour", "")).lower() for item in raw if isinstance(item, dict)}
    spare = iter([c for c in TYPE_PALETTE if c not in given] or [TYPE_PALETTE[-1]])
    named = {f"label_{lang}": lang for lang in LANGUAGES}  # label_fr: the type's name on French pages
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"slug", "label", "colour", *named} or "slug" not in item:
            raise ConfigError(t("config.event_type_item", item=item), option="event_types")
        slug, label = str(item["slug"]), str(item.get("label", item["slug"]))
        labels = tuple((lang, str(item[key]).strip()) for key, lang in named.items() if key in item and str(item[key]).strip())
        colour = str(item["colour"]) if "colour" in item else next(spare, TYPE_PALETTE[-1])
        if not SLUG_RE.match(slug) or not _COLOUR.match(colour):
            raise ConfigError(t("config.event_type_item", item=item), option="event_types")
        types.append(EventType(slug, label, colour, labels))
    return tuple(types)


# colours told apart on the map and in charts: the default types' first, then six more
TYPE_PALETTE = (*(e.colour for e in DEFAULT_EVENT_TYPES), "#1e8449", "#a04000", "#1a5276", "#7b241c", "#117a65", "#6c3483")


# the options MkDocs reads as text, which sitegen names in its own message when they are not
TEXT_OPTIONS = ("site_name", "docs_dir", "site_dir", "site_url")
_PLUGIN_OPTION = re.compile(r"Plugin '([^']+)' option '([^']+)'")  # how MkDocs names a plugin's bad option


def load_config(config_file: Path, problems: list[Problem] | None = None) -> SiteConfig:
    """SiteConfig from mkdocs.yml, for the `sitegen` command: read by MkDocs' own loader
    (!ENV, INHERIT, defaults, the plugin's option types), then `from_mkdocs` as in a build,
    so that `validate` and `build` see the same options. Under ProperDocs, `mkdocs.*` is
    ProperDocs' own copy of the same machinery. Every problem is one line: file, line, reason.
    `problems` (validate's) gets what MkDocs only warns of, an unknown option above all:
    a strict build stops on each, so each is an error at its line."""
    mkdocs_config, warnings = _read_mkdocs_config(config_file)
    if problems is not None:
        found = [_warning_problem(config_file, mkdocs_config, name, message) for name, message in warnings]
        problems.extend(sorted(found, key=lambda p: (p.path, p.line)))
    try:
        return from_mkdocs(mkdocs_config, mkdocs_config.plugins.get("sitegen"))
    except ConfigError as exc:
        where = _where(config_file, ("plugins", "sitegen", exc.option or "sitegen"))
        raise ConfigError(f"{where}: {exc}", option=exc.option) from None


def from_mkdocs(config: Any, plugin: Any = None) -> SiteConfig:
    """SiteConfig from a validated MkDocs (or ProperDocs) config and the sitegen plugin in it
    (None: not listed, its defaults): what the plugin's on_config and `sitegen validate` call."""
    options: Any = {}
    if plugin is not None:
        options = dict(plugin.config)
        if getattr(plugin, "_tiles_off", False):  # `tiles: null`, which MkDocs reads as "the default"
            options["tiles"] = False
    return from_options(
        options,
        docs_dir=Path(config.docs_dir),
        site_dir=Path(config.site_dir),
        site_name=config.site_name,
        site_url=config.site_url or "",
        markdown_extensions=markdown_extensions_of(config),
    )


def theme_problem(config: Any) -> str | None:
    """Why the site's theme cannot show sitegen's pages (another theme lacks its templates:
    MkDocs would stop on the first, "'feed.xml' not found"); None if it can."""
    theme = config.theme
    if theme.name == "sitegen" or any(Path(folder, "week.html").is_file() for folder in theme.dirs):
        return None
    return t("config.needs_theme", name=theme.name)


def markdown_extensions_of(config: Any) -> tuple[Any, ...]:
    """The site's Markdown extensions as mkdocs.yml names them: briefs are checked with them."""
    configs = config.mdx_configs or {}
    return tuple(
        {name: configs[name]} if configs.get(name) else name
        for name in config.markdown_extensions
        if isinstance(name, str) and name not in ("toc", "tables", "fenced_code")
    )


def _read_mkdocs_config(config_file: Path) -> tuple[Any, list[tuple[str, object]]]:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import get_yaml_loader, yaml_load

    config = MkDocsConfig(config_file_path=str(config_file))
    try:
        with open(config_file, "rb") as fd:  # MkDocsConfig.load_file, with the mapping checked between
            data = yaml_load(fd, get_yaml_loader(config=config))
    except OSError as exc:
        raise ConfigError(t("config.unreadable", path=config_file, reason=exc.strerror or exc)) from None
    except ConfigurationError as exc:  # a YAML error (in this file or one it INHERITs), a missing parent
        raise ConfigError(_yaml_problem(exc.__context__) or f"{config_file}: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise ConfigError(t("config.not_mapping", path=config_file))
    config.load_dict(data)
    errors, warnings = config.validate()  # warnings: a build shows them, validate says them (load_config)
    if errors:
        name, error = errors[0]
        option = _PLUGIN_OPTION.match(str(error)) if name == "plugins" else None
        where, value = _where(config_file, (name, option[2]) if option else (name,)), data.get(name)
        if name in TEXT_OPTIONS and value is not None and not isinstance(value, str):
            raise ConfigError(t("config.bad_text", path=where, option=name, found=_shown(value)))
        raise ConfigError(f"{where}: " + t("config.bad_option", option=name, reason=" ".join(str(error).split())))
    return config, warnings


_UNKNOWN = re.compile(r"Unrecognised configuration name: (\S+)$")  # MkDocs' words for a name it does not know


def _warning_problem(config_file: Path, config: Any, name: str, warning: object) -> Problem:
    """A configuration warning of MkDocs' as a problem at its line; an unknown option's with
    the known name it is closest to."""
    text = " ".join(str(warning).split())
    option = _PLUGIN_OPTION.match(text) if name == "plugins" else None
    keys = (name, option[2]) if option else (name,)
    path, line = _located(config_file, keys)
    unknown = _UNKNOWN.search(text)
    if unknown is None:
        message = t("config.warning", option=".".join(keys), reason=text)
    else:
        plugin = config.plugins.get(option[1]) if option else None
        scheme = plugin.config_scheme if plugin is not None else getattr(config, "_schema", ())
        known = sorted(key for key, _ in scheme)
        close = difflib.get_close_matches(unknown[1], known, n=1, cutoff=0.6)
        hint = t("hint.did_you_mean", word=close[0]) if close else ""
        where = t("config.of_plugin", plugin=option[1]) if option else ""
        message = t("config.unknown_option", option=unknown[1], where=where, hint=hint)
    return Problem(path, line or 1, 1, Severity.ERROR, message)


def _yaml_problem(exc: BaseException | None) -> str | None:
    """`file:line:col: this is not valid YAML: ...` for a YAML error that knows its place."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return None
    mark = exc.problem_mark
    reason = " ".join(str(exc.problem or exc.context or "").split())
    return f"{_shown_path(mark.name)}:{mark.line + 1}:{mark.column + 1}: " + t("yaml.syntax", reason=reason)


def config_problem(exc: ConfigError, config_file: Path) -> Problem:
    """A configuration error as `validate` reports every problem: file:line:col: error: message
    (the message says its place as `file:line[:col]: ` before its reason, see _where)."""
    found = _PLACED.fullmatch(str(exc))
    if found is None:
        return Problem(_shown_path(config_file), 1, 1, Severity.ERROR, str(exc))
    line, col = int(found["line"] or 1), int(found["col"] or 1)
    return Problem(found["path"], line, col, Severity.ERROR, found["reason"])


# `file:line[:col]: reason` or `file: reason` (_where, _yaml_problem), French " : " too
_PLACED = re.compile(r"(?P<path>[^\n]+?\.ya?ml)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?[ \u00a0\u202f]?: (?P<reason>.+)", re.DOTALL)


def _where(config_file: Path, keys: tuple[str, ...]) -> str:
    """`file:line` of the key `keys[-1]` (under the top-level `keys[0]`) in config_file or
    in the files it INHERITs; `file` alone when it is not written anywhere."""
    path, line = _located(config_file, keys)
    return f"{path}:{line}" if line else path


def _located(config_file: Path, keys: tuple[str, ...]) -> tuple[str, int | None]:
    """_where()'s file, as shown, and line (None: not written anywhere)."""
    path: Path | None = config_file
    seen: set[Path] = set()
    while path is not None and path.resolve() not in seen:
        seen.add(path.resolve())
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)  # nodes only: no tag runs
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            break
        top = _keys(root)
        if keys[0] in top:
            return _shown_path(path), _line_under(*top[keys[0]], keys[-1])
        parent = top.get("INHERIT", (None, None))[1]
        path = path.parent / parent.value if isinstance(parent, yaml.ScalarNode) else None
    return _shown_path(config_file), None


def _keys(node: Any) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _line_under(key: yaml.Node, value: yaml.Node, name: str) -> int:
    """The line of `name` (a key, or an item like `- sitegen`) inside `value`, else of `key`."""
    stack = [value] if key.value != name else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode) and node.value == name:
            return node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return key.start_mark.line + 1


def _shown_path(path: str | Path) -> str:
    """A path as an editor reads it: relative to the current folder where possible."""
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
        raise ConfigError(t("config.restricted_licences", value=raw), option="restricted_licences")
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
        raise ConfigError(t("config.bad_tiles", found=_shown(tiles)), option="tiles")
    url = tiles.get("url", DEFAULT_TILES)
    attribution = tiles.get("attribution", DEFAULT_ATTRIBUTION)
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ConfigError(t("config.bad_tiles_url", found=_shown(url)), option="tiles")
    if attribution is None:
        attribution = ""
    if not isinstance(attribution, str) or len(attribution) > 2000:
        raise ConfigError(t("config.bad_attribution", found=_shown(attribution)), option="tiles")
    recent = options.get("recent_weeks", 12)
    if isinstance(recent, bool) or not isinstance(recent, int) or not 1 <= recent <= 5200:
        raise ConfigError(t("config.bad_recent_weeks", found=_shown(recent)), option="recent_weeks")
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
        languages=languages_from(options.get("languages")),
    )


def _data_licence(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip() or "\n" in raw:
        raise ConfigError(t("config.data_licence", value=raw), option="data_licence")
    return raw.strip()
