"""Imported incident mappings -> one YAML file per ISO week, rewritten only where they change.

The import owns the files it wrote, known by their first line (HEADER); it never writes
over, nor deletes, any other file. Incidents already in its files and absent from this
export are kept: an export is often a slice (one country, one month), and a second slice
must not erase the first.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen.messages import t, translate
from sitegen.model import IsoWeek
from sitegen.read.incidents import ids_in
from sitegen.read.yamlfile import compose, read_text

# Not from the message catalogue: this line is how the import recognises its own files,
# so it must not change with the language.
HEADER = "# Written by sitegen import {format}: edits to these files are overwritten by the next import.\n"

try:
    _BaseDumper = yaml.CSafeDumper
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # libyaml missing: same output, slower
    _BaseDumper = yaml.SafeDumper  # type: ignore[misc]
    _BaseLoader = yaml.SafeLoader  # type: ignore[misc]


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Safe dumping; text with line breaks as a literal block (`|`), as an editor writes it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a date shared by two sources is written twice, not as &id001 / *id001


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


@dataclass(frozen=True, slots=True)
class FileProblem:
    path: Path
    message: str


@dataclass
class WriteReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


@dataclass
class _OwnFile:
    """A week file the import wrote earlier; parsed only when the import needs its incidents."""

    path: Path
    text: str
    incidents: list[dict[str, Any]] | None = None
    settled: bool = False  # already reads exactly as this import would write it


# A week's incidents go to one file, or to several parts when they are many: each part
# stays well below the reader's file limit (read.yamlfile.MAX_FILE_BYTES).
MAX_PART_BYTES = 8 * 1024 * 1024
_WEEK_FILE = re.compile(r"^(\d{4}-W\d{2})(?:-part(\d+))?$")


def week_file_name(day: dt.date) -> str:
    return f"{IsoWeek.of(day)}.yaml"


def part_name(week: str, part: int) -> str:
    return f"{week}.yaml" if part == 1 else f"{week}-part{part}.yaml"


def render_week(incidents: list[dict[str, Any]], format: str) -> str:  # noqa: A002
    """A week file's text: the header, then the incidents by date then id, a blank line apart."""
    return "".join(render_parts(incidents, format))


def render_parts(incidents: list[dict[str, Any]], format: str, limit: int | None = None) -> list[str]:  # noqa: A002
    """A week's files: its incidents by date then id, cut into parts of at most `limit` bytes."""
    limit = limit or MAX_PART_BYTES
    header = HEADER.format(format=format)
    ordered = sorted(incidents, key=lambda i: (str(i.get("date")), str(i.get("id"))))
    parts: list[list[str]] = [[]]
    size = len(header)
    for incident in ordered:
        text = dump_yaml([incident])
        grown = size + len(text.encode("utf-8")) + 1
        if parts[-1] and grown > limit:
            parts.append([])
            size = len(header)
            grown = size + len(text.encode("utf-8")) + 1
        parts[-1].append(text)
        size = grown
    return [header + "\n".join(texts) for texts in parts]


def write_weeks(
    incidents: list[dict[str, Any]],
    directory: Path,
    format: str,  # noqa: A002
    lang: str = "en",
    withdrawn: frozenset[str] = frozenset(),
) -> WriteReport:
    """Merge `incidents` (each with 'id' and a dt.date 'date') into directory/<week>.yaml
    (and <week>-part2.yaml ... for a week too big for one file). `lang`: the site's first
    language, that of the revisions written (never the editor's: the files are the same
    whoever imports). `withdrawn`: ids to take out of the import's files (see ids_taken)."""
    report = WriteReport()
    own, blocked = _scan(directory, HEADER.format(format=format))
    weeks_of = {path: _week_of(path) for path in [*own, *blocked]}
    arriving: dict[str, list[dict[str, Any]]] = {}
    for incident in incidents:
        arriving.setdefault(str(IsoWeek.of(incident["date"])), []).append(incident)
    arriving_ids = {i["id"] for i in incidents} | withdrawn
    mentioned = _ids_of_format(format)
    files_of: dict[str, list[_OwnFile]] = {}
    for path, own_file in own.items():
        if weeks_of[path]:
            files_of.setdefault(weeks_of[path], []).append(own_file)

    # Parsing thousands of incidents back is the slow part of an import: skip the weeks
    # whose files already read as they would be written, and files that hold none of these ids.
    for week, new in arriving.items():
        mine = sorted(files_of.get(week, []), key=lambda f: _part_of(f.path))
        if mine and [f.text for f in mine] == render_parts(new, format) and [_part_of(f.path) for f in mine] == list(range(1, len(mine) + 1)):
            for own_file in mine:
                own_file.settled = True
            mine[0].incidents = new
            for own_file in mine[1:]:
                own_file.incidents = []
    for path, own_file in own.items():
        if own_file.settled:
            continue
        if weeks_of[path] in arriving or not arriving_ids.isdisjoint(mentioned.findall(own_file.text)):
            own_file.incidents = _parse(own_file.text, path)
            if own_file.incidents is None:
                blocked[path] = "import.unreadable_own"
    for path in sorted(blocked):
        week = weeks_of.get(path)
        if week in arriving:
            skipped = arriving.pop(week)
            arriving_ids -= {i["id"] for i in skipped}
            report.problems.append(FileProblem(path, t(blocked[path], count=len(skipped))))
        elif path in own:  # an own file holding some of these ids, unreadable now
            report.problems.append(FileProblem(path, t("import.unreadable_own_kept")))
    stuck = {weeks_of[p] for p in blocked}  # weeks that cannot be rewritten

    where: dict[str, tuple[_OwnFile, dict[str, Any]]] = {}  # id -> where it is now, as it is
    for own_file in own.values():
        for incident in own_file.incidents or ():
            where.setdefault(str(incident.get("id")), (own_file, incident))
    for incident in (i for new in arriving.values() for i in new):
        old = where.get(incident["id"])
        if old is not None:
            keep_editorial(old[1], incident)
            carry_revisions(old[1], incident, lang=lang)
        if old is None:
            report.added += 1
        elif old[1] == incident:
            report.unchanged += 1
        else:
            report.updated += 1

    touched = set(arriving) | {weeks_of[where[i][0].path] for i in arriving_ids if i in where}
    for week in sorted(w for w in touched if w and w not in stuck):
        mine = files_of.get(week, [])
        if mine and all(f.settled for f in mine):
            continue
        kept = [i for f in mine for i in f.incidents or () if i.get("id") not in arriving_ids]
        merged = kept + arriving.get(week, [])
        texts = render_parts(merged, format) if merged else []
        wanted = {directory / part_name(week, n): text for n, text in enumerate(texts, 1)}
        current = {f.path: f.text for f in mine}
        for path, text in wanted.items():
            if current.get(path) != text:
                _write_atomically(path, text)
                report.written.append(path)
        for path in sorted(set(current) - set(wanted)):  # fewer parts now, or none: incidents moved
            path.unlink()
            report.removed.append(path)
    for path, own_file in own.items():  # an own file renamed by hand: its moved incidents leave it
        if weeks_of[path] is None and path not in blocked and own_file.incidents:
            kept = [i for i in own_file.incidents if i.get("id") not in arriving_ids]
            if len(kept) == len(own_file.incidents):
                continue
            if not kept:
                path.unlink()
                report.removed.append(path)
                continue
            _write_atomically(path, render_week(kept, format))
            report.written.append(path)
    return report


def _ids_of_format(format: str) -> re.Pattern[str]:  # noqa: A002
    """The ids an import of that format gives (`acled-...`), wherever a file mentions one."""
    return re.compile(rf"{re.escape(format)}-[a-z0-9][a-z0-9-]*")


def ids_taken(
    incidents_dir: Path, directory: Path, format: str, ids: set[str]  # noqa: A002
) -> dict[str, tuple[Path, int]]:
    """Which of `ids` an incident file the import did not write already uses (an editor's own
    file for the event, say): id -> (that file, the id's line). Written as well, the incident
    would be there twice and the site would not validate. Only the files that mention one of
    the ids (or are named after one, an id's default) are parsed."""
    taken: dict[str, tuple[Path, int]] = {}
    if not ids or not incidents_dir.is_dir():
        return taken
    header = HEADER.format(format=format)
    mentioned = _ids_of_format(format)
    for path in sorted(p for p in incidents_dir.rglob("*") if p.suffix.lower() in (".yaml", ".yml") and p.is_file()):
        text, _ = read_text(path, str(path))
        if text is None or (path.parent == directory and text.startswith(header)):
            continue  # unreadable files fail validate on their own; the import's are its to rewrite
        if path.stem not in ids and ids.isdisjoint(mentioned.findall(text)):
            continue
        node, problem = compose(text, str(path))
        if problem is not None:
            continue
        for found, line in ids_in(node, path.stem).items():
            if found in ids:
                taken.setdefault(found, (path, line))
    return taken


# Fields no export carries: an editor's decisions on an imported incident (keep it internal,
# embargo it, translate it), kept by every later import. Left out, a re-import of the same
# export would publish an incident the editor had made internal.
EDITORIAL = ("visibility", "internal", "publish_after", "title_fr", "summary_fr", "title_en", "summary_en")


def keep_editorial(old: dict[str, Any], new: dict[str, Any]) -> None:
    """`old`'s editorial fields, set on `new` (which an export made, so has none of them)."""
    for key in EDITORIAL:
        if key in old and key not in new:
            new[key] = old[key]
    # on a site whose first language is not English the import writes the English to
    # summary_en, so `summary` is the editor's translation: kept, unless it is the English an
    # older import put there
    if "summary_en" in new and "summary" in old and "summary" not in new and old["summary"] != new["summary_en"]:
        new["summary"] = old["summary"]


# a value that appears where there was none is a change worth a revision only for tolls;
# for other fields it is the export (or sitegen) saying more than before
_TRACKED_WHEN_NEW = ("fatalities", "injured")
_SHORT = 60


def carry_revisions(old: dict[str, Any], new: dict[str, Any], today: dt.date | None = None, lang: str = "en") -> None:
    """Keep `old`'s revisions on `new`, and append one per field whose value changed
    ("fatalities 5 -> 7"), dated by the export's timestamp where it has one."""
    history = list(old.get("revisions") or [])
    changes = [
        _change_text(key, old.get(key), new.get(key), lang)
        for key in [*new, *(k for k in old if k not in new)]
        if key != "revisions"
        and old.get(key) != new.get(key)
        and (key in old or key in _TRACKED_WHEN_NEW)
    ]
    if changes:
        day = _revision_day(new, today)
        history += [{"date": day, "change": change} for change in changes]
    if history:
        new["revisions"] = history


def _change_text(key: str, old: Any, new: Any, lang: str) -> str:
    def shown(value: Any) -> str | None:
        if value is None:
            return "none"
        if isinstance(value, (bool, int, float, dt.date)) or (isinstance(value, str) and len(value) <= _SHORT and "\n" not in value):
            return str(value)
        return None

    before, after = shown(old), shown(new)
    if before is None or after is None:
        return translate(lang, "import.revision_changed", field=key)
    return translate(lang, "import.revision", field=key, old=before, new=after)


def _revision_day(incident: dict[str, Any], today: dt.date | None) -> dt.date:
    stamp = incident.get("timestamp")
    if isinstance(stamp, int) and 0 < stamp < 32503680000:
        return dt.datetime.fromtimestamp(stamp, dt.UTC).date()
    return today or dt.datetime.now(dt.UTC).date()


def _week_of(path: Path) -> str | None:
    match = _WEEK_FILE.match(path.stem)
    return match[1] if match else None


def _part_of(path: Path) -> int:
    match = _WEEK_FILE.match(path.stem)
    return int(match[2] or 1) if match else 0


def _scan(directory: Path, header: str) -> tuple[dict[Path, _OwnFile], dict[Path, str]]:
    """The import's own files (by their header line); and the others (path -> message key)."""
    own: dict[Path, _OwnFile] = {}
    blocked: dict[Path, str] = {}
    if not directory.is_dir():
        return own, blocked
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            continue
        text, _ = read_text(path, str(path))
        if text is None and _starts_with(path, header):  # one too big for the reader, from an older import
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = None
        if text is None or not text.startswith(header):
            blocked[path] = "import.not_ours"
        else:
            own[path] = _OwnFile(path, text)
    return own, blocked


def _starts_with(path: Path, header: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(header.encode())) == header.encode()
    except OSError:
        return False


def _parse(text: str, path: Path) -> list[dict[str, Any]] | None:
    """The incidents of one of the import's files; None if it no longer reads as one."""
    _, problem = compose(text, str(path))  # refuses alias bombs before loading
    if problem is not None:
        return None
    try:
        data = yaml.load(text, Loader=_BaseLoader)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, ValueError):
        return None
    if not isinstance(data, list) or not all(isinstance(i, dict) and "id" in i for i in data):
        return None
    return data


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: an interrupted import leaves no half file.
    The temporary name does not end in .yaml, so a build running meanwhile skips it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(temporary, path)
