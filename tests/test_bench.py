"""bench/run.py's measuring helpers: the figures in README's Performance table come from these."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bench.run import _children, bare_pages, search_bytes, timed_build, tree_rss_kb
from sitegen.render.search import Row, search_files
from sitegen.scaffold import theme_dir
from tests.conftest import ROOT


def test_bare_baseline_pages_hold_700_words_and_a_60_row_table(tmp_path):
    bare_pages(tmp_path, weeks=3)
    pages = sorted((tmp_path / "docs").glob("week-*.md"))
    assert len(pages) == 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        table = text[text.index("<table>") :]
        words = len(re.sub(r"<[^>]+>", " ", text[: text.index("<table>")]).split())
        assert 690 <= words <= 710
        assert table.count("<tr><td>") == 60
    assert "name: mkdocs" in (tmp_path / "mkdocs.yml").read_text()


def test_memory_is_summed_over_the_whole_process_tree():
    # a parent holding ~0 MB extra whose child holds 200 MB: the sum sees the child
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'b = bytearray(200 << 20); import time; time.sleep(30)'])"
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        total = 0
        while time.monotonic() < deadline and total < 200 * 1024:
            time.sleep(0.1)
            total = tree_rss_kb(parent.pid)
        assert total >= 200 * 1024
    finally:
        for child in _children().get(parent.pid, []):
            os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.wait()


def test_a_build_is_timed_with_cpu_and_summed_memory(tmp_path):
    bare_pages(tmp_path, weeks=2)
    run = timed_build(tmp_path, "mkdocs.yml")
    assert run.wall > 0 and run.cpu > 0
    assert run.tree_mb >= run.main_mb > 10
    assert (tmp_path / "site" / "week-001" / "index.html").is_file()


@pytest.mark.browser
def test_search_bytes_count_the_page_its_scripts_and_the_index_files_a_query_fetches(tmp_path):
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "assets").mkdir()
    shutil.copy(theme_dir() / "assets" / "search.js", site / "assets" / "search.js")
    (site / "assets" / "a.css").write_bytes(b"c" * 100)
    (site / "search" / "index.html").write_text(
        '<meta charset="utf-8"><link rel="stylesheet" href="../assets/a.css"><form role="search" data-index="index/meta.json">'
        '<input type="search" id="search-input"></form><div id="search-results"></div>'
        '<script src="../assets/search.js"></script>'
    )
    rows = [Row("incident", f"Raid near {place}", f"weeks/2023-W39/#{n}", "2023-09-28", "Niger", place)
            for n, place in enumerate(["Tillabéri", "Ouallam", "Tahoua"] * 20)]
    for path, data in search_files(rows).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    sizes = {path: (site / path).stat().st_size for path in ("search/index.html", "assets/search.js", "assets/a.css")}
    raw, gz, query = search_bytes(site)
    index = site / "search" / "index"
    # "Tilaberi" (20 results, a page of 20 spread over 4 blocks) is the heaviest of the bench's queries
    assert query == "/search/?q=Tilaberi"
    fetched = ["meta.json", "t-ti.json", "d-0.json", "d-1.json", "d-2.json", "d-3.json"]
    assert raw == sum(sizes.values()) + sum((index / name).stat().st_size for name in fetched)
    assert 0 < gz < raw


def test_the_serve_bench_serves_each_sitegen_compared_in_turn(tmp_path):
    # bench_serve.py --compare: each folder's own sitegen serves its copy of the site (the
    # copy marks the folder it ran in), and each one's median and the ratio are printed
    other = tmp_path / "other"
    shutil.copytree(ROOT / "sitegen", other / "sitegen", ignore=shutil.ignore_patterns("__pycache__"))
    main = other / "sitegen/__main__.py"
    main.write_text("import pathlib\npathlib.Path('served-by-the-copy').touch()\n" + main.read_text(encoding="utf-8"), encoding="utf-8")
    work = tmp_path / "work"
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench/bench_serve.py"), "--incidents", "200", "--weeks", "4", "--saves", "1",
         "--rounds", "1", "--keep", str(work), "--compare", str(ROOT), str(other)],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout  # fmt: skip
    assert re.search(rf"^{re.escape(str(ROOT))}: save -> page served, median [\d.]+ s over 1 saves", out, re.M), out
    assert re.search(rf"^{re.escape(str(other))}: save -> page served, median [\d.]+ s over 1 saves", out, re.M), out
    assert re.search(rf"^{re.escape(str(other))} / {re.escape(str(ROOT))}: [\d.]+x$", out, re.M), out
    assert (work / "site-1/served-by-the-copy").is_file() and not (work / "site-0/served-by-the-copy").exists()
