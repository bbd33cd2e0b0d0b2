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
    """A bad option in mkdocs.yml; `option`: the sitegen option at fault, to find its line;
    `inside`: where in its value (event_types' item 2, its key 'color'), to find it closer;
    `fallback`: what to go on with in its place (None: the option's default)."""

    def __init__(
        self, message: str, option: str | None = None, inside: tuple[str | int, ...] = (), fallback: Any = None
    ) -> None:
        super().__init__(message)
        self.option = option
        self.inside = inside
        self.fallback = fallback


class ConfigErrors(ConfigError):
    """Every bad option found in one reading, each a ConfigError (said one a line); `fallback`:
    the options with defaults in the bad ones' places, which validate checks the content with
    (None: the content cannot be read with these options). A build stops on it all the same."""

    def __init__(self, errors: list[ConfigError], fallback: Any = None) -> None:
        super().__init__("\n".join(map(str, errors)), option=errors[0].option, fallback=fallback)
        self.errors = errors


def errors_of(exc: ConfigError) -> list[ConfigError]:
    """The bad options a ConfigError says: its own list, or itself."""
    return list(exc.errors) if isinstance(exc, ConfigErrors) else [exc]


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
    """The event-type vocabulary from the plugin option `event_types` (None: ACLED's six).
    Every bad type is said, each unknown key at its own line (ConfigErrors); the types whose
    slug and colour are good are what a validate goes on with, so that the incidents of a
    type with a misspelt key are not all said to have an unknown type."""
    if raw is None:
        return DEFAULT_EVENT_TYPES
    if not isinstance(raw, list) or not raw:
        raise ConfigError(t("config.event_types_list"), option="event_types")
    from sitegen.i18n import LANGUAGES

    types, errors = [], []
    # a type given no colour takes the first of the palette no type has: two never share one
    given = {str(item.get("colour", "")).lower() for item in raw if isinstance(item, dict)}
    spare = iter([c for c in TYPE_PALETTE if c not in given] or [TYPE_PALETTE[-1]])
    named = {f"label_{lang}": lang for lang in LANGUAGES}  # label_fr: the type's name on French pages
    keys = ("slug", "label", "colour", *named)
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            errors.append(ConfigError(t("config.event_type_item", item=item), option="event_types", inside=(index,)))
            continue
        unknown = [key for key in item if key not in keys]
        if unknown:
            from sitegen.read.incidents import did_you_mean  # here: sitegen.read imports this module

            for key in unknown:
                message = t("config.event_type_key", key=key, hint=did_you_mean(str(key), keys), keys=", ".join(keys))
                errors.append(ConfigError(message, option="event_types", inside=(index, str(key))))
        slug, label = str(item.get("slug", "")), str(item.get("label", item.get("slug", "")))
        labels = tuple((lang, str(item[key]).strip()) for key, lang in named.items() if key in item and str(item[key]).strip())
        colour = str(item["colour"]) if "colour" in item else next(spare, TYPE_PALETTE[-1])
        if "slug" not in item or not SLUG_RE.match(slug) or not _COLOUR.match(colour):
            errors.append(ConfigError(t("config.event_type_item", item=item), option="event_types", inside=(index,)))
            continue
        types.append(EventType(slug, label, colour, labels))
    if errors:
        raise ConfigErrors(errors, fallback=tuple(types) or None)
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
    a strict build stops on each, so each is an error at its line.
    Every bad option is found in one reading: ConfigErrors, each error placed, and the
    options to check the content with where the options still allow reading it."""
    mkdocs_config, warnings, refused = _read_mkdocs_config(config_file)
    if problems is not None:
        found = [_warning_problem(config_file, mkdocs_config, name, message) for name, message in warnings]
        problems.extend(sorted(found, key=lambda p: (p.path, p.line)))
    if refused:  # MkDocs stops at the first option it refuses: those after it, plugins among them, are unread
        raise ConfigErrors(refused)
    errors: list[ConfigError] = []
    site = None
    plugin = mkdocs_config.plugins.get("sitegen")
    try:
        site = from_mkdocs(mkdocs_config, plugin)
    except ConfigError as exc:
        site = exc.fallback
        for error in errors_of(exc):
            where = _where(config_file, ("plugins", "sitegen", error.option or "sitegen"), error.inside)
            errors.append(ConfigError(f"{where}: {error}", option=error.option))
    if problem := plugin_problem(mkdocs_config):
        errors.append(ConfigError(f"{_where(config_file, ('theme',))}: {problem}"))
    if errors:
        errors.sort(key=_place_of)  # in the file's order, as validate says the content's
        raise ConfigErrors(errors, fallback=site)
    return site


def _place_of(error: ConfigError) -> tuple[str, int]:
    found = _PLACED.fullmatch(str(error))
    return (found["path"], int(found["line"] or 0)) if found else ("", 0)


def from_mkdocs(config: Any, plugin: Any = None) -> SiteConfig:
    """SiteConfig from a validated MkDocs (or ProperDocs) config and the sitegen plugin in it
    (None: not listed, its defaults): what the plugin's on_config and `sitegen validate` call."""
    return from_options(
        _options_of(plugin),
        docs_dir=Path(config.docs_dir),
        site_dir=Path(config.site_dir),
        site_name=config.site_name,
        site_url=config.site_url or "",
        markdown_extensions=markdown_extensions_of(config),
    )


def _options_of(plugin: Any) -> Any:
    """The sitegen plugin's options as mkdocs.yml gives them (None: not listed, no options)."""
    options: Any = {}
    if plugin is not None:
        options = dict(plugin.config)
        if getattr(plugin, "_tiles_off", False):  # `tiles: null`, which MkDocs reads as "the default"
            options["tiles"] = False
    return options


def _has_sitegen_theme(theme: Any) -> bool:
    """The theme is sitegen's (by name, or a copy of its templates: its week page)."""
    return theme.name == "sitegen" or any(Path(folder, "week.html").is_file() for folder in theme.dirs)


def plugin_problem(config: Any) -> str | None:
    """Why the site cannot be built: the sitegen theme without the sitegen plugin, whose pages
    and data it shows (MkDocs would stop on a template's undefined name, deep in the package);
    None if the plugin is listed or the theme is another."""
    if config.plugins.get("sitegen") is not None or not _has_sitegen_theme(config.theme):
        return None
    return t("config.theme_needs_plugin")


def theme_problem(config: Any) -> str | None:
    """Why the site's theme cannot show sitegen's pages (another theme lacks its templates:
    MkDocs would stop on the first, "'feed.xml' not found"); None if it can."""
    if _has_sitegen_theme(config.theme):
        return None
    return t("config.needs_theme", name=config.theme.name)


def markdown_extensions_of(config: Any) -> tuple[Any, ...]:
    """The site's Markdown extensions as mkdocs.yml names them: briefs are checked with them."""
    configs = config.mdx_configs or {}
    return tuple(
        {name: configs[name]} if configs.get(name) else name
        for name in config.markdown_extensions
        if isinstance(name, str) and name not in ("toc", "tables", "fenced_code")
    )


def _read_mkdocs_config(config_file: Path) -> tuple[Any, list[tuple[str, object]], list[ConfigError]]:
    """mkdocs.yml read and checked by MkDocs: the config, its warnings, and the options it
    refuses, each placed at its line. A file that is not YAML, or not a mapping, raises."""
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
    refused = []
    for name, error in errors:
        option = _PLUGIN_OPTION.match(str(error)) if name == "plugins" else None
        where, value = _where(config_file, (name, option[2]) if option else (name,)), data.get(name)
        if name in TEXT_OPTIONS and value is not None and not isinstance(value, str):
            refused.append(ConfigError(t("config.bad_text", path=where, option=name, found=_shown(value))))
        else:
            reason = " ".join(str(error).split())
            refused.append(ConfigError(f"{where}: " + t("config.bad_option", option=name, reason=reason)))
    return config, warnings, refused


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
    from sitegen.read.yamlfile import unclosed_quote

    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return None
    if (unclosed := unclosed_quote(exc)) is not None:  # at the quote, not past the file's last line
        line, col, message = unclosed
        return f"{_shown_path(exc.context_mark.name)}:{line}:{col}: {message}"
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


def _where(config_file: Path, keys: tuple[str, ...], inside: tuple[str | int, ...] = ()) -> str:
    """`file:line` of the key `keys[-1]` (under the top-level `keys[0]`) in config_file or
    in the files it INHERITs, or of what `inside` leads to in its value (item 2, key 'color');
    `file` alone when it is not written anywhere."""
    path, line = _located(config_file, keys, inside)
    return f"{path}:{line}" if line else path


def _located(config_file: Path, keys: tuple[str, ...], inside: tuple[str | int, ...] = ()) -> tuple[str, int | None]:
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
            line, value = _line_under(*top[keys[0]], keys[-1])
            return _shown_path(path), _line_inside(value, inside, line)
        parent = top.get("INHERIT", (None, None))[1]
        path = path.parent / parent.value if isinstance(parent, yaml.ScalarNode) else None
    return _shown_path(config_file), None


def _keys(node: Any) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _line_under(key: yaml.Node, value: yaml.Node, name: str) -> tuple[int, yaml.Node | None]:
    """The line of `name` (a key, or an item like `- sitegen`) inside `value`, else of `key`;
    and the value `name` is the key of (None: it is not a key)."""
    if key.value == name:
        return key.start_mark.line + 1, value
    stack: list[tuple[yaml.Node, yaml.Node | None]] = [(value, None)]
    while stack:
        node, of = stack.pop()
        if isinstance(node, yaml.ScalarNode) and node.value == name:
            return node.start_mark.line + 1, of
        if isinstance(node, yaml.MappingNode):
            stack.extend(pair for k, v in reversed(node.value) for pair in ((v, None), (k, v)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, None) for item in reversed(node.value))
    return key.start_mark.line + 1, None


def _line_inside(node: yaml.Node | None, steps: tuple[str | int, ...], line: int) -> int:
    """The line `steps` lead to from `node` (an item's index, a key), as far as they are
    written; `line` (node's own) when the first is not."""
    for step in steps:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            found = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)]
            if not found:
                break
            key, node = found[0]
            line = key.start_mark.line + 1
        else:
            break
    return line


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
    """SiteConfig from the plugin's options. Every bad option is said (ConfigErrors, whose
    fallback has each bad option's default, or what of it is good, in its place)."""
    errors: list[ConfigError] = []

    def checked(read: Any, raw: Any, default: Any) -> Any:
        try:
            return read(raw)
        except ConfigError as exc:
            errors.extend(errors_of(exc))
            return default if exc.fallback is None else exc.fallback

    if not isinstance(options, dict):
        errors.append(ConfigError(t("config.options_not_mapping", found=_shown(options))))
        options = {}
    url, attribution = checked(_tiles_from, options.get("tiles", {}), (DEFAULT_TILES, DEFAULT_ATTRIBUTION))
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    site = SiteConfig(
        docs_dir=docs_dir,
        site_dir=site_dir,
        site_name=site_name,
        site_url=site_url,
        event_types=checked(event_types_from, options.get("event_types"), DEFAULT_EVENT_TYPES),
        tiles_url=url,
        tiles_attribution=attribution,
        recent_weeks=checked(_recent_weeks, options.get("recent_weeks", 12), 12),
        markdown_extensions=markdown_extensions,
        now=checked(now_from, os.environ, None) or now_from({}),  # a bad SITEGEN_NOW said, the clock instead
        restricted_licences=checked(licences_from, options.get("restricted_licences"), DEFAULT_RESTRICTED_LICENCES),
        data_licence=checked(_data_licence, options.get("data_licence"), None),
        languages=checked(languages_from, options.get("languages"), ("en", "fr")),
    )
    if errors:
        raise ConfigErrors(errors, fallback=site)
    return site


# where a tile server's address starts: http, https or protocol-relative (`//host`), a host
_TILES_ADDRESS = re.compile(r"(?:https?:)?//[^/\s?#]+[^\s]*", re.IGNORECASE)
_TILE_PLACES = re.compile(r"^(?=.*\{z\})(?=.*\{x\})(?=.*\{-?y\})")  # {z}, {x} and {y} (or TMS's {-y}), in any order


def _tiles_from(tiles: Any) -> tuple[str | None, str]:
    """The option `tiles` (a mapping {url, attribution}; false or null: no tiles; true: the
    default tiles) as the tiles' address template and attribution. Each bad one is said."""
    if tiles is False or tiles is None:
        tiles = {"url": None}
    elif tiles is True:
        tiles = {}
    if not isinstance(tiles, dict):
        raise ConfigError(t("config.bad_tiles", found=_shown(tiles)), option="tiles")
    url = tiles.get("url", DEFAULT_TILES)
    attribution = tiles.get("attribution", DEFAULT_ATTRIBUTION)
    errors = []
    from sitegen.read.incidents import did_you_mean  # here: sitegen.read imports this module

    for key in sorted(map(str, tiles.keys() - {"url", "attribution"})):  # `ur:` was left unsaid, the default tiles used
        message = t("config.tiles_key", key=key, hint=did_you_mean(str(key), ["url", "attribution"]))
        errors.append(ConfigError(message, option="tiles", inside=(str(key),)))
    # a web address with {z}, {x} and {y}, which Leaflet fills in for each tile's src; never
    # javascript:, data: or a path, and the page's CSP names its host (pipeline.tile_hosts)
    if url is not None and not (isinstance(url, str) and _TILES_ADDRESS.fullmatch(url) and _TILE_PLACES.match(url)):
        errors.append(ConfigError(t("config.bad_tiles_url", found=_shown(url)), option="tiles", inside=("url",)))
    if attribution is None:
        attribution = ""
    if not isinstance(attribution, str) or len(attribution) > 2000:
        message = t("config.bad_attribution", found=_shown(attribution))
        errors.append(ConfigError(message, option="tiles", inside=("attribution",)))
    if errors:
        raise ConfigErrors(errors)
    return url, attribution


def _recent_weeks(recent: Any) -> int:
    if isinstance(recent, bool) or not isinstance(recent, int) or not 1 <= recent <= 5200:
        raise ConfigError(t("config.bad_recent_weeks", found=_shown(recent)), option="recent_weeks")
    return recent


def _data_licence(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip() or "\n" in raw:
        raise ConfigError(t("config.data_licence", value=raw), option="data_licence")
    return raw.strip()
