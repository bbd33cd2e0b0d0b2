"""The build's Exporter joins per-incident pieces: the files must be exactly the plain functions'."""

import datetime as dt

from sitegen.model import DEFAULT_EVENT_TYPES, Incident, Source
from sitegen.render.exports import Exporter, dump_json, incidents_csv, incidents_geojson, incidents_json


def _incident(n: int, **extra) -> Incident:
    return Incident(
        id=f"i-{n}", date=dt.date(2023, 9, 20 + n), title=f"=Title {n}, \"quoted\"", type="battle",
        country="NE", location="Kandadji", lat=14.62, lon=-0.98 + n, fatalities=n,
        sources=(Source("Reuters", "https://example.org/a", dt.date(2023, 9, 28)),), summary="Line <one>\nline two",
        **extra,
    )


def test_exporter_matches_the_plain_functions_for_every_subset():
    incidents = [_incident(n) for n in range(5)]
    exporter = Exporter(DEFAULT_EVENT_TYPES)
    for subset in (incidents, incidents[1:3], [], incidents[::-1]):
        assert exporter.csv(subset) == incidents_csv(subset, DEFAULT_EVENT_TYPES)
        assert exporter.geojson(subset) == dump_json(incidents_geojson(subset, DEFAULT_EVENT_TYPES))
        assert exporter.json(subset) == dump_json(incidents_json(subset, DEFAULT_EVENT_TYPES))


def test_site_wide_files_joined_from_weekly_parts_are_the_files_of_all_incidents():
    """data/incidents.* are joined from each week's file (empty weeks and an internal
    incident included): byte for byte the file written for every incident at once."""
    from sitegen.model import Visibility
    from sitegen.render.exports import joined

    weeks = [[_incident(0), _incident(1)], [], [_incident(2, visibility=Visibility.INTERNAL)], [_incident(3), _incident(4)], []]
    everything = [i for week in weeks for i in week]
    exporter = Exporter(DEFAULT_EVENT_TYPES)
    for kind, whole in (("csv", exporter.csv), ("geojson", exporter.geojson), ("json", exporter.json)):
        parts = []
        for week in weeks:
            parts.append(whole(week).encode())
            exporter.forget()
        assert b"".join(joined(kind, parts)) == whole(everything).encode(), kind
        assert b"".join(joined(kind, [])) == whole([]).encode(), kind


def test_the_size_of_a_joined_file_is_known_from_its_parts_sizes():
    """The data page shows the site-wide files' sizes before threads have written them."""
    from sitegen.model import Visibility
    from sitegen.render.exports import joined, joined_size

    weeks = [[], [_incident(0)], [], [_incident(1, visibility=Visibility.INTERNAL)], [_incident(2), _incident(3)], []]
    exporter = Exporter(DEFAULT_EVENT_TYPES)
    for kind, whole in (("csv", exporter.csv), ("geojson", exporter.geojson), ("json", exporter.json)):
        for chosen in (weeks, weeks[:1], weeks[1:2], weeks[2:], []):
            parts = [whole(week).encode() for week in chosen]
            assert joined_size(kind, map(len, parts)) == len(b"".join(joined(kind, parts))), (kind, chosen)
