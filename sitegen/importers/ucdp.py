"""A UCDP GED export row (CC BY 4.0) -> an incident mapping (the contract's fields, in its order).

UCDP's codebook: type_of_violence 1 state-based, 2 non-state, 3 one-sided; date_prec
1 (day) to 5 (year at worst); where_prec 1 (exact place) to 7 (country); `best` is the
best estimate of deaths.
"""

from __future__ import annotations

import re
from typing import Any

from sitegen import geo
from sitegen.config import SiteConfig
from sitegen.importers.rows import (
    Row, RowError, event_type_available, in_site_language, one_line, parse_date, plain_markdown,
)
from sitegen.messages import t, translate
from sitegen.text import id_slug

REQUIRED_COLUMNS = ("id", "type_of_violence", "date_start", "latitude", "longitude", "country", "best")
DATASET = {"name": "UCDP Georeferenced Event Dataset (CC BY 4.0)", "url": "https://ucdp.uu.se/"}

# type_of_violence -> (event type, subtype)
VIOLENCE = {
    "1": ("battle", "state-based"),
    "2": ("battle", "non-state"),
    "3": ("violence-against-civilians", "one-sided"),
}
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "month"}
WHERE_PRECISION = {"1": "exact", "2": "exact", "3": "near", "4": "near", "5": "region", "6": "region", "7": "region"}

# Gleditsch-Ward country codes (UCDP's country_id) -> ISO alpha-2, Africa: used when the
# `country` name is one UCDP spells its own way ("DR Congo (Zaire)").
GW_CODES = {
    "402": "CV", "403": "ST", "404": "GW", "411": "GQ", "420": "GM", "432": "ML", "433": "SN", "434": "BJ",
    "435": "MR", "436": "NE", "437": "CI", "438": "GN", "439": "BF", "450": "LR", "451": "SL", "452": "GH",
    "461": "TG", "471": "CM", "475": "NG", "481": "GA", "482": "CF", "483": "TD", "484": "CG", "490": "CD",
    "500": "UG", "501": "KE", "510": "TZ", "516": "BI", "517": "RW", "520": "SO", "522": "DJ", "530": "ET",
    "531": "ER", "540": "AO", "541": "MZ", "551": "ZM", "552": "ZW", "553": "MW", "560": "ZA", "565": "NA",
    "570": "LS", "571": "BW", "572": "SZ", "580": "MG", "581": "KM", "590": "MU", "591": "SC", "600": "MA",
    "615": "DZ", "616": "TN", "620": "LY", "625": "SD", "626": "SS", "651": "EG",
}  # fmt: skip

# where_coordinates name the kind of place: "Kandadji village", "Djibo town", "Mopti region".
_PLACE_SUFFIX = re.compile(r"\s+(village|town|city)$", re.IGNORECASE)
_REGION_SUFFIX = re.compile(r"\s+(region|province|d[ée]partement|department|prefecture|state|district|cercle|commune)$", re.I)


def incident_from(row: Row, config: SiteConfig) -> dict[str, Any]:
    """The incident for one UCDP GED row; RowError says what is wrong with it."""
    event_id = row.required("id")
    incident_id = "ucdp-" + id_slug(event_id.removesuffix(".0"))
    if incident_id == "ucdp-":
        raise RowError(t("import.row.bad_id", column="id", value=event_id))
    day = row.date("date_start")
    violence = row.text("type_of_violence").removesuffix(".0")
    if violence not in VIOLENCE:
        raise RowError(t("import.row.unknown_violence", value=violence or "''"))
    event_type, subtype = VIOLENCE[violence]
    event_type_available(event_type, config, violence)
    lat = row.coordinate("latitude", 90)
    lon = row.coordinate("longitude", 180)
    country = _country(row)
    location = _location(row)
    dyad = row.text("dyad_name") or row.text("conflict_name")

    def title(lang: str) -> str:
        named = dyad or translate(lang, f"import.ucdp.violence_{violence}")
        return one_line(translate(lang, "import.ucdp.title", dyad=named, location=location))

    incident: dict[str, Any] = {
        "id": incident_id,
        "date": day,
        "date_precision": row.choice("date_prec", DATE_PRECISION, "day"),
        "date_end": _date_end(row, day),
        "title": None,  # in_site_language's
        "type": event_type,
        "subtype": subtype,
        "country": country,
        "admin1": _admin1(row, country),
        "admin2": one_line(_REGION_SUFFIX.sub("", row.text("adm_2"))) or None,
        "location": location,
        "lat": lat,
        "lon": lon,
        "geo_precision": row.choice("where_prec", WHERE_PRECISION, "exact"),
        "actors": [one_line(a) for a in row.names("side_a", "side_b")] or None,
        "actor1": row.optional("side_a"),
        "actor2": row.optional("side_b"),
        **_estimates(row),
        **_deaths_by_side(row),
        "sources": [{"name": one_line(name), "date": day} for name in row.names("source_original")] + [dict(DATASET)],
        "summary": plain_markdown(row.raw("source_headline")) or None,
        "licence": "ucdp",
    }
    incident = in_site_language(incident, title, config)
    return {key: value for key, value in incident.items() if value is not None}


def _estimates(row: Row) -> dict[str, int | None]:
    """best, low and high deaths; low and high only where they say more than best."""
    best = row.count("best")
    low = row.count("low", None)  # type: ignore[arg-type]
    high = row.count("high", None)  # type: ignore[arg-type]
    if (low is not None and low > best) or (high is not None and high < best):
        raise RowError(t("import.ucdp.estimates", low=low, best=best, high=high))
    return {
        "fatalities": best,
        "fatalities_low": low if low is not None and low != best else None,
        "fatalities_high": high if high is not None and high != best else None,
    }


DEATHS_BY_SIDE = ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")  # UCDP's columns and our fields


def _deaths_by_side(row: Row) -> dict[str, int | None]:
    """UCDP's deaths by side, all four when the export has them: they add up to best."""
    deaths = {name: row.count(name, None) for name in DEATHS_BY_SIDE}  # type: ignore[arg-type]
    if any(n is None for n in deaths.values()):
        return dict.fromkeys(DEATHS_BY_SIDE)  # a partial split would read as a zero
    best = row.count("best")
    if sum(deaths.values()) != best:
        sides = ", ".join(f"{name} {n}" for name, n in deaths.items())
        raise RowError(t("import.ucdp.deaths_by_side", sides=sides, total=sum(deaths.values()), best=best))
    return deaths


def _date_end(row: Row, day):
    """date_end when the event spans several days; a bad or earlier end is ignored."""
    end = parse_date(row.text("date_end"))
    return end if end is not None and end > day else None


def _country(row: Row) -> str:
    code = geo.normalise_country(row.text("country")) or GW_CODES.get(row.text("country_id").removesuffix(".0"))
    if code is None:
        raise RowError(t("import.row.unknown_country", value=row.text("country") or row.text("country_id")))
    return code


def _location(row: Row) -> str:
    for column in ("where_coordinates", "adm_2", "adm_1"):
        name = _PLACE_SUFFIX.sub("", row.text(column))
        if name:
            return one_line(name)
    raise RowError(t("import.row.empty", column="where_coordinates"))


def _admin1(row: Row, country: str) -> str | None:
    name = _REGION_SUFFIX.sub("", row.text("adm_1"))
    if not name:
        return None
    return one_line(geo.normalise_admin1(country, name) or name)
