"""Speed and memory figures of sitegen at scale, printed as a table, measured in one run.

    python bench/run.py [--incidents 100000] [--weeks 520] [--repeat 1]

Figures (issue: scale and speed):
  - cold `mkdocs build` of N incidents over W weeks (no .cache/), wall time and peak RSS;
  - the same against a plain MkDocs 1.6 build of W bare Markdown pages of similar length
    (each page holds the text of one week's incidents as a Markdown list), same run;
  - rebuild after editing one brief, with .cache/ kept;
  - size of the HTML of the largest week page;
  - whether home and country maps load their data from a separate GeoJSON file;
  - whether two builds of the same content are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.synth import generate  # noqa: E402

CONFIG = """\
site_name: Bench
docs_dir: content
site_dir: {site}
use_directory_urls: true
theme:
  name: sitegen
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


def timed_build(cwd: Path, config: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `mkdocs build` in a fresh process."""
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-m", "mkdocs", "build", "-q", "-f", config]
    # this checkout's sitegen, whatever an editable install elsewhere points at
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"build failed in {cwd}:\n{result.stderr[-3000:]}")
    wall, rss_kb = result.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss_kb) / 1024


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def plain_pages(work: Path, content: Path) -> None:
    """W bare Markdown pages, each with the text of one week's brief and incidents."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--repeat", type=int, default=1, help="cold builds to take the median of")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    print(f"generating {args.incidents:,} incidents over {args.weeks} weeks in {work} ...", file=sys.stderr)
    generate(work, args.incidents, args.weeks)
    (work / "mkdocs.yml").write_text(CONFIG.format(site="site"))
    (work / "mkdocs-b.yml").write_text(CONFIG.format(site="site-b"))
    plain = work / "plain"
    plain_pages(plain, work / "content")
    (plain / "mkdocs.yml").write_text(PLAIN_CONFIG.format(site="site"))

    # reading alone: every incident file parsed and validated, no cache
    from sitegen.config import load_config
    from sitegen.read import read_content

    started = time.perf_counter()
    content = read_content(load_config(work / "mkdocs.yml"))
    read_seconds = time.perf_counter() - started
    assert not content.errors, content.errors[:3]

    cold, plain_times, rss = [], [], []
    for _ in range(args.repeat):
        shutil.rmtree(work / ".cache", ignore_errors=True)
        wall, peak = timed_build(work, "mkdocs.yml")
        cold.append(wall)
        rss.append(peak)
        plain_times.append(timed_build(plain, "mkdocs.yml")[0])

    # rebuild after editing one brief, cache kept
    brief = sorted((work / "content" / "briefs").glob("*.md"))[len(cold) and args.weeks // 2]
    brief.write_text(brief.read_text(encoding="utf-8") + "\nOne more sentence from the editor.\n", encoding="utf-8")
    rebuild, _ = timed_build(work, "mkdocs.yml")

    # byte-identical: a second cold build of the same content into another folder
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

    cold_median, plain_median = statistics.median(cold), statistics.median(plain_times)
    rows = [
        ("machine", f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB", ""),
        ("content", f"{args.incidents:,} incidents, {args.weeks} weeks", ""),
        ("read + validate all incidents (no cache)", f"{read_seconds:.1f} s", "seconds, not minutes"),
        ("cold build (median of %d)" % len(cold), f"{cold_median:.1f} s", ""),
        ("plain MkDocs, %d pages" % args.weeks, f"{plain_median:.1f} s", ""),
        ("ratio cold / plain", f"{cold_median / plain_median:.2f}x", "target <= 1.5x"),
        ("peak memory, cold build", f"{max(rss):.0f} MB", "target < 2048 MB"),
        ("rebuild after editing one brief", f"{rebuild:.1f} s = {rebuild / cold_median:.2f}x cold", "target < 0.5x, aim 0.2x"),
        (f"largest week page ({per_week} incidents)", f"{largest.stat().st_size / 1024:.0f} KB", "target < 300 KB for 500"),
        ("home/country map data in a separate file", "yes" if separate else "NO", ""),
        ("two builds byte-identical", "yes" if identical else "NO", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"| {'figure':<{width}} | value | target |")
    print(f"|{'-' * (width + 2)}|-------|--------|")
    for name, value, target in rows:
        print(f"| {name:<{width}} | {value} | {target} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
