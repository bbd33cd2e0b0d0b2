"""A content-addressed cache under `.cache/sitegen/`, so a rebuild after editing one brief
does not recompute what did not change: rendered incident lists, data files, the search
index. Keys cover everything an output depends on: the inputs given by the caller plus
sitegen's version, its templates and the site's options (the salt).

Nothing read back is trusted: every entry carries a digest of its bytes, and one that
does not match (truncated, edited, foreign) is made again. Records are stored as JSON
and rebuilt only as the classes the caller names, so reading the cache runs no code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import sitegen


def digest(*parts: object) -> str:
    """A stable key for plain values and records. Their repr, not their pickle: a pickle
    also records which equal strings are the same object, which differs between a fresh
    read and one loaded from the read cache."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else repr(part).encode("utf-8"))
    return h.hexdigest()


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
    """Records (dataclasses, enums, dates, tuples, dicts) as JSON that decode() rebuilds."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _plain(value: object) -> object:
    if isinstance(value, enum.Enum):  # before str: a StrEnum is a str too
        return {"$e": type(value).__name__, "v": value.value}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, tuple):
        return {"$t": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {"$m": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value):
        # fields as pairs, not a JSON object: decode's hook sees inner objects first and
        # takes every object for a tagged value
        return {"$": type(value).__name__, "f": [[f.name, _plain(getattr(value, f.name))] for f in dataclasses.fields(value)]}
    raise TypeError(f"cannot store {type(value).__name__} in the cache")


def decode(data: bytes, classes: Mapping[str, type]) -> object:
    """The value encode() stored, built of `classes` (dataclasses and enums by name) only;
    ValueError for anything else."""

    def hook(obj: dict) -> object:
        if "$" in obj:
            cls = classes.get(obj["$"])
            if cls is None or not dataclasses.is_dataclass(cls) or set(obj) != {"$", "f"}:
                raise ValueError(f"unexpected record {obj['$']!r}")
            return cls(**{name: value for name, value in obj["f"]})
        if "$e" in obj:
            cls = classes.get(obj["$e"])
            if cls is None or not issubclass(cls, enum.Enum):
                raise ValueError(f"unexpected value {obj['$e']!r}")
            return cls(obj["v"])
        if "$t" in obj:
            return tuple(obj["$t"])
        if "$m" in obj:
            return {k: v for k, v in obj["$m"]}
        if "$d" in obj:
            return dt.date.fromisoformat(obj["$d"])
        if "$dt" in obj:
            return dt.datetime.fromisoformat(obj["$dt"])
        raise ValueError("unexpected mapping")

    try:
        return json.loads(data.decode("utf-8"), object_hook=hook)
    except (UnicodeDecodeError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ValueError(str(exc)) from exc


class BuildCache:
    """get(kind, key, make): the bytes made for that key before, else make() and keep them.

    `memory` (under serve, a dict kept across rebuilds): the entries of the last build, by
    path, so that a rebuild does not read back and check every entry from disk again. The
    path names the salt and the key, so an entry in memory is the one on disk."""

    def __init__(self, root: Path | None, salt: str, memory: dict[Path, object] | None = None):
        self.root = root
        self.salt = salt
        self.hits = 0
        self.misses = 0
        self._used: set[Path] = set()
        self._memory = memory

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
        self._used.add(path)
        if self._memory is not None and (kept := self._memory.get(path)) is not None:
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

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Keep data for that key (from any process: entries are written whole, then renamed)."""
        if self.root is not None:
            path = self._path(kind, key)
            self._used.add(path)
            _write(path, seal(data))
            self._remember(path, data)

    def _remember(self, path: Path, data: bytes) -> None:
        if self._memory is not None:
            self._memory[path] = data

    def file(self, kind: str, key: str, make: Callable[[], bytes]) -> Path | None:
        """The cached file for that key (made first if missing), to link or copy from
        without reading it back; None without a cache folder."""
        if self.root is None or not key:
            return None
        path = self._path(kind, key)
        check = path.with_name(path.name + ".sha256")  # the file itself is copied as is
        self._used.update((path, check))
        if self._memory is not None and (seen := self._memory.get(check)) is not None and seen == _stat(path):
            self.hits += 1  # checked by the last build, and untouched since
            return path
        try:
            with open(path, "rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest().encode() == check.read_bytes():
                    self.hits += 1
                    return self._checked(path, check)
        except OSError:
            pass
        self.misses += 1
        data = make()
        if not _write(path, data) or not _write(check, hashlib.sha256(data).hexdigest().encode()):
            return None
        return self._checked(path, check)

    def _checked(self, path: Path, check: Path) -> Path:
        if self._memory is not None:
            self._memory[check] = _stat(path)
        return path

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / hashlib.sha256(f"{self.salt}:{key}".encode()).hexdigest()

    def get_text(self, kind: str, key: str, make: Callable[[], str]) -> str:
        return self.get(kind, key, lambda: make().encode("utf-8")).decode("utf-8")

    def get_value(self, kind: str, key: str, make: Callable[[], object], classes: Mapping[str, type]) -> object:
        """A record made before for that key (see encode/decode), else make()."""
        data = self.get(kind, key, lambda: encode(make()))
        try:
            return decode(data, classes)
        except ValueError:  # sealed by a different sitegen: make it again
            value = make()
            if self.root is not None:
                _write(self._path(kind, key), seal(encode(value)))
                if self._memory is not None:
                    self._memory.pop(self._path(kind, key), None)
            return value

    def prune(self) -> None:
        """Forget entries this build did not use: the cache holds one build's outputs."""
        if self._memory is not None:  # this build's entries only, as on disk
            for path in [p for p in self._memory if p not in self._used]:
                del self._memory[path]
        if self.root is None or not self._used:
            return
        for kind in {p.parent for p in self._used}:
            try:
                for path in kind.iterdir():
                    if path not in self._used:
                        if path.is_dir() and not path.is_symlink():
                            shutil.rmtree(path, ignore_errors=True)
                        else:
                            path.unlink(missing_ok=True)
            except OSError:
                pass  # a cache folder that cannot be tidied only costs room


def _stat(path: Path) -> tuple[int, ...] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _write(path: Path, data: bytes) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError:
        return False  # a cache that cannot be written only costs time
