"""Live preview as an editor uses it: `sitegen serve`, then a content error is saved."""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import KANDADJI

INCIDENT = KANDADJI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting; last error: {last}")


def test_serve_shows_a_content_error_and_keeps_serving(tmp_path: Path):
    site = tmp_path / "site"
    (site / "content/incidents").mkdir(parents=True)
    (site / "content/incidents/kandadji.yaml").write_text(INCIDENT, encoding="utf-8")
    (site / "mkdocs.yml").write_text(
        "site_name: Preview\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        "plugins:\n  - sitegen:\n      tiles: {url: null}\n",
        encoding="utf-8",
    )
    port = _free_port()
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}  # the system's temporary folder, elsewhere
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        status, page = _wait_for(lambda: _get(f"http://127.0.0.1:{port}/weeks/2023-W39/"))
        assert status == 200 and "Almahaou unit attacked near Kandadji" in page
        # serve's site folder is on the build cache's file system, whatever TMPDIR is: the
        # downloads are the cache's files, linked (at 100k incidents, 300 MB each save)
        (site_dir,) = (site / ".cache/sitegen/serve").glob("*/mkdocs_*")
        assert (site_dir / "data/incidents.csv").stat().st_nlink > 1, "linked from the cache, not copied"

        (site / "content/incidents/broken.yaml").write_text(INCIDENT.replace("lat: 14.62", "lat: north"))
        message = "content/incidents/broken.yaml:6:6: error: &#39;lat&#39; must be a number"

        def error_shown():
            _, html = _get(f"http://127.0.0.1:{port}/weeks/2023-W39/")
            return message in html and html

        page = _wait_for(error_shown)
        assert "Almahaou unit attacked near Kandadji" in page, "the valid incident is still shown"
        assert server.poll() is None, "the server stays up"

        (site / "content/incidents/broken.yaml").unlink()
        _wait_for(lambda: "Content problems" not in _get(f"http://127.0.0.1:{port}/weeks/2023-W39/")[1])
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "broken.yaml:6:6: error" in output, "the terminal shows the error too"
    assert "Traceback" not in output


def test_a_first_build_that_fails_is_answered_from_memory_and_served_once_fixed(tmp_path: Path):
    """No build has succeeded: every page is missing, and the server answers with the error
    itself, writing nothing into site/ behind MkDocs' back (it used to write a 404.html)."""
    site = tmp_path / "site"
    (site / "content/incidents").mkdir(parents=True)
    (site / "content/incidents/kandadji.yaml").write_text(INCIDENT, encoding="utf-8")
    (site / "overrides").mkdir()
    (site / "overrides/main.html").write_text("{% if %}\n", encoding="utf-8")  # a broken theme template
    (site / "mkdocs.yml").write_text(
        "site_name: Preview\ndocs_dir: content\ntheme:\n  name: sitegen\n  custom_dir: overrides\n"
        "plugins:\n  - sitegen:\n      tiles: {url: null}\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = dict(os.environ)
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}/weeks/2023-W39/"
    try:
        page = _wait_for(lambda: "main.html:1:1: error:" in (text := _fetch(url)[1]) and text)
        assert "could not be built" in page
        (site_dir,) = (site / ".cache/sitegen/serve").glob("*/mkdocs_*")  # where serve makes its site_dir
        written = sorted(str(p.relative_to(site_dir)) for p in site_dir.rglob("*.html"))
        assert written == [], f"pages in site/ that MkDocs did not render: {written}"

        (site / "overrides/main.html").unlink()
        status, page = _wait_for(lambda: (got := _fetch(url))[0] == 200 and got)
        assert "Almahaou unit attacked near Kandadji" in page and "could not be built" not in page
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "Traceback" not in output


def _fetch(url: str) -> tuple[int, str]:
    """(status, text) of a page, an error page too."""
    import urllib.error

    try:
        return _get(url)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


# --- serve keeps state: a rebuild reads only what changed (the plugin instance lives on) ------

STATEFUL_INCIDENT = """\
id: {id}
date: {date}
title: {title}
type: battle
country: NE
location: Kandadji
lat: 14.62
lon: 0.98
"""

BRIEF = """\
---
title: Week 40 in the Sahel
status: published
---
We recorded {{ stats.fatalities }} fatalities in {{ stats.incidents }} incidents. Two weeks ago:

{{ incident("early") }}
"""


def _write(path: Path, text: str, age: float = 60.0) -> None:
    """A file as an editor left it a while ago (serve trusts only stats older than a tick)."""
    path.write_text(text, encoding="utf-8")
    when = time.time() - age
    os.utime(path, (when, when))


_MODE = {"dirty": False}  # how the live site's rebuilds are made (the fixture's parameter)


@pytest.fixture(params=[False, True], ids=["mkdocs-serve", "sitegen-serve"])
def live(tmp_path: Path, monkeypatch, request):
    """A site, first built as `serve` builds it, with a counter of content files opened:
    as `mkdocs serve` rebuilds (into an emptied folder), and as `sitegen serve` does (MkDocs'
    "dirty" build: into the folder as the last rebuild left it)."""
    monkeypatch.setitem(_MODE, "dirty", request.param)
    site = tmp_path / "site"
    (site / "content/incidents").mkdir(parents=True)
    (site / "mkdocs.yml").write_text(
        "site_name: Live\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        "plugins:\n  - sitegen:\n      tiles: {url: null}\n",
        encoding="utf-8",
    )
    for name, id_, day in (("a", "early", "2023-09-20"), ("b", "middle", "2023-10-04"), ("c", "late", "2023-10-18")):
        _write(site / f"content/incidents/{name}.yaml", STATEFUL_INCIDENT.format(id=id_, date=day, title=f"Attack {id_}"))
    (site / "content/briefs").mkdir()
    _write(site / "content/briefs/2023-W40.md", BRIEF)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.chdir(site)
    opened: list[str] = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and any(f"content{os.sep}{kind}{os.sep}" in os.path.abspath(file) for kind in ("incidents", "briefs")):
            opened.append(Path(os.fspath(file)).name)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)
    from mkdocs.config import load_config

    config = load_config(str(site / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=request.param)  # once, as serve does
    _rebuild(site)
    yield site, opened
    config.plugins.on_shutdown()
    # MkDocs keeps the instance for the whole process: later in-process builds are not serve's
    config.plugins.on_startup(command="build", dirty=False)


def _rebuild(site: Path) -> None:
    """One rebuild as serve makes it: a new config, the same plugin instance; then the
    files serve makes once a rebuild is over (the site-wide downloads) in their place."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config = load_config(str(site / "mkdocs.yml"))
    mkdocs_build(config, dirty=_MODE["dirty"])
    config.plugins["sitegen"].session.tidied()


def _cold_tree(site: Path, tmp: Path) -> dict[str, bytes]:
    """The site a fresh `serve` process builds of the same content (no cache, no memory)."""
    copy = tmp / "cold"
    shutil.copytree(site / "content", copy / "content")
    shutil.copy(site / "mkdocs.yml", copy / "mkdocs.yml")
    code = (
        "from mkdocs.commands.build import build; from mkdocs.config import load_config\n"
        "c = load_config('mkdocs.yml'); c.plugins.on_startup(command='serve', dirty=False); build(c); c.plugins.on_shutdown()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    subprocess.run([sys.executable, "-c", code], cwd=copy, env=env, check=True, capture_output=True, timeout=300)
    return _tree(copy / "site")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_save_rereads_only_that_file_and_builds_the_site_a_cold_build_does(live, tmp_path):
    site, opened = live
    opened.clear()
    _rebuild(site)
    assert opened == [], "nothing changed: no incident or brief file is read again, not even from the cache"

    _write(site / "content/incidents/b.yaml", STATEFUL_INCIDENT.format(id="middle", date="2023-10-04", title="Edited attack"), age=0)
    _rebuild(site)
    assert set(opened) == {"b.yaml"}, opened
    assert "Edited attack" in (site / "site/weeks/2023-W40/index.html").read_text(encoding="utf-8")
    assert "Edited attack" in (site / "site/countries/niger/index.html").read_text(encoding="utf-8")
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_a_saves_downloads_reach_the_site_whole_once_the_rebuild_is_over(live, tmp_path, monkeypatch):
    # serve makes the site-wide downloads after the rebuild and places them then, linked
    # from the cache, or written into the site where the cache cannot hold them
    from sitegen import cache as cache_module

    site, _ = live
    downloads = [site / "site/data" / f"incidents.{kind}" for kind in ("csv", "geojson", "json")]
    incident = site / "content/incidents/b.yaml"
    _write(incident, STATEFUL_INCIDENT.format(id="middle", date="2023-10-04", title="Edited attack"), age=0)
    _rebuild(site)
    assert all(b"Edited attack" in path.read_bytes() for path in downloads)
    real_write = cache_module._write

    def full_for_downloads(path, *args):
        return False if f"{os.sep}all-" in os.fspath(path) else real_write(path, *args)

    monkeypatch.setattr(cache_module, "_write", full_for_downloads)
    _write(incident, STATEFUL_INCIDENT.format(id="middle", date="2023-10-04", title="Attack edited again"), age=0)
    _rebuild(site)
    assert all(b"Attack edited again" in path.read_bytes() for path in downloads)
    assert not [p for p in (site / "site").rglob("*") if p.name.endswith(".tmp")]
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def _damage(path: Path, fault: str) -> None:
    """A file of the served site written to (through its link), replaced or deleted."""
    if fault == "written in place":
        with open(path, "r+b") as handle:
            handle.write(b"XX")
    elif fault == "replaced":
        other = path.with_name(path.name + ".other")
        other.write_bytes(b"XX")
        os.replace(other, path)
    else:
        path.unlink()


@pytest.mark.parametrize("fault", ["written in place", "replaced", "deleted"])
def test_a_file_of_the_served_site_changed_there_is_whole_after_the_next_rebuild(live, tmp_path, fault):
    # a week's download is a link to the cache's entry: written to through the site, the
    # entry is damaged too, and made again; replaced or deleted in the site (an editor's
    # save, a cleaner), the entry is whole: either way the next rebuild links it again
    site, _ = live
    week_csv = site / "site/weeks/2023-W40/incidents.csv"
    whole = week_csv.read_bytes()
    _damage(week_csv, fault)
    _rebuild(site)
    assert week_csv.read_bytes() == whole
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


@pytest.mark.parametrize("fault", ["written in place", "replaced", "deleted"])
def test_a_search_index_file_changed_in_the_served_site_is_whole_after_the_next_rebuild(live, tmp_path, monkeypatch, fault):
    # the index files serve's worker makes are links to the cache's blobs, left as they are
    # by a rebuild that finds them still linked so (see Session._write_search)
    from sitegen import search_job

    site, _ = live
    monkeypatch.setattr(search_job, "WORKER_DOCS", 0)  # the live site's index made by serve's worker
    _rebuild(site)
    shard = sorted((site / "site/search/index").glob("t-*.json"))[0]
    whole = shard.read_bytes()
    _damage(shard, fault)
    _rebuild(site)
    assert shard.read_bytes() == whole
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_a_brief_saved_is_read_alone_and_shows(live, tmp_path):
    site, opened = live
    brief = site / "content/briefs/2023-W40.md"
    opened.clear()
    _write(brief, brief.read_text(encoding="utf-8") + "\nTera stayed calm.\n", age=0)
    _rebuild(site)
    assert set(opened) == {"2023-W40.md"}, opened
    assert "Tera stayed calm." in (site / "site/weeks/2023-W40/index.html").read_text(encoding="utf-8")
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_a_new_file_is_read_alone_and_a_deleted_one_leaves_the_site(live, tmp_path):
    site, opened = live
    opened.clear()
    _write(site / "content/incidents/d.yaml", STATEFUL_INCIDENT.format(id="newest", date="2023-10-25", title="New attack"))
    (site / "content/incidents/a.yaml").unlink()
    _rebuild(site)
    assert set(opened) == {"d.yaml"}, opened
    assert "New attack" in (site / "site/weeks/2023-W43/index.html").read_text(encoding="utf-8")
    assert not (site / "site/weeks/2023-W38").exists(), "the deleted incident's week is gone"
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (site / "site").rglob("*") if p.is_file())
    assert "Attack early" not in everything
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_an_error_saved_shows_on_the_page_and_clears_when_fixed(live):
    site, opened = live
    page = site / "site/weeks/2023-W38/index.html"  # another week's page: every page shows them
    good = STATEFUL_INCIDENT.format(id="middle", date="2023-10-04", title="Attack middle")
    _write(site / "content/incidents/b.yaml", good.replace("lat: 14.62", "lat: north"), age=0)
    _rebuild(site)
    assert "content/incidents/b.yaml:7:6: error: &#39;lat&#39; must be a number" in page.read_text(encoding="utf-8")

    _write(site / "content/incidents/b.yaml", good, age=0)
    _rebuild(site)
    assert "Content problems" not in page.read_text(encoding="utf-8")
    assert "Attack middle" in (site / "site/weeks/2023-W40/index.html").read_text(encoding="utf-8")


def test_a_brief_shows_the_edit_of_an_incident_it_embeds_from_another_week(live, tmp_path):
    site, opened = live
    page = site / "site/weeks/2023-W40/index.html"
    assert "Attack early" in page.read_text(encoding="utf-8")
    _write(site / "content/incidents/a.yaml", STATEFUL_INCIDENT.format(id="early", date="2023-09-20", title="Renamed attack"), age=0)
    _rebuild(site)
    assert "Renamed attack" in page.read_text(encoding="utf-8")
    middle = STATEFUL_INCIDENT.format(id="middle", date="2023-10-04", title="Attack middle")
    _write(site / "content/incidents/b.yaml", middle + "fatalities: 7\n", age=0)
    _rebuild(site)
    assert "We recorded 7 fatalities in 1 incidents" in page.read_text(encoding="utf-8")
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_a_save_renders_again_only_the_pages_it_touches(live, tmp_path, monkeypatch):
    from sitegen.state import PageMemory

    site, opened = live
    kept: set[str] = set()
    real_recall = PageMemory.recall

    def recall(self, uri):
        html = real_recall(self, uri)
        if html is not None:
            kept.add(uri)
        return html

    monkeypatch.setattr(PageMemory, "recall", recall)
    _rebuild(site)
    assert {"weeks/2023-W38.md", "fr/weeks/2023-W40.md", "index.md", "countries/niger.md"} <= kept, "nothing changed"

    kept.clear()
    _write(site / "content/incidents/c.yaml", STATEFUL_INCIDENT.format(id="late", date="2023-10-18", title="Late edit"), age=0)
    _rebuild(site)
    assert "Late edit" in (site / "site/weeks/2023-W42/index.html").read_text(encoding="utf-8")
    assert {"weeks/2023-W38.md", "weeks/2023-W40.md", "fr/weeks/2023-W38.md", "fr/weeks/2023-W40.md"} <= kept, kept
    assert not {"weeks/2023-W42.md", "fr/weeks/2023-W42.md", "index.md", "countries/niger.md"} & kept, "the pages that show it"
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_sitegen_serve_leaves_the_pages_a_save_does_not_touch_as_they_are(live, tmp_path):
    # `sitegen serve` rebuilds into the folder as the last rebuild left it: a page that shows
    # what it showed is neither rendered nor written again (a thousand pages at scale)
    site, opened = live
    untouched, touched = site / "site/weeks/2023-W38/index.html", site / "site/weeks/2023-W42/index.html"
    for page in (untouched, touched):
        os.utime(page, (1, 1))  # written long ago
    _write(site / "content/incidents/c.yaml", STATEFUL_INCIDENT.format(id="late", date="2023-10-18", title="Late edit"), age=0)
    _rebuild(site)
    assert "Late edit" in touched.read_text(encoding="utf-8") and touched.stat().st_mtime > 1
    if _MODE["dirty"]:
        assert untouched.stat().st_mtime == 1, "left as the last rebuild wrote it"
    else:  # `mkdocs serve` empties the folder first: every page is written
        assert untouched.stat().st_mtime > 1
    assert _tree(site / "site") == _cold_tree(site, tmp_path)
    _rebuild(site)  # and the rebuild after still knows the page it left
    assert untouched.stat().st_mtime == 1 if _MODE["dirty"] else untouched.stat().st_mtime > 1
    assert _tree(site / "site") == _cold_tree(site, tmp_path / "again")


def test_a_new_editors_page_shows_in_the_footer_of_every_kept_page(live, tmp_path):
    site, opened = live
    _write(site / "content/about.md", "# About us\n\nWho we are.\n", age=0)
    _rebuild(site)
    assert "About us" in (site / "site/weeks/2023-W38/index.html").read_text(encoding="utf-8")
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_a_translation_edited_shows_on_the_pages_that_list_its_week(live, tmp_path):
    site, opened = live
    french = "---\ntitle: {title}\nstatus: published\n---\nNous avons relevé {{{{ stats.incidents }}}} incidents.\n"
    _write(site / "content/briefs/2023-W40.fr.md", french.format(title="Semaine quarante"), age=0)
    _rebuild(site)
    _write(site / "content/briefs/2023-W40.fr.md", french.format(title="Semaine quarante revue"), age=0)
    _rebuild(site)
    assert "Semaine quarante revue" in (site / "site/fr/index.html").read_text(encoding="utf-8"), "the home page's lede"
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_an_editors_page_left_as_it_was_shows_a_page_added_beside_it(live, tmp_path):
    """Its footer lists the editors' pages: it is written again though its file is not newer."""
    site, opened = live
    _write(site / "content/about.md", "# About us\n\nWho we are.\n")
    _rebuild(site)
    _write(site / "content/contact.md", "# Contact\n\nWrite to us.\n", age=0)
    _rebuild(site)
    assert "Contact" in (site / "site/about/index.html").read_text(encoding="utf-8")
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def test_a_week_whose_middle_incident_is_edited_shows_the_edit_in_its_figures(live, tmp_path):
    # three files of one week: an edit of the middle one leaves the week's first and last
    # incidents the objects they were, and what serve remembers of the week must not be reused
    site, opened = live
    for name, id_, day in (("a", "early", "2023-10-02"), ("c", "late", "2023-10-06")):
        _write(site / f"content/incidents/{name}.yaml", STATEFUL_INCIDENT.format(id=id_, date=day, title=f"Attack {id_}"))
    _rebuild(site)
    page = site / "site/weeks/2023-W40/index.html"
    assert "We recorded 0 fatalities in 3 incidents" in page.read_text(encoding="utf-8")

    middle = STATEFUL_INCIDENT.format(id="middle", date="2023-10-04", title="Attack middle")
    _write(site / "content/incidents/b.yaml", middle + "fatalities: 7\n", age=0)
    _rebuild(site)
    assert "We recorded 7 fatalities in 3 incidents" in page.read_text(encoding="utf-8")
    assert _tree(site / "site") == _cold_tree(site, tmp_path)


def _incidents_file(*incidents: tuple[str, str, str]) -> str:
    return "".join("- " + STATEFUL_INCIDENT.format(id=id_, date=day, title=title).replace("\n", "\n  ").rstrip() + "\n"
                   for id_, day, title in incidents)  # fmt: skip


def test_serve_merges_the_incidents_as_a_fresh_read_does_after_each_edit(tmp_path):
    # serve merges again only the files changed since the last rebuild: the incidents, their
    # order (by date, then id) and the problems must be those a fresh read gives, duplicate ids included
    from sitegen.config import load_config
    from sitegen.memo import ReadMemo
    from sitegen.read import read_content

    (tmp_path / "content/incidents").mkdir(parents=True)
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n", encoding="utf-8")
    folder = tmp_path / "content/incidents"

    def week(n: int, *extra: tuple[str, str, str]) -> str:
        day = f"2023-{1 + n // 4:02d}-{1 + 7 * (n % 4):02d}"
        return _incidents_file((f"w{n}-a", day, f"Raid {n}"), (f"w{n}-b", day, f"Clash {n}"), *extra)

    for n in range(12):
        _write(folder / f"w{n:02d}.yaml", week(n))
    config = load_config(tmp_path / "mkdocs.yml")
    memo = ReadMemo()

    def same_as_fresh() -> None:
        served = read_content(config, root=tmp_path, memo=memo)
        fresh = read_content(config, root=tmp_path)
        assert [(i.id, i.date, i.title) for i in served.incidents] == [(i.id, i.date, i.title) for i in fresh.incidents]
        assert [str(p) for p in served.problems] == [str(p) for p in fresh.problems]

    same_as_fresh()
    _write(folder / "w03.yaml", week(3).replace("Raid 3", "Raid 3, edited"))  # an edit in place
    same_as_fresh()
    _write(folder / "w05.yaml", week(5, ("w5-c", "2023-01-01", "Moved to the first day")))  # placed first now
    same_as_fresh()
    _write(folder / "w07.yaml", week(7, ("w2-a", "2023-02-15", "An id of another file")))  # a duplicate id
    same_as_fresh()
    _write(folder / "w02.yaml", week(2).replace("w2-a", "w2-z"))  # the first one renamed: no duplicate now
    same_as_fresh()
    _write(folder / "w07.yaml", week(7))
    same_as_fresh()
    _write(folder / "w12.yaml", week(12))  # a new file
    same_as_fresh()
    (folder / "w04.yaml").unlink()  # a file gone
    same_as_fresh()
    _write(folder / "w08.yaml", week(8, ("w8-a", "2023-03-01", "Twice in one file")))
    same_as_fresh()
    _write(folder / "w08.yaml", week(8))
    _write(folder / "w09.yaml", week(9).replace("2023-03-08", "2023-03-01"))  # two files at once
    same_as_fresh()
    _write(folder / "w10.yaml", week(10, ("w11-a", "2023-03-15", "Moved from the next file")))  # an id moved between files
    _write(folder / "w11.yaml", week(11).replace("w11-a", "w11-z"))
    same_as_fresh()
    _write(folder / "w10.yaml", week(10))  # and back, where the merge of its last move is the one to change
    _write(folder / "w11.yaml", week(11))
    same_as_fresh()


def test_serve_groups_the_checked_incidents_as_a_fresh_check_does_after_each_edit(tmp_path):
    # serve groups again only the weeks of the incidents a save changed: the weeks' lists,
    # the embargoed incidents and the problems are a fresh check's; the other weeks' lists
    # are the last rebuild's, the same objects
    from sitegen.check import check_content
    from sitegen.config import load_config
    from sitegen.memo import ReadMemo, RecordMemo

    (tmp_path / "content/incidents").mkdir(parents=True)
    (tmp_path / "content/briefs").mkdir(parents=True)
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n", encoding="utf-8")
    _write(tmp_path / "content/briefs/2023-W02.md", BRIEF.replace('incident("early")', 'incident("w6-b")'))  # another week's
    folder = tmp_path / "content/incidents"

    def week(n: int, *extra: str, day: str | None = None) -> str:
        day = day or f"2023-{1 + n // 4:02d}-{2 + 7 * (n % 4):02d}"
        return _incidents_file((f"w{n}-a", day, f"Raid {n}"), (f"w{n}-b", day, f"Clash {n}")) + "".join(extra)

    for n in range(10):
        _write(folder / f"w{n:02d}.yaml", week(n))
    config = load_config(tmp_path / "mkdocs.yml")
    memo, records = ReadMemo(), RecordMemo()
    served = {}

    def same_as_fresh() -> dict:
        before = served.get("by_week") or {}
        content = check_content(config, root=tmp_path, cache_dir=tmp_path / ".cache", memo=memo, records=records)
        fresh = check_content(config, root=tmp_path, cache_dir=tmp_path / ".fresh")
        assert content.by_week is not None and fresh.by_week is not None
        assert {w: [i.id for i in l] for w, l in content.by_week.items()} == {w: [i.id for i in l] for w, l in fresh.by_week.items()}
        assert [str(p) for p in content.problems] == [str(p) for p in fresh.problems]
        records.done()
        served["by_week"] = content.by_week
        return {w for w, mine in content.by_week.items() if before.get(w) is mine}

    same_as_fresh()
    _write(folder / "w03.yaml", week(3).replace("Raid 3", "Raid 3, edited"))
    assert len(same_as_fresh()) == 9, "the other weeks' lists are the last rebuild's"
    _write(folder / "w06.yaml", week(6) + "  visibility: internal\n")  # the brief's incident made internal
    same_as_fresh()
    _write(folder / "w06.yaml", week(6))
    same_as_fresh()
    _write(folder / "w05.yaml", week(5, day="2023-01-02"))  # moved to another week
    same_as_fresh()
    (folder / "w07.yaml").unlink()
    _write(folder / "w08.yaml", week(8) + "  publish_after: 2999-01-01T00:00:00Z\n")  # embargoed: no grouping handed on
    content = check_content(config, root=tmp_path, cache_dir=tmp_path / ".cache", memo=memo, records=records)
    fresh = check_content(config, root=tmp_path, cache_dir=tmp_path / ".fresh")
    assert content.by_week is None and fresh.by_week is None
    assert [str(p) for p in content.problems] == [str(p) for p in fresh.problems]
    _write(folder / "w08.yaml", week(8))
    same_as_fresh()


def test_serve_remembers_a_weeks_figures_only_while_it_holds_the_same_incidents():
    # serve's memo of what each week's incidents give (sitegen.memo.RecordMemo): a week's
    # list it handed out is known by identity; any other list by the incidents it holds
    from sitegen.memo import RecordMemo

    raid, clash, ambush = object(), object(), object()
    memo = RecordMemo()
    made = []

    def figures(*items):
        made.append(items)
        return len(made)

    week = memo.get("sorted", lambda: [raid, clash], [clash, raid])
    assert memo.get("figures", lambda: figures(*week), week) == 1
    memo.done()  # a rebuild, the week unchanged: the same list back, and its figures
    again = memo.get("sorted", lambda: [raid, clash], [clash, raid])
    assert again is week
    assert memo.get("figures", lambda: figures(*again), again) == 1
    assert memo.get("figures", lambda: figures(raid, clash), [raid, clash]) == 1  # another list, the same incidents
    assert memo.get("figures", lambda: figures(raid, ambush), [raid, ambush]) == 2  # an incident replaced
    assert memo.get("figures", lambda: figures(raid), [raid]) == 3
    memo.done()
    memo.done()  # two rebuilds that did not ask: forgotten
    assert memo.get("figures", lambda: figures(*week), week) == 4
    assert made == [(raid, clash), (raid, ambush), (raid,), (raid, clash)]
    # a list the check hands over (a week's, never changed) is known by its identity alone
    checked = memo.hand([clash, ambush, raid])
    assert memo.get("figures", lambda: figures(*checked), checked) == 5
    memo.done()
    checked[1] = clash  # (never done: shows that its items are not compared again)
    assert memo.get("figures", lambda: figures(*checked), checked) == 5


@contextlib.contextmanager
def _watching(folder: Path, polling_interval: float):
    """MkDocs' live-reload server watching `folder` as serve's plugin has it watch, its watchers running."""
    from mkdocs.livereload import LiveReloadServer

    from sitegen.preview import with_native_watch

    server = LiveReloadServer(lambda: None, "127.0.0.1", _free_port(), str(folder), polling_interval=polling_interval)
    server.watch(str(folder))
    server = with_native_watch(server, [str(folder)])
    server.observer.start()
    try:
        yield server
    finally:
        server.observer.stop()
        server.observer.join()


def _wanted(server, within: float) -> bool:
    with server._rebuild_cond:
        return server._rebuild_cond.wait_for(lambda: server._want_rebuild, timeout=within)


def test_a_save_is_seen_at_once_not_when_the_server_next_polls(tmp_path):
    # MkDocs' server polls every half second (0.25 s of each save, on average): the
    # platform's own watcher beside it sees the save at once (here polling never looks again)
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "w39.yaml").write_text("id: w\n", encoding="utf-8")
    with _watching(folder, polling_interval=60) as server:
        time.sleep(0.2)
        assert (folder / "w39.yaml").read_text(encoding="utf-8") == "id: w\n"
        assert not _wanted(server, within=1), "a file read (as every build reads them all) is no change"
        (folder / "w40.yaml").write_text("id: x\n", encoding="utf-8")
        assert _wanted(server, within=5), "the save starts a rebuild before the next poll"


def test_a_save_both_watchers_see_starts_one_rebuild(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "w40.yaml").write_text("id: x\n", encoding="utf-8")
    with _watching(folder, polling_interval=1.0) as server:
        time.sleep(1.5)  # polling's first look
        (folder / "w40.yaml").write_text("id: y\n", encoding="utf-8")
        assert _wanted(server, within=5)
        time.sleep(0.3)
        with server._rebuild_cond:
            server._want_rebuild = False  # the rebuild starts
        assert not _wanted(server, within=2.5), "polling's report of the same save starts no second rebuild"
        (folder / "w41.yaml").write_text("id: z\n", encoding="utf-8")
        assert _wanted(server, within=5), "the next save does"
