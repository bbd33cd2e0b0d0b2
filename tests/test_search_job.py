"""The search indexes made by a worker process beside the build (sitegen.search_job): the
same files as the build makes itself, in the build cache, and the build's own way when the
worker fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen import search_job
from sitegen.aggregate import aggregate
from sitegen.cache import BuildCache, CachePath
from sitegen.config import from_options
from sitegen.generate import SiteGenerator
from sitegen.model import Brief, Content
from tests.test_search import BRIEF_WEEKS, _edited, _many_weeks, _with_brief_text


def _generator(tmp_path: Path, incidents, cache: BuildCache | None) -> SiteGenerator:
    config = from_options({}, docs_dir=tmp_path, site_dir=tmp_path / "site", site_name="S", site_url="")
    return SiteGenerator(aggregate(Content(incidents=list(incidents)), config.event_types), config, cache)


def _cold(tmp_path: Path, incidents, briefs) -> dict[str, bytes]:
    generator = _generator(tmp_path, incidents, None)
    return {uri: data for ed in generator.editions() for uri, data in generator.search_files(briefs, ed=ed).items()}


def _read(files: dict[str, bytes | Path]) -> dict[str, bytes]:
    return {uri: data if isinstance(data, bytes) else data.read_bytes() for uri, data in files.items()}


def _warm_cache(tmp_path: Path, incidents, briefs) -> None:
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    for ed in generator.editions():
        generator.search_files(briefs, ed=ed)
    cache.prune()


EDITS = {
    "one brief's text": lambda i, b: (i, _with_brief_text(b, " An editor's new sentence.")),
    "one incident's summary": lambda i, b: (_edited(i, summary="Gunmen seen again, newword."), b),
    "a deleted incident": lambda i, b: (_edited(i, deleted=True), b),
    "nothing": lambda i, b: (i, b),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_worker_makes_the_index_a_cold_build_makes(tmp_path, monkeypatch, edit):
    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    incidents, briefs = EDITS[edit](incidents, briefs)
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    editions = generator.editions()
    assert search_job.in_worker([ed.lang for ed in editions], cache, documents=search_job.WORKER_DOCS), "a rebuild"
    pending = search_job.Pending.of([generator.search_incidents(ed) for ed in editions], cache)
    pending.finish([generator.search_briefs(briefs, ed) for ed in editions])

    def not_here(*args, **kwargs):
        raise AssertionError("made in the build's process: the worker did not answer")

    monkeypatch.setattr(search_job, "run", not_here)
    files = pending.files()
    monkeypatch.undo()
    assert all(isinstance(data, (Path, CachePath)) and cache.holds(data) for data in files.values()), "the cache's blobs, to link"
    assert _read(files) == _cold(tmp_path, incidents, briefs)
    # the worker's entries are this build's: the next build finds them, and has nothing to make
    cache.prune()
    again = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, again)
    jobs = [generator.search_job(briefs, ed) for ed in generator.editions()]
    assert all(not job.pieces for job, _ in jobs), "every piece kept"
    assert all(search_job.run(job, again).key == job.key for job, _ in jobs), "each index kept whole"


@pytest.mark.parametrize("edit", EDITS)
def test_serve_s_worker_updates_the_index_it_made_last(tmp_path, monkeypatch, edit):
    """Serve's worker keeps what each edition's last index was made of, and after an edit
    that moves no document, updates it: the files a cold build makes, nothing made whole."""
    from sitegen.render import search

    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    monkeypatch.setattr(search_job, "_decoded", {})  # as in the worker: each cache entry decoded once
    memory: dict = {}
    placings: search_job.Placings = {}

    def worker_round(incidents, briefs) -> dict[str, bytes]:
        cache = BuildCache(tmp_path / ".cache", "salt", memory=memory)
        generator = _generator(tmp_path, incidents, cache)
        files = {}
        for ed in generator.editions():  # as the worker has them: the incidents' part, loaded, then the briefs'
            rest = generator.search_incidents(ed)
            loaded = search_job.load(rest[0], cache)
            job, make = search_job.joined(rest, generator.search_briefs(briefs, ed))
            files.update(search_job.made(job, cache, make, loaded=loaded, placings=placings))
        cache.prune()  # the build's end: the cache holds this build's entries only
        return _read(files)

    briefs = _with_brief_text(briefs, " Reworded.")
    worker_round(incidents, briefs)  # its first round, after an edit: made whole
    assert set(placings) == {"en", "fr"}
    incidents, briefs = EDITS[edit](incidents, briefs)
    whole = []
    real = search.index_and_placing
    monkeypatch.setattr(search, "index_and_placing", lambda *a, **k: whole.append(a) or real(*a, **k))
    files = worker_round(incidents, briefs)
    monkeypatch.undo()
    assert len(whole) == (2 if edit == "a deleted incident" else 0), "made whole only where documents moved"
    assert files == _cold(tmp_path, incidents, briefs)
    generator = _generator(tmp_path, incidents, BuildCache(tmp_path / ".cache", "salt"))
    assert all(not job.pieces for job, _ in (generator.search_job(briefs, ed) for ed in generator.editions())), "every piece kept"


@pytest.mark.parametrize("edit", EDITS)
def test_an_index_made_before_its_briefs_came_is_answered_only_if_they_are_the_last_ones(tmp_path, edit):
    """The worker makes each index while the build renders the briefs, with the last
    index's briefs: answered if the briefs are those, else made again with them."""
    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    incidents, briefs = EDITS[edit](incidents, briefs)
    cache = BuildCache(tmp_path / ".cache", "salt")
    config = from_options({}, docs_dir=tmp_path, site_dir=tmp_path / "site", site_name="S", site_url="")
    content = Content(incidents=list(incidents), briefs=[Brief(week, title, body) for week, (title, body) in briefs.items()])
    generator = SiteGenerator(aggregate(content, config.event_types), config, cache)  # its briefs expected
    files = {}
    for ed in generator.editions():
        rest, _ = generator.search_incidents(ed)
        loaded = search_job.load(rest, cache, search_job.preload(cache, ed.lang))
        guess = search_job.guessed_index(rest, loaded, search_job.placed_ahead(rest, loaded), cache)
        first, _ = generator.search_briefs(briefs, ed)
        job, make = search_job.joined((rest, None), (first, None))
        guessed = search_job.as_guessed(job, first, guess, cache)
        assert (guessed is None) == (edit == "one brief's text"), "answered as guessed unless a brief changed"
        files.update(guessed or search_job.made(job, cache, make))
    assert _read(files) == _cold(tmp_path, incidents, briefs)


def test_a_build_whose_worker_fails_makes_the_index_itself(tmp_path, monkeypatch):
    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    incidents = _edited(incidents, summary="Gunmen seen again, newword.")
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    editions = generator.editions()
    monkeypatch.setattr(search_job.sys, "executable", "/bin/false")  # a worker that exits at once, failed
    pending = search_job.Pending.of([generator.search_incidents(ed) for ed in editions], cache)
    pending.finish([generator.search_briefs(briefs, ed) for ed in editions])
    files = pending.files()
    monkeypatch.undo()
    assert _read(files) == _cold(tmp_path, incidents, briefs)


def test_a_job_missing_a_piece_the_cache_lost_makes_it(tmp_path):
    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    edited = _with_brief_text(briefs, " More.")
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    jobs = [generator.search_job(edited, ed) for ed in generator.editions()]
    for entry in (tmp_path / ".cache" / search_job.SEARCH_PIECES).iterdir():
        entry.write_bytes(b"lost")  # after the job was made
    with pytest.raises(KeyError):
        search_job.run(jobs[0][0], cache)  # the worker's case: it fails, and the build makes the index
    files = {}
    for job, make in jobs:
        files.update(search_job.outputs(job, search_job.run(job, cache, make), cache))
    assert _read(files) == _cold(tmp_path, incidents, edited)


def _record_workers(monkeypatch) -> list[str]:
    """The editions of each worker started from now on, as "en,fr"."""
    started: list[str] = []
    real_init = search_job.Pending.__init__

    def recorded(self, cache, langs, worker=None):
        started.append(",".join(langs))
        real_init(self, cache, langs, worker)

    monkeypatch.setattr(search_job.Pending, "__init__", recorded)
    return started


def test_a_rebuild_whose_index_a_worker_makes_writes_the_site_a_build_without_one_writes(tmp_path, monkeypatch):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from tests.test_atomic_build import make_site, site_snapshot

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    started = _record_workers(monkeypatch)
    sites = {}
    for name, threshold in (("with a worker", 0), ("without", 10**9)):
        root = make_site(tmp_path / name)
        monkeypatch.chdir(root)
        monkeypatch.setattr(search_job, "WORKER_DOCS", threshold)
        brief = root / "content/briefs/2023-W39.md"
        for text in (brief.read_text(encoding="utf-8"), brief.read_text(encoding="utf-8") + "\nOuallam was quiet.\n"):
            brief.write_text(text, encoding="utf-8")
            mkdocs_build(load_config(str(root / "mkdocs.yml")))
        sites[name] = site_snapshot(root / "site")
    assert started == ["en,fr"], "the rebuild only, with a worker: the first build had no last index"
    assert sites["with a worker"] == sites["without"]
    assert b"ouallam" in sites["without"]["search/index/t-ou.json"], "the edit is in the index"


def test_a_rebuild_in_a_fresh_process_starts_its_worker_before_reading_when_the_last_index_was_big(tmp_path, monkeypatch):
    # the rebuild of the 100k site started it once its model was made, then waited half a
    # second for its answer; the last build's count of documents, kept in the cache, says sooner
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    import sitegen.check
    from tests.test_atomic_build import make_site

    root = make_site(tmp_path / "site")
    monkeypatch.chdir(root)
    monkeypatch.setattr(search_job, "WORKER_DOCS", 1)
    events = _record_workers(monkeypatch)
    read = sitegen.check.read_content
    monkeypatch.setattr(sitegen.check, "read_content", lambda *a, **k: events.append("read") or read(*a, **k))
    brief = root / "content/briefs/2023-W39.md"
    for text in (brief.read_text(encoding="utf-8"), brief.read_text(encoding="utf-8") + "\nOuallam was quiet.\n"):
        brief.write_text(text, encoding="utf-8")
        mkdocs_build(load_config(str(root / "mkdocs.yml")))  # a new plugin instance each time, as a new process
    assert events == ["read", "en,fr", "read"], "the rebuild's worker, before its reading; none for the first build"
    assert b"ouallam" in (root / "site/search/index/t-ou.json").read_bytes()


def test_a_file_of_the_last_index_damaged_in_the_cache_is_made_again(tmp_path):
    """A kept file is linked from its blob, unread: one changed since (through the site's
    link) is found out, and the index is made whole again."""
    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    for blob in (tmp_path / ".cache" / "blob").iterdir():
        if blob.read_bytes().startswith(b'[["Raid'):  # a block of documents
            blob.write_bytes(b'[["Defaced"]]')
    edited = _with_brief_text(briefs, " More.")
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    files = {}
    for job, make in [generator.search_job(edited, ed) for ed in generator.editions()]:
        files.update(search_job.made(job, cache, make))
    assert _read(files) == _cold(tmp_path, incidents, edited)


def test_a_build_that_fails_while_the_worker_runs_leaves_no_worker(tmp_path):
    incidents = _many_weeks()
    _warm_cache(tmp_path, incidents, BRIEF_WEEKS)
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    pending = search_job.Pending.of([generator.search_incidents(ed) for ed in generator.editions()], cache)
    pending.cancel()  # a brief failed to render: the build stops before the briefs' part
    assert pending._process.poll() is not None, "the worker is gone"


def test_another_plugins_post_build_finds_the_index_a_serve_worker_made_in_the_site(tmp_path, monkeypatch):
    # serve joins a worker's index to the site after the pages, and places the site-wide
    # downloads after the rebuild, where sitegen is the only plugin; with another one (here
    # a hook whose on_post_build runs first) both are there before
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from tests.test_atomic_build import make_site

    started = _record_workers(monkeypatch)
    monkeypatch.setattr(search_job, "WORKER_DOCS", 0)
    root = make_site(tmp_path / "site")
    monkeypatch.chdir(root)
    (root / "hook.py").write_text(
        "import os\nfrom mkdocs.plugins import event_priority\n\n@event_priority(100)\ndef on_post_build(config):\n"
        "    index = os.path.join(config.site_dir, 'search', 'index')\n"
        "    with open('seen.txt', 'w') as out:\n        out.write('\\n'.join(sorted(os.listdir(index))) if os.path.isdir(index) else '')\n"
        "    with open(os.path.join(config.site_dir, 'data', 'incidents.csv'), 'rb') as data, open('seen.csv', 'wb') as out:\n"
        "        out.write(data.read())\n",
        encoding="utf-8",
    )  # fmt: skip
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as config_file:
        config_file.write("hooks:\n  - hook.py\n")
    brief = root / "content/briefs/2023-W39.md"
    config = load_config(str(root / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=True)
    try:
        incident = root / "content/incidents/2023/kandadji.yaml"
        for extra, title in (("", "Almahaou unit attacked near Kandadji"), ("\nDori held.\n", "Army unit attacked at Kandadji")):
            brief.write_text(brief.read_text(encoding="utf-8") + extra, encoding="utf-8")
            incident.write_text(incident.read_text(encoding="utf-8").replace("Almahaou unit attacked near Kandadji", title), encoding="utf-8")
            mkdocs_build(load_config(str(root / "mkdocs.yml")), dirty=True)
    finally:
        config.plugins.on_shutdown()
    assert started, "a worker made an index"
    seen = (root / "seen.txt").read_text(encoding="utf-8").split()
    assert "t-do.json" in seen and set(os.listdir(root / "site/search/index")) <= set(seen), "this rebuild's index"
    assert b"Army unit attacked at Kandadji" in (root / "seen.csv").read_bytes(), "this rebuild's download"


@pytest.mark.parametrize("dirty", [False, True], ids=["mkdocs-serve", "sitegen-serve"])
def test_serve_rebuilds_whose_index_a_worker_makes_write_what_serve_without_one_writes(tmp_path, monkeypatch, dirty):
    """Under serve, the cache keeps its entries in memory across rebuilds: the worker writes
    the index's entry again under the same key, so a later rebuild that makes the index
    itself (a worker that failed) must not take the old one from memory. Serve writes the
    index once MkDocs has written the pages; sitegen serve's rebuild (dirty) keeps it as
    its own, not as a file to remove."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from tests.test_atomic_build import make_site, site_snapshot

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    started = _record_workers(monkeypatch)
    processes = []
    real_start = search_job._start
    monkeypatch.setattr(search_job, "_start", lambda errors: processes.append(real_start(errors)) or processes[-1])
    sites = {}
    for name, thresholds in (("with a worker", (0, 0, 10**9, 0)), ("without", (10**9,) * 4)):
        root = make_site(tmp_path / name)
        monkeypatch.chdir(root)
        brief = root / "content/briefs/2023-W39.md"
        first = brief.read_text(encoding="utf-8")
        config = load_config(str(root / "mkdocs.yml"))
        config.plugins.on_startup(command="serve", dirty=dirty)  # one plugin for every rebuild, as serve's
        for threshold, extra in zip(thresholds, ("", "\nOuallam was quiet.\n", "\nTera was calm.\n", "\nDori held.\n")):
            monkeypatch.setattr(search_job, "WORKER_DOCS", threshold)
            brief.write_text(first + extra, encoding="utf-8")
            mkdocs_build(load_config(str(root / "mkdocs.yml")), dirty=dirty)
        config.plugins.on_shutdown()
        sites[name] = site_snapshot(root / "site")
    assert started == ["en,fr", "en,fr"], "the first rebuild and the last, with a worker"
    assert len(processes) == 1, "one worker process for the session's rebuilds"
    assert all(p.poll() is not None for p in processes), "ended with serve"
    assert sites["with a worker"] == sites["without"]
    assert b"dori" in sites["without"]["search/index/t-do.json"], "the last edit is in the index"


@pytest.mark.parametrize("expected", ["right", "wrong"])
def test_incidents_placed_before_the_briefs_are_rendered_make_the_index_placed_at_once(tmp_path, monkeypatch, expected):
    """The worker places the incidents' documents while the build renders the briefs, after
    as many documents as the briefs are expected to make: the index is the one placed at
    once, and where the briefs make another number, it is placed again, whole."""
    from sitegen.render import search

    incidents, briefs = _many_weeks(), BRIEF_WEEKS
    _warm_cache(tmp_path, incidents, briefs)
    incidents = _edited(incidents, summary="Gunmen seen again, newword.")
    cache = BuildCache(tmp_path / ".cache", "salt")
    generator = _generator(tmp_path, incidents, cache)
    ed = generator.editions()[0]
    (rest, make_rest), (first, make_first) = generator.search_incidents(ed), generator.search_briefs(briefs, ed)
    rest.briefs = len(briefs) + (0 if expected == "right" else 1)
    loaded = search_job.load(rest, cache)
    ahead = search_job.placed_ahead(rest, loaded)
    used = []
    real = search.index_and_placing
    monkeypatch.setattr(search, "index_and_placing", lambda *a, **k: used.append(k.get("rest") is not None) or real(*a, **k))
    job, make = search_job.joined((rest, make_rest), (first, make_first))
    files = search_job.made(job, cache, make, loaded=loaded, rest=ahead)
    assert used == [expected == "right"]
    assert _read(files) == _generator(tmp_path, incidents, None).search_files(briefs, ed=ed)


def test_serve_whose_worker_died_between_rebuilds_starts_another(tmp_path, monkeypatch):
    """Serve's worker lives across rebuilds; one killed (out of memory, say) is replaced
    at the next rebuild, whose index is still the one a serve without a worker makes."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from tests.test_atomic_build import make_site, site_snapshot

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    processes = []
    real_start = search_job._start
    monkeypatch.setattr(search_job, "_start", lambda errors: processes.append(real_start(errors)) or processes[-1])
    sites = {}
    for name, threshold in (("with a worker", 0), ("without", 10**9)):
        monkeypatch.setattr(search_job, "WORKER_DOCS", threshold)
        root = make_site(tmp_path / name)
        monkeypatch.chdir(root)
        brief = root / "content/briefs/2023-W39.md"
        first = brief.read_text(encoding="utf-8")
        config = load_config(str(root / "mkdocs.yml"))
        config.plugins.on_startup(command="serve", dirty=False)
        for n, extra in enumerate(("", "\nOuallam was quiet.\n", "\nTera was calm.\n", "\nDori held.\n")):
            if n == 3 and processes:
                processes[-1].kill()
                processes[-1].wait()
            brief.write_text(first + extra, encoding="utf-8")
            mkdocs_build(load_config(str(root / "mkdocs.yml")))
        config.plugins.on_shutdown()
        sites[name] = site_snapshot(root / "site")
    assert len(processes) == 2, "one for the first rebuilds, one after it was killed"
    assert sites["with a worker"] == sites["without"]
    assert b"dori" in sites["with a worker"]["search/index/t-do.json"], "the last edit is in the index"
