"""content/places.yaml -> {name: Place}: the site's own gazetteer."""

from __future__ import annotations

from pathlib import Path

import yaml

from sitegen import geo
from sitegen.messages import t
from sitegen.model import Place, Problem
from sitegen.read.yamlfile import at, compose, is_null, kind_of, read_text, scalar

PLACE_FIELDS = ("lat", "lon", "admin1", "country")
MAX_TEXT = 300  # characters of a place name or admin1, as for an incident's title


def _one_line(text: str) -> bool:
    return len(text) <= MAX_TEXT and not any(c in text for c in "\n\r\x85\u2028\u2029")


def read_places(path: Path, shown: str) -> tuple[dict[str, Place], list[Problem]]:
    if not path.exists():
        return {}, []
    text, problem = read_text(path, shown)
    if problem:
        return {}, [problem]
    node, problem = compose(text, shown)
    if problem:
        return {}, [problem]
    if node is None or is_null(node):
        return {}, []
    if not isinstance(node, yaml.MappingNode):
        return {}, [at(shown, node, t("places.not_mapping", found=kind_of(node)))]
    places: dict[str, Place] = {}
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        name = scalar(key_node)
        if not name:
            problems.append(at(shown, key_node, t("places.bad_name")))
            continue
        if not _one_line(name):
            problems.append(at(shown, key_node, t("field.one_line", field="place name", limit=MAX_TEXT)))
            continue
        if name in places:
            problems.append(at(shown, key_node, t("places.duplicate", name=name)))
            continue
        place = _read_place(name, value_node, shown, problems)
        if place:
            places[name] = place
    return places, problems


def _read_place(name: str, node: yaml.Node, shown: str, problems: list[Problem]) -> Place | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(at(shown, node, t("places.entry_not_mapping", name=name, found=kind_of(node))))
        return None
    values: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = scalar(key_node) or ""
        if key not in PLACE_FIELDS:
            problems.append(at(shown, key_node, t("places.unknown_field", key=key, fields=", ".join(PLACE_FIELDS))))
            return None
        values[key] = value_node
    coords = {}
    for axis, limit in (("lat", 90), ("lon", 180)):
        value_node = values.get(axis)
        if value_node is None:
            problems.append(at(shown, node, t("places.missing", name=name, field=axis)))
            return None
        try:
            value = float(scalar(value_node) or "x")
        except ValueError:
            value = float("nan")
        if value_node.tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") or not -limit <= value <= limit:
            problems.append(at(shown, value_node, t("places.bad_coordinate", field=axis, limit=limit, found=kind_of(value_node))))
            return None
        coords[axis] = value
    country = None
    if "country" in values:
        raw = scalar(values["country"]) or ""
        country = geo.normalise_country(raw)
        if country is None:
            problems.append(at(shown, values["country"], t("incident.unknown_country", value=raw, hint="")))
            return None
    admin1 = scalar(values["admin1"]) if "admin1" in values else None
    if "admin1" in values and not is_null(values["admin1"]) and (admin1 is None or not _one_line(admin1)):
        problems.append(at(shown, values["admin1"], t("field.one_line", field="admin1", limit=MAX_TEXT)))
        return None
    return Place(name, coords["lat"], coords["lon"], country, admin1 or None)
