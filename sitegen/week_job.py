"""A cold build's second process: each week's outputs made into the build cache, from the
newest week down, while the build makes them from the oldest up.

    helper = week_job.Helper.fork(site, config, cache)  # before the reading: a small process
    helper.start(by_week)                               # the incidents read and grouped by week
    helper.stop()                                       # before the cache is pruned

A cold build of a big site spends most of its time on outputs made of one week's incidents
alone: the week's downloads, its map data and map (drawn too), its search pieces and its
incident lists (all keyed by the week's incidents). The build looks for each of those
entries in the cache as it comes to it and makes only the missing ones, so the two
processes meet wherever the work divides, without waiting for each other; an entry both
make is the same bytes, written whole then renamed. The worker is forked before anything
is read (it shares little memory with the build) and reads each week's incidents from a
file handed to it, one week at a time; it is handed them as soon as they are read and grouped (while the build checks the
briefs and makes its model), and keys each week's entries as the build does, by the
week's incidents (a week the build ends up showing otherwise is only work lost). A build
that cannot fork, or whose worker fails, makes every entry itself: the site is the same
bytes either way. Rebuilds (the search index is kept) and serve never start it.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from sitegen import pipeline, read, search_job
from sitegen.aggregate import aggregate
from sitegen.cache import BuildCache, decode, encode
from sitegen.config import SiteConfig
from sitegen.generate import SiteGenerator
from sitegen.model import Content, Incident, IsoWeek
from sitegen.render import exports
from sitegen.write import die_with_parent

MIN_BYTES = 8 * 1024 * 1024  # of incident files: below, a second process gains less than it costs


@dataclass
class _Week:
    week: str  # its IsoWeek as text
    offset: int  # its incidents (cache.encode) in the handed file
    size: int


_TASK = msgspec.msgpack.Encoder()
_WEEKS = msgspec.msgpack.Decoder(tuple[str, list[_Week]])


def wanted(site: SiteConfig, config, cache: BuildCache, serving: bool) -> bool:
    """Whether a build gains by a week worker: a cold one (no search index kept) of a big
    site, with nothing but sitegen between it and MkDocs (another plugin may change the
    theme's environment the worker renders with), where a process can be forked."""
    return (
        not serving and cache.root is not None and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods() and set(config["plugins"]) <= {"sitegen"}
        and not all(cache.holds_entry(search_job.SEARCH_INDEX, lang) for lang in site.languages)
        and read.incident_bytes(site.incidents_dir) >= MIN_BYTES
    )  # fmt: skip


class Helper:
    """The worker, started before the reading and given the weeks once they are read."""

    def __init__(self, process, pipe, handed, salt: str) -> None:
        self._process, self._pipe, self._handed, self._salt = process, pipe, handed, salt

    @classmethod
    def fork(cls, site: SiteConfig, config, cache: BuildCache) -> Helper | None:
        """The worker, waiting for its weeks (start()); None if no process could be made."""
        context = multiprocessing.get_context("fork")
        handed = tempfile.TemporaryFile()  # the weeks' incidents, written by start(): read at offsets
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_work, args=(receive, send, handed, site, config, cache, os.getpid()), daemon=True)
        try:
            process.start()
        except OSError:
            send.close()
            handed.close()
            return None
        finally:
            receive.close()  # the worker's end
        return cls(process, send, handed, cache.salt)

    def start(self, by_week: Mapping[IsoWeek, list[Incident]]) -> None:
        """Hand the worker each week's public incidents (it makes the newest first) and the
        build cache's salt: as soon as the reading has grouped them, so that it works while
        the build checks the briefs and makes its model (3 s at 100k, one process idle)."""
        weeks = []
        try:
            for week in sorted(by_week, reverse=True):
                if incidents := by_week[week]:
                    data = encode(incidents)
                    weeks.append(_Week(str(week), self._handed.tell(), len(data)))
                    self._handed.write(data)
            self._handed.flush()
            self._pipe.send_bytes(_TASK.encode((self._salt, weeks)))
        except (OSError, TypeError):  # no worker then: the build makes every entry
            self.stop()

    def stop(self) -> None:
        """The worker ends (done or not: what it has not made, the build has)."""
        with contextlib.suppress(OSError):
            self._pipe.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._handed.close()


def _work(receive, send, handed, site: SiteConfig, config, cache: BuildCache, parent: int) -> None:
    """The worker's life: its weeks, then each one's entries. Nothing it meets is shown: the
    build makes and reports whatever this did not make."""
    try:
        send.close()  # the build's end: the worker sees the end of the pipe when the build goes
        die_with_parent(parent)
        gc.freeze()  # the build's objects, inherited: never scanned (each week's are collected)
        gc.enable()
        # full passes ten times rarer than Python's default: each walked what the worker keeps
        # from week to week (its caches, its templates) again, 33 times at 100k; now 4 (1.3 s
        # of a cold build's 29, for 23 MB more at the end)
        gc.set_threshold(700, 10, 100)
        try:
            salt, weeks = _WEEKS.decode(receive.recv_bytes())
        except EOFError:  # no weeks: the build did not need the worker after all
            os._exit(0)
        _make_weeks(weeks, handed.fileno(), BuildCache(cache.root, salt), site, config)
    except BaseException:  # noqa: BLE001 (a worker that fails only costs time)
        os._exit(1)
    os._exit(0)


def _make_weeks(weeks: list[_Week], handed: int, cache: BuildCache, site: SiteConfig, config) -> None:
    env = pipeline.configure_env(config.theme.get_env(), site)
    exporter = exports.Exporter(site.event_types)
    for item in weeks:
        incidents = decode(os.pread(handed, item.size, item.offset), list[Incident])
        model = aggregate(Content(incidents=incidents), site.event_types, now=site.now)
        generator = SiteGenerator(model, site, cache)
        if len(model.weeks) != 1 or str(model.weeks[0].week) != item.week or not generator.week_keys.get(model.weeks[0].week):
            continue  # not a week of its own after all (or no key to keep it by): the build makes it
        for spec in generator.week_entries(model.weeks[0], exporter):
            listed = pipeline.incident_list(env, generator, site, spec)
            if not cache.holds_entry(pipeline.INCIDENT_LISTS, listed.key):
                listed.__html__()  # made, and kept in the cache
            drawn = pipeline.week_map(env, generator, site, spec)
            if drawn.key and not cache.holds_entry(pipeline.WEEK_MAPS, drawn.key):
                drawn.__html__()
