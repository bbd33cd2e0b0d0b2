"""The build cache under .cache/sitegen/ must never serve a stale page: a warm rebuild
after an edit gives exactly the site a cold build of the edited content gives."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _build(site: Path, out: str) -> None:
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site / out)],
        cwd=site, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr


def _same_tree(a: Path, b: Path) -> list[str]:
    differences = []
    for path in sorted(p for p in a.rglob("*") if p.is_file()):
        other = b / path.relative_to(a)
        if not other.exists() or not filecmp.cmp(path, other, shallow=False):
            differences.append(str(path.relative_to(a)))
    return differences


def test_warm_rebuilds_equal_cold_builds_after_edits(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    config = (ROOT / "mkdocs.yml").read_text()
    (site / "mkdocs.yml").write_text(config)

    _build(site, "warm")  # fills the cache
    brief = site / "content/briefs/2023-W39.md"
    brief.write_text(brief.read_text() + "\nAn editor's new closing sentence.\n")
    incident = next((site / "content/incidents").rglob("2023-08-15-koutougou.yaml"))
    incident.write_text(incident.read_text().replace("fatalities: 17", "fatalities: 18"))
    _build(site, "warm")  # uses the cache for what did not change
    assert any((site / ".cache/sitegen/build").rglob("*")), "the cache is in use"

    shutil.rmtree(site / ".cache")
    _build(site, "cold")
    assert _same_tree(site / "cold", site / "warm") == []
    week = (site / "warm/weeks/2023-W39/index.html").read_text()
    assert "An editor&#39;s new closing sentence." in week or "An editor's new closing sentence." in week
    assert '"fatalities":18' in (site / "warm/weeks/2023-W33/incidents.geojson").read_text()


def test_sitegen_build_reuses_the_cache_across_its_staging_folders(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    config = (ROOT / "mkdocs.yml").read_text()
    (site / "mkdocs.yml").write_text(config)
    env = dict(os.environ)
    seen = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=site, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        seen.append({kind: {p.name for p in (site / ".cache/sitegen/build" / kind).iterdir()} for kind in ("incidents", "page")})
    # the second build found the first build's entries (same keys), and made none (a brief
    # taken from the cache does not ask for the incident list it holds)
    assert seen[1]["incidents"] <= seen[0]["incidents"] and seen[1]["page"] == seen[0]["page"]


def test_the_read_cache_keeps_one_entry_per_incident_file_and_reuses_the_unchanged(tmp_path):
    """Incident files are read through the one build cache: an edit replaces its file's
    entry (none piles up), a deleted file's entry goes, and unchanged entries are kept."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    entries = site / ".cache" / "sitegen" / "read" / "files"
    extra = site / "content" / "incidents" / "zz-extra.yaml"  # no brief names it: it may go
    extra.write_text(
        "id: 2023-09-27-extra\ndate: 2023-09-27\ntitle: An extra incident\ntype: battle\n"
        "country: Niger\nlocation: Kandadji\nlat: 14.62\nlon: 0.98\nsources:\n  - name: Test\n"
    )
    incident_files = sorted((site / "content" / "incidents").rglob("*.y*ml"))

    _build(site, "out")
    first = {p.name: p.stat().st_mtime_ns for p in entries.iterdir()}
    assert len(first) == len(incident_files)
    edited, deleted = incident_files[0], extra
    edited.write_text(edited.read_text() + "\n")
    deleted.unlink()
    _build(site, "out")
    second = {p.name: p.stat().st_mtime_ns for p in entries.iterdir()}
    assert len(second) == len(incident_files) - 1
    assert len(set(first) - set(second)) == 2  # the edited file's old entry and the deleted file's
    kept = set(first) & set(second)
    assert len(kept) == len(incident_files) - 2 and all(first[name] == second[name] for name in kept)


def test_records_come_back_from_the_cache_equal_to_what_was_read():
    """Every read record survives encode/decode: fields of a record are not taken for a
    tagged value, and a StrEnum stays an enum (`is Visibility.INTERNAL` must still hold)."""
    from sitegen.cache import decode, encode
    from sitegen.config import from_options
    from sitegen.read import FileResult, read_content

    content = read_content(from_options({}, docs_dir=ROOT / "content", site_dir=ROOT / "site", site_name="t", site_url=""), root=ROOT)
    assert any(not i.is_public for i in content.incidents) and len(content.incidents) > 10
    stored = FileResult(content.incidents, content.problems, {"x": (1, 2)})
    back = decode(encode(stored), FileResult)
    assert back == stored
    assert [i.is_public for i in back.incidents] == [i.is_public for i in content.incidents]


def _page_entries(site: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (site / ".cache/sitegen/build/page").iterdir()}


def test_a_rebuild_renders_again_only_the_pages_an_edit_changes(tmp_path):
    """A build keeps each generated page's HTML in the cache: after one brief's edit the
    next build renders that brief's pages again and takes every other page as it was."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    _build(site, "out")
    first = _page_entries(site)
    brief = site / "content/briefs/2023-W39.md"
    brief.write_text(brief.read_text() + "\nAn editor's new closing sentence.\n")
    _build(site, "out")
    second = _page_entries(site)
    kept = set(first) & set(second)
    assert set(second) - set(first), "the edited brief's page is rendered again"
    assert len(kept) > len(first) // 2 and all(first[name] == second[name] for name in kept)
    assert "new closing sentence" in (site / "out/weeks/2023-W39/index.html").read_text()


def test_a_build_after_a_cold_one_keeps_every_page_of_busy_weeks(tmp_path):
    """A busy week's map is made with its data file; the page's key must name it as the next
    build, which reads it from the cache, names it, or every week page is rendered twice."""
    from bench.run import CONFIG
    from bench.synth import generate

    generate(tmp_path, 900, 4, busy_week=300)  # every week over BUSY_WEEK incidents
    (tmp_path / "mkdocs.yml").write_text(CONFIG.format(site="site"))
    _build(tmp_path, "site")
    first = _page_entries(tmp_path)
    _build(tmp_path, "site")
    assert _page_entries(tmp_path) == first, "no page rendered again"


def _override_footer(site: Path) -> None:
    overrides = site / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text('{% extends "base.html" %}{% block footer %}{{ super() }}<p>An override of the theme</p>{% endblock %}')
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("  name: sitegen", "  name: sitegen\n  custom_dir: overrides", 1))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: (s / "mkdocs.yml").write_text((s / "mkdocs.yml").read_text().replace("copyright: Demo", "copyright: New")), id="mkdocs-option"),
        pytest.param(lambda s: (s / "mkdocs.yml").write_text((s / "mkdocs.yml").read_text().replace("recent_weeks: 12", "recent_weeks: 3")), id="plugin-option"),
        pytest.param(lambda s: (s / "content/about.md").write_text("# Who we are\n\nThe team.\n"), id="editors-page-title"),
        pytest.param(lambda s: (s / "content/contact.md").write_text("# Write to us\n\nAn address.\n"), id="new-editors-page"),
        pytest.param(_override_footer, id="theme-override"),
    ],
)
def test_kept_pages_never_outlive_a_change_around_them(tmp_path, change):
    """What every page shows besides its record (options, plugins, the nav and editors'
    pages, whose titles every footer lists, the theme) is part of each kept page's key:
    after such a change a warm rebuild gives exactly what a cold build gives."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    (site / "content/about.md").write_text("# About the brief\n\nThe team.\n")
    _build(site, "warm")
    change(site)
    _build(site, "warm")
    cold = tmp_path / "cold"
    shutil.copytree(site, cold, ignore=shutil.ignore_patterns(".cache", "warm"))
    _build(cold, "out")
    assert _same_tree(cold / "out", site / "warm") == []
    assert _same_tree(site / "warm", cold / "out") == []
    if change is _override_footer:  # the override is on every page
        assert "<p>An override of the theme</p>" in (site / "warm/weeks/2023-W39/index.html").read_text()


def test_a_file_of_the_site_changed_in_place_is_whole_again_after_the_next_build(tmp_path):
    """Downloads, map data and the search index are the cache's files linked into site/,
    so a tool that rewrites a file of site/ in place (a minifier, an editor's `>>`) changes
    the cache's copy too: the next build must notice and give the reader the true file."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    _build(site, "site")
    out = site / "site"
    targets = [out / "data/incidents.csv", out / "weeks/2023-W33/incidents.geojson",
               next((out / "search/index").glob("t-*.json")), out / "assets/maps/recent.geojson"]
    assert all(path.stat().st_nlink > 1 for path in targets), "linked from the cache, not copied"
    leaflet = out / "assets/vendor/leaflet/leaflet.js"  # the installed package's file: a copy
    assert leaflet.stat().st_nlink == 1 and leaflet.read_bytes() == (ROOT / "sitegen/assets/vendor/leaflet/leaflet.js").read_bytes()
    before = {path: path.read_bytes() for path in targets}
    for path in targets:  # same size, other bytes: as an in-place rewrite leaves it
        with open(path, "r+b") as handle:
            handle.write(b"#" * 8)
    _build(site, "site")
    assert {path: path.read_bytes() for path in targets} == before


@pytest.mark.parametrize("command", ["mkdocs", "sitegen"])
def test_a_cached_file_edited_with_its_times_set_back_is_not_trusted(tmp_path, command):
    """A file of the cache edited in place, its size kept and its time of last write set
    back as it was (what the cache's note of checked files compared), was trusted by the
    next build, which published it: its time of last change is noted too, and no one can set
    that back."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())

    def build() -> None:
        if command == "mkdocs":
            return _build(site, "site")
        result = subprocess.run([sys.executable, "-m", "sitegen", "build"], cwd=site, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr

    build()
    build()  # the files the first wrote are noted by the second (checked just after they were written)
    out = site / "site"
    targets = [out / "data/incidents.csv", out / "weeks/2023-W33/incidents.geojson", out / "index.html"]
    before = {path: path.read_bytes() for path in targets}
    for path in targets:
        stat = path.stat()
        with open(path, "r+b") as handle:
            handle.write(b"#" * 8)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build()
    assert {path: path.read_bytes() for path in targets} == before


def test_a_cached_file_is_copied_where_it_cannot_be_linked(tmp_path, monkeypatch):
    from sitegen.state import CachedFile

    source = tmp_path / "cache" / "entry"
    source.parent.mkdir()
    source.write_bytes(b"incident_id,date\r\n")
    file = CachedFile("data/incidents.csv", src_dir=None, dest_dir=str(tmp_path / "site"), use_directory_urls=True)
    file.abs_src_path = str(source)
    file.copy_file()
    assert (tmp_path / "site/data/incidents.csv").stat().st_ino == source.stat().st_ino

    def no_links(*args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    file.copy_file()
    copied = tmp_path / "site/data/incidents.csv"
    assert copied.read_bytes() == source.read_bytes() and copied.stat().st_ino != source.stat().st_ino


def test_the_cache_checks_again_a_file_rewritten_in_the_tick_it_was_checked(tmp_path, monkeypatch):
    """A file's noted size and time of last write stand for its bytes only once that time is
    past: a rewrite in the same clock tick as the write leaves it unchanged (racy clean)."""
    from sitegen import cache as cache_module
    from sitegen.cache import BuildCache

    first = BuildCache(tmp_path, "salt")
    path = first.blob(b"the true bytes")
    first.prune()
    written = path.stat()
    with open(path, "r+b") as handle:  # in place, same size, in the same tick
        handle.write(b"THE")
    os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert BuildCache(tmp_path, "salt").blob(b"the true bytes") == path
    assert path.read_bytes() == b"the true bytes", "checked again: it was written too recently to trust its time"

    monkeypatch.setattr(cache_module, "RACY_NS", -1)  # as if every file were old enough
    trusting = BuildCache(tmp_path, "salt")
    trusting.blob(b"the true bytes")
    trusting.prune()
    checked = path.stat()
    with open(path, "r+b") as handle:
        handle.write(b"THE")
    os.utime(path, ns=(checked.st_atime_ns, checked.st_mtime_ns + 1_000_000))  # a later tick
    assert BuildCache(tmp_path, "salt").blob(b"the true bytes") == path
    assert path.read_bytes() == b"the true bytes", "a write since the check changes its time: checked again"


def test_a_damaged_note_of_checked_files_only_costs_a_check(tmp_path):
    from sitegen.cache import SEEN_FILE, BuildCache

    first = BuildCache(tmp_path, "salt")
    path = first.blob(b"bytes")
    first.prune()
    (tmp_path / SEEN_FILE).write_bytes(b"\x93not a map")
    path.write_bytes(b"BYTES")
    assert BuildCache(tmp_path, "salt").blob(b"bytes") == path and path.read_bytes() == b"bytes"


def test_a_file_a_build_wrote_is_noted_when_the_build_ends_if_unchanged_since(tmp_path, monkeypatch):
    """Written just before its check, a file is noted at the end of the build, once its write
    is old enough, and only if it is still as it was written."""
    import msgspec

    from sitegen import cache as cache_module
    from sitegen.cache import RACY_NS, SEEN_FILE, BuildCache

    build = BuildCache(tmp_path, "salt")
    kept = build.blob(b"kept as written")
    changed = build.blob(b"changed after its check")
    with open(changed, "r+b") as handle:  # through a link, while the build goes on
        handle.write(b"CHANGED")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1_000_000))
    later = cache_module.time.time_ns() + 2 * RACY_NS
    monkeypatch.setattr(cache_module, "time", type("Clock", (), {"time_ns": staticmethod(lambda: later)}))
    build.prune()
    monkeypatch.undo()
    noted = msgspec.msgpack.decode((tmp_path / SEEN_FILE).read_bytes())
    assert os.path.relpath(kept, tmp_path) in noted
    assert os.path.relpath(changed, tmp_path) not in noted
    assert BuildCache(tmp_path, "salt").blob(b"changed after its check") == changed
    assert changed.read_bytes() == b"changed after its check"


def test_a_file_where_the_note_of_checked_files_goes_is_replaced(tmp_path, monkeypatch):
    """An older cache held its note as a file where the note's folder now goes: the note was
    never written again, and every build read back every file it links."""
    import msgspec

    from sitegen import cache as cache_module
    from sitegen.cache import SEEN_FILE, BuildCache

    (tmp_path / SEEN_FILE.split("/")[0]).write_bytes(b"an older note")
    monkeypatch.setattr(cache_module, "RACY_NS", -1)  # as if every file were old enough
    build = BuildCache(tmp_path, "salt")
    path = build.blob(b"bytes")
    build.prune()
    noted = msgspec.msgpack.decode((tmp_path / SEEN_FILE).read_bytes())
    assert os.path.relpath(path, tmp_path) in noted


def test_serve_compiles_no_template_again_but_an_edited_one_and_never_keeps_code_in_the_cache(tmp_path, monkeypatch):
    """MkDocs makes a new template environment each rebuild: serve keeps the compiled
    templates in memory, by their source, so an edited override is compiled again and
    shows; nothing compiled goes to .cache/ (nothing read from it may run code)."""
    import jinja2
    import jinja2.bccache
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from tests.test_atomic_build import MKDOCS_YML, make_site, theme_dir

    root = make_site(tmp_path / "site")
    monkeypatch.chdir(root)
    (root / "mkdocs.yml").write_text(MKDOCS_YML.replace("  name: sitegen\n", "  name: sitegen\n  custom_dir: overrides\n"), encoding="utf-8")
    week = root / "overrides" / "week.html"
    week.parent.mkdir()
    theme_week = (theme_dir() / "week.html").read_text(encoding="utf-8")
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    config = load_config(str(root / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)  # one plugin for every rebuild, as serve's

    def build(marker: str) -> str:
        week.write_text(theme_week.replace("</h1>", f"</h1><p>{marker}</p>", 1), encoding="utf-8")
        compiled.clear()
        mkdocs_build(load_config(str(root / "mkdocs.yml")))
        return (root / "site" / "weeks" / "2023-W39" / "index.html").read_text(encoding="utf-8")

    try:
        assert "Override one" in build("Override one") and "week.html" in compiled
        build("Override one")  # kept.html is new: pages kept
        assert "Override one" in build("Override one") and compiled == [], f"the same templates: none compiled, not {compiled}"
        assert "Override two" in build("Override two") and "week.html" in compiled
    finally:
        config.plugins.on_shutdown()
    cached = [p for p in (root / ".cache").rglob("*") if p.is_file()]
    assert not [p for p in cached if jinja2.bccache.bc_magic in p.read_bytes()], "no compiled template in .cache/"
    mkdocs_build(load_config(str(root / "mkdocs.yml")))  # a build, after serve
    assert not (root / ".cache" / "sitegen" / "build" / "templates").exists()


def test_a_rebuild_links_the_pages_that_show_the_same_and_renders_the_rest(tmp_path):
    """A page whose HTML the cache holds, and which shows the same now, is linked into the
    site instead of rendered and written again; the sitemap still lists it, dated as the
    rest, an editor's link to it still resolves (--strict), and an edited week is rendered."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    guide = site / "content/guide/index.md"
    guide.write_text(guide.read_text() + "\nSee [a week's page](../weeks/2023-W39.md).\n")
    _build(site, "warm")
    _build(site, "warm")  # nothing changed: every page but the first is the cache's
    week = site / "warm/weeks/2023-W39/index.html"
    assert week.stat().st_nlink > 1, "the unchanged page is the cache's file, linked"
    incident = next((site / "content/incidents").rglob("2023-08-15-koutougou.yaml"))
    incident.write_text(incident.read_text().replace("fatalities: 17", "fatalities: 18"))
    _build(site, "warm")
    edited = site / "warm/weeks/2023-W33/index.html"
    assert edited.stat().st_nlink == 1 and ">18<" in edited.read_text(), "the edited week, rendered"
    assert week.stat().st_nlink > 1
    assert 'href="../weeks/2023-W39/"' in (site / "warm/guide/index.html").read_text()

    shutil.rmtree(site / ".cache")
    _build(site, "cold")
    assert _same_tree(site / "cold", site / "warm") == []
    assert (site / "warm/sitemap.xml").read_text().count("<url>") == len(list((site / "cold").rglob("index.html")))


def test_pages_are_rendered_again_where_another_plugin_or_hook_works_on_them(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "hook.py").write_text("def on_post_page(output, page, config):\n    return output + '<!-- hooked -->'\n")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text() + "hooks:\n  - hook.py\n")
    _build(site, "warm")
    _build(site, "warm")
    week = site / "warm/weeks/2023-W39/index.html"
    assert week.read_text().endswith("<!-- hooked -->"), "the hook ran on the unchanged page too"
    (site / "hook.py").write_text("def on_page_context(context, page, config, nav):\n    context['config'].site_name = 'Renamed'\n    return context\n")
    _build(site, "warm")
    assert "Renamed" in week.read_text(), "an edited hook renders the pages again"


def test_a_rebuild_that_draws_a_map_again_does_not_import_folium(tmp_path):
    """Every map of a site has the same Leaflet options from Folium: they are kept in the
    cache, since importing Folium cost most of a second of a one-incident rebuild. The
    maps drawn again are the ones a cold build draws."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    (site / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text())
    _build(site, "site")
    incident = sorted((site / "content/incidents").rglob("*.yaml"))[-1]
    text = incident.read_text(encoding="utf-8")
    incident.write_text(text.replace("title: ", "title: Edited - ", 1), encoding="utf-8")  # its map's popup shows it
    assert incident.read_text(encoding="utf-8") != text
    code = (
        "import sys; from mkdocs.commands.build import build; from mkdocs.config import load_config\n"
        "c = load_config('mkdocs.yml'); c.plugins.on_startup(command='build', dirty=False); build(c); c.plugins.on_shutdown()\n"
        "print('folium imported' if 'folium' in sys.modules else 'no folium')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=site, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("no folium"), result.stdout
    cold = tmp_path / "cold"
    shutil.copytree(site / "content", cold / "content")
    shutil.copy(site / "mkdocs.yml", cold / "mkdocs.yml")
    _build(cold, "site")
    assert _same_tree(site / "site", cold / "site") == [] and _same_tree(cold / "site", site / "site") == []


def test_serve_makes_a_big_file_once_the_rebuild_is_over_and_hands_it_on(tmp_path, monkeypatch):
    """Under serve the site-wide downloads (300 MB at 100,000 incidents, made again at each
    save) are made when the cache folder is tidied, after the rebuild, and then handed on
    (to be placed in the site): the next rebuild finds them whole and makes none again, a
    damaged one is made again, and one the cache cannot hold is handed on with its maker."""
    from sitegen import cache as cache_module
    from sitegen.cache import BuildCache

    made, placed = [], []

    def make():
        made.append(1)
        return [b"id,title\n", b"1,Raid\n"]

    def place(path, maker):
        placed.append((path, path.read_bytes() if maker is None else b"".join(maker())))

    cache = BuildCache(tmp_path, "salt", later=True)
    path = cache.file("all-csv", "key", make, soon=True)
    assert cache.settle() == {}
    assert cache.made_later() == {str(path)}
    assert not path.exists() and made == [], "not made during the rebuild"
    cache.prune(soon=True, placed=place)
    cache.tidied()
    assert path.read_bytes() == b"id,title\n1,Raid\n" and path.with_name(path.name + ".sha256").exists()
    assert placed == [(path, b"id,title\n1,Raid\n")]
    again = BuildCache(tmp_path, "salt", later=True)
    assert again.file("all-csv", "key", make, soon=True) == path and made == [1], "found whole: not made again"
    assert again.made_later() == set()
    again.prune()
    with open(path, "r+b") as handle:  # through the site's link
        handle.write(b"XX")
    third = BuildCache(tmp_path, "salt", later=True)
    third.file("all-csv", "key", make, soon=True)
    third.prune(placed=place)
    assert made == [1, 1] and path.read_bytes() == b"id,title\n1,Raid\n"
    monkeypatch.setattr(cache_module, "_write", lambda *args: False)  # a full disk
    full = BuildCache(tmp_path, "salt", later=True)
    lost = full.file("all-csv", "other key", make, soon=True)
    full.prune(placed=place)
    assert not lost.exists() and placed[-1] == (lost, b"id,title\n1,Raid\n")


def test_a_file_tampered_between_two_rebuilds_of_one_process_is_not_trusted(tmp_path, monkeypatch):
    """Serve's rebuilds run in one process: a first version took the note the rebuild
    before had made as it was, and published a file edited (its time of last write set
    back) between two saves."""
    from sitegen import cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_NS", -1)  # files are noted as soon as written
    root, site = tmp_path / "cache", tmp_path / "site"

    def rebuild() -> bytes:
        cache_module.note_start(root)
        shutil.rmtree(site, ignore_errors=True)  # as MkDocs empties site/
        site.mkdir()
        cache = cache_module.BuildCache(root, "salt")
        made = cache.file("all-csv", "key", lambda: b"the true data")
        os.link(made, site / "incidents.csv")
        cache.prune()
        return (site / "incidents.csv").read_bytes()

    assert rebuild() == rebuild() == b"the true data"
    path = next(p for p in (root / "all-csv").iterdir() if p.suffix != ".sha256")  # the file, not its digest
    stat = path.stat()
    with open(path, "r+b") as handle:
        handle.write(b"TAMPERED")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert rebuild() == b"the true data"


def test_a_note_dated_in_the_future_trusts_no_file(tmp_path, monkeypatch):
    """A foreign cache's note dated after now would let any file changed since through."""
    from sitegen import cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_NS", -1)
    made = cache_module.BuildCache(tmp_path, "salt")
    made.blob(b"bytes")
    made.prune()
    assert cache_module._untouched(tmp_path), "a true note: its file is trusted"
    (tmp_path / cache_module.SEEN_TIME).write_text(str(2**62))
    assert cache_module._untouched(tmp_path) == {}
