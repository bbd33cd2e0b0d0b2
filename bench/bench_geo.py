"""Timing of the gazetteer's hot calls (admin1_at runs once per incident without admin1).

    python bench/bench_geo.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen import geo  # noqa: E402

# Real Sahel towns; incidents cluster around such places.
TOWNS = [
    ("NE", 14.62, 0.98), ("NE", 13.51, 2.11), ("NE", 14.89, 5.27), ("NE", 13.32, 12.61), ("NE", 13.50, 7.10),
    ("ML", 14.48, -4.18), ("ML", 16.27, -0.04), ("ML", 16.77, -3.01), ("ML", 15.92, 2.40), ("ML", 13.44, -6.26),
    ("BF", 14.10, -1.63), ("BF", 12.37, -1.53), ("BF", 12.06, 0.36), ("BF", 13.58, -2.42), ("BF", 12.25, -3.50),
]


def timed(label: str, calls: int, run) -> None:
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:7.3f} s  ({elapsed / calls * 1e6:5.1f} µs/call)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(7)
    near = []
    for _ in range(n):
        code, lat, lon = rng.choice(TOWNS)
        near.append((lat + rng.gauss(0, 0.5), lon + rng.gauss(0, 0.5), code))
    spread = [(rng.uniform(9.0, 24.0), rng.uniform(-12.0, 16.0), rng.choice("NE ML BF".split())) for _ in range(n)]

    timed("load data (first call)", 1, lambda: geo.admin1_at(13.5, 2.1, "NE"))
    timed(f"admin1_at x {n:,}, around Sahel towns, with country", n,
          lambda: [geo.admin1_at(lat, lon, code) for lat, lon, code in near])
    timed(f"admin1_at x {n:,}, around Sahel towns, again (warm)", n,
          lambda: [geo.admin1_at(lat, lon, code) for lat, lon, code in near])
    timed(f"admin1_at x {n:,}, anywhere in the Sahel box, with country", n,
          lambda: [geo.admin1_at(lat, lon, code) for lat, lon, code in spread])
    timed(f"admin1_at x {n:,}, anywhere in the Sahel box, no country", n,
          lambda: [geo.admin1_at(lat, lon) for lat, lon, _ in spread])
    m = n // 10
    timed(f"in_country x {m:,}", m, lambda: [geo.in_country(code, lat, lon) for lat, lon, code in spread[:m]])
    timed(f"find_place x {m:,}", m, lambda: [geo.find_place("Tillaberi", "NE") for _ in range(m)])


if __name__ == "__main__":
    main()
