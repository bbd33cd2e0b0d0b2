"""Speed and memory figures of sitegen at scale, printed as a table, measured in one run.

    python bench/run.py [--incidents 100000] [--weeks 520] [--repeat 3]
    python bench/run.py --curve [10000,30000,100000,300000]

Figures (issue 13), with two baselines built in the same run, alternating with ours:
  - bare: plain MkDocs 1.6, `mkdocs` theme, W bare weekly pages of ~700 words and a
    60-row HTML table each (the issue's 1.0x);
  - heavy: plain MkDocs 1.6, W pages holding the text of each week's incidents as a
    Markdown list (the earlier, heavier baseline);
  - cold `mkdocs build` of N incidents over W weeks (no .cache/): wall and CPU seconds,
    peak memory of the main process and summed over every process of the build;
  - rebuild after editing one brief, and after editing one incident, with .cache/ kept;
  - bytes one search query transfers in Chromium (search page, its scripts and styles,
    the index files it fetches; the heaviest of bench/bench_search.py's queries);
  - size of the HTML of the largest week page; map data in separate files;
  - whether two builds of the same content are byte-identical.
Ratios are medians of --repeat alternating runs. --curve prints the cold-build cost at
several sizes (one build each) to show how it grows with the number of incidents.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.synth import WORDS, generate  # noqa: E402

CONFIG = """\
site_name: Bench
docs_dir: content
site_dir: {site}
use_directory_urls: true
theme:
  name: sitegen
  static_templates: [404.html]
plugins:
  - sitegen:
      tiles: {{url: null}}
"""
PLAIN_CONFIG = """\
site_name: Plain
docs_dir: docs
site_dir: {site}
theme:
  name: mkdocs
"""
CURVE = (10_000, 30_000, 100_000, 300_000)


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the build and every process it waited for
    main_mb: float  # peak RSS of the main process
    tree_mb: float  # peak of the RSS summed over the build's process tree, sampled


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """RSS summed over a process and all its descendants, now."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total


def timed_build(cwd: Path, config: str) -> Run:
    """One `mkdocs build` in a fresh process: times, and memory sampled every 50 ms."""
    cmd = ["/usr/bin/time", "-f", "%e %M %U %S", sys.executable, "-m", "mkdocs", "build", "-q", "-f", config]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_rss_kb(process.pid))  # /usr/bin/time's own RSS is ~2 MB

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        done.set()
        sampler.join()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if code != 0:
        sys.exit(f"build failed in {cwd}:\n{stderr[-3000:]}")
    wall, rss_kb, user, system = stderr.strip().splitlines()[-1].split()
    run = Run(float(wall), float(user) + float(system), int(rss_kb) / 1024, max(peak[0], int(rss_kb)) / 1024)
    log(f"  {cwd.name}/{config}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, {run.tree_mb:.0f} MB summed")  # progress
    return run


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def heavy_pages(work: Path, content: Path) -> None:
    """W plain Markdown pages, each with the text of one week's brief and incidents."""
    docs = work / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Plain\n")
    for brief in sorted((content / "briefs").glob("*.md")):
        lines = [f"# {brief.stem}", "", brief.read_text(encoding="utf-8").split("---", 2)[2], ""]
        week_file = content / "incidents" / brief.name.replace(".md", ".yaml")
        if week_file.exists():
            for item in yaml.load(week_file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
                lines.append(f"- **{item['title']}** ({item['date']}, {item['location']}): {item['summary']}")
        (docs / f"{brief.stem}.md").write_text("\n".join(lines), encoding="utf-8")
    (work / "mkdocs.yml").write_text(PLAIN_CONFIG.format(site="site"))


def bare_pages(work: Path, weeks: int, seed: int = 11) -> None:
    """W bare weekly pages: ~700 words in seven paragraphs and a 60-row HTML table each."""
    rng = random.Random(seed)
    docs = work / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Plain\n")
    for w in range(weeks):
        parts = [f"# Week {w + 1}", ""]
        for _ in range(7):
            parts += [" ".join(rng.choice(WORDS) for _ in range(100)).capitalize() + ".", ""]
        parts.append("<table>\n<thead><tr><th>Date</th><th>Place</th><th>Type</th><th>Fatalities</th></tr></thead>\n<tbody>")
        for r in range(60):
            parts.append(f"<tr><td>2024-01-{r % 28 + 1:02d}</td><td>{rng.choice(WORDS).capitalize()} area {r}</td>"
                         f"<td>{rng.choice(WORDS)}</td><td>{rng.randrange(12)}</td></tr>")
        parts += ["</tbody>\n</table>", ""]
        (docs / f"week-{w + 1:03d}.md").write_text("\n".join(parts), encoding="utf-8")
    (work / "mkdocs.yml").write_text(PLAIN_CONFIG.format(site="site"))


def search_bytes(site: Path) -> tuple[int, int, str]:
    """Bytes (raw, gzip) the heaviest query of bench_search.QUERIES transfers in Chromium,
    English and French editions (the page, its scripts and styles, the index files
    search.js fetched), and which query that was."""
    from bench.bench_search import measure

    worst = max(measure(site), key=lambda t: t.raw)
    return worst.raw, worst.gz, f"/{worst.path}?q={worst.query}"


def edit_brief(work: Path, n: int) -> None:
    brief = sorted((work / "content" / "briefs").glob("*.md"))[len(list((work / "content" / "briefs").glob("*.md"))) // 2]
    brief.write_text(brief.read_text(encoding="utf-8") + f"\nOne more sentence from the editor ({n}).\n", encoding="utf-8")


def edit_incident(work: Path, n: int) -> None:
    """Change one incident's summary in the middle week's file."""
    files = sorted((work / "content" / "incidents").glob("*.yaml"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"^(  summary: )(.*)$", lambda m: f"{m[1]}Edited ({n}). {m[2]}", text, count=1, flags=re.M)
    assert count == 1, path
    path.write_text(new, encoding="utf-8")


def median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"| {'figure':<{width}} | value | target |")
    print(f"|{'-' * (width + 2)}|-------|--------|")
    for name, value, target in rows:
        print(f"| {name:<{width}} | {value} | {target} |", flush=True)


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def bench(args) -> None:
    work = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    log(f"generating {args.incidents:,} incidents over {args.weeks} weeks in {work} ...")
    generate(work, args.incidents, args.weeks)
    (work / "mkdocs.yml").write_text(CONFIG.format(site="site"))
    (work / "mkdocs-b.yml").write_text(CONFIG.format(site="site-b"))
    heavy_pages(work / "heavy", work / "content")
    bare_pages(work / "bare", args.weeks)

    # reading alone: every incident file parsed and validated, no cache
    from sitegen.check import check_content
    from sitegen.config import load_config

    started = time.perf_counter()
    content = check_content(load_config(work / "mkdocs.yml"))
    read_seconds = time.perf_counter() - started
    assert not content.errors, content.errors[:3]
    del content

    cold: list[Run] = []
    bare: list[Run] = []
    heavy: list[Run] = []
    for n in range(args.repeat):  # alternating, so the machine's load falls on all three alike
        log(f"round {n + 1}/{args.repeat}: cold build, bare baseline, heavy baseline")
        shutil.rmtree(work / ".cache", ignore_errors=True)
        cold.append(timed_build(work, "mkdocs.yml"))
        bare.append(timed_build(work / "bare", "mkdocs.yml"))
        heavy.append(timed_build(work / "heavy", "mkdocs.yml"))

    # rebuilds with .cache/ kept, alternating: one brief edited, then one incident
    brief_runs: list[Run] = []
    incident_runs: list[Run] = []
    for n in range(args.repeat):
        log(f"round {n + 1}/{args.repeat}: rebuilds")
        edit_brief(work, n)
        brief_runs.append(timed_build(work, "mkdocs.yml"))
        edit_incident(work, n)
        incident_runs.append(timed_build(work, "mkdocs.yml"))

    # byte-identical: two cold builds of the same content into two folders
    log("byte-identical check: two more cold builds")
    shutil.rmtree(work / ".cache", ignore_errors=True)
    timed_build(work, "mkdocs-b.yml")
    shutil.rmtree(work / ".cache", ignore_errors=True)
    timed_build(work, "mkdocs.yml")
    identical = tree_digest(work / "site") == tree_digest(work / "site-b")

    busiest = max((work / "content" / "incidents").glob("*.yaml"), key=lambda p: p.stat().st_size)
    per_week = len(yaml.load(busiest.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    largest = work / "site" / "weeks" / busiest.stem / "index.html"
    home = (work / "site" / "index.html").read_text(encoding="utf-8")
    country = next((work / "site" / "countries").glob("*/index.html")).read_text(encoding="utf-8")
    separate = all(".geojson" in page and not re.search(r'"type":\s*"FeatureCollection"', page) for page in (home, country))
    search_raw, search_gz, search_query = search_bytes(work / "site")

    wall, cpu = median(cold, "wall"), median(cold, "cpu")
    bare_wall, bare_cpu = median(bare, "wall"), median(bare, "cpu")
    heavy_wall = median(heavy, "wall")
    rb, ri = median(brief_runs, "wall"), median(incident_runs, "wall")
    tree_mb = max(r.tree_mb for r in cold)
    k = len(cold)
    rows = [
        ("machine", f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB", ""),
        ("content", f"{args.incidents:,} incidents, {args.weeks} weeks", ""),
        ("read + validate all incidents and briefs (no cache)", f"{read_seconds:.1f} s", ""),
        (f"cold build (median of {k})", f"{wall:.1f} s wall, {cpu:.1f} s CPU", ""),
        (f"bare baseline: plain MkDocs, {args.weeks} bare pages", f"{bare_wall:.1f} s wall, {bare_cpu:.1f} s CPU", "= 1.0x"),
        (f"heavy baseline: plain MkDocs, {args.weeks} pages of incident text", f"{heavy_wall:.1f} s wall", ""),
        ("ratio cold / bare baseline", f"{wall / bare_wall:.2f}x wall, {cpu / bare_cpu:.2f}x CPU", f"<= 1.0x: {met(wall <= bare_wall)}"),
        ("ratio cold / heavy baseline", f"{wall / heavy_wall:.2f}x wall", ""),
        ("peak memory, cold build, main process", f"{max(r.main_mb for r in cold):.0f} MB", ""),
        ("peak memory, cold build, summed over its processes", f"{tree_mb:.0f} MB", "<= 2048 MB at 300k (see --curve)"),
        (f"rebuild after editing one brief (median of {k})", f"{rb:.1f} s = {rb / wall:.2f}x cold", f"<= 0.2x: {met(rb <= 0.2 * wall)}"),
        (f"rebuild after editing one incident (median of {k})", f"{ri:.1f} s = {ri / wall:.2f}x cold", f"<= 0.2x: {met(ri <= 0.2 * wall)}"),
        (f"one search query transfers (heaviest: {search_query})", f"{search_raw / 1024:,.0f} KB ({search_gz / 1024:,.0f} KB gzipped)",
         f"<= 300 KB: {met(search_raw <= 300 * 1024)}"),
        (f"largest week page ({per_week} incidents)", f"{largest.stat().st_size / 1024:.0f} KB", "< 300 KB for 500"),
        ("home/country map data in a separate file", "yes" if separate else "NO", ""),
        ("two builds byte-identical", "yes" if identical else "NO", ""),
    ]
    print_table(rows)
    if args.runs:
        for name, runs in (("cold", cold), ("bare", bare), ("heavy", heavy), ("brief", brief_runs), ("incident", incident_runs)):
            print(name, " ".join(f"{r.wall:.1f}s/{r.cpu:.1f}cpu/{r.tree_mb:.0f}MB" for r in runs))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def curve(args) -> None:
    """Cold-build cost at several sizes, one build each, against one bare baseline."""
    sizes = [int(s) for s in args.curve.split(",")] if args.curve else list(CURVE)
    base = Path(tempfile.mkdtemp(prefix="sitegen-curve-"))
    bare_pages(base / "bare", args.weeks)
    bare = timed_build(base / "bare", "mkdocs.yml")
    print(f"bare baseline ({args.weeks} pages): {bare.wall:.1f} s wall, {bare.cpu:.1f} s CPU, {bare.tree_mb:.0f} MB")
    print("| incidents | cold wall | CPU | wall / bare | CPU / bare | CPU s per 10k incidents | peak memory summed |")
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        work = base / f"n{size}"
        log(f"generating {size:,} incidents over {args.weeks} weeks ...")
        generate(work, size, args.weeks)
        (work / "mkdocs.yml").write_text(CONFIG.format(site="site"))
        run = timed_build(work, "mkdocs.yml")
        print(f"| {size:,} | {run.wall:.1f} s | {run.cpu:.1f} s | {run.wall / bare.wall:.2f}x | {run.cpu / bare.cpu:.2f}x | "
              f"{run.cpu / size * 10_000:.2f} s | {run.tree_mb:,.0f} MB |", flush=True)
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds to take the medians of")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument("--runs", action="store_true", help="also print every run, not only the medians")
    parser.add_argument("--curve", nargs="?", const="", default=None, metavar="N,N,...",
                        help="cold-build cost at these sizes (default 10k,30k,100k,300k) instead of the table")
    args = parser.parse_args()
    if args.curve is not None:
        curve(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
