"""An edition's search index made from its pieces: in the build, or beside it in a worker.

    job = generator.search_job(brief_text, ed)     # each piece's key; the pieces the cache lacks
    index = search_job.run(job, cache)              # in this process
    pending = search_job.start([job, ...], cache)   # in a worker: `python -m sitegen.search_job`
    files = pending.files()                         # {uri: blob path or bytes}, when MkDocs needs them

A rebuild of a big site hands its editions' indexes to one worker process, which reads the
last index and the kept pieces from the build cache, makes the new index there and answers
with the blob of each file, while the build goes on (the search index was a fifth of a
rebuild's time at 100,000 incidents, on one core of two). The worker starts with nothing
of the build's memory: it holds the index and its pieces only. Under serve one worker
(`Worker`) answers every rebuild, and keeps them in memory from one to the next. A cold build, a small site,
a preview, and any build whose worker fails make the index in their own process, the same
way (run()): the files are the same bytes either way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

import sitegen
from sitegen.cache import BuildCache, CachePath, decode, encode
from sitegen.render import search

log = logging.getLogger(f"mkdocs.plugins.{__name__}")

SEARCH_PIECES = "search-pieces"  # the cache entries of the pieces of the indexes, by language and key
SEARCH_INDEX = "search"  # the cache entry of an edition's last index (search.pack), by language
WORKER_DOCS = 20_000  # documents from which a rebuild makes its indexes in a worker (a start costs ~0.2 s)


@dataclass
class Job:
    """What an edition's index is made of: each piece by its key, in document order."""

    lang: str
    prefix: str  # the edition's, before each file's path
    root: str  # the site root as seen from search/index/
    briefs: int  # documents that are briefs (the first ones); the incidents' part: as many as expected
    key: str  # the whole index's: a last index of that key is the one to make
    keys: list[str]  # each piece's (its content's digest)
    pieces: dict[str, search.Piece]  # the pieces the build cache did not hold, by key


Maker = Callable[[str], search.Piece]  # a piece of the index from its key
Loaded = tuple[search.Index | None, dict[str, search.Piece]]  # see load()
Placings = dict[str, search.Placing]  # serve's worker: what each edition's last index was made of, by language


@dataclass
class _Answer:
    """The worker's: the files of each job, and what it did in the build cache."""

    blobs: dict[str, str]  # uri -> the path of its blob
    data: dict[str, bytes]  # uri -> its bytes, where no blob could be written
    activity: dict[str, object]  # BuildCache.activity()


def holds_piece(cache: BuildCache, lang: str, key: str) -> bool:
    """Whether the build cache holds the edition's piece of that key (unread)."""
    return cache.holds_entry(SEARCH_PIECES, f"{lang}:{key}")


def keep_pieces(job: Job, cache: BuildCache) -> None:
    """The pieces the job made, in the build cache."""
    for key, piece in job.pieces.items():
        cache.put(SEARCH_PIECES, f"{job.lang}:{key}", data := encode(piece))
        _decoded_as(data, piece)


def made(job: Job, cache: BuildCache, make: Maker | None = None, loaded: Loaded | None = None,
         rest: search.Placed | None = None, placings: Placings | None = None) -> dict[str, bytes | Path | CachePath]:
    """The edition's index files by URI: the build cache's blobs, or bytes where there is no
    cache (see run() for `make`, `loaded`, `rest` and `placings`)."""
    index = run(job, cache, make, loaded=loaded, rest=rest, placings=placings)
    files = outputs(job, index, cache)
    if files is None:  # a file of the last index is gone from the cache: the whole index made again
        files = outputs(job, run(job, cache, make, fresh=True, placings=placings), cache)
    assert files is not None  # a fresh index has the bytes of every file
    return files


def load(job: Job, cache: BuildCache, early: Loaded | None = None) -> Loaded:
    """What run() reads from the cache for a job (or its incidents' part): the last index,
    and the kept pieces among the job's; `early`: preload() of the job's edition."""
    last, ready = early if early is not None else (_kept_index(cache, job.lang), {})
    kept = {}
    for key in job.keys:
        if key in job.pieces:
            continue
        if (piece := ready.get(key)) is not None:
            cache.keep(SEARCH_PIECES, f"{job.lang}:{key}")  # read early: this build's now
        elif (piece := _kept_piece(cache, job.lang, key)) is None:
            continue
        kept[key] = piece
    return last, kept


def preload(cache: BuildCache, lang: str) -> Loaded:
    """The edition's last index and every piece it was made of, read before the job is
    known (while the build reads the content); a piece becomes the build's only once a job
    has it (load()): the cache keeps this build's entries only."""
    last = _kept_index(cache, lang)
    if last is None:
        return None, {}
    scratch = cache.scratch()  # its reads are not the build's
    return last, {key: piece for key, _ in last.pieces if (piece := _kept_piece(scratch, lang, key)) is not None}


def run(job: Job, cache: BuildCache, make: Maker | None = None, fresh: bool = False, loaded: Loaded | None = None,
        rest: search.Placed | None = None, placings: Placings | None = None) -> search.Index:
    """The edition's index: the last one if it has the job's key, else made from the pieces
    (the kept ones and the job's), reusing what the last one shares with it (unless
    `fresh`). `make` makes a piece the job lacks and the cache no longer holds (an entry
    that could not be read); without it, KeyError. `loaded`: load() of the job, or of a
    part of it, done before; `rest`: its incidents' pieces placed before (placed_ahead()),
    used if they come right after its briefs' documents. `placings` (serve's worker: what
    each edition's last index was made of, by language): an index updated from the last
    one where it can be (search.update_index), and what it was made of kept there."""
    last, kept = loaded if loaded is not None else (_kept_index(cache, job.lang), {})
    last = None if fresh else last
    keep_pieces(job, cache)
    if last is not None and last.key == job.key:
        for key in job.keys:  # this build's, unread
            cache.keep(SEARCH_PIECES, f"{job.lang}:{key}")
        return last
    placing = placings.pop(job.lang, None) if placings is not None else None
    updated = _updated(job, placing, last, kept, cache) if placing is not None else None
    if updated is None:
        updated = _made_whole(job, cache, make, last, kept, rest)
    index, placing = updated
    index = dataclasses.replace(index, key=job.key)
    blob = search.pack(index)
    cache.put(SEARCH_INDEX, job.lang, blob)
    _decoded_as(blob, packed := dataclasses.replace(index, files={}))  # as unpack() gives it back
    if placings is not None:
        placings[job.lang] = dataclasses.replace(placing, index=packed)
    return index


def _updated(job: Job, placing: search.Placing, last: search.Index | None, kept: dict[str, search.Piece],
             cache: BuildCache) -> tuple[search.Index, search.Placing] | None:  # fmt: skip
    """The job's index updated from the last one, if `placing` is what made it (None if not,
    or if it cannot be: see search.update_index)."""
    if last is None or placing.index is not last:
        return None

    def piece(key: str) -> search.Piece:
        if (found := job.pieces.get(key) or kept.get(key) or _kept_piece(cache, job.lang, key)) is None:
            raise KeyError(key)
        return found

    try:
        with collector_paused():
            updated = search.update_index(placing, job.keys, piece, job.briefs, job.root, job.lang)
    except KeyError:  # a piece the cache no longer holds: made whole
        return None
    if updated is not None:
        for key in job.keys:  # this build's, the unchanged ones unread (the cache would drop them)
            cache.keep(SEARCH_PIECES, f"{job.lang}:{key}")
    return updated


def _made_whole(job: Job, cache: BuildCache, make: Maker | None, last: search.Index | None, kept: dict[str, search.Piece],
                rest: search.Placed | None) -> tuple[search.Index, search.Placing]:  # fmt: skip
    pieces = []
    for key in job.keys:
        if (piece := job.pieces.get(key) or kept.get(key) or _kept_piece(cache, job.lang, key)) is None:
            if make is None:
                raise KeyError(f"a search piece the build cache does not hold: {key}")
            piece = make(key)
            cache.put(SEARCH_PIECES, f"{job.lang}:{key}", encode(piece))
        pieces.append(piece)
    briefs, after = pieces[: job.briefs], job.keys[job.briefs :]
    if rest is None or rest.first != sum(len(p.shown) for p in briefs) or [key for key, _ in rest.pieces] != after:
        briefs, rest = pieces, None  # placed now, whole
    with collector_paused():
        return search.index_and_placing(
            briefs, job.briefs, root=job.root, lang=job.lang, last=last or search.Index({}), keys=job.keys, rest=rest,
            of_key=dict(zip(job.keys, pieces)),
        )  # fmt: skip


def outputs(job: Job, index: search.Index, cache: BuildCache) -> dict[str, bytes | Path | CachePath] | None:
    """The index's files by URI, each as the build cache's blob of it (named by the digest
    the index keeps: an unchanged file is not hashed again), or its bytes without a cache;
    None if a file the index took from the last one is no longer intact in the cache."""
    if not index.names:
        return {job.prefix + path: data for path, data in index.files.items()}
    files: dict[str, bytes | Path | CachePath] = {}
    for path, name in index.names.items():
        if (data := index.files.get(path)) is None:
            if (kept := cache.kept_blob(name)) is None:
                return None
            files[job.prefix + path] = kept
        else:
            files[job.prefix + path] = cache.blob(data, name) or data
    return files


def joined(incidents: tuple[Job, Maker], briefs: tuple[Job, Maker]) -> tuple[Job, Maker]:
    """The edition's whole job from its two parts (generator.search_incidents, search_briefs):
    the briefs' documents first."""
    (rest, make_rest), (first, make_first) = incidents, briefs
    job = Job(first.lang, first.prefix, first.root, first.briefs, first.key, first.keys + rest.keys, {**rest.pieces, **first.pieces})
    of_briefs = set(first.keys)
    return job, lambda key: make_first(key) if key in of_briefs else make_rest(key)


def in_worker(editions: list[str], cache: BuildCache, documents: int) -> bool:
    """Whether a worker should make the editions' indexes: a rebuild (each one's last index
    is in the cache, so the worker reads little it has not made) of a site big enough to gain."""
    return (
        cache.root is not None and documents >= WORKER_DOCS and os.name == "posix"  # it is handed a descriptor
        and all(cache.holds_entry(SEARCH_INDEX, lang) for lang in editions)
    )  # fmt: skip


class Worker:
    """Serve's worker, one process for all the session's rebuilds: it keeps in memory the
    cache entries it read and wrote (each edition's last index and its pieces, decoded), so
    that a rebuild's worker starts no Python and reads nothing back (0.4 s of each save at
    100,000 incidents, before its answer could come). A round that fails or is cancelled
    ends the process; the next rebuild starts another. A last index it remembers that a
    build without it has replaced since is still a sound one to start from: every file
    taken from it is its blob, named by its digest and checked (outputs())."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self.errors = tempfile.TemporaryFile()  # its processes' (a traceback, logged if a round fails)

    def round(self) -> subprocess.Popen | None:
        """The process for a rebuild's round (a new one if there is none, or it ended)."""
        if self._process is None or self._process.poll() is not None:
            self._process = _start(self.errors)
        return self._process

    def close(self) -> None:
        """Serve is over: the process ends (its stdin closed, it returns)."""
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(OSError):
                process.stdout.close()
        self.errors.close()


def _start(errors) -> subprocess.Popen | None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_package_parent(), os.environ.get("PYTHONPATH")]))}
    try:
        return subprocess.Popen([sys.executable, "-m", "sitegen.search_job"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=errors, env=env)  # fmt: skip
    except OSError:  # no process to be had: files() makes the indexes here
        return None


class Pending:
    """Indexes a worker is making. The worker starts with the editions only (`early`: as
    the build starts, so that it reads the last indexes and their pieces while the build
    reads the content), is given each edition's incidents' part once the model is known
    (start()), then the briefs' part once they are rendered (finish()); files() waits for
    the answer, or makes the indexes here if the worker failed. `worker`: serve's, kept
    across rebuilds; else a process for this build alone."""

    def __init__(self, cache: BuildCache, langs: list[str], worker: Worker | None = None) -> None:
        self.cache, self.langs = cache, list(langs)
        self.jobs: list[tuple[Job, Maker]] = []
        self._incidents: list[tuple[Job, Maker]] = []
        self._worker = worker
        self._errors = worker.errors if worker is not None else tempfile.TemporaryFile()
        self._process = worker.round() if worker is not None else _start(self._errors)
        self._send(_JOBS.encode(_Round(os.fspath(cache.root), cache.salt, self.langs, cache.seen_of("blob"))))

    @classmethod
    def of(cls, incidents: list[tuple[Job, Maker]], cache: BuildCache) -> Pending:
        """A worker started with the incidents' part of each edition's job."""
        pending = cls(cache, [job.lang for job, _ in incidents])
        pending.start(incidents)
        return pending

    def start(self, incidents: list[tuple[Job, Maker]]) -> None:
        """The incidents' part of each edition's job (in the order of the editions)."""
        self._incidents = incidents
        self._send(_JOBS.encode([job for job, _ in incidents]))

    def finish(self, briefs: list[tuple[Job, Maker]]) -> None:
        """The briefs' part of each edition's job (in the order of the incidents' parts)."""
        self.jobs = [joined(rest, first) for rest, first in zip(self._incidents, briefs)]
        self._send(_JOBS.encode([job for job, _ in briefs]), last=self._worker is None)

    def _send(self, data: bytes, last: bool = False) -> None:
        if self._process is None:
            return
        try:
            self._process.stdin.write(len(data).to_bytes(8, "big") + data)  # the worker reads it as it comes
            if last:
                self._process.stdin.close()
            else:
                self._process.stdin.flush()
        except OSError:  # the worker is gone: files() makes the indexes
            pass

    def files(self) -> dict[str, bytes | Path]:
        try:
            files = self._answered()
        finally:
            if self._worker is None:
                self._errors.close()
        if files is not None:
            return files
        files = {}
        for job, make in self.jobs:
            files.update(made(job, self.cache, make))
        return files

    def cancel(self) -> None:
        self.cancel_process()
        if self._worker is None:
            self._errors.close()

    def _answered(self) -> dict[str, bytes | Path] | None:
        answer = None
        if self.jobs and self._process is not None:
            try:
                answer = _ANSWER.decode(_read_frame(self._process.stdout))
            except (OSError, ValueError, msgspec.DecodeError):  # ended before a whole answer
                answer = None
            if self._worker is None and self._process.wait() != 0:
                answer = None
        if answer is not None and all(self.cache.holds(p) for p in answer.blobs.values()):
            self.cache.absorb(answer.activity)
            return {**{uri: CachePath(p) for uri, p in answer.blobs.items()}, **answer.data}
        self.cancel_process()
        with contextlib.suppress(OSError, ValueError):
            self._errors.seek(0)
            log.debug("The search index worker failed; made in the build: %s", self._errors.read().decode("utf-8", "replace")[-2000:])
        return None

    def cancel_process(self) -> None:
        """The worker is stopped (a serve worker too: the next rebuild starts another)."""
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
                self._process.wait()
            with contextlib.suppress(OSError):
                self._process.stdin.close()
                self._process.stdout.close()


def _package_parent() -> str:
    """The folder sitegen is imported from, so the worker runs this same sitegen."""
    return os.path.dirname(os.path.dirname(os.path.abspath(sitegen.__file__)))


def _kept_index(cache: BuildCache, lang: str) -> search.Index | None:
    """The edition's index as the last build made it (its key: what it was made of), if any."""
    blob = cache.peek(SEARCH_INDEX, lang)
    try:
        return _decode(blob, search.unpack) if blob is not None else None
    except ValueError:  # a cache entry sitegen did not write: made again, never trusted
        return None


def _kept_piece(cache: BuildCache, lang: str, key: str) -> search.Piece | None:
    """A piece of the edition's index as a build made it, if the cache holds it intact."""
    data = cache.peek(SEARCH_PIECES, f"{lang}:{key}")
    try:
        return _decode(data, _piece) if data is not None else None
    except ValueError:  # sealed by a different sitegen: made again
        return None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector held off: the search index allocates a million small
    objects, none of them garbage, and each full collection walks the whole heap again
    (a fourth of the index's time at 20,000 incidents)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_JOBS = msgspec.msgpack.Encoder()
_JOB_LIST = msgspec.msgpack.Decoder(list[Job])
_ANSWER = msgspec.msgpack.Decoder(_Answer)


@dataclass
class _Round:
    """What a worker's round is for: the build cache (its folder and salt), the editions, and
    the blobs the last build checked that were untouched as this one began (the index's files:
    the worker comes later, when emptying site/ has changed them; see cache.note_start)."""

    root: str
    salt: str
    langs: list[str]
    seen: dict[str, list[int]] | None = None


_ROUND = msgspec.msgpack.Decoder(_Round)


def main(argv: list[str]) -> int:
    """The worker: rounds on stdin, each a _Round, then each edition's job, its incidents'
    part then its briefs' part (MessagePack, each after its length); each round's _Answer
    on stdout, the same way. It ends when stdin does (a build's worker: after one round)."""
    gc.disable()
    given: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_read_frames, args=(sys.stdin.buffer, given), daemon=True).start()
    memory: dict[str, object] = {}  # the cache entries of the last round, for the next
    placings: Placings = {}  # what each edition's last index was made of, to update it from
    global _decoded
    _decoded = {}
    while frame := given.get():
        round_ = _ROUND.decode(frame)
        cache = BuildCache(Path(round_.root), round_.salt, memory=memory, seen=round_.seen)
        early = {lang: preload(cache, lang) for lang in round_.langs}  # while the build reads the content
        if not (frame := given.get()):
            return 0  # cancelled
        incidents = _JOB_LIST.decode(frame)
        loaded = [load(job, cache, early.get(job.lang)) for job in incidents]  # while the build renders the briefs
        # an index this worker made last is updated once the briefs come (a few hundredths
        # of a second at 100,000 incidents); another, until they come, placed and made as if
        # the briefs were the last index's (an edit of an incident leaves them so), and
        # answered at once if they are
        updating = [updatable(placings.get(job.lang), job, kept) for job, kept in zip(incidents, loaded)]
        ahead = [None if ok else placed_ahead(job, kept) for job, kept, ok in zip(incidents, loaded, updating)]
        guessed = [
            not ok and given.empty() and guessed_index(job, kept, placed, cache, placings)
            for job, kept, placed, ok in zip(incidents, loaded, ahead, updating)
        ]  # fmt: skip
        if not (frame := given.get()):
            return 0
        briefs = _JOB_LIST.decode(frame)
        answer = _Answer({}, {}, {})
        for rest, first, kept, placed, guess in zip(incidents, briefs, loaded, ahead, guessed):
            job, _ = joined((rest, _none), (first, _none))
            files = as_guessed(job, first, guess, cache, placings) if guess else None
            for uri, data in (files or made(job, cache, loaded=kept, rest=placed, placings=placings)).items():
                if not isinstance(data, bytes):  # the path of a blob
                    answer.blobs[uri] = str(data)
                else:
                    answer.data[uri] = data
        answer.activity = cache.activity()
        data = msgspec.msgpack.encode(answer)
        sys.stdout.buffer.write(len(data).to_bytes(8, "big") + data)
        sys.stdout.buffer.flush()
        del early, loaded, ahead, answer, data
        cache.forget_unused()  # the next round's cache remembers this one's entries only
        kept_values = {id(data) for data in memory.values()}
        _decoded = {n: known for n, known in _decoded.items() if n in kept_values}
        gc.collect()  # while the build renders its pages
    return 0


_decoded: dict[int, tuple[object, object]] | None = None  # the worker's: see _decode


def _decoded_as(data: bytes, value: object) -> None:
    if _decoded is not None:
        _decoded[id(data)] = (data, value)


def _decode(data: bytes, decode: Callable[[bytes], object]) -> object:
    """decode(data); in serve's worker, whose cache entries stay in memory across rounds as
    the same bytes, what it gave for those bytes the last time (an index, a piece)."""
    if _decoded is None:
        return decode(data)
    known = _decoded.get(id(data))
    if known is not None and known[0] is data:
        return known[1]
    value = decode(data)
    _decoded[id(data)] = (data, value)
    return value


_GUESS = "guessed"  # the key of an index made before its briefs were known (never a digest)


def guessed_index(rest: Job, loaded: Loaded, placed: search.Placed | None, cache: BuildCache,
                  placings: Placings | None = None) -> tuple[list[str], search.Index] | None:  # fmt: skip
    """The index of the incidents' part `rest` after the briefs of the last index (the
    pieces before document rest.briefs), with those pieces' keys; None if there is no
    last index or a piece is missing. `placings`: see run()."""
    last, _ = loaded
    if last is None:
        return None
    keys = [key for key, start in last.pieces if start < rest.briefs]
    job = Job(rest.lang, rest.prefix, rest.root, rest.briefs, _GUESS, keys + rest.keys, rest.pieces)
    try:
        return keys, run(job, cache, loaded=loaded, rest=placed, placings=placings)
    except KeyError:
        return None


def as_guessed(job: Job, briefs: Job, guess: tuple[list[str], search.Index], cache: BuildCache,
               placings: Placings | None = None) -> dict[str, bytes | Path | CachePath] | None:  # fmt: skip
    """The job's files from guessed_index() if its briefs are the ones guessed (the same
    pieces: the same index, but for its key), else None. `placings`: see run()."""
    keys, index = guess
    if keys != briefs.keys or briefs.briefs != job.briefs or briefs.pieces:
        return None
    index = dataclasses.replace(index, key=job.key)
    blob = search.pack(index)
    cache.put(SEARCH_INDEX, job.lang, blob)
    _decoded_as(blob, packed := dataclasses.replace(index, files={}))
    if placings is not None and (placing := placings.get(job.lang)) is not None:
        placings[job.lang] = dataclasses.replace(placing, index=packed)
    return outputs(job, index, cache)


def updatable(placing: search.Placing | None, rest: Job, loaded: Loaded) -> bool:
    """Whether the edition's index may be updated from the one `placing` made (run()): that
    one is the last index, and the incidents' part of the job has as many pieces, each
    as many documents, after as many briefs (the briefs may still differ: see
    search.update_index)."""
    last, kept = loaded
    if placing is None or last is None or placing.index is not last or placing.briefs != rest.briefs:
        return False
    before = placing.placed.pieces[len(placing.placed.pieces) - len(rest.keys) :] if rest.keys else []
    if len(before) != len(rest.keys) or (before and before[0][1] != rest.briefs):
        return False
    for (old, _), key in zip(before, rest.keys):
        if old != key and ((new := rest.pieces.get(key) or kept.get(key)) is None or len(new.shown) != len(placing.of_key[old].shown)):
            return False
    return True


def placed_ahead(job: Job, loaded: Loaded) -> search.Placed | None:
    """The incidents' part of a job placed after as many documents as its briefs are
    expected to make (job.briefs), before the briefs are rendered; None if a piece is missing."""
    _, kept = loaded
    pieces = [job.pieces.get(key) or kept.get(key) for key in job.keys]
    if not all(pieces):
        return None
    with collector_paused():
        return search.place(pieces, job.keys, first=job.briefs)


def _read_frames(stream, given: queue.Queue) -> None:
    """Each message on the stream (its length, then its bytes), as it comes; b"" at the end."""
    with contextlib.suppress(ValueError):
        while frame := _read_frame(stream):
            given.put(frame)
    given.put(b"")


def _read_frame(stream) -> bytes:
    """One message (its length, then its bytes); ValueError if the stream ends within one,
    b"" if before."""
    head = stream.read(8)
    if not head:
        return b""
    size = int.from_bytes(head, "big") if len(head) == 8 else -1
    data = stream.read(size) if size >= 0 else b""
    if size < 0 or len(data) != size:
        raise ValueError("the stream ended within a message")
    return data


def _piece(data: bytes) -> search.Piece:
    return decode(data, search.Piece)


def _none(key: str) -> search.Piece:
    raise KeyError(f"a search piece the build cache does not hold: {key}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
