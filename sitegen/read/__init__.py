"""Read stage: content/ -> validated records. No MkDocs imports here.

Incident files are read one by one into FileResults, which a cache under
`.cache/sitegen/` keeps between builds (keyed by the file's bytes and everything else a
result depends on), and which two processes share on large sites; ids are then checked
for uniqueness across files in one pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sitegen
from sitegen import model
from sitegen.cache import decode, encode, seal, unseal
from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.model import Brief, Content, EventType, Incident, Place, Problem, Severity
from sitegen.read.briefs import read_brief
from sitegen.read.incidents import IncidentReader
from sitegen.read.links import bad_links
from sitegen.write import die_with_parent
from sitegen.read.places import read_places

__all__ = ["read_content"]

PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # below this, starting processes costs more than it saves


@dataclass(frozen=True, slots=True)
class FileResult:
    incidents: list[Incident]
    problems: list[Problem]
    id_marks: dict[str, tuple[int, int]]


def read_content(
    config: SiteConfig, *, root: Path | None = None, today: dt.date | None = None, cache_dir: Path | None = None,
    memo=None,
) -> Content:
    """Every incident, brief and place under config.docs_dir, with every problem found.
    `memo` (a sitegen.memo.ReadMemo, under serve) skips the files unchanged since the last read."""
    root = root or config.docs_dir.parent
    today = today or dt.date.today()

    def shown(path: Path) -> str:
        try:
            return os.path.relpath(path, root)
        except ValueError:
            return str(path)

    content = Content()
    # links out of the site's folder (or to nothing) are errors, and their targets unread
    links = bad_links(config.docs_dir, root)
    for link, why in sorted(links.items()):
        target = os.readlink(link) if link.is_symlink() else ""
        content.problems.append(Problem(shown(link), 1, 1, Severity.ERROR, t(f"file.link_{why}", target=target)))
    places, problems = read_places(config.places_file, shown(config.places_file)) if config.places_file not in links else ({}, [])
    content.places = places
    content.problems.extend(problems)

    paths = [p for p in _files(config.incidents_dir, (".yaml", ".yml")) if p not in links]
    jobs = [(path, shown(path)) for path in paths]
    results = _read_incident_files(jobs, config.event_types, places, today, cache_dir, config.places_file, memo)
    _merge(results, jobs, content)

    by_week: dict[object, Brief] = {}
    for path in [p for p in _files(config.briefs_dir, (".md",)) if p not in links]:
        brief, problems = read_brief(path, shown(path))
        content.problems.extend(problems)
        if brief is None:
            continue
        first = by_week.get((brief.week, brief.lang) if brief.lang else brief.week)
        if first is not None:
            content.problems.append(
                Problem(brief.path, 1, 1, Severity.ERROR, t("brief.duplicate_week", week=brief.week, first=first.path))
            )
            continue
        by_week[(brief.week, brief.lang) if brief.lang else brief.week] = brief
        (content.translations if brief.lang else content.briefs).append(brief)
    content.briefs.sort(key=lambda b: b.week)
    content.translations.sort(key=lambda b: (b.week, b.lang))
    content.incidents.sort(key=lambda i: (i.date, i.id))
    return content


def _merge(results: list[FileResult], jobs: list[tuple[Path, str]], content: Content) -> None:
    """Keep the first incident of every id; a later one is an error where its id stands."""
    first_seen: dict[str, str] = {}
    for result, (_, shown) in zip(results, jobs):
        content.problems.extend(result.problems)
        for incident in result.incidents:
            first = first_seen.get(incident.id)
            if first is not None:
                line, col = result.id_marks.get(incident.id, (incident.line, 1))
                message = t("incident.duplicate_id", id=incident.id, first=first)
                content.problems.append(Problem(shown, line, col, Severity.ERROR, message))
                continue
            line = result.id_marks.get(incident.id, (incident.line, 1))[0]
            first_seen[incident.id] = f"{shown}:{line}"
            content.incidents.append(incident)


def _read_one(path: Path, shown: str, key: str, cache_dir: Path | None, event_types, places, today) -> FileResult:
    reader = IncidentReader(event_types, places, today=today)
    incidents = reader.read_file(path, shown)
    result = FileResult(incidents, reader.problems, reader.id_marks)
    if cache_dir is not None:  # stored by whichever process read it
        _store(cache_dir, shown, key, result)
    return result


def _read_chunk(args) -> list[FileResult]:
    jobs, cache_dir, event_types, places, today = args
    return [_read_one(path, shown, key, cache_dir, event_types, places, today) for path, shown, key in jobs]


def _read_incident_files(
    jobs: list[tuple[Path, str]],
    event_types: tuple[EventType, ...],
    places: dict[str, Place],
    today: dt.date,
    cache_dir: Path | None,
    places_file: Path,
    memo=None,
) -> list[FileResult]:
    results: list[FileResult | None] = [None] * len(jobs)
    keys: list[str] = [""] * len(jobs)
    salt = _fingerprint(event_types, places_file, today) if cache_dir is not None or memo is not None else b""
    if memo is not None:
        memo.start(salt)
        results = [memo.recall(path, shown) for path, shown in jobs]
    if cache_dir is not None:
        for n, (path, shown) in enumerate(jobs):
            if results[n] is None:
                keys[n], results[n] = _cached(cache_dir, path, shown, salt)
    todo = [(jobs[n][0], jobs[n][1], keys[n]) for n, result in enumerate(results) if result is None]
    size = sum(_size(path) for path, _, _ in todo)
    if len(todo) > 1 and size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1:
        fresh = _read_parallel(todo, cache_dir, event_types, places, today)
    else:
        fresh = _read_chunk((todo, cache_dir, event_types, places, today))
    missing = iter(fresh)
    done = [result if result is not None else next(missing) for result in results]
    if memo is not None:
        memo.keep(jobs, done)
    return done


def _read_parallel(jobs, cache_dir, event_types, places, today) -> list[FileResult]:
    """Two halves of the files, read by two processes (interleaved, so sizes even out)."""
    workers = min(2, os.cpu_count() or 1)
    chunks = [jobs[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        parts = list(pool.map(_read_chunk, [(chunk, cache_dir, event_types, places, today) for chunk in chunks]))
    out: list[FileResult] = [None] * len(jobs)  # type: ignore[list-item]
    for i, part in enumerate(parts):
        out[i::workers] = part
    return out


def _fingerprint(event_types, places_file: Path, today: dt.date) -> bytes:
    """Everything besides the file's bytes that a FileResult depends on."""
    h = hashlib.sha256()
    h.update(sitegen.__version__.encode())
    h.update(repr(event_types).encode())
    h.update(today.isoformat().encode())
    h.update(places_file.read_bytes() if places_file.exists() else b"")
    package = Path(__file__).resolve().parent.parent
    for code in sorted([*package.joinpath("read").glob("*.py"), package / "geo.py", package / "model.py", package / "messages.py"]):
        h.update(code.read_bytes())
    for data in sorted(package.joinpath("data").glob("*")):
        h.update(str(data.stat().st_mtime_ns).encode())
    return h.digest()


def _entry(cache_dir: Path, shown: str) -> Path:
    return cache_dir / "read" / (hashlib.sha256(shown.encode()).hexdigest()[:32] + ".json")


def _record_classes() -> dict[str, type]:
    """What a read cache entry may be built of: FileResult and the model's records."""
    classes = {"FileResult": FileResult}
    for name, value in vars(model).items():
        if isinstance(value, type) and (dataclasses.is_dataclass(value) or issubclass(value, enum.Enum)):
            classes[name] = value
    return classes


def _cached(cache_dir: Path, path: Path, shown: str, salt: bytes) -> tuple[str, FileResult | None]:
    """The key of the file's bytes, and its result as read before if the entry is intact."""
    try:
        key = hashlib.sha256(salt + path.read_bytes()).hexdigest()
    except OSError:
        return "", None
    try:
        payload = unseal(_entry(cache_dir, shown).read_bytes())
    except OSError:
        return key, None
    if payload is None or not payload.startswith(key.encode() + b"\n"):
        return key, None
    try:
        result = decode(payload[len(key) + 1 :], _record_classes())
    except (ValueError, TypeError):
        return key, None
    if not isinstance(result, FileResult) or not all(isinstance(i, Incident) for i in result.incidents):
        return key, None
    return key, result


def _store(cache_dir: Path, shown: str, key: str, result: FileResult) -> None:
    if not key:
        return
    entry = _entry(cache_dir, shown)
    try:
        data = seal(key.encode() + b"\n" + encode(result))
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, entry)
    except (OSError, TypeError):
        pass  # a cache that cannot be written only costs time


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
