"""An ACLED export row -> an incident mapping (the contract's fields, in its order).

ACLED's codebook: event_date with time_precision 1 (day) / 2 (week) / 3 (month);
latitude/longitude with geo_precision 1 (the town) / 2 (near it) / 3 (its region).
"""

from __future__ import annotations

import re
from typing import Any

from sitegen import geo, i18n
from sitegen.config import SiteConfig
from sitegen.importers.rows import Row, RowError, event_type_available, in_site_language, one_line, plain_markdown
from sitegen.messages import CATALOGUE, t, translate
from sitegen.read.schema import DISORDER_TYPES
from sitegen.text import fold, id_slug

REQUIRED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "country", "location", "latitude", "longitude")
DATASET = {"name": "ACLED", "url": "https://acleddata.com/"}

EVENT_TYPES = {
    "battles": "battle",
    "explosions/remote violence": "explosion",
    "violence against civilians": "violence-against-civilians",
    "protests": "protest",
    "riots": "riot",
    "strategic developments": "strategic-development",
}
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
GEO_PRECISION = {"1": "exact", "2": "near", "3": "region"}

# ISO 3166-1 numeric -> alpha-2, Africa: ACLED's `iso` column is numeric.
ISO_NUMERIC = {
    "12": "DZ", "24": "AO", "72": "BW", "86": "IO", "108": "BI", "120": "CM", "132": "CV", "140": "CF",
    "148": "TD", "174": "KM", "175": "YT", "178": "CG", "180": "CD", "204": "BJ", "226": "GQ", "231": "ET",
    "232": "ER", "260": "TF", "262": "DJ", "266": "GA", "270": "GM", "288": "GH", "324": "GN", "384": "CI",
    "404": "KE", "426": "LS", "430": "LR", "434": "LY", "450": "MG", "454": "MW", "466": "ML", "478": "MR",
    "480": "MU", "504": "MA", "508": "MZ", "516": "NA", "562": "NE", "566": "NG", "624": "GW", "638": "RE",
    "646": "RW", "654": "SH", "678": "ST", "686": "SN", "690": "SC", "694": "SL", "706": "SO", "710": "ZA",
    "716": "ZW", "728": "SS", "729": "SD", "732": "EH", "748": "SZ", "768": "TG", "788": "TN", "800": "UG",
    "818": "EG", "834": "TZ", "854": "BF", "894": "ZM",
}  # fmt: skip


def incident_from(row: Row, config: SiteConfig) -> dict[str, Any]:
    """The incident for one ACLED row; RowError says what is wrong with it."""
    event_id = row.required("event_id_cnty")
    incident_id = "acled-" + id_slug(event_id)
    if incident_id == "acled-":
        raise RowError(t("import.row.bad_id", column="event_id_cnty", value=event_id))
    day = row.date("event_date")
    event_type = row.required("event_type")
    slug = EVENT_TYPES.get(re.sub(r"\s*/\s*", "/", fold(event_type)))
    if slug is None:
        raise RowError(t("import.row.unknown_event_type", value=event_type, known=", ".join(_LABELS)))
    event_type_available(slug, config, event_type)
    lat = row.coordinate("latitude", 90)
    lon = row.coordinate("longitude", 180)
    location = one_line(row.required("location"))
    country = _country(row)
    sub_event = row.text("sub_event_type")
    civilian_targeting = _civilian_targeting(row)

    def title(lang: str) -> str:
        what = _what(sub_event, event_type, slug, config, lang)
        return one_line(translate(lang, "import.acled.title", what=what, location=location))

    incident: dict[str, Any] = {
        "id": incident_id,
        "date": day,
        "date_precision": row.choice("time_precision", TIME_PRECISION, "day"),
        "title": None,  # in_site_language's
        "type": slug,
        "subtype": id_slug(sub_event) or None,
        "country": country,
        "admin1": _admin1(row, country),
        "admin2": row.optional("admin2"),
        "admin3": row.optional("admin3"),
        "location": location,
        "lat": lat,
        "lon": lon,
        "geo_precision": row.choice("geo_precision", GEO_PRECISION, "exact"),
        "actors": [one_line(a) for a in row.names("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")] or None,
        "actor1": row.optional("actor1"),
        "assoc_actor_1": row.optional("assoc_actor_1"),
        "actor2": row.optional("actor2"),
        "assoc_actor_2": row.optional("assoc_actor_2"),
        "inter1": row.code("inter1", 8),
        "inter2": row.code("inter2", 8),
        "interaction": row.code("interaction", 88),
        "disorder_type": _disorder_type(row),
        "civilian_targeting": civilian_targeting or None,
        "fatalities": row.count("fatalities", None),  # type: ignore[arg-type] (empty: not reported)
        "sources": [{"name": one_line(name), "date": day} for name in row.names("source")] + [dict(DATASET)],
        "source_scale": row.optional("source_scale"),
        "timestamp": row.count("timestamp", None),  # type: ignore[arg-type]
        "summary": plain_markdown(row.raw("notes")) or None,
        "tags": _tags(row, civilian_targeting) or None,
        "licence": "acled",
    }
    incident = in_site_language(incident, title, config)
    return {key: value for key, value in incident.items() if value is not None}


_LABELS = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
           "Strategic developments")  # fmt: skip


# ACLED's sub-event types (folded, '/' unspaced) -> their message, for titles in other languages
_SUB_EVENTS = {
    re.sub(r"\s*/\s*", "/", fold(text)): key
    for key, text in CATALOGUE["en"].items()
    if key.startswith("import.acled.sub.")
}


def _what(sub_event: str, event_type: str, slug: str, config: SiteConfig, lang: str) -> str:
    """What happened, for the title: ACLED's sub-event type (else its event type) as the export
    writes it in English; in another language, its translation, else the site's event type label."""
    if lang == "en":
        return sub_event or event_type
    key = _SUB_EVENTS.get(re.sub(r"\s*/\s*", "/", fold(sub_event)))
    if key is not None:
        return translate(lang, key)
    kind = next(e for e in config.event_types if e.slug == slug)  # there: event_type_available said so
    return kind.label_in(lang, i18n.gettext_for(lang))


def _civilian_targeting(row: Row) -> bool:
    """ACLED's column holds "Civilian targeting" or nothing; anything else is not its export's."""
    value = row.text("civilian_targeting")
    if value and fold(value) != "civilian targeting":
        raise RowError(t("import.row.civilian_targeting", value=value))
    return bool(value)


def _disorder_type(row: Row) -> str | None:
    value = row.text("disorder_type")
    if not value:
        return None
    known = {fold(d): d for d in DISORDER_TYPES}
    if fold(value) not in known:
        raise RowError(t("import.row.bad_code", column="disorder_type", value=value, codes=", ".join(DISORDER_TYPES)))
    return known[fold(value)]


def _country(row: Row) -> str:
    """From the numeric `iso` code; else from the `country` name."""
    iso = row.text("iso")
    code = ISO_NUMERIC.get(iso[:-2] if iso.endswith(".0") else iso)
    if code is None:
        code = geo.normalise_country(row.text("country")) or (geo.normalise_country(iso) if iso else None)
    if code is None:
        raise RowError(t("import.row.unknown_country", value=row.text("country") or iso))
    return code


def _admin1(row: Row, country: str) -> str | None:
    """ACLED's admin1 in the gazetteer's spelling when it knows the region ("Tillaberi" -> "Tillabéri")."""
    name = one_line(row.text("admin1"))
    return (geo.normalise_admin1(country, name) or name) if name else None


def _tags(row: Row, civilian_targeting: bool) -> list[str]:
    tags: list[str] = []
    for tag in [*row.names("tags"), "civilian targeting" if civilian_targeting else ""]:
        slug = id_slug(tag)
        if slug and slug not in tags:
            tags.append(slug)
    return tags
