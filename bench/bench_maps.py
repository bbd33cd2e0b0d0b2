"""How long a map takes to render and how big it gets, for 500 and 20,000 incidents.

    python bench/bench_maps.py

Prints, per size: incident_features time, render_map time with the data inline (size of
the JSON island and number of circles of the static SVG map), and the size of the map data
file (map_geojson) used by the home and country maps.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitegen.model import DEFAULT_EVENT_TYPES, Incident  # noqa: E402
from sitegen.render import maps  # noqa: E402

WORDS = (
    "suspected JNIM ISSP militants attacked army position near village soldiers killed wounded "
    "convoy ambush improvised explosive device motorbikes gunmen market civilians abducted "
    "drone strike Tillabéri Ménaka Gao Mopti Sahel Est Boucle du Mouhoun gendarmerie post "
    "volunteers VDP clashes reported local sources ministry statement cattle herders"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def incidents(count: int, seed: int = 1) -> list[Incident]:
    rng = random.Random(seed)
    start = dt.date(2023, 1, 2)
    return [
        Incident(
            id=f"acled-ner{n:06d}",
            date=start + dt.timedelta(days=rng.randrange(365)),
            title=_text(rng, 7),
            type=rng.choice(DEFAULT_EVENT_TYPES).slug,
            country="NE",
            location=f"Village {n}",
            lat=rng.uniform(11.5, 17.5),
            lon=rng.uniform(-5.0, 4.0),
            fatalities=rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 13, 40)),
            summary=_text(rng, 35),
        )
        for n in range(count)
    ]


OPTIONS = maps.MapOptions()


def url_for(incident: Incident) -> str:
    return f"../weeks/{incident.week}/#{incident.id}"


def main() -> None:
    for count in (500, 20_000):
        records = incidents(count)
        t0 = time.perf_counter()
        features = maps.incident_features(records, DEFAULT_EVENT_TYPES, url_for)
        t1 = time.perf_counter()
        fragment = maps.render_map("map-bench", features, event_types=DEFAULT_EVENT_TYPES, options=OPTIONS)
        t2 = time.perf_counter()
        collection = maps.map_geojson(records, DEFAULT_EVENT_TYPES, url_for)
        data_file = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
        t3 = time.perf_counter()
        by_url = maps.render_map("map-bench", features, data_url="x.geojson", event_types=DEFAULT_EVENT_TYPES, options=OPTIONS)
        t4 = time.perf_counter()
        print(
            f"{count:>6} incidents: features {1000 * (t1 - t0):6.1f} ms, inline render {1000 * (t2 - t1):6.1f} ms, "
            f"island {len(fragment.data.encode()) / 1e6:6.2f} MB, static map {fragment.static.count} circles; "
            f"data file {1000 * (t3 - t2):7.1f} ms, {len(data_file) / 1e6:6.2f} MB "
            f"({len(gzip.compress(data_file)) / 1e6:.2f} MB gzipped); "
            f"fetched-data render {1000 * (t4 - t3):5.1f} ms, island {len(by_url.data.encode()) / 1e3:.1f} kB"
        )


if __name__ == "__main__":
    main()
