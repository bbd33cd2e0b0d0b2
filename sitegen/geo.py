"""The bundled gazetteer: country names and codes, country outlines, places and admin1 regions.

Everything comes from files in ``sitegen/data/`` (made by ``tools/make_geo_data.py``), loaded
lazily once per process; nothing is downloaded at run time.

- countries.json: every ISO 3166-1 country: English and French names, slug, accepted spellings.
- borders.json:   simplified country outlines (Natural Earth 1:110m) plus points for what they miss
                  (small islands); answers "is this point plausibly inside that country?".
- places.csv:     GeoNames populated places (cities500) of the Sahel and its neighbours, with admin1.
- regions.csv:    admin1 regions of those countries with a centre point.
- admin1_names.csv: English and French names of the admin1 regions whose names differ from
                  regions.csv's (Tombouctou is Timbuktu in English); kept by hand.
"""

from __future__ import annotations

import csv
import difflib
import functools
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from sitegen.model import Place
from sitegen.text import fold_key, slugify

#: A point this close to a simplified outline (degrees, ~28 km) still counts as inside: the
#: 1:110m outlines cut corners. Small enough that swapped lat/lon of Sahel towns falls outside.
BORDER_MARGIN_DEG = 0.25
#: Radius around the extra points kept for places that the outlines miss (islands).
POINT_MARGIN_DEG = 0.5
#: admin1_at answers only when a gazetteer place lies this close.
ADMIN1_MAX_KM = 100.0

_KM_PER_DEG = 111.195
_CELL_DEG = 0.25

# --- countries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    alpha3: str
    name_en: str
    name_fr: str
    slug: str
    names: tuple[str, ...]  # every accepted spelling, English and French


@dataclass(frozen=True, slots=True)
class _Countries:
    by_code: dict[str, Country]
    by_key: dict[str, str]  # fold_key(code or name) -> alpha-2
    spellings: dict[str, str]  # fold_key(name) -> a name as written, for suggestions


def _read_text(name: str) -> str:
    return resources.files("sitegen").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def _countries() -> _Countries:
    raw = json.loads(_read_text("countries.json"))
    by_code: dict[str, Country] = {}
    by_key: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for code, entry in raw.items():
        country = Country(code, entry["alpha3"], entry["en"], entry["fr"], entry["slug"], tuple(entry["names"]))
        by_code[code] = country
        by_key[fold_key(code)] = code
        by_key[fold_key(country.alpha3)] = code
    for country in by_code.values():
        for name in (country.name_en, country.name_fr, *country.names):
            key = fold_key(name)
            by_key.setdefault(key, country.code)
            spellings.setdefault(key, name)
    return _Countries(by_code, by_key, spellings)


def normalise_country(value: str) -> str | None:
    """ISO alpha-2 code for a code (alpha-2 or alpha-3) or an English or French name; None if unknown."""
    if not isinstance(value, str):
        return None
    return _countries().by_key.get(fold_key(value))


def _country(code: str) -> Country | None:
    countries = _countries()
    found = countries.by_code.get(code)
    if found is None:
        normalised = normalise_country(code)
        found = countries.by_code.get(normalised) if normalised else None
    return found


def country_name(code: str, lang: str = "en") -> str:
    """Display name in English ("en") or French ("fr"); an unknown code comes back as given."""
    country = _country(code)
    if country is None:
        return code
    return country.name_fr if lang == "fr" else country.name_en


def country_slug(code: str) -> str:
    """URL slug of the English name: NE -> "niger", BF -> "burkina-faso", CI -> "cote-divoire"."""
    country = _country(code)
    return country.slug if country else slugify(code)


def country_suggestions(value: str, n: int = 3) -> list[str]:
    """Close spellings that normalise_country accepts ("Nigr" -> ["Niger", "Nigeria"]), best first."""
    countries = _countries()
    key = fold_key(value)
    if not key:
        return []
    if len(key) <= 3:
        codes = [c.code for c in countries.by_code.values()] + [c.alpha3 for c in countries.by_code.values()]
        matches = difflib.get_close_matches(value.upper(), codes, n=n, cutoff=0.5)
        if matches:
            return matches
    found: list[str] = []
    seen_codes: set[str] = set()
    for match in difflib.get_close_matches(key, list(countries.spellings), n=n * 4, cutoff=0.6):
        code = countries.by_key[match]
        if code not in seen_codes:
            seen_codes.add(code)
            found.append(countries.spellings[match])
        if len(found) == n:
            break
    return found


# --- outlines -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ring:
    lats: tuple[float, ...]
    lons: tuple[float, ...]
    box: tuple[float, float, float, float]  # south, west, north, east


RING_BANDS = 32


_BANDS: dict[int, tuple[_Ring, tuple]] = {}  # id of a ring -> the ring (so that its id is never another's) and its bands


def _bands(ring: _Ring) -> tuple[tuple[tuple[float, float, float, float], ...], ...]:
    """The ring's edges (lat, lon of each end) by band of latitude, RING_BANDS of them south
    to north, each edge in every band its latitudes reach (an edge the point's latitude
    crosses reaches the point's band): a point is tested against the edges of its band only,
    a tenth of them or less. Made the first time a point falls in the ring's box."""
    found = _BANDS.get(id(ring))
    if found is not None and found[0] is ring:
        return found[1]
    lats, lons, south, north = ring.lats, ring.lons, ring.box[0], ring.box[2]
    height = (north - south) / RING_BANDS or 1.0
    bands: list[list[tuple[float, float, float, float]]] = [[] for _ in range(RING_BANDS)]
    j = len(lats) - 1
    for i in range(len(lats)):
        low, high = min(lats[i], lats[j]), max(lats[i], lats[j])
        first = min(int((low - south) / height), RING_BANDS - 1)
        last = min(int((high - south) / height), RING_BANDS - 1)
        for band in range(first, last + 1):
            bands[band].append((lats[i], lons[i], lats[j], lons[j]))
        j = i
    made = tuple(map(tuple, bands))
    _BANDS[id(ring)] = (ring, made)
    return made


@dataclass(frozen=True, slots=True)
class _Outline:
    rings: tuple[_Ring, ...]
    points: tuple[tuple[float, float], ...]  # (lat, lon) of places the rings miss


@functools.cache
def _outlines() -> dict[str, _Outline]:
    raw = json.loads(_read_text("borders.json"))
    outlines = {}
    for code, entry in raw["countries"].items():
        rings = []
        for flat in entry.get("rings", ()):
            lons, lats = tuple(flat[0::2]), tuple(flat[1::2])
            rings.append(_Ring(lats, lons, (min(lats), min(lons), max(lats), max(lons))))
        points = tuple((p[0], p[1]) for p in entry.get("points", ()))
        outlines[code] = _Outline(tuple(rings), points)
    return outlines


def in_country(code: str, lat: float, lon: float) -> bool | None:
    """Is (lat, lon) plausibly inside the country? None when the gazetteer has no outline for it.

    True inside the simplified outline or within BORDER_MARGIN_DEG of it, so real places near
    a border pass; False for a point clearly elsewhere, such as a Sahel town with lat/lon swapped.
    """
    country = _country(code)
    outline = _outlines().get(country.code) if country else None
    if outline is None:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    if _inside_rings(outline.rings, lat, lon):
        return True
    kx = math.cos(math.radians(lat))
    if any(_near_ring(ring, lat, lon, kx, BORDER_MARGIN_DEG) for ring in outline.rings):
        return True
    limit = POINT_MARGIN_DEG**2
    return any((plat - lat) ** 2 + ((plon - lon) * kx) ** 2 <= limit for plat, plon in outline.points)


def near_border(code: str, lat: float, lon: float, km: float) -> bool:
    """Is (lat, lon) within `km` of the country's outline, on either side? False when unknown."""
    country = _country(code)
    outline = _outlines().get(country.code) if country else None
    if outline is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    kx = math.cos(math.radians(lat))
    return any(_near_ring(ring, lat, lon, kx, km / _KM_PER_DEG) for ring in outline.rings)


def _inside_rings(rings: Iterable[_Ring], lat: float, lon: float) -> bool:
    """Even-odd rule over all rings, so holes (Lesotho inside South Africa) come out right.
    An edge crossed by the point's latitude reaches the point's band (_Ring.bands)."""
    inside = False
    for ring in rings:
        south, west, north, east = ring.box
        if not (south <= lat <= north and west <= lon <= east):
            continue
        band = min(int((lat - south) / ((north - south) / RING_BANDS or 1.0)), RING_BANDS - 1)
        for lat_i, lon_i, lat_j, lon_j in _bands(ring)[band]:
            if (lat_i > lat) != (lat_j > lat):
                crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
                if crossing > lon:
                    inside = not inside
    return inside


def _near_ring(ring: _Ring, lat: float, lon: float, kx: float, margin: float) -> bool:
    south, west, north, east = ring.box
    slack = margin / max(kx, 0.05)
    if not (south - margin <= lat <= north + margin and west - slack <= lon <= east + slack):
        return False
    lats, lons = ring.lats, ring.lons
    limit = margin * margin
    for i in range(1, len(lats)):
        ax, ay = (lons[i - 1] - lon) * kx, lats[i - 1] - lat
        bx, by = (lons[i] - lon) * kx, lats[i] - lat
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else min(1.0, max(0.0, -(ax * dx + ay * dy) / length))
        px, py = ax + t * dx, ay + t * dy
        if px * px + py * py <= limit:
            return True
    return False


# --- places and regions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    place: Place
    rank: int  # 0 place by its name, 1 place by another of its names, 2 an admin1 region
    population: int


class _NearestIndex:
    """Nearest point within a fixed radius, over a grid of cells.

    Each queried cell keeps the short list of points that can be nearest for some point in it
    (computed on first use), so a query is one dictionary look-up and a few distances.
    """

    def __init__(self, points: Iterable[tuple[float, float, str]], max_km: float, cell: float = _CELL_DEG):
        self._cell = cell
        self._max_deg = max_km / _KM_PER_DEG
        cells: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
        for lat, lon, value in points:
            cells[(math.floor(lat / cell), math.floor(lon / cell))].append((lat, lon, value))
        self._cells = {key: tuple(value) for key, value in cells.items()}
        self._candidates: dict[tuple[int, int], tuple[tuple[float, float, str], ...]] = {}

    def nearest(self, lat: float, lon: float) -> str | None:
        key = (math.floor(lat / self._cell), math.floor(lon / self._cell))
        candidates = self._candidates.get(key)
        if candidates is None:
            candidates = self._candidates[key] = self._collect(*key)
        if not candidates:
            return None
        kx = math.cos(lat * 0.017453292519943295)
        best_value = None
        best = self._max_deg * self._max_deg
        for plat, plon, value in candidates:
            dlat, dlon = plat - lat, (plon - lon) * kx
            d2 = dlat * dlat + dlon * dlon
            if d2 <= best:
                best, best_value = d2, value
        return best_value

    def _collect(self, ci: int, cj: int) -> tuple[tuple[float, float, str], ...]:
        """Points that may be nearest (within the radius) to some point of cell (ci, cj)."""
        cell = self._cell
        south, north = ci * cell, (ci + 1) * cell
        west, east = cj * cell, (cj + 1) * cell
        cos_a, cos_b = math.cos(math.radians(south)), math.cos(math.radians(north))
        kx_low, kx_high = max(min(cos_a, cos_b), 0.05), max(cos_a, cos_b, 0.05)
        limit = self._max_deg  # no point farther than this from the whole cell qualifies
        found: list[tuple[float, tuple[float, float, str]]] = []
        ring = 0
        max_ring = math.ceil(self._max_deg / (cell * kx_low)) + 1
        while ring <= max_ring:
            for key in _ring_cells(ci, cj, ring):
                for point in self._cells.get(key, ()):
                    plat, plon, _ = point
                    near_lat = max(0.0, south - plat, plat - north)
                    near_lon = max(0.0, west - plon, plon - east) * kx_low
                    nearest = math.hypot(near_lat, near_lon)
                    if nearest > limit:
                        continue
                    far_lat = max(abs(plat - south), abs(plat - north))
                    far_lon = max(abs(plon - west), abs(plon - east)) * kx_high
                    limit = min(limit, math.hypot(far_lat, far_lon))
                    found.append((nearest, point))
            # cells of the next ring are at least `ring` cells away from every point of this one
            if ring * cell * kx_low > limit:
                break
            ring += 1
        return tuple(point for nearest, point in found if nearest <= limit)


def _ring_cells(ci: int, cj: int, ring: int) -> Iterable[tuple[int, int]]:
    if ring == 0:
        yield ci, cj
        return
    for dj in range(-ring, ring + 1):
        yield ci - ring, cj + dj
        yield ci + ring, cj + dj
    for di in range(-ring + 1, ring):
        yield ci + di, cj - ring
        yield ci + di, cj + ring


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    by_key: dict[str, tuple[_Entry, ...]]
    regions: dict[tuple[str, str], Place]  # (country, fold_key(admin1)) -> region centre
    region_names: dict[str, tuple[str, ...]]  # country -> admin1 names
    points: dict[str | None, list[tuple[float, float, str]]]  # country (None: all) -> (lat, lon, admin1)


@functools.cache
def _gazetteer() -> _Gazetteer:
    by_key: dict[str, list[_Entry]] = defaultdict(list)
    points: dict[str | None, list[tuple[float, float, str]]] = defaultdict(list)
    for row in csv.DictReader(_read_text("places.csv").splitlines()):
        lat, lon, country, admin1 = float(row["lat"]), float(row["lon"]), row["country"], row["admin1"] or None
        place = Place(row["name"], lat, lon, country, admin1)
        population = int(row["population"] or 0)
        keys = {fold_key(row["name"])}
        by_key[fold_key(row["name"])].append(_Entry(place, 0, population))
        for other in filter(None, row["other_names"].split("|")):
            key = fold_key(other)
            if key not in keys:
                keys.add(key)
                by_key[key].append(_Entry(place, 1, population))
        if admin1:
            points[country].append((lat, lon, admin1))
            points[None].append((lat, lon, admin1))
    regions: dict[tuple[str, str], Place] = {}
    region_names: dict[str, list[str]] = defaultdict(list)
    for row in csv.DictReader(_read_text("regions.csv").splitlines()):
        place = Place(row["admin1"], float(row["lat"]), float(row["lon"]), row["country"], row["admin1"])
        regions[(row["country"], fold_key(row["admin1"]))] = place
        region_names[row["country"]].append(row["admin1"])
        by_key[fold_key(row["admin1"])].append(_Entry(place, 2, 0))
    return _Gazetteer(
        {key: tuple(entries) for key, entries in by_key.items()},
        regions,
        {country: tuple(names) for country, names in region_names.items()},
        dict(points),
    )


@functools.cache
def _admin1_index(country: str | None, max_km: float) -> _NearestIndex | None:
    points = _gazetteer().points.get(country)
    return _NearestIndex(points, max_km) if points else None


def _country_code(country: str | None) -> str | None:
    if country is None:
        return None
    found = _country(country)
    return found.code if found else country


def find_place(name: str, country: str | None = None) -> Place | None:
    """A gazetteer place (or admin1 region, at its centre) by name, case- and accent-insensitive.

    Among places sharing the name: the given country's first, then places under their own name
    before other spellings and regions, then the most populous.
    """
    entries = _gazetteer().by_key.get(fold_key(name))
    if not entries:
        return None
    code = _country_code(country)
    best = min(entries, key=lambda e: (e.place.country != code, e.rank, -e.population))
    return best.place


@functools.cache
def _place_keys(country: str | None) -> dict[str, str]:
    """fold_key(name) -> the name of a gazetteer place (of `country`; None: every country)."""
    keys: dict[str, str] = {}
    for key, entries in _gazetteer().by_key.items():
        for entry in entries:
            if country is None or entry.place.country == country:
                keys.setdefault(key, entry.place.name)
    return keys


def place_suggestions(name: str, country: str | None = None, n: int = 1) -> list[str]:
    """Gazetteer places spelt almost like `name` ("Ouallamm" -> ["Ouallam"]): of `country` only,
    when it is given (a near spelling in another country misleads: "Kandadji" is not Ghana's
    "Kpandae")."""
    key = fold_key(name)
    found: list[str] = []
    for scope in (_country_code(country),) if country else (None,):
        keys = _place_keys(scope)
        for close in difflib.get_close_matches(key, list(keys), n=n, cutoff=0.8):
            if keys[close] not in found:
                found.append(keys[close])
        if found:
            break
    return found[:n]


def admin1_at(lat: float, lon: float, country: str | None = None, max_km: float = ADMIN1_MAX_KM) -> str | None:
    """First-level region at a point: that of the nearest gazetteer place (of `country`, if given)
    within max_km; None when no place is that close or the country is not covered.

    Places are sparse in the desert north of Niger and Mali: at 100 km about half of Niger's
    area gets None; a caller that has checked in_country() may pass a larger max_km."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    index = _admin1_index(_country_code(country), float(max_km))
    return index.nearest(lat, lon) if index else None


def admin1_centroid(country: str, admin1: str) -> tuple[float, float] | None:
    """Centre (lat, lon) of an admin1 region, for publishing a coarsened location; None if unknown."""
    place = _gazetteer().regions.get((_country_code(country) or "", fold_key(admin1)))
    return (place.lat, place.lon) if place else None


def admin1_names(country: str) -> tuple[str, ...]:
    """The admin1 regions the gazetteer knows for a country, as spelled in it (empty if none)."""
    return _gazetteer().region_names.get(_country_code(country) or "", ())


@functools.lru_cache(maxsize=8192)
def normalise_admin1(country: str, value: str) -> str | None:
    """The gazetteer's spelling of an admin1 name ("tillaberi" -> "Tillabéri", "Timbuktu" ->
    "Tombouctou"); None if unknown."""
    code = _country_code(country) or ""
    key = fold_key(value)
    place = _gazetteer().regions.get((code, key))
    if place is None:
        key = _admin1_aliases().get((code, key), key)
        place = _gazetteer().regions.get((code, key))
    return place.name if place else None


@functools.lru_cache(maxsize=8192)  # a few hundred regions, named on every incident of a page
def admin1_name(country: str, admin1: str, lang: str = "en") -> str:
    """An admin1 name as written in `lang` ("Tombouctou" -> "Timbuktu" in English); a name the
    gazetteer does not know comes back as given."""
    names = _admin1_display().get((_country_code(country) or "", fold_key(admin1)))
    return names.get(lang, admin1) if names else admin1


@functools.cache
def _admin1_display() -> dict[tuple[str, str], dict[str, str]]:
    """(country, fold_key(name in any language)) -> {lang: name}, from admin1_names.csv."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for row in csv.DictReader(_read_text("admin1_names.csv").splitlines()):
        names = {"en": row["en"], "fr": row["fr"]}
        for name in (row["admin1"], row["en"], row["fr"]):
            found.setdefault((row["country"], fold_key(name)), names)
    return found


@functools.cache
def _admin1_aliases() -> dict[tuple[str, str], str]:
    """(country, fold_key(an English or French name)) -> fold_key(the gazetteer's name)."""
    aliases: dict[tuple[str, str], str] = {}
    for row in csv.DictReader(_read_text("admin1_names.csv").splitlines()):
        for name in (row["en"], row["fr"]):
            aliases.setdefault((row["country"], fold_key(name)), fold_key(row["admin1"]))
    return aliases


# --- map geography --------------------------------------------------------------------------

#: Capitals of the countries the gazetteer covers, by the name places.csv spells them.
_CAPITALS = {
    "NE": "Niamey", "ML": "Bamako", "BF": "Ouagadougou", "TD": "N'Djamena", "MR": "Nouakchott",
    "SN": "Dakar", "NG": "Abuja", "BJ": "Porto-Novo", "TG": "Lomé", "GH": "Accra",
    "CI": "Yamoussoukro", "GN": "Conakry", "DZ": "Algiers", "LY": "Tripoli", "CM": "Yaoundé",
}  # fmt: skip


def country_rings(code: str) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The simplified outline of a country as rings of (lon, lat); empty when unknown."""
    outline = _outlines().get(code)
    if outline is None:
        return ()
    return tuple(tuple(zip(ring.lons, ring.lats, strict=True)) for ring in outline.rings)


def country_box(code: str) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of a country's outline; None when unknown."""
    outline = _outlines().get(code)
    if outline is None or not outline.rings:
        return None
    boxes = [ring.box for ring in outline.rings]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def outline_codes() -> tuple[str, ...]:
    """Every country with an outline, sorted."""
    return tuple(sorted(code for code, outline in _outlines().items() if outline.rings))


def capitals() -> tuple[Place, ...]:
    """The capitals of the covered countries (name, lat, lon, country), sorted by country."""
    found = (find_place(name, code) for code, name in sorted(_CAPITALS.items()))
    return tuple(p for p in found if p is not None)


@functools.cache
def admin1_lines() -> dict[str, tuple[tuple[tuple[float, float], ...], ...]]:
    """Admin1 boundaries inside each covered country, as lines of (lon, lat) (admin1.json)."""
    raw = json.loads(_read_text("admin1.json"))
    return {
        code: tuple(tuple(zip(flat[0::2], flat[1::2], strict=True)) for flat in lines)
        for code, lines in raw["countries"].items()
    }


@functools.cache
def _region_radii() -> dict[tuple[str, str], float]:
    """(country, fold_key(admin1)) -> km within which 90% of the region's places lie."""
    gazetteer = _gazetteer()
    spread: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in csv.DictReader(_read_text("places.csv").splitlines()):
        key = (row["country"], fold_key(row["admin1"] or ""))
        centre = gazetteer.regions.get(key)
        if centre is not None:
            spread[key].append(distance_km(centre.lat, centre.lon, float(row["lat"]), float(row["lon"])))
    return {key: sorted(d)[int(0.9 * (len(d) - 1))] for key, d in spread.items() if d}


def region_radius_km(country: str, admin1: str) -> float | None:
    """How far an admin1 region reaches from its centre (km, 90% of its places); None if unknown."""
    return _region_radii().get((_country_code(country) or "", fold_key(admin1)))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
