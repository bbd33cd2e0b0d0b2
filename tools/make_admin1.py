"""Make sitegen/data/admin1.json: approximate admin1 boundaries of the covered countries.

Natural Earth's 1:110m data has no admin1 polygons, and the bundled gazetteer has places with
their admin1 names. A region is taken, as in regions.csv, to be the part of its country closer to
its places than to any other region's: this tool fills each country's outline with a grid of
cells, gives each cell the admin1 of its nearest place, traces the edges between cells of
different regions and simplifies them. Good enough for orientation on a map, not for geodesy.

    python tools/make_admin1.py          # no network: reads sitegen/data only
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from sitegen import geo

CELL = 0.1  # degrees
TOLERANCE = 0.1  # Douglas-Peucker, degrees
OUT = Path(__file__).resolve().parent.parent / "sitegen" / "data" / "admin1.json"


def _regions(code: str) -> dict[tuple[int, int], str]:
    south, west, north, east = geo.country_box(code)
    index = geo._NearestIndex(geo._gazetteer().points[code], 3000.0)
    rings = geo._outlines()[code].rings
    cells = {}
    for i in range(math.floor(south / CELL), math.ceil(north / CELL)):
        for j in range(math.floor(west / CELL), math.ceil(east / CELL)):
            lat, lon = (i + 0.5) * CELL, (j + 0.5) * CELL
            if geo._inside_rings(rings, lat, lon):
                name = index.nearest(lat, lon)
                if name:
                    cells[(i, j)] = name
    return cells


def _edges(cells: dict[tuple[int, int], str]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Grid edges (corner to corner, corners as (i, j) of the lower-left) between two regions."""
    edges = []
    for (i, j), name in cells.items():
        right, up = cells.get((i, j + 1)), cells.get((i + 1, j))
        if right is not None and right != name:
            edges.append(((i, j + 1), (i + 1, j + 1)))
        if up is not None and up != name:
            edges.append(((i + 1, j), (i + 1, j + 1)))
    return edges


def _chains(edges) -> list[list[tuple[int, int]]]:
    neighbours = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    used, chains = set(), []

    def walk(start, nxt):
        chain = [start]
        prev, cur = start, nxt
        while True:
            used.add(frozenset((prev, cur)))
            chain.append(cur)
            if len(neighbours[cur]) != 2:
                return chain
            following = [n for n in neighbours[cur] if frozenset((cur, n)) not in used]
            if not following:
                return chain
            prev, cur = cur, following[0]

    for node in sorted(neighbours):  # ends and junctions first, then closed loops
        if len(neighbours[node]) != 2:
            for n in sorted(neighbours[node]):
                if frozenset((node, n)) not in used:
                    chains.append(walk(node, n))
    for node in sorted(neighbours):
        for n in sorted(neighbours[node]):
            if frozenset((node, n)) not in used:
                chains.append(walk(node, n))
    return chains


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    (ax, ay), (bx, by) = points[0], points[-1]
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy)
    best, index = -1.0, 0
    for n, (px, py) in enumerate(points[1:-1], 1):
        d = abs(dy * (px - ax) - dx * (py - ay)) / length if length else math.hypot(px - ax, py - ay)
        if d > best:
            best, index = d, n
    if best <= tolerance:
        return [points[0], points[-1]]
    return _simplify(points[: index + 1], tolerance)[:-1] + _simplify(points[index:], tolerance)


def main() -> None:
    countries = {}
    for code in sorted(c for c in geo._gazetteer().points if c is not None):
        lines = []
        for chain in _chains(_edges(_regions(code))):
            points = _simplify([(j * CELL, i * CELL) for i, j in chain], TOLERANCE)
            rounded = [(round(x, 1), round(y, 1)) for x, y in points]
            rounded = [p for n, p in enumerate(rounded) if n == 0 or p != rounded[n - 1]]
            if len(rounded) >= 2:
                lines.append([v for point in rounded for v in point])
        countries[code] = lines
    source = "derived from GeoNames places (places.csv) within Natural Earth 1:110m outlines"
    data = {"source": source, "countries": countries}
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"make_admin1: {sum(len(v) for v in countries.values())} lines, {OUT.stat().st_size // 1024} KiB in {OUT}")


if __name__ == "__main__":
    main()
