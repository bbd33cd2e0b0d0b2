"""Downloads: incidents as CSV, GeoJSON and JSON, built from public incidents only.

Pure functions returning text; the plugin writes the files. Records are built field by
field from the public columns, so nothing else an Incident might carry can leak.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from sitegen import geo
from sitegen.messages import t
from sitegen.model import EventType, Incident, IsoWeek, Source
from sitegen.read.schema import EVENT_MODEL_FIELDS

COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "date_precision",
    "week",
    "title",
    "type",
    "type_label",
    "subtype",
    "country",
    "country_name",
    "admin1",
    "location",
    "lat",
    "lon",
    "geo_precision",
    "actors",
    "fatalities",
    "injured",
    "sources",
    "source_urls",
    "summary",
    # the texts' other edition: French, or English on a French-first site (empty where none)
    "title_fr",
    "summary_fr",
    "title_en",
    "summary_en",
    "tags",
    # the full event model (ACLED, UCDP): empty unless the incident has it
    *EVENT_MODEL_FIELDS,
    "licence",
    "revisions",
)
# the fields an incident record carries as they are (date_end is written as ISO text)
_AS_READ = tuple(name for name in EVENT_MODEL_FIELDS if name != "date_end") + ("licence",)
LIST_SEPARATOR = "; "
# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _FieldDocs(Sequence[tuple[str, str]]):
    """(column, description) pairs for the /data/ page, read from the catalogue at use time
    so that the page follows the site's language."""

    def __len__(self) -> int:
        return len(COLUMNS)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [(name, t(f"column.{name}")) for name in COLUMNS[index]]
        return COLUMNS[index], t(f"column.{COLUMNS[index]}")


FIELD_DOCS: Sequence[tuple[str, str]] = _FieldDocs()


def public_sorted(incidents: Iterable[Incident]) -> list[Incident]:
    """Public incidents only, by date then id: every export lists them in this order."""
    return sorted((i for i in incidents if i.is_public), key=lambda i: (i.date, i.id))


def incident_record(incident: Incident, event_types: Iterable[EventType]) -> dict[str, Any]:
    """The public fields of one incident, typed: lists stay lists, missing values are None."""
    labels = {e.slug: e.label for e in event_types}
    return {
        "id": incident.id,
        "date": incident.date.isoformat(),
        "date_precision": str(incident.date_precision),
        "week": str(incident.week),
        "title": incident.title,
        "type": incident.type,
        "type_label": labels.get(incident.type, incident.type),
        "subtype": incident.subtype,
        "country": incident.country,
        "country_name": geo.country_name(incident.country),
        "admin1": incident.admin1,
        "location": incident.location,
        "lat": incident.lat,
        "lon": incident.lon,
        "geo_precision": str(incident.geo_precision),
        "actors": list(incident.actors),
        "fatalities": incident.fatalities,
        "injured": incident.injured,
        "sources": [s.name for s in incident.sources],
        "source_urls": [s.url for s in incident.sources if s.url],
        "summary": incident.summary or None,
        "title_fr": incident.title_fr or None,
        "summary_fr": incident.summary_fr or None,
        "title_en": incident.title_en or None,
        "summary_en": incident.summary_en or None,
        "tags": list(incident.tags),
        "date_end": incident.date_end.isoformat() if incident.date_end else None,
        **{name: getattr(incident, name) for name in _AS_READ},
        "revisions": [f"{r.date.isoformat()}: {r.change}" for r in incident.revisions],
    }


# --- CSV -------------------------------------------------------------------------------


def incidents_csv(incidents: Iterable[Incident], event_types: Iterable[EventType]) -> str:
    """RFC 4180 CSV (\\r\\n line ends), a header row of COLUMNS, one row per public incident."""
    event_types = tuple(event_types)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for incident in public_sorted(incidents):
        record = incident_record(incident, event_types)
        writer.writerow([_csv_cell(record[name]) for name in COLUMNS])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is str:  # the common case first
        return "'" + value if value.startswith(_FORMULA_START) else value
    if isinstance(value, bool):
        return _text_cell(str(value).lower())
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return _text_cell(LIST_SEPARATOR.join(str(v) for v in value))
    return _text_cell(str(value))


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number(value: float) -> str:
    text = repr(value)
    if "e" in text or "E" in text:  # 1e-05 reads as text in some spreadsheets
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text


# --- GeoJSON and JSON --------------------------------------------------------------------


def incidents_geojson(incidents: Iterable[Incident], event_types: Iterable[EventType]) -> dict[str, Any]:
    """RFC 7946 FeatureCollection: one Point per public incident, coordinates [lon, lat]."""
    event_types = tuple(event_types)
    features = []
    for incident in public_sorted(incidents):
        features.append(
            {
                "type": "Feature",
                "id": incident.id,
                "geometry": {"type": "Point", "coordinates": [incident.lon, incident.lat]},
                "properties": incident_record(incident, event_types),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def incidents_json(incidents: Iterable[Incident], event_types: Iterable[EventType]) -> dict[str, Any]:
    """{"incidents": [...]}: every public field, sources as {name, url, date} objects."""
    event_types = tuple(event_types)
    records = []
    for incident in public_sorted(incidents):
        record = incident_record(incident, event_types)
        del record["source_urls"]
        record["sources"] = [_source(s) for s in incident.sources]
        records.append(record)
    return {"incidents": records}


def _source(source: Source) -> dict[str, Any]:
    return {"name": source.name, "url": source.url, "date": source.date.isoformat() if source.date else None}


# Escaped so that the same text is also safe inside an HTML <script> element.
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def dump_json(obj: Any) -> str:
    """Deterministic compact JSON: sorted keys, UTF-8 text, no NaN; safe to inline in <script>."""
    text = json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, default=_json_default
    )
    for char, escape in _SCRIPT_SAFE:  # str.replace: 30x faster than str.translate here
        text = text.replace(char, escape)
    return text


# orjson writes what json.dumps(sort_keys, ensure_ascii=False, compact) writes, 3x faster:
# used for the per-incident pieces of the data files (400 MB at 100k). Dates and dataclasses
# still go through _json_default; what orjson refuses (int keys, huge ints) goes to json as
# before. It writes NaN as null where json raises, and 1e-05 as 0.00001: the caller checks
# its floats are neither.
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def dump_json_finite(obj: Any) -> str:
    """dump_json(obj) for an object whose floats are all 0 or finite and at least 1e-4 in size."""
    try:
        text = orjson.dumps(obj, option=_ORJSON, default=_json_default).decode("utf-8")
    except orjson.JSONEncodeError:
        return dump_json(obj)
    for char, escape in _SCRIPT_SAFE:  # str.replace: 30x faster than str.translate here
        text = text.replace(char, escape)
    return text


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, IsoWeek)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Iterator):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


class Exporter:
    """Serialises each incident once per build: the site-wide files and the per-week files
    are joined from the same pieces, byte for byte what the functions above produce."""

    def __init__(self, event_types: Iterable[EventType]):
        self.event_types = tuple(event_types)
        self._rows: dict[str, str] = {}
        self._features: dict[str, str] = {}
        self._records: dict[str, str] = {}
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def _pieces(self, incident: Incident) -> None:
        # a record's only floats are its coordinates: orjson writes them as json does unless
        # they are not finite (json raises) or under 1e-4 (json writes 1e-05, orjson 0.00001)
        dump = dump_json_finite if all(v == 0 or 1e-4 <= abs(v) < 1e16 for v in (incident.lat, incident.lon)) else dump_json
        record = incident_record(incident, self.event_types)
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([_csv_cell(record[name]) for name in COLUMNS])
        self._rows[incident.id] = self._buffer.getvalue()
        # the keys of a Feature in sorted order, as dump_json writes them
        shell = dump({"geometry": {"type": "Point", "coordinates": [incident.lon, incident.lat]}, "id": incident.id})
        self._features[incident.id] = shell[:-1] + ',"properties":' + dump(record) + ',"type":"Feature"}'
        record = dict(record)
        del record["source_urls"]
        record["sources"] = [_source(s) for s in incident.sources]
        self._records[incident.id] = dump(record)

    def _each(self, incidents: Iterable[Incident], store: dict[str, str]) -> list[str]:
        out = []
        for incident in public_sorted(incidents):
            if incident.id not in store:
                self._pieces(incident)
            out.append(store[incident.id])
        return out

    def csv(self, incidents: Iterable[Incident]) -> str:
        return _CSV_HEADER + "".join(self._each(incidents, self._rows))

    def geojson(self, incidents: Iterable[Incident]) -> str:
        head, tail = _FRAMES["geojson"]
        return head + ",".join(self._each(incidents, self._features)) + tail

    def json(self, incidents: Iterable[Incident]) -> str:
        head, tail = _FRAMES["json"]
        return head + ",".join(self._each(incidents, self._records)) + tail

    def forget(self) -> None:
        """Drop the pieces made so far (each incident is in one week: its pieces are done)."""
        self._rows.clear()
        self._features.clear()
        self._records.clear()


def joined(kind: str, parts: Iterable[bytes | Path]) -> Iterator[bytes | memoryview]:
    """The csv, geojson or json file of many incidents, in chunks, from the same file of
    each part of them (weeks, in date order; its bytes or its path): byte for byte what
    Exporter writes for all. Chunks are views of the parts, not copies of them."""
    contents = (memoryview(part.read_bytes() if isinstance(part, Path) else part) for part in parts)
    if kind == "csv":
        header = _CSV_HEADER.encode()
        yield header
        for part in contents:
            yield part[len(header):]
        return
    head, tail = (frame.encode() for frame in _FRAMES[kind])
    yield head
    first = True
    for part in contents:
        middle = part[len(head) : len(part) - len(tail)]
        if middle:
            if not first:
                yield b","
            yield middle
            first = False
    yield tail


def joined_size(kind: str, sizes: Iterable[int]) -> int:
    """The size of joined(kind, parts) from the parts' sizes, without reading them."""
    if kind == "csv":
        header = len(_CSV_HEADER.encode())
        return header + sum(size - header for size in sizes)
    head, tail = (len(frame.encode()) for frame in _FRAMES[kind])
    middles = [size - head - tail for size in sizes]
    filled = sum(1 for m in middles if m > 0)
    return head + sum(middles) + max(filled - 1, 0) + tail


def _csv_header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(COLUMNS)
    return buffer.getvalue()


_CSV_HEADER = _csv_header()
_FRAMES = {"geojson": ('{"features":[', '],"type":"FeatureCollection"}'), "json": ('{"incidents":[', "]}")}
