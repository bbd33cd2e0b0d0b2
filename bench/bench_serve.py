"""Save -> rebuilt page served, under `sitegen serve` (issue 13: <= 1 s at 100k).

    python bench/bench_serve.py [--incidents 20000] [--weeks 520] [--saves 5]
    python bench/bench_serve.py --incidents 100000 --saves 8 --rounds 2 --compare OLD NEW

Generates a synthetic site (bench/synth.py), starts `sitegen serve` on it, and after the
first build edits one incident's summary in the middle week's file, then polls that week's
page over HTTP until the new text is served. Prints each save's seconds and their median,
and the CPU seconds the server spent on it (on Linux: less sensitive than the wall time to
other work on the machine); the server's output is in serve.log of the work folder, kept
with --keep.

--compare takes folders that each hold a sitegen (`git worktree add /tmp/old <commit>`, and
this checkout): the same site, one copy for each (their caches apart), served by each in
turn, --rounds times, so that both see the same machine; prints each one's median and the
ratio. The copies' first builds are cold (a minute at 100k), their next rounds' warm.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.synth import generate  # noqa: E402

CONFIG = """\
site_name: Bench
docs_dir: content
theme:
  name: sitegen
plugins:
  - sitegen:
      tiles: {url: null}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read().decode("utf-8")


def _wait_for(url: str, text: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if text in _get(url):
                return time.monotonic()
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {text!r} at {url}")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its threads so far (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def edit(path: Path, n: int) -> str:
    """One incident's summary in the file, changed as an editor would save it."""
    marker = f"Edited by the bench ({n})."
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"^(  summary: )(?:Edited by the bench \(\d+\)\. )?(.*)$", lambda m: f"{m[1]}{marker} {m[2]}", text, count=1, flags=re.M)
    assert count == 1, path
    path.write_text(new, encoding="utf-8")
    return marker


def run(work: Path, incidents: int, weeks: int, saves: int) -> tuple[list[float], list[float]]:
    generate(work, incidents, weeks)
    (work / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    return serve(work, saves)


def serve(work: Path, saves: int, code: Path | None = None, first: int = 1) -> tuple[list[float], list[float]]:
    """`saves` saves under `sitegen serve` of the site in `work` (that of the sitegen in
    `code`, else this one), numbered from `first` (each save's text is new)."""
    files = sorted((work / "content" / "incidents").glob("*.yaml"))
    target = files[len(files) // 2]
    port = _free_port()
    url = f"http://127.0.0.1:{port}/weeks/{target.stem}/"
    log = open(work / "serve.log", "w+", encoding="utf-8")
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code or ROOT), os.environ.get("PYTHONPATH")]))}
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "-a", f"127.0.0.1:{port}"], cwd=work, stdout=log,
                              stderr=subprocess.STDOUT, env=env)  # fmt: skip
    try:
        _wait_for(url, "<html", timeout=1800)
        print(f"  first build served after {time.monotonic() - started:.1f} s", flush=True)
        times, cpu = [], []
        for n in range(first, first + saves):
            time.sleep(1.5)  # the watcher settles; each save is its own rebuild
            saved, before = time.monotonic(), _cpu_seconds(server.pid)
            marker = edit(target, n)
            served = _wait_for(url, marker, timeout=600)
            times.append(served - saved)
            after = _cpu_seconds(server.pid)
            if before is not None and after is not None:
                cpu.append(after - before)
            print(f"  save {n}: {times[-1]:.2f} s" + (f" ({cpu[-1]:.2f} s CPU)" if cpu else ""), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    return times, cpu


def compare(work: Path, incidents: int, weeks: int, saves: int, rounds: int, codes: list[Path]) -> None:
    site = work / "site"
    generate(site, incidents, weeks)
    (site / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    copies = {code: work / f"site-{n}" for n, code in enumerate(codes)}
    for copy in copies.values():
        shutil.copytree(site, copy)
    results: dict[Path, tuple[list[float], list[float]]] = {code: ([], []) for code in codes}
    first = 1
    for round_ in range(1, rounds + 1):
        for code in codes:
            print(f"round {round_}, {code}:", flush=True)
            times, cpu = serve(copies[code], saves, code, first)
            first += saves
            results[code][0].extend(times)
            results[code][1].extend(cpu)
    for code, (times, cpu) in results.items():
        print(f"{code}: save -> page served, median {statistics.median(times):.2f} s over {len(times)} saves"
              + (f", the server's CPU {statistics.median(cpu):.2f} s" if cpu else ""))
    base = statistics.median(results[codes[0]][0])
    for code in codes[1:]:
        print(f"{code} / {codes[0]}: {statistics.median(results[code][0]) / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument("--compare", type=Path, nargs="+", metavar="CODE", help="folders holding a sitegen each, served in turn")
    parser.add_argument("--rounds", type=int, default=2, help="with --compare: runs of each")
    args = parser.parse_args()
    if args.compare:
        with tempfile.TemporaryDirectory(prefix="sitegen-serve-") as tmp:
            compare(args.keep or Path(tmp), args.incidents, args.weeks, args.saves, args.rounds, [p.resolve() for p in args.compare])
        return
    with tempfile.TemporaryDirectory(prefix="sitegen-serve-") as tmp:
        work = args.keep or Path(tmp) / "site"
        print(f"sitegen serve, {args.incidents} incidents over {args.weeks} weeks:", flush=True)
        times, cpu = run(work, args.incidents, args.weeks, args.saves)
    print(f"save -> rebuilt week page served: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) over {len(times)} saves; target <= 1 s at 100k")
    if cpu:
        print(f"the server's CPU per save: median {statistics.median(cpu):.2f} s (min {min(cpu):.2f}, max {max(cpu):.2f})")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
