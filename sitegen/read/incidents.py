"""Incident files -> validated Incident records, every problem located at file:line:col."""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import yaml
from markdown_it import MarkdownIt

from sitegen import geo
from sitegen.messages import LANGUAGE, t  # the messages' language: country names in them too
from sitegen.model import (
    DateOutOfRange,
    DatePrecision,
    EventType,
    GeoPrecision,
    Incident,
    Place,
    Problem,
    Revision,
    Severity,
    Source,
    Visibility,
    parse_utc,
)
from sitegen.read.schema import (
    DATE_RE,
    DATETIME_RE,
    EVENT_MODEL_FIELDS,
    FIELDS_BY_NAME,
    FIRST_YEAR,
    ID_RE,
    LAST_YEAR,
    REVISION_FIELDS,
    SOURCE_FIELDS,
    Kind,
    page_id,
)
from sitegen.read.plain import plain_values
from sitegen.read.yamlfile import at, compose, error, is_null, kind_of, read_text, scalar, separator_problem
from sitegen.text import fold, id_slug, link_allowed, web_address_ok

_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_STR_TAG = "tag:yaml.org,2002:str"
_MAX_TITLE = 300
MAX_COUNT = 10_000_000  # fatalities or injured of one incident
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z
# a gazetteer place of another country given with coordinates: within SAME_PLACE_KM of them it
# is that place; within NEAR_BORDER_KM of the border the event may be on either side
SAME_PLACE_KM = 50.0
DEATHS_BY_SIDE = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
NEAR_BORDER_KM = 50.0


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return t("hint.did_you_mean", word=close[0]) if close else ""


@dataclass
class IncidentReader:
    """Reads incident files one by one, remembering ids across files."""

    event_types: tuple[EventType, ...]
    places: dict[str, Place]
    today: dt.date = field(default_factory=dt.date.today)
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    id_marks: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (line, col) in its file
    _seen: dict[str, str] = field(default_factory=dict)
    _types: dict[str, EventType] = field(init=False)
    _places_folded: dict[str, Place] = field(init=False)
    _markdown: MarkdownIt = field(init=False)
    _plain: bool = field(default=False, init=False)  # reading a plain file: a problem means "read it with marks"
    _file: _Source | None = field(default=None, init=False)  # the file read with marks: where a summary's problems stand

    def __post_init__(self) -> None:
        self._types = {e.slug: e for e in self.event_types}
        self._places_folded = {fold(name): place for name, place in self.places.items()}
        md = MarkdownIt("commonmark", {"html": True})
        md.validateLink = lambda url: True  # see every link, to report the bad ones
        self._markdown = md

    # --- files ---------------------------------------------------------------------

    def read_file(self, path: Path, shown: str) -> list[Incident]:
        text, problem = read_text(path, shown)
        if problem:
            self._add(problem)
            return []
        if problem := separator_problem(text, shown):  # before any parser: YAML 1.2's take it as text
            self._add(problem)
            return []
        found = self._read_plain(text, shown, path.stem)
        if found is not None:
            return found
        self._file = _Source(text)
        try:
            return self._read_marked(text, shown, path.stem)
        finally:
            self._file = None

    def _read_marked(self, text: str, shown: str, stem: str) -> list[Incident]:
        node, problem = compose(text, shown)
        if problem:
            self._add(problem)
            return []
        if node is None or is_null(node):
            self._add(error(shown, 1, 1, t("incident.empty_file")))
            return []
        if isinstance(node, yaml.MappingNode):
            incident = self.read_mapping(node, shown, default_id=stem)
            return [incident] if incident else []
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                self._add(at(shown, node, t("incident.empty_list")))
            found = []
            for item in node.value:
                if not isinstance(item, yaml.MappingNode):
                    self._add(at(shown, item, t("incident.list_item", found=kind_of(item))))
                    continue
                incident = self.read_mapping(item, shown, default_id=None)
                if incident:
                    found.append(incident)
            return found
        self._add(at(shown, node, t("incident.not_mapping", found=kind_of(node))))
        return []

    # --- plain files: values without marks (read/plain.py) ----------------------------

    def _read_plain(self, text: str, shown: str, stem: str) -> list[Incident] | None:
        """The incidents of a plain file that needs no message; None: read it with marks.
        The same checks and the same records as read_mapping, on values: the first
        problem (error or warning) sends the whole file to the line-marked reader, which
        says it where it stands. Nothing is remembered until the whole file is good."""
        plain = plain_values(text)
        if plain is None:
            return None
        items = [plain.value] if isinstance(plain.value, dict) else plain.value
        default_id = stem if isinstance(plain.value, dict) else None
        self._plain = True
        try:
            found = [
                self._plain_incident(item, line, shown, default_id) for item, line in zip(items, plain.lines)
            ]
        except _NeedsMarks:
            return None
        finally:
            self._plain = False
        ids = [i.id for i in found]
        if not found or len(set(ids)) != len(ids) or any(i in self._seen for i in ids):
            return None
        for incident_id, mark in zip(ids, plain.id_marks):
            self._seen[incident_id] = f"{shown}:{mark[0]}"
            self.id_marks[incident_id] = mark
        return found

    def _plain_incident(self, item: object, line: int, shown: str, default_id: str | None) -> Incident:
        if not isinstance(item, dict):
            raise _NeedsMarks
        values: dict[str, object] = {}
        for key, value in item.items():
            known = _PLAIN_FIELDS.get(key) if type(key) is str else None
            if known is None:
                raise _NeedsMarks
            f, convert = known
            if value is None:
                if f.required:
                    raise _NeedsMarks
                continue
            values[key] = convert(self, f, value, shown)
        for f in _REQUIRED:
            if f.name not in item:
                raise _NeedsMarks
        if "id" in values:
            incident_id = values["id"]
        elif "id" in item or default_id is None or not ID_RE.match(default_id) or page_id(default_id):
            raise _NeedsMarks
        else:
            incident_id = default_id
        if ("lat" in values and "lon" not in item) or ("lon" in values and "lat" not in item):
            raise _NeedsMarks
        incident = self._finish(values, _NOWHERE_NODES, _Marked(line), shown, incident_id)
        if incident is None:
            raise _NeedsMarks
        return incident

    def _plain_text(self, f, value, shown) -> str:
        if type(value) is not str:
            raise _NeedsMarks
        text = value.strip()
        if not text or (f.kind is Kind.TEXT and ("\n" in text or len(text) > _MAX_TITLE)):
            raise _NeedsMarks
        return text

    def _plain_slug(self, f, value, shown) -> str:
        text = self._plain_text(f, value, shown)
        if not ID_RE.match(text) or (f.kind is Kind.ID and page_id(text)):
            raise _NeedsMarks
        return text

    def _plain_date(self, f, value, shown) -> dt.date:
        if type(value) is not str or not DATE_RE.match(value.strip()):
            raise _NeedsMarks
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _NeedsMarks from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise _NeedsMarks
        return day

    def _plain_choice(self, f, value, shown) -> str:
        text = self._plain_text(f, value, shown)
        if text not in (self._types if f.kind is Kind.EVENT_TYPE else f.choices):
            raise _NeedsMarks
        return text

    def _plain_country(self, f, value, shown) -> str:
        code = geo.normalise_country(self._plain_text(f, value, shown))
        if code is None:
            raise _NeedsMarks
        return code

    def _plain_coordinate(self, f, value, shown) -> float:
        if type(value) not in (int, float):
            raise _NeedsMarks
        number = float(value)
        limit = 90 if f.kind is Kind.LATITUDE else 180
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise _NeedsMarks
        return number

    def _plain_count(self, f, value, shown) -> int:
        if type(value) is not int or value < 0:
            raise _NeedsMarks
        if f.kind is Kind.CODE:
            low, high = f.limits or (0, 0)
            if not low <= value <= high:
                raise _NeedsMarks
        if value > (f.limits[1] if f.kind is Kind.COUNT and f.limits else MAX_COUNT):
            raise _NeedsMarks
        return value

    def _plain_flag(self, f, value, shown) -> bool:
        if type(value) is not bool:
            raise _NeedsMarks
        return value

    def _plain_items(self, f, value, shown) -> tuple:
        if type(value) is not list:
            raise _NeedsMarks
        item = _PLAIN_ITEM_OF[f.name]
        return tuple(item(self, f, v, shown) for v in value)

    def _plain_source(self, f, value, shown) -> Source:
        if type(value) is str:
            return Source(self._plain_text(f, value, shown))
        if type(value) is not dict or "name" not in value or not all(k in SOURCE_FIELDS for k in value):
            raise _NeedsMarks
        name = self._plain_text(f, value["name"], shown)
        url = value.get("url")
        if "url" in value:
            if type(url) is not str or not url or not web_address_ok(url):
                raise _NeedsMarks
            url = url.strip()
        day = self._plain_date(FIELDS_BY_NAME["date"], value["date"], shown) if "date" in value else None
        return Source(name, url, day)

    def _plain_revision(self, f, value, shown) -> Revision:
        if type(value) is not dict or set(value) != set(REVISION_FIELDS):
            raise _NeedsMarks
        return Revision(self._plain_date(FIELDS_BY_NAME["date"], value["date"], shown), self._plain_text(f, value["change"], shown))

    def _plain_markdown(self, f, value, shown) -> str:
        if type(value) is not str:
            raise _NeedsMarks
        if "<" not in value and "](" not in value and "]:" not in value:
            return value.strip()
        # the links and HTML checks of the line-marked reader: any problem raises
        return self._markdown_text(f, yaml.ScalarNode(_STR_TAG, value, start_mark=_NOWHERE.start_mark), shown)

    def _plain_datetime(self, f, value, shown) -> dt.datetime:
        if type(value) is not str or not DATETIME_RE.match(value.strip()):
            raise _NeedsMarks
        try:
            moment = parse_utc(value)
        except ValueError:
            raise _NeedsMarks from None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise _NeedsMarks
        return moment

    def _plain_mapping(self, f, value, shown) -> dict:
        if type(value) is not dict:
            raise _NeedsMarks
        return {}

    # --- one incident ----------------------------------------------------------------

    def read_mapping(self, node: yaml.MappingNode, shown: str, default_id: str | None) -> Incident | None:
        before = self.error_count
        nodes: dict[str, yaml.Node] = {}
        keys: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = scalar(key_node)
            if key is None:
                self._error(shown, key_node, t("incident.key_not_text", found=kind_of(key_node)))
                continue
            if key in nodes:
                self._error(shown, key_node, t("incident.duplicate_key", key=key, line=keys[key].start_mark.line + 1))
                continue
            if key not in FIELDS_BY_NAME:
                hint = did_you_mean(key, list(FIELDS_BY_NAME))
                self._error(shown, key_node, t("incident.unknown_field", key=key, hint=hint))
                continue
            nodes[key] = value_node
            keys[key] = key_node

        values: dict[str, object] = {}
        for name, value_node in nodes.items():
            if is_null(value_node) and not FIELDS_BY_NAME[name].required:
                continue
            value = self._convert(name, value_node, shown)
            if value is not None:
                values[name] = value
        for f in FIELDS_BY_NAME.values():
            if f.required and f.name not in nodes:
                self._error(shown, node, t("incident.missing_field", field=f.name))

        incident_id = self._resolve_id(values.get("id"), nodes.get("id"), default_id, node, shown)
        if "lat" in values and "lon" not in values and "lon" not in nodes:
            self._error(shown, nodes["lat"], t("incident.lat_without_lon"))
        if "lon" in values and "lat" not in values and "lat" not in nodes:
            self._error(shown, nodes["lon"], t("incident.lon_without_lat"))

        if self.error_count > before or incident_id is None:
            return None
        return self._finish(values, nodes, node, shown, incident_id)

    def _add(self, problem: Problem) -> None:
        if self._plain:
            raise _NeedsMarks
        self.problems.append(problem)
        if problem.severity is Severity.ERROR:
            self.error_count += 1

    def _resolve_id(self, value, id_node, default_id, node, shown) -> str | None:
        if value is None and id_node is None:
            if default_id is None:
                self._error(shown, node, t("incident.list_needs_id"))
                return None
            if not ID_RE.match(default_id):
                self._error(shown, node, t("incident.bad_stem_id", stem=default_id, suggestion=id_slug(default_id) or "incident"))
                return None
            if page_id(default_id):  # the file's name as the id: as taken as a written one
                self._error(shown, node, t("incident.page_id", id=default_id, suggestion=f"incident-{default_id}"))
                return None
            value, id_node = default_id, node
        if value is None:
            if id_node is not None and is_null(id_node):  # `id:` left empty: say so, never drop it silently
                self._error(shown, id_node, t("field.empty", field="id"))
            return None
        incident_id = str(value)
        first = self._seen.get(incident_id)
        if first is not None:
            self._error(shown, id_node, t("incident.duplicate_id", id=incident_id, first=first))
            return None
        mark = id_node.start_mark
        self._seen[incident_id] = f"{shown}:{mark.line + 1}"
        self.id_marks[incident_id] = (mark.line + 1, mark.column + 1)
        return incident_id

    def _finish(self, values, nodes, node, shown, incident_id) -> Incident | None:
        country = values["country"]
        location = values["location"]
        admin1 = values.get("admin1")
        if "lat" in values and "lon" in values:  # one of them null: as if neither were given
            lat, lon = values["lat"], values["lon"]
            across = self._place_across_border(location, country, lat, lon, nodes["location"], shown)
            if across is Severity.ERROR:
                return None
            if across is None:  # else the place's warning says it all
                self._check_inside(country, lat, lon, nodes["lat"], shown)
        else:
            place = self._places_folded.get(_place_key(location)) or geo.find_place(location, country)
            if place is None:
                hint = did_you_mean(location, list(self.places)) or "".join(
                    t("hint.did_you_mean", word=word) for word in geo.place_suggestions(location, country)
                )
                self._error(shown, nodes["location"], t("incident.unknown_place", location=location, hint=hint))
                return None
            if place.country and place.country != country and _place_key(location) not in self._places_folded:
                message = t(
                    "incident.place_in_other_country",
                    location=location,
                    place_country=geo.country_name(place.country, LANGUAGE),
                    country=geo.country_name(country, LANGUAGE),
                )
                self._error(shown, nodes["location"], message)
                return None
            lat, lon = place.lat, place.lon
            if admin1 is None and place.admin1 and (place.country in (None, country)):
                admin1 = place.admin1
        if admin1 is None:
            admin1 = geo.admin1_at(lat, lon, country)
        else:  # one spelling per region, whatever the editor's ("Tillaberi", "Timbuktu")
            admin1 = geo.normalise_admin1(country, admin1) or admin1
        geo_precision = GeoPrecision(values.get("geo_precision", "exact"))
        if geo_precision is GeoPrecision.REGION:
            lat, lon = self._coarsen(country, admin1, lat, lon)
        day = values["date"]
        if day > self.today:
            self._add(at(shown, nodes["date"], t("incident.future_date", date=day), Severity.WARNING))
        if not self._check_ranges(values, nodes, shown):
            return None
        return _incident(
            id=incident_id,
            date=day,
            title=values["title"],
            type=values["type"],
            country=country,
            location=location,
            lat=lat,
            lon=lon,
            date_precision=DatePrecision(values.get("date_precision", "day")),
            geo_precision=geo_precision,
            subtype=values.get("subtype"),
            admin1=admin1,
            actors=values.get("actors", ()),
            fatalities=values.get("fatalities"),
            injured=values.get("injured"),
            sources=values.get("sources", ()),
            summary=values.get("summary", ""),
            title_fr=values.get("title_fr"),
            summary_fr=values.get("summary_fr", ""),
            title_en=values.get("title_en"),
            summary_en=values.get("summary_en", ""),
            tags=values.get("tags", ()),
            visibility=Visibility(values.get("visibility", "public")),
            publish_after=values.get("publish_after"),
            licence=values.get("licence"),
            revisions=values.get("revisions", ()),
            **{name: values.get(name) for name in _EVENT_MODEL},
            path=shown,
            line=node.start_mark.line + 1,
        )

    def _check_ranges(self, values, nodes, shown) -> bool:
        """Estimates in order (low <= fatalities <= high) and an end date not before the date."""
        ok = True
        low, best, high = values.get("fatalities_low"), values.get("fatalities"), values.get("fatalities_high")
        known = [(name, v) for name, v in (("fatalities_low", low), ("fatalities", best), ("fatalities_high", high)) if v is not None]
        for (name_a, a), (name_b, b) in zip(known, known[1:]):
            if a > b:
                self._error(shown, nodes[name_b], t("incident.estimates_order", low=name_a, low_value=a, high=name_b, high_value=b))
                ok = False
        sides = [values[name] for name in DEATHS_BY_SIDE if values.get(name) is not None]
        if sides and best is not None and sum(sides) != best:
            named = ", ".join(f"{name} {values[name]}" for name in DEATHS_BY_SIDE if values.get(name) is not None)
            first = next(name for name in DEATHS_BY_SIDE if values.get(name) is not None)
            self._error(shown, nodes[first], t("incident.deaths_by_side_sum", sides=named, total=sum(sides), fatalities=best))
            ok = False
        end = values.get("date_end")
        if end is not None and end < values["date"]:
            self._error(shown, nodes["date_end"], t("incident.date_end_before", end=end, date=values["date"]))
            ok = False
        return ok

    def _place_across_border(self, location, country, lat, lon, node, shown) -> Severity | None:
        """A gazetteer place of another country given with coordinates: an error, a warning
        when the point is near the border (either side may be right); nothing when the point is
        inside `country` away from that place (a place of the same name) or the site's own
        places.yaml knows the name."""
        if _place_key(location) in self._places_folded:
            return None
        place = geo.find_place(location, country)
        if place is None or not place.country or place.country == country:
            return None
        near_place = geo.distance_km(lat, lon, place.lat, place.lon) <= SAME_PLACE_KM
        if not near_place and geo.in_country(country, lat, lon) is not False:
            return None
        names = {"location": location, "place_country": geo.country_name(place.country, LANGUAGE), "country": geo.country_name(country, LANGUAGE)}
        if geo.near_border(country, lat, lon, NEAR_BORDER_KM):
            message = t("incident.place_near_border", code=country, **names)
            self._add(at(shown, node, message, Severity.WARNING))
            return Severity.WARNING
        self._error(shown, node, t("incident.place_in_other_country_at", lat=lat, lon=lon, **names))
        return Severity.ERROR

    @staticmethod
    def _coarsen(country: str, admin1: str | None, lat: float, lon: float) -> tuple[float, float]:
        """The point to publish for geo_precision: region: the admin1 centroid, never the exact point."""
        centroid = geo.admin1_centroid(country, admin1) if admin1 else None
        if centroid is not None:
            return round(centroid[0], 2), round(centroid[1], 2)
        return round(lat * 2) / 2, round(lon * 2) / 2

    def _check_inside(self, country: str, lat: float, lon: float, node: yaml.Node, shown: str) -> None:
        if geo.in_country(country, lat, lon) is not False:
            return
        name = geo.country_name(country, LANGUAGE)
        if geo.in_country(country, lon, lat):
            message = t("incident.swapped", country=name, lat=lat, lon=lon)
        else:
            message = t("incident.outside_country", country=name, lat=lat, lon=lon)
        self._add(at(shown, node, message, Severity.WARNING))

    # --- fields ----------------------------------------------------------------------

    def _error(self, shown: str, node: yaml.Node, message: str) -> None:
        self._add(at(shown, node, message))

    def _convert(self, name: str, node: yaml.Node, shown: str):
        f = FIELDS_BY_NAME[name]
        convert = _CONVERTERS[f.kind]
        return convert(self, f, node, shown)

    def _text(self, f, node, shown) -> str | None:
        text = scalar(node)
        if text is None or is_null(node):
            self._error(shown, node, t("field.expected_text", field=f.name, found=kind_of(node)))
            return None
        text = text.strip()
        if not text:
            self._error(shown, node, t("field.empty", field=f.name))
            return None
        if f.kind is Kind.TEXT and ("\n" in text or len(text) > _MAX_TITLE):
            self._error(shown, node, t("field.one_line", field=f.name, limit=_MAX_TITLE))
            return None
        return text

    def _id(self, f, node, shown) -> str | None:
        text = self._text(f, node, shown)
        if text is not None and not ID_RE.match(text):
            self._error(shown, node, t("incident.bad_id", id=text, suggestion=id_slug(text) or "incident"))
            return None
        if text is not None and page_id(text):
            self._error(shown, node, t("incident.page_id", id=text, suggestion=f"incident-{text}"))
            return None
        return text

    def _slug(self, f, node, shown) -> str | None:
        text = self._text(f, node, shown)
        if text is not None and not ID_RE.match(text):
            self._error(shown, node, t("field.bad_slug", field=f.name, value=text, suggestion=id_slug(text) or "incident"))
            return None
        return text

    def _date(self, f, node, shown) -> dt.date | None:
        text = scalar(node)
        if text is None or not DATE_RE.match(text.strip()):
            self._error(shown, node, t("field.expected_date", field=f.name, found=kind_of(node)))
            return None
        try:
            day = dt.date.fromisoformat(text.strip())
        except ValueError:
            self._error(shown, node, t("field.impossible_date", field=f.name, value=text.strip()))
            return None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            message = t("field.date_out_of_range", field=f.name, value=day, first=FIRST_YEAR, last=LAST_YEAR)
            self._error(shown, node, message)
            return None
        return day

    def _choice(self, f, node, shown) -> str | None:
        text = self._text(f, node, shown)
        if text is not None and text not in f.choices:
            hint = did_you_mean(text, f.choices)
            choices = ", ".join(f.choices)
            self._error(shown, node, t("field.bad_choice", field=f.name, value=text, choices=choices, hint=hint))
            return None
        return text

    def _event_type(self, f, node, shown) -> str | None:
        text = self._text(f, node, shown)
        if text is not None and text not in self._types:
            hint = did_you_mean(text, list(self._types))
            choices = ", ".join(self._types)
            self._error(shown, node, t("field.bad_choice", field=f.name, value=text, choices=choices, hint=hint))
            return None
        return text

    def _country(self, f, node, shown) -> str | None:
        text = self._text(f, node, shown)
        if text is None:
            return None
        code = geo.normalise_country(text)
        if code is None:
            close = geo.country_suggestions(text)
            hint = t("hint.did_you_mean", word=close[0]) if close else ""
            self._error(shown, node, t("incident.unknown_country", value=text, hint=hint))
        return code

    def _coordinate(self, f, node, shown) -> float | None:
        if node.tag not in (_INT_TAG, _FLOAT_TAG) or not isinstance(node, yaml.ScalarNode):
            self._error(shown, node, t("field.expected_number", field=f.name, found=kind_of(node)))
            return None
        try:
            value = float(node.value.replace("_", ""))
        except ValueError:
            self._error(shown, node, t("field.expected_number", field=f.name, found=kind_of(node)))
            return None
        limit = 90 if f.kind is Kind.LATITUDE else 180
        if not math.isfinite(value) or not -limit <= value <= limit:
            key = "incident.lat_range" if f.kind is Kind.LATITUDE else "incident.lon_range"
            self._error(shown, node, t(key, value=node.value))
            return None
        return value

    def _count(self, f, node, shown) -> int | None:
        if node.tag != _INT_TAG or not isinstance(node, yaml.ScalarNode):
            self._error(shown, node, t("field.expected_count", field=f.name, found=kind_of(node)))
            return None
        try:
            value = int(node.value.replace("_", ""), 0)
        except ValueError:
            self._error(shown, node, t("field.expected_count", field=f.name, found=kind_of(node)))
            return None
        if value < 0:
            self._error(shown, node, t("field.negative", field=f.name, value=value))
            return None
        highest = f.limits[1] if f.kind is Kind.COUNT and f.limits else MAX_COUNT
        if value > highest:  # a typo, and a number maps and charts cannot draw
            self._error(shown, node, t("field.count_too_large", field=f.name, limit=f"{highest:,}"))
            return None
        return value

    def _items(self, f, node, shown, item) -> tuple | None:
        if not isinstance(node, yaml.SequenceNode):
            self._error(shown, node, t("field.expected_list", field=f.name, found=kind_of(node)))
            return None
        out = [item(f, child, shown) for child in node.value]  # every bad item said, each where it stands
        return None if None in out else tuple(out)

    def _texts(self, f, node, shown):
        return self._items(f, node, shown, self._text)

    def _slugs(self, f, node, shown):
        return self._items(f, node, shown, self._slug)

    def _sources(self, f, node, shown):
        return self._items(f, node, shown, self._source)

    def _source(self, f, node, shown) -> Source | None:
        if isinstance(node, yaml.ScalarNode) and not is_null(node):
            name = self._text(f, node, shown)
            return Source(name) if name else None
        if not isinstance(node, yaml.MappingNode):
            self._error(shown, node, t("source.bad", found=kind_of(node)))
            return None
        before = self.error_count
        parts: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = scalar(key_node) or ""
            if key not in SOURCE_FIELDS:
                hint = did_you_mean(key, SOURCE_FIELDS)
                self._error(shown, key_node, t("source.unknown_field", key=key, hint=hint))
                continue
            parts[key] = value_node
        if "name" not in parts and self.error_count == before:  # else a misspelt name: said already
            self._error(shown, node, t("source.missing_name"))
        name = self._text(FIELDS_BY_NAME["sources"], parts["name"], shown) if "name" in parts else None
        url = None
        if "url" in parts:
            url = scalar(parts["url"])
            if not url or not web_address_ok(url):
                self._error(shown, parts["url"], t("source.bad_url", url=url or kind_of(parts["url"])))
            else:
                url = url.strip()
        day = self._date(FIELDS_BY_NAME["date"], parts["date"], shown) if "date" in parts else None
        if self.error_count > before or name is None:
            return None
        return Source(name, url, day)

    def _markdown_text(self, f, node, shown) -> str | None:
        text = scalar(node)
        if text is None or is_null(node):
            self._error(shown, node, t("field.expected_text", field=f.name, found=kind_of(node)))
            return None
        if "<" not in text and "](" not in text and "]:" not in text:
            return text.strip()  # no HTML, no link: nothing to check
        # a block scalar (| or >) starts on the line after its indicator
        first_line = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
        before = self.error_count
        place = _Finder(self._file, node)
        refused: set[str] = set()  # elements said once: their closing tags are not said again
        for token in self._markdown.parse(text):
            line = first_line + (token.map[0] if token.map else 0)
            seen = 0  # where in a paragraph of several lines the children reached: their own line
            for child in [token, *(token.children or [])]:
                if child.type == "html_inline" and token.content:
                    found = token.content.find(child.content, seen)
                    if found >= 0:
                        seen = found + len(child.content)
                if child.type in ("html_block", "html_inline"):
                    html = child.content.strip()
                    tag = _TAG_NAME.match(html)
                    if tag and tag[1] and tag[2].lower() in refused:
                        continue
                    if tag:
                        refused.add(tag[2].lower())
                    here = line + (token.content.count("\n", 0, seen) if child is not token else 0)
                    first = html.split("\n")[0]  # a block of several lines: said by its first
                    self._add(error(shown, *place(first, here), t("summary.raw_html", html=first[:40])))
                elif child.type in ("link_open", "image"):
                    url = str(child.attrGet("href") or child.attrGet("src") or "")
                    if not link_allowed(url):
                        self._add(error(shown, *place(url, line), t("summary.bad_link", url=url[:60])))
        return text.strip() if self.error_count == before else None

    def _datetime(self, f, node, shown) -> dt.datetime | None:
        text = scalar(node)
        if text is None or not DATETIME_RE.match(text.strip()):
            self._error(shown, node, t("field.expected_datetime", field=f.name, found=kind_of(node)))
            return None
        try:
            value = parse_utc(text)
        except DateOutOfRange:
            value = None
        except ValueError:
            self._error(shown, node, t("field.impossible_date", field=f.name, value=text.strip()))
            return None
        if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
            message = t("field.date_out_of_range", field=f.name, value=text.strip(), first=FIRST_YEAR, last=LAST_YEAR)
            self._error(shown, node, message)
            return None
        return value

    def _code(self, f, node, shown) -> int | None:
        low, high = f.limits or (0, 0)
        value = self._count(f, node, shown)
        if value is not None and not low <= value <= high:
            self._error(shown, node, t("field.code_range", field=f.name, value=value, low=low, high=high))
            return None
        return value

    def _flag(self, f, node, shown) -> bool | None:
        if node.tag != _BOOL_TAG or not isinstance(node, yaml.ScalarNode):
            self._error(shown, node, t("field.expected_flag", field=f.name, found=kind_of(node)))
            return None
        return node.value.lower() in ("true", "yes", "on", "y")

    def _revisions(self, f, node, shown):
        return self._items(f, node, shown, self._revision)

    def _revision(self, f, node, shown) -> Revision | None:
        if not isinstance(node, yaml.MappingNode):
            self._error(shown, node, t("revision.bad", found=kind_of(node)))
            return None
        before = self.error_count
        parts: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = scalar(key_node) or ""
            if key not in REVISION_FIELDS:
                self._error(shown, key_node, t("revision.unknown_field", key=key, hint=did_you_mean(key, REVISION_FIELDS)))
                continue
            parts[key] = value_node
        misspelt = self.error_count > before  # a missing field is then likely the one misspelt: said already
        for name in REVISION_FIELDS:
            if name not in parts and not misspelt:
                self._error(shown, node, t("revision.missing", field=name))
        day = self._date(FIELDS_BY_NAME["date"], parts["date"], shown) if "date" in parts else None
        change = self._text(f, parts["change"], shown) if "change" in parts else None
        if self.error_count > before or day is None or change is None:
            return None
        return Revision(day, change)

    def _mapping(self, f, node, shown) -> dict | None:
        if not isinstance(node, yaml.MappingNode):
            self._error(shown, node, t("field.expected_mapping", field=f.name, found=kind_of(node)))
            return None
        return {}  # internal notes are checked for shape only: they are never carried further


_CONVERTERS = {
    Kind.ID: IncidentReader._id,
    Kind.DATE: IncidentReader._date,
    Kind.TEXT: IncidentReader._text,
    Kind.MARKDOWN: IncidentReader._markdown_text,
    Kind.SLUG: IncidentReader._slug,
    Kind.CHOICE: IncidentReader._choice,
    Kind.EVENT_TYPE: IncidentReader._event_type,
    Kind.COUNTRY: IncidentReader._country,
    Kind.LATITUDE: IncidentReader._coordinate,
    Kind.LONGITUDE: IncidentReader._coordinate,
    Kind.COUNT: IncidentReader._count,
    Kind.TEXTS: IncidentReader._texts,
    Kind.SLUGS: IncidentReader._slugs,
    Kind.SOURCES: IncidentReader._sources,
    Kind.MAPPING: IncidentReader._mapping,
    Kind.DATETIME: IncidentReader._datetime,
    Kind.CODE: IncidentReader._code,
    Kind.FLAG: IncidentReader._flag,
    Kind.REVISIONS: IncidentReader._revisions,
}
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")


class _Source:
    """A file read with marks, as text: where a piece of a scalar stands in it."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str):
        self.text = text
        self._starts: list[int] | None = None

    def offset(self, mark) -> int:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        starts = self._starts
        return starts[mark.line] + mark.column if mark.line < len(starts) else len(self.text)

    def line_col(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, index)
        return line, index - self._starts[line - 1] + 1


class _Finder:
    """(line, col) of a problem's text within one scalar, each found after the last one
    of the same text; where the file does not hold it as written (escapes, entities),
    the line the Markdown gives, column 1."""

    def __init__(self, source: _Source | None, node: yaml.Node):
        self.source = source
        self.node = node
        self.after: dict[str, int] = {}

    def __call__(self, needle: str, line: int) -> tuple[int, int]:
        source, node = self.source, self.node
        if source is None or not needle or node.end_mark is None:
            return line, 1
        start = self.after.get(needle, source.offset(node.start_mark))
        end = source.offset(node.end_mark)
        found = source.text.find(needle, start, end)
        if found < 0:
            return line, 1
        self.after[needle] = found + len(needle)
        return source.line_col(found)


class _NeedsMarks(Exception):
    """A plain file has a problem, or a shape the plain path does not take: read it with marks."""


class _Marked:
    """Where a plain incident starts, as a node's start_mark says it (0-based)."""

    __slots__ = ("start_mark",)

    def __init__(self, line: int):
        self.start_mark = yaml.Mark("", 0, line - 1, 0, None, None)


_NOWHERE = _Marked(1)  # a plain file's problems are never reported: any mark does


class _NowhereNodes(dict):
    def __missing__(self, key):
        return _NOWHERE


_NOWHERE_NODES = _NowhereNodes()
_REQUIRED = tuple(f for f in FIELDS_BY_NAME.values() if f.required)
_PLAIN_CONVERTERS = {
    Kind.ID: IncidentReader._plain_slug,
    Kind.SLUG: IncidentReader._plain_slug,
    Kind.DATE: IncidentReader._plain_date,
    Kind.TEXT: IncidentReader._plain_text,
    Kind.MARKDOWN: IncidentReader._plain_markdown,
    Kind.CHOICE: IncidentReader._plain_choice,
    Kind.EVENT_TYPE: IncidentReader._plain_choice,
    Kind.COUNTRY: IncidentReader._plain_country,
    Kind.LATITUDE: IncidentReader._plain_coordinate,
    Kind.LONGITUDE: IncidentReader._plain_coordinate,
    Kind.COUNT: IncidentReader._plain_count,
    Kind.CODE: IncidentReader._plain_count,
    Kind.TEXTS: IncidentReader._plain_items,
    Kind.SLUGS: IncidentReader._plain_items,
    Kind.SOURCES: IncidentReader._plain_items,
    Kind.REVISIONS: IncidentReader._plain_items,
    Kind.MAPPING: IncidentReader._plain_mapping,
    Kind.DATETIME: IncidentReader._plain_datetime,
    Kind.FLAG: IncidentReader._plain_flag,
}
_PLAIN_ITEMS = {
    Kind.TEXTS: IncidentReader._plain_text,
    Kind.SLUGS: IncidentReader._plain_slug,
    Kind.SOURCES: IncidentReader._plain_source,
    Kind.REVISIONS: IncidentReader._plain_revision,
}
# by field name: a Kind's hash is Enum.__hash__, a Python call, and a file of 192 incidents looked up 3,000
_PLAIN_FIELDS = {f.name: (f, _PLAIN_CONVERTERS[f.kind]) for f in FIELDS_BY_NAME.values()}
_PLAIN_ITEM_OF = {f.name: _PLAIN_ITEMS[f.kind] for f in FIELDS_BY_NAME.values() if f.kind in _PLAIN_ITEMS}
_EVENT_MODEL = EVENT_MODEL_FIELDS  # carried as read
_place_key = functools.lru_cache(maxsize=16384)(fold)  # a location's, looked up in places.yaml: names repeat
_AS_INCIDENT = msgspec.convert


def _incident(**fields) -> Incident:
    """An Incident of checked fields. msgspec sets a record's slots itself: a frozen
    dataclass's own __init__ sets each of its 50 fields through object.__setattr__, 5x
    slower (1.2 s of CPU at 100k). Any field msgspec would refuse takes __init__."""
    try:
        return _AS_INCIDENT(fields, Incident)
    except msgspec.ValidationError:
        return Incident(**fields)


def ids_in(node: yaml.Node | None, stem: str) -> dict[str, int]:
    """{id: line} of a composed incident file, as the reader gives them: each mapping's `id`,
    a one-incident file's name where it has none (`sitegen new`, `sitegen import` look for
    ids already used without reading every incident)."""
    items = [node] if isinstance(node, yaml.MappingNode) else node.value if isinstance(node, yaml.SequenceNode) else []
    found: dict[str, int] = {}
    for item in items:
        if not isinstance(item, yaml.MappingNode):
            continue
        value = next((v for k, v in item.value if scalar(k) == "id"), None)
        if value is not None and scalar(value) is not None:
            found.setdefault(scalar(value), value.start_mark.line + 1)
        elif value is None and item is node:
            found.setdefault(stem, 1)
    return found
