"""The incident format, defined once: the validator reads this table and the JSON Schema
for editors' YAML tooling is generated from it."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from sitegen.messages import translate
from sitegen.model import SLUG_RE, DatePrecision, EventType, GeoPrecision, Visibility

ID_RE = SLUG_RE
# The ids the theme's pages give their own parts (the week page's #key-events, #incidents,
# #what-moved, the skip link's #main, ...): an incident's anchor must not be one of them, nor
# start as the maps' and charts' do. tests/test_validate_all.py checks this list against
# every id the templates write.
PAGE_IDS = frozenset((
    "admin1-title", "countries-title", "country-briefs-title", "country-map-title", "downloads-title",
    "fields-title", "incidents", "incidents-title", "key-events", "key-events-title", "latest-title",
    "lede-title", "licence", "licence-title", "main", "map-title", "problems-title", "recent-title",
    "revisions", "search-input", "search-results", "site-search-q", "trend-title", "week-map-title",
    "what-moved", "what-moved-caption", "what-moved-title",
))
PAGE_ID_PREFIXES = ("chart-", "map-", "sg-", "year-")


def page_id(text: str) -> bool:
    """Whether `text` is (or may be) the id of a part of a page: not an incident's to take."""
    return text in PAGE_IDS or text.startswith(PAGE_ID_PREFIXES)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates and weeks outside these years are typos; and the weeks before and after a date
# must exist (Python's dates end at years 1 and 9999).
FIRST_YEAR, LAST_YEAR = 1900, 2999


class Kind(enum.Enum):
    ID = "id"
    DATE = "date"
    TEXT = "text"  # one line of plain text
    MARKDOWN = "markdown"
    SLUG = "slug"
    CHOICE = "choice"
    EVENT_TYPE = "event-type"
    COUNTRY = "country"
    LATITUDE = "latitude"
    LONGITUDE = "longitude"
    COUNT = "count"
    TEXTS = "texts"
    SLUGS = "slugs"
    SOURCES = "sources"
    MAPPING = "mapping"
    DATETIME = "datetime"  # a date, or a date and time in UTC
    CODE = "code"  # a whole number within `limits`
    FLAG = "flag"  # true or false
    REVISIONS = "revisions"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    limits: tuple[int, int] | None = None  # for Kind.CODE, and Kind.COUNT other than tolls
    event_model: bool = False  # of the full event model (ACLED, UCDP): carried as read, exported as is

    @property
    def description(self) -> str:
        return translate("en", f"field.{self.name}")  # the schema is in English, whatever the locale


def _choices(values: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(v.value for v in values)


# ACLED's disorder types, as its exports spell them
DISORDER_TYPES = ("Political violence", "Demonstrations", "Political violence; Demonstrations", "Strategic developments")
# a date, or a date and time; without an offset the time is UTC
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?$"
DATETIME_RE = re.compile(DATETIME_PATTERN)

INCIDENT_FIELDS: tuple[Field, ...] = (
    Field("id", Kind.ID),
    Field("date", Kind.DATE, required=True),
    Field("date_precision", Kind.CHOICE, choices=_choices(DatePrecision), default="day"),
    Field("date_end", Kind.DATE, event_model=True),
    Field("title", Kind.TEXT, required=True),
    Field("type", Kind.EVENT_TYPE, required=True),
    Field("subtype", Kind.SLUG),
    Field("country", Kind.COUNTRY, required=True),
    Field("admin1", Kind.TEXT),
    Field("admin2", Kind.TEXT, event_model=True),
    Field("admin3", Kind.TEXT, event_model=True),
    Field("location", Kind.TEXT, required=True),
    Field("lat", Kind.LATITUDE),
    Field("lon", Kind.LONGITUDE),
    Field("geo_precision", Kind.CHOICE, choices=_choices(GeoPrecision), default="exact"),
    Field("actors", Kind.TEXTS),
    Field("actor1", Kind.TEXT, event_model=True),
    Field("assoc_actor_1", Kind.TEXT, event_model=True),
    Field("actor2", Kind.TEXT, event_model=True),
    Field("assoc_actor_2", Kind.TEXT, event_model=True),
    Field("inter1", Kind.CODE, limits=(0, 8), event_model=True),
    Field("inter2", Kind.CODE, limits=(0, 8), event_model=True),
    Field("interaction", Kind.CODE, limits=(0, 88), event_model=True),
    Field("disorder_type", Kind.CHOICE, choices=DISORDER_TYPES, event_model=True),
    Field("civilian_targeting", Kind.FLAG, event_model=True),
    Field("fatalities", Kind.COUNT),
    Field("fatalities_low", Kind.COUNT, event_model=True),
    Field("fatalities_high", Kind.COUNT, event_model=True),
    Field("deaths_a", Kind.COUNT, event_model=True),  # UCDP's deaths by side: side A (actor1), side B (actor2),
    Field("deaths_b", Kind.COUNT, event_model=True),  #   civilians, persons of unknown status; they add up to
    Field("deaths_civilians", Kind.COUNT, event_model=True),  #   `fatalities` (UCDP's best estimate)
    Field("deaths_unknown", Kind.COUNT, event_model=True),
    Field("injured", Kind.COUNT),
    Field("sources", Kind.SOURCES),
    Field("source_scale", Kind.TEXT, event_model=True),
    Field("timestamp", Kind.COUNT, limits=(0, 32_503_680_000), event_model=True),  # seconds since 1970, up to the year 3000
    Field("summary", Kind.MARKDOWN),
    Field("title_fr", Kind.TEXT),  # for the French edition
    Field("summary_fr", Kind.MARKDOWN),
    Field("title_en", Kind.TEXT),  # for the English edition of a French-first site
    Field("summary_en", Kind.MARKDOWN),
    Field("tags", Kind.SLUGS),
    Field("visibility", Kind.CHOICE, choices=_choices(Visibility), default="public"),
    Field("publish_after", Kind.DATETIME),
    Field("licence", Kind.SLUG),
    Field("revisions", Kind.REVISIONS),
    Field("internal", Kind.MAPPING),
)
FIELDS_BY_NAME = {f.name: f for f in INCIDENT_FIELDS}
# the event-model fields in the table's order, which is also the order of their CSV columns
EVENT_MODEL_FIELDS = tuple(f.name for f in INCIDENT_FIELDS if f.event_model)
SOURCE_FIELDS = ("name", "url", "date")
REVISION_FIELDS = ("date", "change")
URL_SCHEMES = ("http", "https", "mailto")
WEB_URL_PATTERN = r"^(https?://[^/?#\s]|mailto:\S)\S*$"  # a web address names a site, as validate requires (text.web_address_ok)


def incident_schema(event_types: tuple[EventType, ...], site_url: str = "") -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one incident file: a mapping or a list of mappings."""
    properties = {f.name: _property(f, event_types) for f in INCIDENT_FIELDS}
    required = [f.name for f in INCIDENT_FIELDS if f.required]
    incident = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        "dependentRequired": {"lat": ["lon"], "lon": ["lat"]},
    }
    listed = {**incident, "required": ["id", *required]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{site_url}data/incident.schema.json" if site_url else "incident.schema.json",
        "title": translate("en", "schema.title"),
        "description": translate("en", "schema.description"),
        "oneOf": [
            {"$ref": "#/$defs/incident"},
            {"type": "array", "items": {"$ref": "#/$defs/listed_incident"}, "minItems": 1},
        ],
        "$defs": {"incident": incident, "listed_incident": listed},
    }


def _property(f: Field, event_types: tuple[EventType, ...]) -> dict[str, Any]:
    prop: dict[str, Any] = {"description": f.description}
    match f.kind:
        case Kind.ID | Kind.SLUG:
            prop.update(type="string", pattern=ID_RE.pattern)
        case Kind.DATE:
            prop.update(type="string", format="date")
        case Kind.TEXT | Kind.MARKDOWN:
            prop.update(type="string", minLength=1)
        case Kind.CHOICE:
            prop.update(type="string", enum=list(f.choices))
        case Kind.EVENT_TYPE:
            prop.update(type="string", enum=[e.slug for e in event_types])
        case Kind.COUNTRY:
            prop.update(type="string", minLength=2)
        case Kind.LATITUDE:
            prop.update(type="number", minimum=-90, maximum=90)
        case Kind.LONGITUDE:
            prop.update(type="number", minimum=-180, maximum=180)
        case Kind.COUNT:
            prop.update(type="integer", minimum=0)
        case Kind.TEXTS:
            prop.update(type="array", items={"type": "string", "minLength": 1})
        case Kind.SLUGS:
            prop.update(type="array", items={"type": "string", "pattern": ID_RE.pattern})
        case Kind.SOURCES:
            source = {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "pattern": WEB_URL_PATTERN},
                    "date": {"type": "string", "format": "date"},
                },
                "required": ["name"],
                "additionalProperties": False,
            }
            prop.update(type="array", items={"oneOf": [{"type": "string", "minLength": 1}, source]})
        case Kind.MAPPING:
            prop.update(type="object")
        case Kind.DATETIME:
            prop.update(type="string", pattern=DATETIME_PATTERN)
        case Kind.CODE:
            low, high = f.limits or (0, None)
            prop.update(type="integer", minimum=low, maximum=high)
        case Kind.FLAG:
            prop.update(type="boolean")
        case Kind.REVISIONS:
            revision = {
                "type": "object",
                "properties": {"date": {"type": "string", "format": "date"}, "change": {"type": "string", "minLength": 1}},
                "required": ["date", "change"],
                "additionalProperties": False,
            }
            prop.update(type="array", items=revision)
    if f.default is not None:
        prop["default"] = f.default
    if not f.required and f.kind is not Kind.ID:  # `fatalities:` and nothing after it: not there (`id:` is an error)
        prop["type"] = [prop["type"], "null"]
        if "enum" in prop:
            prop["enum"] = [*prop["enum"], None]
    return prop
