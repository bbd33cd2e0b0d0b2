"""The bundled gazetteer: countries, outlines, places and admin1 regions (sitegen.geo)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen import geo

DATA = Path(geo.__file__).parent / "data"

NIGER_REGIONS = {"Agadez", "Diffa", "Dosso", "Maradi", "Niamey", "Tahoua", "Tillabéri", "Zinder"}
MALI_REGIONS = {
    "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Ménaka", "Taoudénit", "Bamako",
}
BURKINA_REGIONS = {
    "Boucle du Mouhoun", "Cascades", "Centre", "Centre-Est", "Centre-Nord", "Centre-Ouest", "Centre-Sud", "Est",
    "Hauts-Bassins", "Nord", "Plateau-Central", "Sahel", "Sud-Ouest",
}
LOCAL_REGIONS = {"NE": NIGER_REGIONS, "ML": MALI_REGIONS, "BF": BURKINA_REGIONS}


def bundled_places(*countries: str) -> list[dict]:
    with (DATA / "places.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["country"] in countries]


# --- countries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NE", "NE"), ("ne", "NE"), (" Ne ", "NE"), ("NER", "NE"), ("ner", "NE"), ("Niger", "NE"), ("NIGER", "NE"),
        ("ML", "ML"), ("MLI", "ML"), ("Mali", "ML"), ("mali", "ML"),
        ("BF", "BF"), ("BFA", "BF"), ("Burkina Faso", "BF"), ("burkina-faso", "BF"), ("Burkina", "BF"),
        ("Chad", "TD"), ("Tchad", "TD"), ("Senegal", "SN"), ("Sénégal", "SN"), ("SENEGAL", "SN"),
        ("Côte d'Ivoire", "CI"), ("Côte d’Ivoire", "CI"), ("Cote d'Ivoire", "CI"), ("cote divoire", "CI"),
        ("Ivory Coast", "CI"), ("Algeria", "DZ"), ("Algérie", "DZ"), ("Nigeria", "NG"), ("Nigéria", "NG"),
        ("Mauritanie", "MR"), ("Guinée", "GN"), ("Bénin", "BJ"), ("Cameroun", "CM"), ("Libye", "LY"),
        ("Japan", "JP"), ("JPN", "JP"), ("Allemagne", "DE"), ("Germany", "DE"), ("Brazil", "BR"),
        ("United States", "US"), ("USA", "US"), ("États-Unis", "US"), ("United Kingdom", "GB"),
        ("Russia", "RU"), ("Russian Federation", "RU"), ("South Korea", "KR"), ("Korea, Republic of", "KR"),
        ("Democratic Republic of the Congo", "CD"), ("RDC", "CD"), ("Republic of the Congo", "CG"),
        ("Viet Nam", "VN"), ("Vietnam", "VN"), ("Türkiye", "TR"), ("Turkey", "TR"),
    ],
)
def test_normalise_country_accepts_codes_and_english_and_french_names(value, code):
    assert geo.normalise_country(value) == code


@pytest.mark.parametrize("value", ["", "  ", "Nigr", "XX", "Sahel", "Atlantis", "N3"])
def test_normalise_country_returns_none_for_unknown(value):
    assert geo.normalise_country(value) is None


def test_every_iso_country_is_known_by_its_code_and_names():
    import json

    countries = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))
    assert len(countries) >= 249
    for code, entry in countries.items():
        for spelling in (code, code.lower(), entry["alpha3"], entry["en"], entry["fr"], *entry["names"]):
            assert geo.normalise_country(spelling) == code, (spelling, code)


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("NE", "en", "Niger"), ("NE", "fr", "Niger"), ("ML", "fr", "Mali"), ("BF", "en", "Burkina Faso"),
        ("BF", "fr", "Burkina Faso"), ("TD", "en", "Chad"), ("TD", "fr", "Tchad"), ("SN", "fr", "Sénégal"),
        ("CI", "en", "Côte d'Ivoire"), ("DZ", "fr", "Algérie"), ("KR", "en", "South Korea"),
        ("CD", "en", "Democratic Republic of the Congo"),
    ],
)
def test_country_name(code, lang, name):
    assert geo.country_name(code, lang) == name


def test_country_name_defaults_to_english_and_passes_unknown_codes_through():
    assert geo.country_name("TD") == "Chad"
    assert geo.country_name("XX") == "XX"


@pytest.mark.parametrize(
    ("code", "slug"),
    [("NE", "niger"), ("ML", "mali"), ("BF", "burkina-faso"), ("CI", "cote-divoire"), ("TD", "chad"),
     ("GW", "guinea-bissau"), ("CD", "democratic-republic-of-the-congo"), ("US", "united-states")],
)
def test_country_slug(code, slug):
    assert geo.country_slug(code) == slug


def test_country_slugs_are_unique_ascii_and_hyphenated():
    import json
    import re

    countries = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))
    slugs = [geo.country_slug(code) for code in countries]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("Nigr", "Niger"), ("Burkina Fasso", "Burkina Faso"), ("Mallii", "Mali"), ("Tchadd", "Tchad"),
     ("Senegall", "Senegal")],
)
def test_country_suggestions_offer_the_intended_country_first(typo, expected):
    suggestions = geo.country_suggestions(typo)
    assert suggestions and suggestions[0] == expected, suggestions
    assert all(geo.normalise_country(s) for s in suggestions)


def test_country_suggestions_for_a_mistyped_code_are_codes():
    suggestions = geo.country_suggestions("NX")
    assert suggestions and all(geo.normalise_country(s) == s for s in suggestions)


def test_country_suggestions_are_empty_for_nonsense():
    assert geo.country_suggestions("qqqqqqqq") == []
    assert geo.country_suggestions("") == []


# --- in_country -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "lat", "lon"),
    [
        ("NE", 14.62, 0.98),  # Kandadji
        ("NE", 13.51, 2.11),  # Niamey
        ("NE", 13.3154, 12.6113),  # Diffa, on the Nigerian border
        ("NE", 18.74, 7.39),  # Arlit
        ("NE", 21.0, 13.0),  # Djado plateau, nowhere near a gazetteer place
        ("ML", 12.65, -8.0),  # Bamako
        ("ML", 16.27, -0.04),  # Gao
        ("ML", 22.68, -3.98),  # Taoudenni
        ("BF", 12.37, -1.53),  # Ouagadougou
        ("BF", 14.10, -1.63),  # Djibo
        ("BF", 11.18, -4.30),  # Bobo-Dioulasso
    ],
)
def test_real_places_are_in_their_country(code, lat, lon):
    assert geo.in_country(code, lat, lon) is True


@pytest.mark.parametrize(
    ("code", "lat", "lon"),
    [
        ("NE", 2.11, 13.51),  # Niamey swapped
        ("NE", 0.98, 14.62),  # Kandadji swapped
        ("NE", 7.99, 16.97),  # Agadez swapped
        ("ML", -8.0, 12.65),  # Bamako swapped
        ("ML", -0.04, 16.27),  # Gao swapped
        ("BF", -1.53, 12.37),  # Ouagadougou swapped
        ("NE", 12.37, -1.53),  # Ouagadougou is not in Niger
        ("ML", 13.51, 2.11),  # nor is Niamey in Mali
        ("NE", 48.85, 2.35),  # Paris
    ],
)
def test_points_elsewhere_are_not_in_the_country(code, lat, lon):
    assert geo.in_country(code, lat, lon) is False


def test_every_bundled_sahel_place_is_inside_and_swapped_is_outside():
    places = bundled_places("NE", "ML", "BF")
    assert len(places) > 200
    for row in places:
        lat, lon = float(row["lat"]), float(row["lon"])
        assert geo.in_country(row["country"], lat, lon) is True, row
        if abs(lat - lon) > 1.5:  # near the lat = lon diagonal a swap hardly moves a point
            assert geo.in_country(row["country"], lon, lat) is False, row


def test_in_country_accepts_names_and_knows_islands():
    assert geo.in_country("Niger", 13.51, 2.11) is True
    assert geo.in_country("MT", 35.90, 14.51) is True  # Malta: too small for the outlines, known by its places
    assert geo.in_country("CV", 14.93, -23.51) is True  # Praia, Cabo Verde


def test_in_country_is_none_without_data_and_false_out_of_range():
    assert geo.in_country("XX", 13.5, 2.1) is None
    assert geo.in_country("NE", 95.0, 2.1) is False


# --- admin1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "country", "admin1"),
    [
        (14.62, 0.98, "NE", "Tillabéri"),  # Kandadji
        (14.62, 0.98, None, "Tillabéri"),
        (13.51, 2.11, "NE", "Niamey"),
        (13.80, 5.25, "NE", "Tahoua"),  # Birni N'Konni
        (13.31, 12.61, "NE", "Diffa"),
        (12.37, -1.53, "BF", "Centre"),  # Ouagadougou
        (14.10, -1.63, "BF", "Sahel"),  # Djibo
        (11.18, -4.30, "BF", "Hauts-Bassins"),  # Bobo-Dioulasso
        (10.64, -3.16, "BF", "Sud-Ouest"),  # Gaoua
        (12.06, 0.36, "BF", "Est"),  # Fada N'Gourma
        (12.61, -7.98, "ML", "Bamako"),
        (13.44, -6.26, "ML", "Ségou"),
        (15.92, 2.40, "ML", "Ménaka"),
        (16.77, -3.01, "ML", "Tombouctou"),
        (18.44, 1.41, "ML", "Kidal"),
    ],
)
def test_admin1_at_real_places(lat, lon, country, admin1):
    assert geo.admin1_at(lat, lon, country) == admin1


def test_admin1_at_reaches_further_when_asked():
    assert geo.admin1_at(20.5, 12.5, "NE") is None  # Ténéré: no gazetteer place within 100 km
    assert geo.admin1_at(20.5, 12.5, "NE", max_km=400) == "Agadez"


def test_admin1_at_is_none_far_from_any_place():
    assert geo.admin1_at(0.0, -20.0) is None  # Gulf of Guinea
    assert geo.admin1_at(13.5, 2.1, "JP") is None  # no places bundled for Japan
    assert geo.admin1_at(48.85, 2.35) is None  # Paris: outside the bundled area


def test_admin1_at_restricted_to_a_country_ignores_its_neighbours():
    # Maradi town is a few km from Nigeria: with country NE the answer is Niger's region
    assert geo.admin1_at(13.0, 7.10, "NE") == "Maradi"
    assert geo.admin1_at(13.0, 7.10, "NG") not in NIGER_REGIONS | {None}


def test_admin1_names_are_the_local_french_names():
    for code, expected in LOCAL_REGIONS.items():
        names = set(geo.admin1_names(code))
        assert names <= expected, names - expected
    assert set(geo.admin1_names("NE")) == NIGER_REGIONS
    assert set(geo.admin1_names("BF")) == BURKINA_REGIONS
    for row in bundled_places("NE", "ML", "BF"):
        assert row["admin1"] in LOCAL_REGIONS[row["country"]], row


def test_admin1_at_only_answers_local_names_across_the_sahel():
    for lat10 in range(95, 240, 5):
        for lon10 in range(-120, 160, 5):
            lat, lon = lat10 / 10, lon10 / 10
            for code, expected in LOCAL_REGIONS.items():
                assert geo.admin1_at(lat, lon, code) in expected | {None}


def test_normalise_admin1():
    assert geo.normalise_admin1("NE", "tillaberi") == "Tillabéri"
    assert geo.normalise_admin1("BF", "HAUTS BASSINS") == "Hauts-Bassins"
    assert geo.normalise_admin1("BF", "Tillaberi") is None


def test_admin1_centroid_is_inside_its_region():
    for code in LOCAL_REGIONS:
        for admin1 in geo.admin1_names(code):
            centre = geo.admin1_centroid(code, admin1)
            assert centre is not None
            assert geo.in_country(code, *centre) is True, (code, admin1, centre)
            assert geo.admin1_at(*centre, code, max_km=1000) == admin1, (code, admin1, centre)


def test_admin1_centroid_matches_names_loosely():
    assert geo.admin1_centroid("NE", "Tillabéri") == geo.admin1_centroid("NE", "tillaberi")
    assert geo.admin1_centroid("ML", "MENAKA") == geo.admin1_centroid("ML", "Ménaka")
    lat, lon = geo.admin1_centroid("NE", "Niamey")
    assert abs(lat - 13.51) < 0.1 and abs(lon - 2.11) < 0.1  # a capital district sits on its city


def test_admin1_centroid_unknown_is_none():
    assert geo.admin1_centroid("NE", "Ségou") is None
    assert geo.admin1_centroid("XX", "Tillabéri") is None


# --- places ---------------------------------------------------------------------------------


def test_find_place_ignores_case_and_accents():
    place = geo.find_place("Tillaberi")
    assert place is not None
    assert (place.name, place.country, place.admin1) == ("Tillabéri", "NE", "Tillabéri")
    assert abs(place.lat - 14.21) < 0.05 and abs(place.lon - 1.45) < 0.05
    assert geo.find_place("TILLABÉRI") == place
    assert geo.find_place("  tillabéri ") == place


def test_find_place_knows_other_spellings():
    place = geo.find_place("Tombouctou")
    assert place is not None and place.country == "ML" and place.admin1 == "Tombouctou"
    assert geo.find_place("Birni-N'Konni") == geo.find_place("Birni N Konni")


def test_find_place_prefers_the_given_country_then_the_most_populous():
    gao_mali = geo.find_place("Gao")
    assert gao_mali.country == "ML" and gao_mali.admin1 == "Gao"
    gao_burkina = geo.find_place("Gao", "BF")
    assert gao_burkina.country == "BF"
    assert geo.find_place("Gao", "Burkina Faso") == gao_burkina
    assert geo.find_place("Niamey", "ML").country == "NE"  # another country's place beats nothing


def test_find_place_finds_admin1_regions_at_their_centre():
    place = geo.find_place("Boucle du Mouhoun")
    assert place is not None and place.country == "BF" and place.admin1 == "Boucle du Mouhoun"
    assert (place.lat, place.lon) == geo.admin1_centroid("BF", "Boucle du Mouhoun")
    assert geo.find_place("sahel", "BF").admin1 == "Sahel"


def test_find_place_unknown_is_none():
    assert geo.find_place("Atlantis") is None
    assert geo.find_place("") is None


# --- packaging ------------------------------------------------------------------------------


def test_data_is_small():
    total = sum(path.stat().st_size for path in DATA.iterdir() if path.is_file())
    assert total < 1_500_000, total


def test_runtime_does_not_import_the_generators_packages():
    code = (
        "import sys; from sitegen import geo;"
        "geo.normalise_country('Niger'); geo.in_country('NE', 13.5, 2.1); geo.admin1_at(13.5, 2.1);"
        "geo.find_place('Niamey'); geo.country_suggestions('Nigr');"
        "bad = {'pycountry', 'reverse_geocoder', 'numpy', 'scipy', 'mkdocs'} & set(sys.modules);"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_the_banded_point_in_country_test_agrees_with_every_edge():
    # _inside_rings tests a point against the edges of its band of latitude only
    import random

    from sitegen import geo

    def every_edge(rings, lat, lon):
        inside = False
        for ring in rings:
            lats, lons = ring.lats, ring.lons
            j = len(lats) - 1
            for i in range(len(lats)):
                if (lats[i] > lat) != (lats[j] > lat) and lons[i] + (lat - lats[i]) * (lons[j] - lons[i]) / (lats[j] - lats[i]) > lon:
                    inside = not inside
                j = i
        return inside

    rng = random.Random(7)
    for code in ("NE", "ML", "BF", "ZA", "LS", "NG"):  # ZA holds a hole, LS
        rings = geo._outlines()[code].rings
        south, west = min(r.box[0] for r in rings) - 1, min(r.box[1] for r in rings) - 1
        north, east = max(r.box[2] for r in rings) + 1, max(r.box[3] for r in rings) + 1
        points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(400)]
        points += [(r.lats[k], r.lons[k] + 0.01) for r in rings for k in range(0, len(r.lats), 5)]  # beside vertices
        assert [geo._inside_rings(rings, *p) for p in points] == [every_edge(rings, *p) for p in points], code
