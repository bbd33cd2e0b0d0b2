"""Import stage: other datasets' CSV exports -> incident files under content/incidents/<format>/.

Where things are: a CSV row becomes an incident mapping in `acled.py` / `ucdp.py`; the
mappings become one YAML file per ISO week in `writer.py`. This module holds the two
commands (`run`, `suggest_places`) and what the formats share: opening the CSV, checking
its columns, reading cells, and turning a row's mistake into `FILE.csv:LINE: error: ...`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from sitegen import geo
from sitegen.config import SiteConfig
from sitegen.importers.writer import dump_yaml, write_weeks
from sitegen.messages import t
from sitegen.read.places import read_places
from sitegen.read.yamlfile import compose, read_text
from sitegen.textutil import fold

__all__ = ["FORMATS", "run", "suggest_places"]

FORMATS = ("acled", "ucdp")
MAX_CSV_BYTES = 1024 * 1024 * 1024


# --- the commands ----------------------------------------------------------------------


def run(format: str, path: Path, config: SiteConfig) -> int:  # noqa: A002 (the CLI's word)
    """`sitegen import FORMAT FILE.csv`: 0 when the good rows are written, 1 when the file is unusable."""
    module = _format_module(format)
    try:
        rows = CsvRows.open(Path(path), module.REQUIRED_COLUMNS, format)
    except ImportFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    converted = convert(rows, module.incident_from, config)
    for problem in converted.problems:
        print(problem)
    report = write_weeks(converted.incidents, config.incidents_dir / format, format)
    root = config.docs_dir.parent
    for problem in report.problems:
        print(t("import.problem", path=_relative(problem.path, root), line=1, message=problem.message))
    for written in report.written:
        print(t("import.wrote", path=_relative(written, root)))
    for removed in report.removed:
        print(t("import.removed", path=_relative(removed, root)))
    if converted.problems:
        print(t("import.rows_skipped", count=len(converted.problems)))
    print(t("import.summary", added=report.added, updated=report.updated, unchanged=report.unchanged))
    return 1 if converted.problems and not converted.incidents else 0


def suggest_places(config: SiteConfig) -> int:
    """`sitegen places suggest`: print a snippet for content/places.yaml; always exit 0."""
    print(_PlaceSuggester(config).snippet(), end="")
    return 0


def _format_module(format: str) -> ModuleType:  # noqa: A002
    # imported here: the format modules import this package's helpers
    if format == "acled":
        from sitegen.importers import acled

        return acled
    if format == "ucdp":
        from sitegen.importers import ucdp

        return ucdp
    raise ValueError(f"unknown import format {format!r}; known: {', '.join(FORMATS)}")


def _relative(path: Path, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


# --- reading a CSV export ----------------------------------------------------------------


class ImportFailed(Exception):
    """The file cannot be imported at all (missing, not UTF-8, not this format's CSV)."""


class RowError(ValueError):
    """One row cannot become an incident; the row is skipped, the import goes on."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return t("import.problem", path=self.path, line=self.line, message=self.message)


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV record: its cells by column name and the file line it starts on."""

    cells: dict[str, str]
    line: int

    def text(self, column: str) -> str:
        """The cell as one line of text ('' when absent): whitespace runs become one space."""
        return " ".join((self.cells.get(column) or "").split())

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise RowError(t("import.row.empty", column=column))
        return value

    def raw(self, column: str) -> str:
        """The cell as written, line breaks kept (for notes and headlines)."""
        return (self.cells.get(column) or "").strip()

    def count(self, column: str, default: int = 0) -> int:
        value = self.text(column)
        if not value:
            return default
        try:
            number = float(value)
        except ValueError:
            raise RowError(t("import.row.not_count", column=column, value=value)) from None
        if not math.isfinite(number) or number != int(number):
            raise RowError(t("import.row.not_count", column=column, value=value))
        if number < 0:
            raise RowError(t("import.row.negative", column=column, value=int(number)))
        return int(number)

    def coordinate(self, column: str, limit: int) -> float:
        value = self.required(column)
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise RowError(t("import.row.not_coordinate", column=column, value=value)) from None
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise RowError(t("import.row.coordinate_range", column=column, value=value, limit=limit))
        return number

    def choice(self, column: str, table: dict[str, str], default: str) -> str:
        """A coded value (e.g. time_precision 1/2/3) through its table; '' gives the default."""
        value = self.text(column)
        if not value:
            return default
        key = value[:-2] if value.endswith(".0") else value
        if key not in table:
            raise RowError(t("import.row.bad_code", column=column, value=value, codes=", ".join(table)))
        return table[key]

    def date(self, column: str) -> dt.date:
        value = self.required(column)
        day = parse_date(value)
        if day is None:
            raise RowError(t("import.row.bad_date", column=column, value=value))
        return day

    def names(self, *columns: str) -> list[str]:
        """Names from several columns, each possibly holding several separated by ';'; no repeats."""
        found: list[str] = []
        for column in columns:
            for name in self.text(column).split(";"):
                name = name.strip()
                if name and name not in found:
                    found.append(name)
        return found


@dataclass
class CsvRows:
    """The rows of one export, after the header has been checked."""

    path: Path
    text: str
    delimiter: str
    header: list[str]

    @classmethod
    def open(cls, path: Path, required: tuple[str, ...], format: str) -> CsvRows:  # noqa: A002
        shown = str(path)
        try:
            if path.stat().st_size > MAX_CSV_BYTES:
                raise ImportFailed(t("import.too_big", path=shown, limit=MAX_CSV_BYTES // 1024**2))
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImportFailed(t("import.no_file", path=shown)) from None
        except IsADirectoryError:
            raise ImportFailed(t("import.unreadable", path=shown, reason=t("import.is_directory"))) from None
        except OSError as exc:
            raise ImportFailed(t("import.unreadable", path=shown, reason=exc.strerror or exc)) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ImportFailed(t("import.not_utf8", path=shown, line=line, byte=f"0x{data[exc.start]:02X}")) from None
        if "\x00" in text:
            raise ImportFailed(t("import.not_csv", path=shown, format=format.upper()))
        first = text.split("\n", 1)[0]
        if not first.strip():
            raise ImportFailed(t("import.no_header", path=shown, format=format.upper(), columns=", ".join(required)))
        # ACLED and UCDP export with commas; spreadsheets re-save with ';' or tabs
        delimiter = max(",;\t", key=lambda d: sum(c.strip().strip('"').lower() in required for c in first.split(d)))
        try:
            header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        except csv.Error:
            header = []
        header = [h.strip().lower() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportFailed(
                t("import.missing_columns", path=shown, format=format.upper(), columns=", ".join(missing))
            )
        return cls(path, text, delimiter, header)

    def __iter__(self) -> Iterator[Row | RowProblem]:
        """Each record with the line it starts on (quoted notes may span several lines)."""
        shown = str(self.path)
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter, strict=True)
        ended = 0
        try:
            next(reader)  # the header, checked already
            ended = reader.line_num
            for record in reader:
                line = ended + 1
                ended = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) > len(self.header):
                    message = t("import.row.too_many_cells", found=len(record), expected=len(self.header))
                    yield RowProblem(shown, line, message)
                    continue
                yield Row(dict(zip(self.header, record, strict=False)), line)
        except csv.Error as exc:
            yield RowProblem(shown, ended + 1, t("import.row.csv_error", reason=exc))


@dataclass
class Converted:
    incidents: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def convert(rows: CsvRows, incident_from: Callable[[Row, SiteConfig], dict[str, Any]], config: SiteConfig) -> Converted:
    """Every good row as an incident mapping; every bad row as a problem at its line."""
    result = Converted()
    seen: dict[str, int] = {}
    for row in rows:
        if isinstance(row, RowProblem):
            result.problems.append(row)
            continue
        try:
            incident = incident_from(row, config)
        except RowError as exc:
            result.problems.append(RowProblem(str(rows.path), row.line, str(exc)))
            continue
        first = seen.get(incident["id"])
        if first is not None:
            message = t("import.row.duplicate_id", id=incident["id"], line=first)
            result.problems.append(RowProblem(str(rows.path), row.line, message))
            continue
        seen[incident["id"]] = row.line
        result.incidents.append(incident)
    return result


# --- cell values shared by the formats ----------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan", "janvier", "janv"),
            ("february", "feb", "février", "fevrier", "fevr", "févr"),
            ("march", "mar", "mars"),
            ("april", "apr", "avril", "avr"),
            ("may", "mai"),
            ("june", "jun", "juin"),
            ("july", "jul", "juillet", "juil"),
            ("august", "aug", "août", "aout"),
            ("september", "sep", "sept", "septembre"),
            ("october", "oct", "octobre"),
            ("november", "nov", "novembre"),
            ("december", "dec", "décembre", "decembre", "déc"),
        ),
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_WORDY_DATE = re.compile(r"^(\d{1,2})[ -]+([^\W\d_]+)\.?[ -]+(\d{4})$")


def parse_date(value: str) -> dt.date | None:
    """'2023-09-28', '2023-09-28 00:00:00.000', '28 September 2023', '28-September-2023', '28-Sep-2023'."""
    value = value.strip()
    if match := _ISO_DATE.match(value):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif (match := _WORDY_DATE.match(value)) and match[2].lower() in _MONTHS:
        year, month, day = int(match[3]), _MONTHS[match[2].lower()], int(match[1])
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def slugify(text: str) -> str:
    """'Armed clash' -> 'armed-clash'; 'Remote explosive/landmine/IED' -> 'remote-explosive-landmine-ied'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def one_line(text: str, limit: int = 300) -> str:
    """A title or name for a one-line field: whitespace collapsed, cut at `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>~|])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^([#+=:-])|^(\d+)([.)])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain_markdown(text: str) -> str:
    """Plain text (ACLED notes, UCDP headlines) as Markdown that shows exactly that text.

    Summaries are Markdown and the validator rejects raw HTML in them, so an import
    backslash-escapes what Markdown would otherwise act on instead of showing: inline
    `\\ ` * _ [ ] < > ~ |`, '&' starting an entity, and a heading, list, quote or rule
    marker at the start of a line. Line breaks are kept, blank lines kept single.
    Rendered, the summary reads exactly as the source's text; nothing becomes a link,
    an HTML tag or emphasis.
    """
    lines: list[str] = []
    for raw in _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")).split("\n"):
        line = " ".join(raw.split())
        if not line and (not lines or not lines[-1]):
            continue
        line = _ENTITY.sub(r"\\&", _MARKDOWN_INLINE.sub(r"\\\1", line))
        line = _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)
        lines.append(line)
    return "\n".join(lines).strip()


def event_type_available(slug: str, config: SiteConfig, value: str) -> str:
    """The mapped event type, if this site's vocabulary has it (a site may replace ACLED's six)."""
    if slug not in {e.slug for e in config.event_types}:
        raise RowError(t("import.row.type_not_configured", value=value, slug=slug))
    return slug


# --- sitegen places suggest -----------------------------------------------------------------

_NEAR_KM = 1.0


@dataclass
class _Name:
    """One spelling of a location as used in incidents (or places.yaml)."""

    spelling: str
    uses: int = 0
    points: list[tuple[float, float]] = field(default_factory=list)
    countries: Counter = field(default_factory=Counter)
    admin1: Counter = field(default_factory=Counter)
    without_coordinates: int = 0
    first_without: str = ""  # path:line of its first use without coordinates


class _PlaceSuggester:
    """Reads locations from incident files as written (before places fill coordinates in)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.root = config.docs_dir.parent
        self.places, _ = read_places(config.places_file, _relative(config.places_file, self.root))
        self.places_folded = {fold(name): place for name, place in self.places.items()}
        self.names: dict[str, _Name] = {}
        for path in sorted(p for p in config.incidents_dir.rglob("*") if p.suffix.lower() in (".yaml", ".yml")):
            self._read(path)

    def _read(self, path: Path) -> None:
        shown = _relative(path, self.root)
        text, problem = read_text(path, shown)
        node, problem = compose(text, shown) if text is not None else (None, problem)
        if problem or node is None:
            return  # `sitegen validate` reports it
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if isinstance(item, yaml.MappingNode):
                self._note(item, shown)

    def _note(self, node: yaml.MappingNode, shown: str) -> None:
        values = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        location = _scalar_text(values.get("location"))
        if not location:
            return
        name = self.names.setdefault(location, _Name(location))
        name.uses += 1
        country = geo.normalise_country(_scalar_text(values.get("country")) or "")
        if country:
            name.countries[country] += 1
        if admin1 := _scalar_text(values.get("admin1")):
            name.admin1[admin1] += 1
        lat, lon = _scalar_number(values.get("lat")), _scalar_number(values.get("lon"))
        if lat is None or lon is None:
            name.without_coordinates += 1
            name.first_without = name.first_without or f"{shown}:{node.start_mark.line + 1}"
        elif _scalar_text(values.get("geo_precision")) != "region" and abs(lat) <= 90 and abs(lon) <= 180:
            name.points.append((lat, lon))

    # --- what to suggest ---------------------------------------------------------------

    def snippet(self) -> str:
        out: list[str] = []
        emitted: set[str] = set()
        missing = self._missing()
        groups = self._spelling_groups()
        if not missing and not groups:
            return t("suggest.nothing") + "\n"
        out.append(t("suggest.intro", path=_relative(self.config.places_file, self.root)))
        if missing:
            out += ["", t("suggest.missing_heading", path=_relative(self.config.places_file, self.root))]
            for name in missing:
                out += self._missing_entry(name, emitted)
        if groups:
            out += ["", t("suggest.spellings_heading")]
            for group in groups:
                out += self._group_entry(group, emitted)
        return "\n".join(out) + "\n"

    def _missing(self) -> list[_Name]:
        """Names used without coordinates that places.yaml does not know (folded)."""
        return sorted(
            (n for n in self.names.values() if n.without_coordinates and fold(n.spelling) not in self.places_folded),
            key=lambda n: fold(n.spelling),
        )

    def _missing_entry(self, name: _Name, emitted: set[str]) -> list[str]:
        country = _top(name.countries)
        uses = t("suggest.uses", count=name.without_coordinates)
        place = geo.find_place(name.spelling, country)
        if place is not None:
            lines = [t("suggest.from_gazetteer", name=name.spelling, uses=uses)]
            entry = {"lat": place.lat, "lon": place.lon, "admin1": place.admin1, "country": place.country or country}
        elif name.points:  # other incidents give it coordinates
            lines = [t("suggest.unknown", name=name.spelling, uses=uses, first=name.first_without),
                     t("suggest.from_incidents", name=name.spelling)]
            lat, lon = _middle(name.points)
            entry = {"lat": lat, "lon": lon, "admin1": _top(name.admin1), "country": country}
        else:
            lines = [t("suggest.unknown", name=name.spelling, uses=uses, first=name.first_without)]
            template = {"lat": 0.0, "lon": 0.0, "admin1": _top(name.admin1), "country": country}
            return lines + ["# " + line for line in _entry_lines(name.spelling, template)]
        if fold(name.spelling) in emitted:  # another spelling of it is suggested above
            return lines
        emitted.add(fold(name.spelling))
        return lines + _entry_lines(name.spelling, entry)

    def _spelling_groups(self) -> list[list[_Name]]:
        """Names that are probably one place: equal once folded, or within ~1 km of each other."""
        spellings = dict(self.names)
        for place_name, place in self.places.items():
            entry = spellings.setdefault(place_name, _Name(place_name))
            entry.points.append((place.lat, place.lon))
        parent = {key: key for key in spellings}

        def find(key: str) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        def join(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        by_fold: dict[str, str] = {}
        for key in spellings:
            join(key, by_fold.setdefault(fold(key), key))
        cells: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
        for key, name in spellings.items():
            for lat, lon in set(name.points):
                cells[(math.floor(lat * 50), math.floor(lon * 50))].append((key, lat, lon))
        for (cy, cx), here in cells.items():
            around = [p for dy in (-1, 0, 1) for dx in (-1, 0, 1) for p in cells.get((cy + dy, cx + dx), ())]
            for key, lat, lon in here:
                for other, olat, olon in around:
                    if other != key and fold(other) != fold(key) and _km(lat, lon, olat, olon) <= _NEAR_KM:
                        join(key, other)
        groups: dict[str, list[_Name]] = defaultdict(list)
        for key, name in spellings.items():
            groups[find(key)].append(name)
        # names all listed in places.yaml are the editor's deliberate aliases (Timbuktu, Tombouctou)
        found = [
            sorted(g, key=lambda n: (-n.uses, n.spelling))
            for g in groups.values()
            if len(g) > 1 and any(n.spelling not in self.places for n in g)
        ]
        return sorted(found, key=lambda g: fold(g[0].spelling))

    def _group_entry(self, group: list[_Name], emitted: set[str]) -> list[str]:
        in_places = [n for n in group if n.spelling in self.places]
        # the places.yaml spelling wins, then the most used, then an accented one, then the shortest
        keep = in_places[0] if in_places else min(group, key=_preference)
        variants = ", ".join(
            t("suggest.variant", name=n.spelling, uses=t("suggest.uses", count=n.uses))
            if n.uses
            else t("suggest.variant_in_places", name=n.spelling)
            for n in group
        )
        lines = [t("suggest.same_place", variants=variants, keep=keep.spelling)]
        if in_places or fold(keep.spelling) in emitted:
            return lines + [t("suggest.already_listed", name=keep.spelling)]
        points = [p for n in group for p in n.points]
        if not points:
            return lines
        emitted.add(fold(keep.spelling))
        countries = sum((n.countries for n in group), Counter())
        admin1 = sum((n.admin1 for n in group), Counter())
        lat, lon = _middle(keep.points or points)
        entry = {"lat": lat, "lon": lon, "admin1": _top(admin1), "country": _top(countries)}
        return lines + _entry_lines(keep.spelling, entry)


def _preference(name: _Name) -> tuple:
    return -name.uses, name.spelling.isascii(), len(name.spelling), name.spelling


def _entry_lines(name: str, entry: dict[str, Any]) -> list[str]:
    values = {k: v for k, v in entry.items() if v is not None}
    return dump_yaml({name: values}).rstrip("\n").split("\n")


def _scalar_text(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return " ".join(node.value.split()) or None
    return None


def _scalar_number(node: yaml.Node | None) -> float | None:
    if isinstance(node, yaml.ScalarNode) and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        try:
            value = float(node.value.replace("_", ""))
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    return None


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    return round(statistics.median(p[0] for p in points), 4), round(statistics.median(p[1] for p in points), 4)


def _top(counter: Counter) -> Any:
    return counter.most_common(1)[0][0] if counter else None


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))
