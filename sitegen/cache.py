"""A content-addressed cache under `.cache/sitegen/`, so a rebuild after editing one brief
does not recompute what did not change: rendered incident lists, data files, the search
index. Keys cover everything an output depends on: the inputs given by the caller plus
sitegen's version, its templates and the site's options (the salt).

Nothing read back is trusted: every entry carries a digest of its bytes, and one that
does not match (truncated, edited, foreign) is made again. The files linked into the site
(file(), blob(), hundreds of MB at scale) are read and checked again only when they were
touched since the last build checked them: their size, time of last write or inode differ
from those it noted in `seen`, or their time of last change (which no one can set back, as
one can the time of last write) is after the note, as the build begins (see note_start).
Records are stored as JSON and rebuilt only as the types the caller names, so reading the
cache runs no code."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

import sitegen
from sitegen.memo import RACY_NS
from sitegen.write import umask


def digest(*parts: object) -> str:
    """A stable key for plain values and records: their fields as MessagePack, anything
    else by its repr (not a pickle, which also records which equal strings are the same
    object: that differs between a fresh read and one loaded from the read cache)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else _key_bytes(part))
    return h.hexdigest()


# a record's key: its fields walked by msgspec, ~10 times faster than its repr (a build
# keys every page by its record: 1.7 s of repr at 100k incidents)
_KEY_ENCODER = msgspec.msgpack.Encoder(enc_hook=repr)


def _key_bytes(part: object) -> bytes:
    try:
        return _KEY_ENCODER.encode(part)
    except (msgspec.EncodeError, TypeError, OverflowError):
        return repr(part).encode("utf-8")


def salt_of(template_dirs: Iterable[Path], options: object) -> str:
    h = hashlib.sha256(sitegen.__version__.encode())
    h.update(repr(options).encode())
    for folder in template_dirs:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                h.update(str(path.relative_to(folder)).encode())
                h.update(path.read_bytes())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):  # a new sitegen renders differently
        h.update(path.read_bytes())
    return h.hexdigest()


def seal(payload: bytes) -> bytes:
    """payload behind a line holding its digest."""
    return hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of sealed data, or None if it is not what was sealed."""
    head, sep, payload = data.partition(b"\n")
    if not sep or len(head) != 64 or hashlib.sha256(payload).hexdigest().encode() != head:
        return None
    return payload


def encode(value: object) -> bytes:
    """Records (dataclasses, enums, dates, tuples, dicts) as JSON that decode() rebuilds.
    TypeError for anything else."""
    try:
        return _ENCODER.encode(value)
    except (msgspec.EncodeError, OverflowError) as exc:
        raise TypeError(str(exc)) from exc


def decode(data: bytes, kind: object) -> object:
    """The value encode() stored, as `kind` (a record class, or a type such as
    list[Problem]): every field checked against its annotation; ValueError if it is not
    one. Records are built of their fields only, so reading the cache runs no code."""
    try:
        return _decoder(kind).decode(data)
    except msgspec.DecodeError as exc:  # malformed, or not of that type
        raise ValueError(str(exc)) from exc


# msgspec, as it encodes and decodes records ~15 times faster than a Python walk over them
# (100k incidents: 0.9 s and 1.3 s, against 15 s and 13 s)
_ENCODER = msgspec.json.Encoder()


@functools.cache
def _decoder(kind: object) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(kind)


class CachePath(str):
    """The path of one of the cache's files, as a string (a rebuild hands MkDocs thousands,
    the search index's files, and a Path costs several times more to make)."""

    __slots__ = ()

    def read_bytes(self) -> bytes:
        with open(self, "rb") as handle:
            return handle.read()


class BuildCache:
    """get(kind, key, make): the bytes made for that key before, else make() and keep them.

    `memory` (under serve, a dict kept across rebuilds): the entries of the last build, by
    path, so that a rebuild does not read back and check every entry from disk again. The
    path names the salt and the key, so an entry in memory is the one on disk."""

    def __init__(self, root: Path | None, salt: str, memory: dict[str, object] | None = None, *, later: bool = False,
                 seen: dict[str, list[int]] | None = None):
        self.root = root
        self.salt = salt
        self.hits = 0
        self.misses = 0
        self._used: set[str] = set()  # the paths of this build's entries
        self._memory = memory
        self._prefix = os.path.join(root, "") if root is not None else ""  # names under root, as strings (pathlib's cost ~0.5 s)
        # the files that the last build checked (file(), blob()), as it found them: one still
        # the same (size, time of its last write, inode) is not read and checked again
        self._seen: dict[str, list[int]] = self._read_seen() if seen is None else seen  # `seen`: another process's
        self._now: dict[str, list[int]] = {}  # this build's, for the next
        self._recent: dict[str, list[int]] = {}  # checked or written just now: see _checked
        self._soon: list[tuple[threading.Thread, Path, Callable]] = []  # files being made (file(soon=True))
        self._failed: set[Path] = set()
        self._tidying: threading.Thread | None = None  # prune(soon=True)
        # serve's: a file made soon is made once the rebuild is over, as the folder is tidied
        # (the site-wide downloads, 300 MB at 100k each save: writing them slowed the whole
        # rebuild by a fifth), then handed to prune()'s `placed`
        self._later = later
        self._made_later: list[tuple[Path, Path, Callable]] = []
        # the permissions of a file made now: the cache's are linked into the site as they
        # are, so one made under another umask is given them as it is checked (_stat)
        self._mode = 0o666 & ~umask()
        self._placed: Callable[[Path, Callable | None], None] | None = None

    def get(self, kind: str, key: str, make: Callable[[], bytes]) -> bytes:
        if self.root is None:
            return make()
        data = self.peek(kind, key)
        if data is None:
            data = make()
            self.put(kind, key, data)
        return data

    def peek(self, kind: str, key: str) -> bytes | None:
        """The bytes kept for that key if the entry is intact, else None. Either way the
        entry is this build's: prune() keeps it (another process may be making it)."""
        if self.root is None:
            return None
        path = self._path(kind, key)
        self._used.add(name := os.fspath(path))
        if self._memory is not None and (kept := self._memory.get(name)) is not None:
            self.hits += 1
            return kept
        try:
            data = unseal(path.read_bytes())
        except OSError:
            data = None
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
            self._remember(path, data)
        return data

    def keep(self, kind: str, key: str) -> None:
        """Make the entry for that key this build's without reading it: prune() keeps it."""
        if self.root is not None:
            self._used.add(os.fspath(self._path(kind, key)))

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Keep data for that key (from any process: entries are written whole, then renamed)."""
        if self.root is not None:
            path = self._path(kind, key)
            self._used.add(os.fspath(path))
            _write(path, seal(data))
            self._remember(path, data)

    def _remember(self, path: Path, data: bytes) -> None:
        if self._memory is not None:
            self._memory[os.fspath(path)] = data

    def file(self, kind: str, key: str, make: Callable[[], bytes | Iterable[bytes]], *, soon: bool = False) -> Path | None:
        """The cached file for that key (made first if missing, as bytes or in chunks), to
        link or copy from without reading it back; None without a cache folder. `soon`: a
        missing file is made by a thread while the build goes on, and is there once
        settle() has returned (hundreds of MB of site-wide downloads: reading, writing and
        hashing them leaves the interpreter free); with `later` (serve's), once the build is
        over (see prune)."""
        if self.root is None or not key:
            return None
        path = self._path(kind, key)
        check = path.with_name(path.name + ".sha256")  # the file itself is copied as is
        self._used.update((os.fspath(path), os.fspath(check)))
        if self._unchanged(path) and self._noted(check):
            self.hits += 1  # checked by the last build, and untouched since (its check then: not looked at again)
            return path
        try:
            with open(path, "rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest().encode() == check.read_bytes():
                    self.hits += 1
                    return self._checked(path, check)
        except OSError:
            pass
        self.misses += 1
        if soon and self._later:
            self._made_later.append((path, check, make))
            return path
        if soon:
            thread = threading.Thread(target=self._make_soon, args=(path, check, make), name=f"sitegen-{kind}", daemon=True)
            self._soon.append((thread, path, make))
            thread.start()
            return path
        return self._make(path, check, make)

    def _make(self, path: Path, check: Path, make: Callable[[], bytes | Iterable[bytes]]) -> Path | None:
        made = hashlib.sha256()
        if not _write(path, make(), made) or not _write(check, made.hexdigest().encode()):
            return None
        return self._checked(path, check)

    def _make_soon(self, path: Path, check: Path, make: Callable[[], bytes | Iterable[bytes]]) -> None:
        if not self._made(path, check, make):
            self._failed.add(path)  # settle() hands the file's bytes to the build instead

    def _made(self, path: Path, check: Path, make: Callable[[], bytes | Iterable[bytes]]) -> bool:
        try:
            return self._make(path, check, make) is not None
        except Exception:  # noqa: BLE001 (a maker's failure is the file's: its bytes are made again by the caller)
            return False

    def made_later(self) -> set[str]:
        """The paths of the files this build makes once it is over (`later`)."""
        return {os.fspath(path) for path, _, _ in self._made_later}

    def settle(self) -> dict[Path, Callable[[], bytes | Iterable[bytes]]]:
        """Wait for the files made soon (file(soon=True)); those that could not be written
        (a full disk, say), each with its maker: the build then holds their bytes itself."""
        soon, self._soon = self._soon, []
        for thread, _, _ in soon:
            thread.join()
        failed, self._failed = self._failed, set()
        return {path: make for _, path, make in soon if path in failed}

    def holds_entry(self, kind: str, key: str) -> bool:
        """Whether an entry for that key is there (unread: it may not be intact)."""
        return self.root is not None and self._path(kind, key).is_file()

    def holds_file(self, kind: str, key: str) -> bool:
        """Whether a file() of that key is there (unchecked)."""
        if self.root is None or not key:
            return False
        path = self._path(kind, key)
        return path.is_file() and path.with_name(path.name + ".sha256").is_file()

    def activity(self) -> dict[str, object]:
        """What this cache did that the build's own must know (another process's: see absorb)."""
        return {
            "used": [str(p) for p in self._used], "now": self._now, "recent": self._recent,
            "hits": self.hits, "misses": self.misses,
        }  # fmt: skip

    def absorb(self, activity: dict) -> None:
        """Take in another process's activity() on this cache (the same folder and salt): its
        entries are this build's, and the files it checked are noted as it found them. Its
        entries leave `memory`: one it wrote again under the same key (an index's) is read anew."""
        used = [p for p in activity["used"] if p.startswith(self._prefix)]
        self._used.update(used)
        if self._memory is not None:
            for path in used:
                self._memory.pop(path, None)
        self._now.update(activity["now"])
        self._recent.update(activity["recent"])
        self.hits += activity["hits"]
        self.misses += activity["misses"]

    def holds(self, path: Path) -> bool:
        """Whether the file is one of this cache's (safe to link: it is replaced, never
        rewritten, and checked before it is used again)."""
        return self.root is not None and os.fspath(path).startswith(self._prefix)

    def blob(self, data: bytes, name: str | None = None) -> Path | None:
        """A file holding data, named by its digest (`name`, if the caller kept it: the
        SHA-256 of data in hex), to link into the site (a link costs a fraction of writing a
        file); None without a cache folder. An existing one is read back and compared unless
        it is as the last build noted it, so one changed through a link in the site is
        written again."""
        if self.root is None:
            return None
        path = Path(f"{self._prefix}blob{os.sep}{name or hashlib.sha256(data).hexdigest()}")
        self._used.add(os.fspath(path))
        if self._unchanged(path):
            self.hits += 1
            return path
        with contextlib.suppress(OSError):
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                self.hits += 1
                return self._checked(path)
        self.misses += 1
        return self._checked(path) if _write(path, data) else None

    def kept_blob(self, name: str) -> CachePath | None:
        """The blob of that name (the SHA-256 of its bytes, in hex) if it is intact, else None."""
        if self.root is None:
            return None
        path = CachePath(f"{self._prefix}blob{os.sep}{name}")
        self._used.add(path)
        if self._unchanged(path):
            self.hits += 1
            return path
        try:
            with open(path, "rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() == name:
                    self.hits += 1
                    return self._checked(path)
        except OSError:
            pass
        self.misses += 1
        return None

    def size_of(self, path: str | Path) -> int | None:
        """The size of one of this build's files, as this build checked or wrote it (None if it did not)."""
        return found[0] if (found := self._found(path)) is not None else None

    def inode_of(self, path: str | Path) -> int | None:
        """The inode of one of this build's files, as this build checked or wrote it (None if it did not)."""
        return found[2] if (found := self._found(path)) is not None else None

    def _found(self, path: str | Path) -> list[int] | None:
        name = self._name(path)
        return self._now.get(name) or self._recent.get(name)

    def _checked(self, *paths):
        """The first of the paths, each remembered as it is now (checked, or just written).
        One written within RACY_NS is noted only if it is still the same when the build
        ends and its write is older than that by then: a rewrite in the same clock tick
        would leave its time as it is (git's "racy clean" rule)."""
        for path in paths:
            if (found := _stat(path, self._mode)) is not None:
                recent = time.time_ns() - found[1] <= RACY_NS
                (self._recent if recent else self._now)[self._name(path)] = found
        return paths[0]

    def _settled(self) -> dict[str, list[int]]:
        """The files written just before their check that are unchanged since, and old enough now."""
        now = time.time_ns()
        return {
            name: found for name, found in self._recent.items()
            if now - found[1] > RACY_NS and _stat(self._prefix + name) == found
        }  # fmt: skip

    def _unchanged(self, path: str | Path) -> bool:
        """Whether the file is as the last build noted it (its time of last change was, as
        this build began: see note_start) and as it was then."""
        seen = self._seen.get(name := self._name(path))
        if seen is None or seen != _stat(path, self._mode):
            return False
        self._now[name] = seen
        return True

    def _noted(self, path: str | Path) -> bool:
        """Whether the last build noted the file (kept for the next, unlooked at)."""
        seen = self._seen.get(name := self._name(path))
        if seen is not None:
            self._now[name] = seen
        return seen is not None

    def _name(self, path: str | Path) -> str:
        return os.fspath(path).removeprefix(self._prefix)

    def seen_of(self, kind: str) -> dict[str, list[int]]:
        """The files of that kind the last build checked and this one found untouched as it began."""
        return {name: found for name, found in self._seen.items() if name.startswith(f"{kind}{os.sep}")}

    def _read_seen(self) -> dict[str, list[int]]:
        if self.root is None:
            return {}
        started = _STARTED.get(os.fspath(self.root))
        if started is not None and started[0] == _stat(self.root / SEEN_FILE):  # this build's
            return started[1]
        return _untouched(self.root)

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        # one Path made of a string: pathlib's joins cost as much as the rest of a cached file's look-up
        return Path(f"{self._prefix}{kind}{os.sep}{hashlib.sha256(f'{self.salt}:{key}'.encode()).hexdigest()}")

    def get_text(self, kind: str, key: str, make: Callable[[], str]) -> str:
        return self.get(kind, key, lambda: make().encode("utf-8")).decode("utf-8")

    def get_value(self, kind: str, key: str, make: Callable[[], object], type_: object) -> object:
        """A value of `type_` made before for that key (see encode/decode), else make()."""
        data = self.get(kind, key, lambda: encode(make()))
        try:
            return decode(data, type_)
        except ValueError:  # sealed by a different sitegen: make it again
            value = make()
            if self.root is not None:
                _write(self._path(kind, key), seal(encode(value)))
                if self._memory is not None:
                    self._memory.pop(os.fspath(self._path(kind, key)), None)
            return value

    def prune(self, *, soon: bool = False, placed: Callable[[Path, Callable | None], None] | None = None) -> None:
        """Forget entries this build did not use: the cache holds one build's outputs.
        `soon`: the folder is tidied by a thread (serve's, while the page reloads), which
        tidied() waits for; the next build's cache is made only after that. The files made
        `later` are made first, each then handed to `placed` (with its maker if it could not
        be written: the caller writes its bytes where they go)."""
        self.settle()  # no file is being made into a folder being tidied
        self._placed = placed
        self.forget_unused()
        if self.root is None or not self._used:
            return
        if soon:
            self._tidying = threading.Thread(target=self._tidy, name="sitegen-prune", daemon=True)
            self._tidying.start()
        else:
            self._tidy()

    def scratch(self) -> BuildCache:
        """A cache of the same folder, salt and memory whose reads are not this build's."""
        return BuildCache(self.root, self.salt, memory=self._memory)

    def forget_unused(self) -> None:
        """`memory` keeps this build's entries only, as the folder will once pruned."""
        if self._memory is not None:
            for path in [p for p in self._memory if p not in self._used]:
                del self._memory[path]

    def tidied(self) -> None:
        """Wait for the folder's tidying (prune(soon=True))."""
        thread, self._tidying = self._tidying, None
        if thread is not None:
            thread.join()

    def _tidy(self) -> None:
        later, self._made_later = self._made_later, []
        for path, check, make in later:  # before the folder is tidied: they are this build's
            made = self._made(path, check, make)
            if self._placed is not None:
                self._placed(path, None if made else make)
        if self._now or self._recent or self._seen:
            _note(self.root, {**self._settled(), **self._now})
        for kind in {os.path.dirname(p) for p in self._used}:
            try:
                with os.scandir(kind) as entries:
                    for entry in entries:
                        if entry.path in self._used:
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path, ignore_errors=True)
                        else:
                            with contextlib.suppress(FileNotFoundError):
                                os.unlink(entry.path)
            except OSError:
                pass  # a cache folder that cannot be tidied only costs room


SEEN_FILE = "seen/files"  # a folder of its own, as every kind of entry
SEEN_TIME = "seen/at"  # when the note was made (ns since the epoch): see note_start
_SEEN = msgspec.msgpack.Decoder(dict[str, list[int]])
# by cache folder: the stat of its `seen` file and the files it names that were untouched
# (time of last change and all) when the build began, before the site was emptied
_STARTED: dict[str, tuple[list[int] | None, dict[str, list[int]]]] = {}
_NOTED: set[str] = set()  # the cache folders whose note this process wrote last (see renote)


def note_start(root: Path) -> None:
    """Before a build touches site/: which of the files the last build checked are as it left
    them, their time of last change (which no one can set back) included. Emptying site/
    (MkDocs' first step) unlinks each file linked there from the cache, which changes that
    time: after it, an edit that set back the time of last write could not be told from it.
    The build's caches of this folder (in this process and those it forks) take their `seen`
    from here (a stat of each file, 20,000 at 100,000 incidents, is 0.07 s). A change made
    while a build runs is not told from the build's own links."""
    _STARTED[os.fspath(root)] = (_stat(root / SEEN_FILE), _untouched(root))


def renote(root: Path) -> None:
    """The note's time moved on to now: `sitegen build` swaps its site in after the build,
    and unlinking the old site changed the time of last change of every file linked there."""
    if os.fspath(root) in _NOTED:  # this process's build wrote the note: else it is not this build's
        _write(root / SEEN_TIME, str(time.time_ns()).encode())


def _untouched(root: Path) -> dict[str, list[int]]:
    """The files named in root's `seen` that are as it says and whose inode nothing has
    changed since the note was made (a write, a new time of last write, a link)."""
    prefix = os.path.join(root, "")
    try:
        noted_at = int((root / SEEN_TIME).read_bytes())
    except (OSError, ValueError):  # none: every file is checked
        return {}
    if noted_at > time.time_ns():  # a note from the future (a foreign cache) would let any change through
        return {}
    found = {}
    for name, seen in _read_noted(root).items():
        try:
            st = os.stat(prefix + name)
        except OSError:
            continue
        if st.st_ctime_ns <= noted_at and [st.st_size, st.st_mtime_ns, st.st_ino] == seen:
            found[name] = seen
    return found


def _read_noted(root: Path) -> dict[str, list[int]]:
    try:
        return _SEEN.decode((root / SEEN_FILE).read_bytes())
    except (OSError, msgspec.DecodeError):  # none yet, or not one sitegen wrote: every file is checked
        return {}


def _note(root: Path, checked: dict[str, list[int]]) -> None:
    """Keep the checked files for the next build, then the time of the note: this build's
    links into the site are made, and no file may change after it."""
    _NOTED.discard(os.fspath(root))
    if _write(root / SEEN_FILE, msgspec.msgpack.encode(checked)) and _write(root / SEEN_TIME, str(time.time_ns()).encode()):
        _NOTED.add(os.fspath(root))


def _stat(path: str | Path, mode: int | None = None) -> list[int] | None:
    """What a write changes, and a link into the site does not (the inode's change time:
    see note_start); with `mode`, the file is given those permissions if it has others."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if mode is not None and st.st_mode & 0o777 != mode:
        with contextlib.suppress(OSError):
            os.chmod(path, mode)
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _make_folder(folder: Path) -> None:
    """The folder of an entry; a file in its place (an older sitegen's, or damage) is removed:
    every name under the cache is the cache's own."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        folder.unlink()
        folder.mkdir()


def _write(path: Path, data: bytes | Iterable[bytes], digest_of=None) -> bool:
    """data (or its chunks) written whole, then renamed into place; `digest_of` (a hashlib
    object) is fed every byte on the way."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        _make_folder(path.parent)
        with open(tmp, "wb") as handle:
            for chunk in (data,) if isinstance(data, bytes) else data:
                handle.write(chunk)
                if digest_of is not None:
                    digest_of.update(chunk)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False  # a cache that cannot be written only costs time
