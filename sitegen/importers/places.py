"""`sitegen places suggest`: places to add to content/places.yaml, and spellings to merge."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sitegen import geo
from sitegen.config import SiteConfig
from sitegen.importers.rows import relative_path
from sitegen.importers.writer import dump_yaml
from sitegen.messages import t
from sitegen.read.places import read_places
from sitegen.read.yamlfile import compose, read_text
from sitegen.text import fold


# --- sitegen places suggest -----------------------------------------------------------------

_NEAR_KM = 1.0


@dataclass
class _Name:
    """One spelling of a location as used in incidents (or places.yaml)."""

    spelling: str
    uses: int = 0
    points: list[tuple[float, float]] = field(default_factory=list)
    countries: Counter = field(default_factory=Counter)
    admin1: Counter = field(default_factory=Counter)
    without_coordinates: int = 0
    first_without: str = ""  # path:line of its first use without coordinates


class PlaceSuggester:
    """Reads locations from incident files as written (before places fill coordinates in)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.root = config.docs_dir.parent
        self.places, _ = read_places(config.places_file, relative_path(config.places_file, self.root))
        self.places_folded = {fold(name): place for name, place in self.places.items()}
        self.names: dict[str, _Name] = {}
        for path in sorted(p for p in config.incidents_dir.rglob("*") if p.suffix.lower() in (".yaml", ".yml")):
            self._read(path)

    def _read(self, path: Path) -> None:
        shown = relative_path(path, self.root)
        text, problem = read_text(path, shown)
        node, problem = compose(text, shown) if text is not None else (None, problem)
        if problem or node is None:
            return  # `sitegen validate` reports it
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for item in items:
            if isinstance(item, yaml.MappingNode):
                self._note(item, shown)

    def _note(self, node: yaml.MappingNode, shown: str) -> None:
        values = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        location = _scalar_text(values.get("location"))
        if not location:
            return
        name = self.names.setdefault(location, _Name(location))
        name.uses += 1
        country = geo.normalise_country(_scalar_text(values.get("country")) or "")
        if country:
            name.countries[country] += 1
        if admin1 := _scalar_text(values.get("admin1")):
            name.admin1[admin1] += 1
        lat, lon = _scalar_number(values.get("lat")), _scalar_number(values.get("lon"))
        if lat is None or lon is None:
            name.without_coordinates += 1
            name.first_without = name.first_without or f"{shown}:{node.start_mark.line + 1}"
        elif _scalar_text(values.get("geo_precision")) != "region" and abs(lat) <= 90 and abs(lon) <= 180:
            name.points.append((lat, lon))

    # --- what to suggest ---------------------------------------------------------------

    def snippet(self) -> str:
        out: list[str] = []
        emitted: set[str] = set()
        missing = self._missing()
        groups = self._spelling_groups()
        if not missing and not groups:
            return t("suggest.nothing") + "\n"
        out.append(t("suggest.intro", path=relative_path(self.config.places_file, self.root)))
        if missing:
            out += ["", t("suggest.missing_heading", path=relative_path(self.config.places_file, self.root))]
            for name in missing:
                out += self._missing_entry(name, emitted)
        if groups:
            out += ["", t("suggest.spellings_heading")]
            for group in groups:
                out += self._group_entry(group, emitted)
        return "\n".join(out) + "\n"

    def _missing(self) -> list[_Name]:
        """Names used without coordinates that places.yaml does not know (folded)."""
        return sorted(
            (n for n in self.names.values() if n.without_coordinates and fold(n.spelling) not in self.places_folded),
            key=lambda n: fold(n.spelling),
        )

    def _missing_entry(self, name: _Name, emitted: set[str]) -> list[str]:
        country = _top(name.countries)
        uses = t("suggest.uses", count=name.without_coordinates)
        place = geo.find_place(name.spelling, country)
        if place is not None:
            lines = [t("suggest.from_gazetteer", name=name.spelling, uses=uses)]
            entry = {"lat": place.lat, "lon": place.lon, "admin1": place.admin1, "country": place.country or country}
        elif name.points:  # other incidents give it coordinates
            lines = [t("suggest.unknown", name=name.spelling, uses=uses, first=name.first_without),
                     t("suggest.from_incidents", name=name.spelling)]
            lat, lon = _middle(name.points)
            entry = {"lat": lat, "lon": lon, "admin1": _top(name.admin1), "country": country}
        else:
            lines = [t("suggest.unknown", name=name.spelling, uses=uses, first=name.first_without)]
            template = {"lat": 0.0, "lon": 0.0, "admin1": _top(name.admin1), "country": country}
            return lines + ["# " + line for line in _entry_lines(name.spelling, template)]
        if fold(name.spelling) in emitted:  # another spelling of it is suggested above
            return lines
        emitted.add(fold(name.spelling))
        return lines + _entry_lines(name.spelling, entry)

    def _spelling_groups(self) -> list[list[_Name]]:
        """Names that are probably one place: equal once folded, or within ~1 km of each other."""
        spellings = dict(self.names)
        for place_name, place in self.places.items():
            entry = spellings.setdefault(place_name, _Name(place_name))
            entry.points.append((place.lat, place.lon))
        parent = {key: key for key in spellings}

        def find(key: str) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        def join(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        by_fold: dict[str, str] = {}
        for key in spellings:
            join(key, by_fold.setdefault(fold(key), key))
        cells: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
        for key, name in spellings.items():
            for lat, lon in set(name.points):
                cells[(math.floor(lat * 50), math.floor(lon * 50))].append((key, lat, lon))
        for (cy, cx), here in cells.items():
            around = [p for dy in (-1, 0, 1) for dx in (-1, 0, 1) for p in cells.get((cy + dy, cx + dx), ())]
            for key, lat, lon in here:
                for other, olat, olon in around:
                    if other != key and fold(other) != fold(key) and _km(lat, lon, olat, olon) <= _NEAR_KM:
                        join(key, other)
        groups: dict[str, list[_Name]] = defaultdict(list)
        for key, name in spellings.items():
            groups[find(key)].append(name)
        # names all listed in places.yaml are the editor's deliberate aliases (Timbuktu, Tombouctou)
        found = [
            sorted(g, key=lambda n: (-n.uses, n.spelling))
            for g in groups.values()
            if len(g) > 1 and any(n.spelling not in self.places for n in g)
        ]
        return sorted(found, key=lambda g: fold(g[0].spelling))

    def _group_entry(self, group: list[_Name], emitted: set[str]) -> list[str]:
        in_places = [n for n in group if n.spelling in self.places]
        # the places.yaml spelling wins, then the most used, then an accented one, then the shortest
        keep = in_places[0] if in_places else min(group, key=_preference)
        variants = ", ".join(
            t("suggest.variant", name=n.spelling, uses=t("suggest.uses", count=n.uses))
            if n.uses
            else t("suggest.variant_in_places", name=n.spelling)
            for n in group
        )
        lines = [t("suggest.same_place", variants=variants, keep=keep.spelling)]
        if in_places or fold(keep.spelling) in emitted:
            return lines + [t("suggest.already_listed", name=keep.spelling)]
        points = [p for n in group for p in n.points]
        if not points:
            return lines
        emitted.add(fold(keep.spelling))
        countries = sum((n.countries for n in group), Counter())
        admin1 = sum((n.admin1 for n in group), Counter())
        lat, lon = _middle(keep.points or points)
        entry = {"lat": lat, "lon": lon, "admin1": _top(admin1), "country": _top(countries)}
        return lines + _entry_lines(keep.spelling, entry)


def _preference(name: _Name) -> tuple:
    return -name.uses, name.spelling.isascii(), len(name.spelling), name.spelling


def _entry_lines(name: str, entry: dict[str, Any]) -> list[str]:
    values = {k: v for k, v in entry.items() if v is not None}
    return dump_yaml({name: values}).rstrip("\n").split("\n")


def _scalar_text(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        return " ".join(node.value.split()) or None
    return None


def _scalar_number(node: yaml.Node | None) -> float | None:
    if isinstance(node, yaml.ScalarNode) and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        try:
            value = float(node.value.replace("_", ""))
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    return None


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    return round(statistics.median(p[0] for p in points), 4), round(statistics.median(p[1] for p in points), 4)


def _top(counter: Counter) -> Any:
    return counter.most_common(1)[0][0] if counter else None


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))
