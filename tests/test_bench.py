"""bench/run.py's measuring helpers: the figures in README's Performance table come from these."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from bench.run import _children, bare_pages, search_bytes, timed_build, tree_rss_kb


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


def test_search_bytes_count_the_page_its_local_scripts_and_the_index(tmp_path):
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "search" / "index.html").write_text(
        '<link rel="stylesheet" href="../assets/a.css"><form data-index="index.json"></form>'
        '<script src="../assets/s.js"></script><script src="https://cdn.example/x.js"></script>'
    )
    (site / "assets" / "a.css").write_bytes(b"c" * 100)
    (site / "assets" / "s.js").write_bytes(b"s" * 1000)
    (site / "search" / "index.json").write_bytes(b"i" * 10_000)
    page = len((site / "search" / "index.html").read_bytes())
    raw, gz = search_bytes(site)
    assert raw == page + 100 + 1000 + 10_000
    assert 0 < gz < raw

