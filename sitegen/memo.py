"""What `serve` keeps in memory between rebuilds: each incident file's read result, by the
file's stat, so a save re-reads only the file(s) that changed (not even the others'
entries in the disk cache: reading them all was most of a rebuild at 100k).

The plugin instance lives across serve's rebuilds (MkDocs keeps plugins that define
on_startup), and holds one ReadMemo. A result is trusted only while the file's path,
size, mtime, ctime and inode are what they were, and everything else the result depends on
(the reader's salt: event types, places, today, sitegen's code) is too. A file whose mtime
was within RACY_NS of the moment it was looked at is not remembered: a second save in the
same clock tick would leave its stat unchanged (git's "racy clean" rule).
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RACY_NS = 2_000_000_000


def stat_key(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class ReadMemo:
    """path -> (stat key, result) of the last rebuild; results of files gone are dropped."""

    def __init__(self) -> None:
        self._salt: bytes | None = None
        self._results: dict[tuple[str, str], tuple[tuple[int, ...], Any]] = {}
        self._looked: dict[tuple[str, str], tuple[tuple[int, ...] | None, int]] = {}
        self.merge: Any = None  # the last merge of the results (sitegen.read._Merge)
        self.checked: Any = None  # what the check made of that merge's incidents (sitegen.check._Grouped)
        self._briefs: ReadMemo | None = None

    def of_briefs(self) -> ReadMemo:
        """The brief files' memo (their results kept apart from the incident files'), started:
        a brief's result depends on its bytes alone."""
        if self._briefs is None:
            self._briefs = ReadMemo()
        self._briefs.start(b"")
        return self._briefs

    def start(self, salt: bytes) -> None:
        """A new rebuild: results read under another salt are forgotten."""
        if salt != self._salt:
            self._results.clear()
            self._salt = salt
        self._looked = {}

    def recall(self, path: Path, shown: str) -> Any | None:
        """The file's result as read before, if the file is as it was (its stat is taken
        now, before any reading, so a change after it only makes the next key differ)."""
        name = (str(path), shown)
        key = stat_key(path)
        self._looked[name] = (key, time.time_ns())
        known = self._results.get(name)
        if key is not None and known is not None and known[0] == key:
            return known[1]
        return None

    def keep(self, jobs: list[tuple[Path, str]], results: list[Any]) -> None:
        """This rebuild's results: the files read now replace what was known."""
        kept = {}
        for (path, shown), result in zip(jobs, results):
            name = (str(path), shown)
            key, looked_at = self._looked.get(name, (None, 0))
            if key is not None and looked_at - key[1] > RACY_NS:
                kept[name] = (key, result)
        self._results = kept
        self._looked = {}


class RecordMemo:
    """What serve computes of lists of records (a week's incidents: their key, tallies,
    key events), remembered across rebuilds by the records' identity: ReadMemo hands an
    unchanged file's records back as the same objects, and records are frozen, so the same
    objects in the same order have the same value. One rebuild's values are kept for the
    next (`done`); the lists are held, so no id is reused while a value is remembered."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[tuple, Any]] = {}  # the last rebuild's
        self._now: dict[tuple, tuple[tuple, Any]] = {}  # this rebuild's
        self._kept_of: dict[int, tuple[object, Any]] = {}  # of(), by the value's id, with the value
        self._now_of: dict[int, tuple[object, Any]] = {}
        # the lists get() handed out, by id: never changed, so one given back to get() is
        # known by its identity (a week's incidents: hundreds compared, each time it is asked
        # for its tallies, figures, key events, keys and downloads, were a tenth of a rebuild)
        self._kept_lists: dict[int, list] = {}
        self._now_lists: dict[int, list] = {}

    def get(self, kind: Any, make: Callable[[], Any], *lists: Sequence) -> Any:
        """make(), or what it gave for the same objects, in order, in each of `lists`."""
        name = (kind, *((len(items), id(items[0]), id(items[-1])) if items else 0 for items in lists))
        for known in (self._now.get(name), self._kept.get(name)):
            if known is not None and all(map(_same, known[0], lists)):
                self._now[name] = known
                return self._handed(known[1])
        value = make()
        self._now[name] = (tuple(items if self._is_handed(items) else tuple(items) for items in lists), value)
        return self._handed(value)

    def hand(self, items: list) -> list:
        """A list never changed once made (the check's week of incidents), known from now on
        by its identity, as one get() handed out."""
        self._now_lists[id(items)] = items
        return items

    def _handed(self, value: Any) -> Any:
        if type(value) is list:
            self._now_lists[id(value)] = value
        return value

    def _is_handed(self, items: Sequence) -> bool:
        n = id(items)
        return self._now_lists.get(n) is items or self._kept_lists.get(n) is items

    def of(self, value: object, make: Callable[[], Any]) -> Any:
        """make(), or what it gave for this very object in this rebuild or the last: for
        values never changed once made (frozen records, and the lists of them this memo
        hands out), whose result depends on nothing else."""
        n = id(value)
        for known in (self._now_of.get(n), self._kept_of.get(n)):
            if known is not None and known[0] is value:
                self._now_of[n] = known
                return known[1]
        made = make()
        self._now_of[n] = (value, made)
        return made

    def done(self) -> None:
        """The rebuild succeeded: its values are what the next one may reuse."""
        self._kept, self._now = self._now, {}
        self._kept_of, self._now_of = self._now_of, {}
        self._kept_lists, self._now_lists = self._now_lists, {}


def _same(known: Sequence, items: Sequence) -> bool:
    """Whether `items` holds the objects `known` held (a list get() handed out: that list)."""
    return known is items or (len(known) == len(items) and all(map(operator.is_, known, items)))


class NoMemo:
    """A build's: every value made."""

    @staticmethod
    def get(kind: Any, make: Callable[[], Any], *lists: Sequence) -> Any:
        return make()

    @staticmethod
    def of(value: object, make: Callable[[], Any]) -> Any:
        return make()

    @staticmethod
    def hand(items: list) -> list:
        return items

    def done(self) -> None:
        pass


NO_MEMO = NoMemo()
