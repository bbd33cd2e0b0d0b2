"""Read stage: content/ -> validated records. No MkDocs imports here.

Incident files are read one by one into FileResults, which the build cache (sitegen.cache,
under `.cache/sitegen/read/`) keeps between builds, keyed by the file's name and bytes and
salted with everything else a result depends on; two processes share the reading on large
sites. Ids are then checked for uniqueness across files in one pass.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import hashlib
import itertools
import operator
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sitegen
from sitegen.cache import BuildCache, decode, digest, encode
from sitegen.config import SiteConfig
from sitegen.messages import language_key, t
from sitegen.model import Brief, Content, EventType, Incident, Place, Problem, Severity
from sitegen.read.briefs import read_brief_anyway
from sitegen.read.incidents import IncidentReader
from sitegen.read.links import bad_links
from sitegen.write import die_with_parent
from sitegen.read.places import read_places

__all__ = ["read_content"]

_KIND = "files"  # .cache/sitegen/read/files/
INCIDENT_SUFFIXES = (".yaml", ".yml")
PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # below this, starting processes costs more than it saves


@dataclass(frozen=True, slots=True)
class FileResult:
    incidents: list[Incident]
    problems: list[Problem]
    id_marks: dict[str, tuple[int, int]]


def read_content(
    config: SiteConfig, *, root: Path | None = None, today: dt.date | None = None, cache_dir: Path | None = None,
    memo=None, unchecked: list[Brief] | None = None,
) -> Content:
    """Every incident, brief and place under config.docs_dir, with every problem found.
    `memo` (a sitegen.memo.ReadMemo, under serve) skips the files unchanged since the last read.
    `unchecked` is given the briefs whose front matter has errors, as far as they could be
    read, for the check of their bodies (they are in no other list of the content)."""
    root = root or config.docs_dir.parent
    today = today or dt.date.today()

    def shown(path: Path) -> str:
        try:
            return os.path.relpath(path, root)
        except ValueError:
            return str(path)

    content = Content(root=Path(root))
    # links out of the site's folder (or to nothing) are errors, and their targets unread
    links = bad_links(config.docs_dir, root)
    for link, why in sorted(links.items()):
        target = os.readlink(link) if link.is_symlink() else ""
        content.problems.append(Problem(shown(link), 1, 1, Severity.ERROR, t(f"file.link_{why}", target=target)))
    places, problems = read_places(config.places_file, shown(config.places_file)) if config.places_file not in links else ({}, [])
    content.places = places
    content.problems.extend(problems)

    paths = [p for p in _files(config.incidents_dir, INCIDENT_SUFFIXES) if p not in links]
    jobs = [(path, shown(path)) for path in paths]
    results = _read_incident_files(jobs, config.event_types, places, today, cache_dir, config.places_file, memo)
    if memo is None or not _merge_again(memo, results, jobs, content):
        _merge(results, jobs, content)
        if memo is not None:
            memo.merge = _Merge.of(results, jobs, content.incidents)

    by_week: dict[object, Brief] = {}
    brief_jobs = [(path, shown(path)) for path in _files(config.briefs_dir, (".md",)) if path not in links]
    for brief, problems in _read_briefs(brief_jobs, memo.of_briefs() if memo is not None else None):
        content.problems.extend(problems)
        if brief is None:
            continue
        if problems:
            if unchecked is not None:
                unchecked.append(brief)
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
    return content


def _read_briefs(jobs: list[tuple[Path, str]], memo=None) -> list[tuple[Brief | None, list[Problem]]]:
    """Each brief file read (under serve, `memo`: one unchanged since the last rebuild as read then)."""
    results = [memo.recall(path, shown) if memo is not None else None for path, shown in jobs]
    results = [known if known is not None else read_brief_anyway(path, shown) for known, (path, shown) in zip(results, jobs)]
    if memo is not None:
        memo.keep(jobs, results)
    return results


def _merge(results: list[FileResult], jobs: list[tuple[Path, str]], content: Content) -> None:
    """Keep the first incident of every id; a later one is an error where its id stands.
    The incidents come by date, then id."""
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
    content.incidents.sort(key=_ORDER)


_ORDER = operator.attrgetter("date", "id")  # the incidents' order (a tuple made in C: 100,000 at a time)


@dataclass(frozen=True)
class _Merge:
    """Serve's: what the last merge was made of and gave, when it found no id twice."""

    files: list[str]  # the files, as shown
    results: list[FileResult]
    incidents: list[Incident]  # by date, then id
    owner: dict[str, int]  # each id's file, by its place in `files`
    serial: int = field(default_factory=lambda: next(_SERIALS))  # names it in Content.changed

    @classmethod
    def of(cls, results: list[FileResult], jobs: list[tuple[Path, str]], incidents: list[Incident]) -> _Merge | None:
        owner = {i.id: n for n, result in enumerate(results) for i in result.incidents}
        if len(owner) != len(incidents) or len(incidents) != sum(len(r.incidents) for r in results):
            return None  # an id twice: every merge is made whole until it is fixed
        return cls([shown for _, shown in jobs], list(results), list(incidents), owner)


_SERIALS = itertools.count(1)
MERGE_AGAIN_FILES = 8  # at most this many files changed since the last merge: only their incidents are placed again


def _merge_again(memo, results: list[FileResult], jobs: list[tuple[Path, str]], content: Content) -> bool:
    """Serve: _merge() of the last rebuild's merge and the files changed since (their
    incidents taken out, then put in by date and id), if no id is found twice (its problem
    then names where it was first seen: the whole merge is made again). The same
    incidents, in the same order, and the same problems as _merge() gives."""
    last: _Merge | None = getattr(memo, "merge", None)
    if last is None or last.files != [shown for _, shown in jobs]:
        return False
    changed = [n for n, (now, before) in enumerate(zip(results, last.results)) if now is not before]
    if len(changed) > MERGE_AGAIN_FILES:
        return False
    owner = last.owner  # changed in place once the merge is known to be sound (a copy: a fifth of it)
    gone = {incident.id for n in changed for incident in last.results[n].incidents}
    come: dict[str, int] = {}
    for n in changed:
        for incident in results[n].incidents:
            if incident.id in come or (incident.id in owner and incident.id not in gone):
                return False
            come[incident.id] = n
    incidents = list(last.incidents)
    for n in changed:
        for incident in last.results[n].incidents:
            at = bisect.bisect_left(incidents, _ORDER(incident), key=_ORDER)
            if at == len(incidents) or incidents[at] is not incident:
                return False  # not where the last merge put it (never so): made whole
            del incidents[at]
    for n in changed:
        for incident in results[n].incidents:
            bisect.insort(incidents, incident, key=_ORDER)
    for incident_id in gone:
        del owner[incident_id]
    owner.update(come)
    for result in results:
        content.problems.extend(result.problems)
    content.incidents.extend(incidents)
    memo.merge = _Merge(last.files, list(results), incidents, owner)
    taken_out = [incident for n in changed for incident in last.results[n].incidents]
    content.changed = (last.serial, taken_out, [incident for n in changed for incident in results[n].incidents])
    return True


def _read_one(path: Path, shown: str, key: str, cache: BuildCache | None, event_types, places, today, as_bytes: bool) -> FileResult | bytes:
    """A file's result; as JSON (see sitegen.cache.encode) when `as_bytes`: a reading
    process hands its results back so, several times cheaper than a pickle of records."""
    reader = IncidentReader(event_types, places, today=today)
    incidents = reader.read_file(path, shown)
    result = FileResult(incidents, reader.problems, reader.id_marks)
    if not as_bytes and (cache is None or not key):
        return result
    try:
        data = encode(result)
    except TypeError:
        return result  # a value the cache cannot hold: read again next time
    if cache is not None and key:  # stored by whichever process read it
        cache.put(_KIND, key, data)
    return data if as_bytes else result


def _read_chunk(args) -> list[FileResult | bytes]:
    jobs, cache, event_types, places, today, as_bytes = args
    # Reading makes millions of objects that live until the build ends and hold no cycles:
    # the collector would scan them again and again (half the reading time at 100k).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [_read_one(path, shown, key, cache, event_types, places, today, as_bytes) for path, shown, key in jobs]
    finally:
        if enabled:
            gc.enable()


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
    cache = BuildCache(cache_dir / "read", salt) if cache_dir is not None else None
    if memo is not None:  # serve: the files unchanged since the last rebuild, not read at all
        memo.start(salt)
        results = [memo.recall(path, shown) for path, shown in jobs]
    if cache is not None:
        for n, (path, shown) in enumerate(jobs):
            if results[n] is None:
                keys[n], results[n] = _cached(cache, path, shown)
    todo = [(jobs[n][0], jobs[n][1], keys[n]) for n, result in enumerate(results) if result is None]
    size = sum(_size(path) for path, _, _ in todo)
    if len(todo) > 1 and size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1:
        fresh = _read_parallel(todo, cache, event_types, places, today)
    else:
        fresh = _read_chunk((todo, cache, event_types, places, today, False))
    if cache is not None and memo is None:  # (under serve the memo's files' entries go unmarked)
        cache.prune()  # entries of files since edited or deleted
    missing = iter(fresh)
    done = [result if result is not None else next(missing) for result in results]
    if memo is not None:
        memo.keep(jobs, done)
    return done


def _read_parallel(jobs, cache, event_types, places, today) -> list[FileResult]:
    """Two halves of the files, read by two processes (interleaved, so sizes even out)."""
    workers = min(2, os.cpu_count() or 1)
    chunks = [jobs[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        parts = list(pool.map(_read_chunk, [(chunk, cache, event_types, places, today, True) for chunk in chunks]))
    out: list[FileResult] = [None] * len(jobs)  # type: ignore[list-item]
    for i, part in enumerate(parts):
        out[i::workers] = [decode(r, FileResult) if isinstance(r, bytes) else r for r in part]
    return out


def _fingerprint(event_types, places_file: Path, today: dt.date) -> str:
    """Everything besides the file's bytes that a FileResult depends on."""
    h = hashlib.sha256()
    h.update(sitegen.__version__.encode())
    h.update(repr(event_types).encode())
    h.update(today.isoformat().encode())
    h.update(language_key().encode())  # a result's problems are messages in the editor's language
    h.update(places_file.read_bytes() if places_file.exists() else b"")
    package = Path(__file__).resolve().parent.parent
    for code in sorted([*package.joinpath("read").glob("*.py"), package / "geo.py", package / "model.py", package / "messages.py"]):
        h.update(code.read_bytes())
    for data in sorted(package.joinpath("data").glob("*")):
        h.update(str(data.stat().st_mtime_ns).encode())
    return h.hexdigest()


def _cached(cache: BuildCache, path: Path, shown: str) -> tuple[str, FileResult | None]:
    """The key of the file (its name and bytes), and its result as read before if the
    entry is intact and holds nothing but records."""
    try:
        key = digest(shown, path.read_bytes())
    except OSError:
        return "", None
    payload = cache.peek(_KIND, key)
    if payload is None:
        return key, None
    try:
        return key, decode(payload, FileResult)
    except ValueError:
        return key, None


def incident_bytes(directory: Path) -> int:
    """The size of the incident files the reader would read under `directory`."""
    return sum(_size(path) for path in _files(directory, INCIDENT_SUFFIXES))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
