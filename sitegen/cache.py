"""A content-addressed cache under `.cache/sitegen/`, so a rebuild after editing one brief
does not recompute what did not change: rendered incident lists, data files, the search
index. Keys cover everything an output depends on: the inputs given by the caller plus
sitegen's version, its templates and the site's options (the salt)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
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


class BuildCache:
    """get(kind, key, make): the bytes made for that key before, else make() and keep them."""

    def __init__(self, root: Path | None, salt: str):
        self.root = root
        self.salt = salt
        self.hits = 0
        self.misses = 0
        self._used: set[Path] = set()

    def get(self, kind: str, key: str, make: Callable[[], bytes]) -> bytes:
        if self.root is None:
            return make()
        path = self.root / kind / hashlib.sha256(f"{self.salt}:{key}".encode()).hexdigest()
        self._used.add(path)
        try:
            data = path.read_bytes()
            self.hits += 1
            return data
        except OSError:
            pass
        self.misses += 1
        data = make()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time
        return data

    def file(self, kind: str, key: str, make: Callable[[], bytes]) -> Path | None:
        """The cached file for that key (made first if missing), to link or copy from
        without reading it back; None without a cache folder."""
        if self.root is None or not key:
            return None
        path = self.root / kind / hashlib.sha256(f"{self.salt}:{key}".encode()).hexdigest()
        self._used.add(path)
        if path.exists():
            self.hits += 1
            return path
        self.misses += 1
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(make())
        os.replace(tmp, path)
        return path

    def get_text(self, kind: str, key: str, make: Callable[[], str]) -> str:
        return self.get(kind, key, lambda: make().encode("utf-8")).decode("utf-8")

    def prune(self) -> None:
        """Forget entries this build did not use: the cache holds one build's outputs."""
        if self.root is None or not self._used:
            return
        for kind in {p.parent for p in self._used}:
            for path in kind.iterdir():
                if path not in self._used:
                    path.unlink(missing_ok=True)
