"""Synthetic content in the contract format, for benchmarks: N incidents over W ISO weeks,
three countries with an admin1 spread, an ACLED-like type mix, one brief per week.

    python bench/synth.py OUT_DIR --incidents 100000 --weeks 520
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

import yaml

from sitegen import geo

# (country, admin1, lat, lon): real admin1 centres of the Sahel, spread with jitter
REGIONS = [
    ("NE", "Tillabéri", 14.2, 1.45), ("NE", "Tahoua", 14.9, 5.3), ("NE", "Diffa", 13.3, 12.6),
    ("NE", "Dosso", 13.05, 3.2), ("NE", "Maradi", 13.5, 7.1), ("NE", "Niamey", 13.51, 2.11),
    ("ML", "Mopti", 14.5, -4.2), ("ML", "Gao", 16.27, -0.04), ("ML", "Tombouctou", 16.77, -3.0),
    ("ML", "Ségou", 13.44, -6.26), ("ML", "Ménaka", 15.92, 2.4), ("ML", "Kidal", 18.44, 1.41),
    ("BF", "Sahel", 14.1, -0.5), ("BF", "Nord", 13.58, -2.42), ("BF", "Centre-Nord", 13.1, -1.08),
    ("BF", "Est", 12.06, 0.36), ("BF", "Boucle du Mouhoun", 12.25, -3.5), ("BF", "Centre", 12.37, -1.53),
]
# roughly ACLED's mix for the central Sahel
TYPES = [("battle", 30), ("violence-against-civilians", 30), ("explosion", 12), ("protest", 12),
         ("riot", 4), ("strategic-development", 12)]
WORDS = ("attack convoy village patrol market checkpoint ambush clash gunmen soldiers civilians "
         "displaced mine drone strike protest road bridge school camp herders farmers").split()


def generate(out: Path, incidents: int, weeks: int, seed: int = 7, busy_week: int = 500, first_monday: dt.date = dt.date(2014, 1, 6)) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "content" / "incidents").mkdir(parents=True)
    (out / "content" / "briefs").mkdir(parents=True)
    type_names = [t for t, _ in TYPES]
    type_weights = [w for _, w in TYPES]
    per_week = [0] * weeks
    busy = min(busy_week, incidents)  # one week with this many, for the page-size figure
    per_week[-1] = busy
    for _ in range(incidents - busy):
        per_week[rng.randrange(weeks - 1) if weeks > 1 else 0] += 1
    n = 0
    for w in range(weeks):
        monday = first_monday + dt.timedelta(weeks=w)
        year, week, _ = monday.isocalendar()
        items = []
        for _ in range(per_week[w]):
            n += 1
            country, admin1, lat, lon = rng.choice(REGIONS)
            while True:  # keep the jittered point inside its country, as real data is
                plat, plon = round(lat + rng.uniform(-0.6, 0.6), 4), round(lon + rng.uniform(-0.6, 0.6), 4)
                if geo.in_country(country, plat, plon):
                    break
            words = " ".join(rng.choice(WORDS) for _ in range(40))
            items.append({
                "id": f"synth-{n:06d}",
                "date": (monday + dt.timedelta(days=rng.randrange(7))).isoformat(),
                "title": f"{rng.choice(WORDS).capitalize()} near {admin1} #{n}",
                "type": rng.choices(type_names, type_weights)[0],
                "country": country,
                "admin1": admin1,
                "location": f"{admin1} area {n % 50}",
                "lat": plat,
                "lon": plon,
                "actors": ["Armed forces", "Unidentified armed group"],
                "fatalities": rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 8, 12]),
                "sources": [{"name": "Synthetic wire", "url": f"https://example.org/{n}", "date": monday.isoformat()}],
                "summary": words.capitalize() + ".",
                "tags": ["synthetic"],
            })
        if items:
            text = yaml.safe_dump(items, allow_unicode=True, sort_keys=False)
            (out / "content" / "incidents" / f"{year}-W{week:02d}.yaml").write_text(text, encoding="utf-8")
        body = " ".join(rng.choice(WORDS) for _ in range(300))
        (out / "content" / "briefs" / f"{year}-W{week:02d}.md").write_text(
            f"---\ntitle: Week {year}-W{week:02d} in the Sahel\nsummary: {body[:160]}.\nstatus: published\n---\n"
            f"We recorded {{{{ stats.incidents }}}} incidents and {{{{ stats.fatalities }}}} reported fatalities.\n\n{body}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=520)
    args = parser.parse_args()
    generate(args.out, args.incidents, args.weeks)
