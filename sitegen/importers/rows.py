"""Reading a CSV export: rows, cells and located row errors, shared by the formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.model import Severity
from sitegen.text import clip

MAX_CSV_BYTES = 1024 * 1024 * 1024


# --- reading a CSV export ----------------------------------------------------------------


class ImportFailed(Exception):
    """The file cannot be imported at all (missing, not UTF-8, not this format's CSV)."""

    @classmethod
    def at(cls, path: str, line: int, message: str) -> ImportFailed:
        """A problem of the whole file, at the line it shows on (1 for the header), as row errors are."""
        return cls(t("import.problem", path=path, line=line, message=message))


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

    def code(self, column: str, high: int) -> int | None:
        """A numeric code from 0 to `high` (ACLED's inter1, interaction); None when empty."""
        value = self.count(column, None)  # type: ignore[arg-type]
        if value is not None and value > high:
            raise RowError(t("import.row.bad_code", column=column, value=value, codes=f"0-{high}"))
        return value

    def optional(self, column: str) -> str | None:
        """One line of text, None when the cell is empty."""
        return one_line(self.text(column)) or None

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
        export = t(f"import.export.{format}")
        if _utf16(data):
            raise ImportFailed.at(shown, 1, t("import.file.utf16"))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ImportFailed.at(shown, line, t("import.file.not_utf8", byte=f"0x{data[exc.start]:02X}")) from None
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise ImportFailed.at(shown, line, t("import.file.not_csv", export=export))
        first = text.split("\n", 1)[0]
        if not first.strip():
            raise ImportFailed.at(shown, 1, t("import.file.no_header", export=export, columns=", ".join(required)))
        # ACLED and UCDP export with commas; spreadsheets re-save with ';' or tabs
        delimiter = max(",;\t", key=lambda d: sum(c.strip().strip('"').lower() in required for c in first.split(d)))
        try:
            header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        except csv.Error:
            header = []
        header = [h.strip().lower() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise ImportFailed.at(shown, 1, t("import.file.missing_columns", export=export, columns=", ".join(missing)))
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
                if len(record) != len(self.header):
                    key = "import.row.too_many_cells" if len(record) > len(self.header) else "import.row.too_few_cells"
                    yield RowProblem(shown, line, t(key, found=len(record), expected=len(self.header)))
                    continue
                yield Row(dict(zip(self.header, record, strict=False)), line)
        except csv.Error as exc:
            yield RowProblem(shown, ended + 1, t("import.row.csv_error", reason=exc))


def _utf16(data: bytes) -> bool:
    """UTF-16 text, as Excel's "Unicode Text" and some Windows tools save a CSV: by its byte
    order mark, or (without one) by the zero byte beside each ASCII letter of the header."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[: min(len(data), 200) // 2 * 2]
    return len(head) >= 8 and any(
        not any(head[zeros::2]) and _ASCII_TEXT.issuperset(head[1 - zeros :: 2]) for zeros in (0, 1)
    )


_ASCII_TEXT = frozenset(range(32, 127)) | frozenset(b"\t\r\n")


@dataclass
class Converted:
    incidents: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # id -> the line of its row


def convert(rows: CsvRows, incident_from: Callable[[Row, SiteConfig], dict[str, Any]], config: SiteConfig) -> Converted:
    """Every good row as an incident mapping; every bad row as a problem at its line."""
    result = Converted()
    seen: dict[str, int] = {}
    lines: list[int] = []
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
        lines.append(row.line)
    result.incidents = _as_the_reader_reads(result, lines, str(rows.path), config)
    result.lines = seen
    return result


def _as_the_reader_reads(result: Converted, lines: list[int], path: str, config: SiteConfig) -> list[dict[str, Any]]:
    """The incidents the reader accepts, as it will read them from the written files; every
    other one is a problem at its row (a date before 1900, a toll of ten million...)."""
    from sitegen.read.incidents import IncidentReader

    kept: list[dict[str, Any]] = []
    reader = IncidentReader(config.event_types, {})
    for incident, line in zip(result.incidents, lines):
        before = len(reader.problems)
        read = reader.read_mapping(_node(incident), path, default_id=None)
        errors = [p for p in reader.problems[before:] if p.severity is Severity.ERROR]
        if read is not None and not errors:
            kept.append(incident)
        else:
            result.problems.append(RowProblem(path, line, errors[0].message if errors else t("import.row.unreadable")))
        del reader.problems[before:]
    result.problems.sort(key=lambda p: p.line)
    return kept


_MARK = yaml.Mark("", 0, 0, 0, None, None)
_TAGS = {bool: "bool", int: "int", float: "float", type(None): "null"}


def _node(value: Any) -> yaml.Node:
    """The node tree the reader would get from the YAML the writer dumps for `value` (the
    dumper quotes text that would read as another type; dates read back as text)."""
    if isinstance(value, dict):
        return yaml.MappingNode("tag:yaml.org,2002:map", [(_node(k), _node(v)) for k, v in value.items()], _MARK, _MARK)
    if isinstance(value, (list, tuple)):
        return yaml.SequenceNode("tag:yaml.org,2002:seq", [_node(v) for v in value], _MARK, _MARK)
    if isinstance(value, str):
        return yaml.ScalarNode("tag:yaml.org,2002:str", value, _MARK, _MARK, style="|" if "\n" in value else None)
    if isinstance(value, dt.date):
        return yaml.ScalarNode("tag:yaml.org,2002:str", value.isoformat(), _MARK, _MARK)
    kind = _TAGS.get(type(value), "str")
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else repr(value)
    return yaml.ScalarNode(f"tag:yaml.org,2002:{kind}", text, _MARK, _MARK)


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


def one_line(text: str, limit: int = 300) -> str:
    """A title or name for a one-line field: whitespace collapsed, cut at `limit` characters."""
    return clip(text, limit)


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


SOURCE_LANGUAGE = "en"  # of ACLED's notes and UCDP's headlines


def in_site_language(incident: dict[str, Any], title: Callable[[str], str], config: SiteConfig) -> dict[str, Any]:
    """`incident` (its fields in the contract's order, `summary` the source's English text) with
    its title made by `title(lang)` in the site's first language, never in the editor's: the
    files are the same whoever imports. On a site whose first language is not English
    (`languages: [fr, en]`), `title` and `summary` are that language's fields, so the English
    goes to `title_en` / `summary_en`, which its pages show marked as English."""
    lang = config.default_language
    if lang == SOURCE_LANGUAGE:
        return {**incident, "title": title(lang)}
    placed: dict[str, Any] = {}
    for key, value in incident.items():
        if key == "summary":
            placed.update(title_en=title(SOURCE_LANGUAGE), summary_en=value)
        else:
            placed[key] = title(lang) if key == "title" else value
    return placed


def event_type_available(slug: str, config: SiteConfig, value: str) -> str:
    """The mapped event type, if this site's vocabulary has it (a site may replace ACLED's six)."""
    if slug not in {e.slug for e in config.event_types}:
        raise RowError(t("import.row.type_not_configured", value=value, slug=slug))
    return slug


def relative_path(path: Path, root: Path) -> str:
    """A path as an editor reads it: relative to the site's folder where possible."""
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)
