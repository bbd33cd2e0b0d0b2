"""A location the gazetteer puts in another country than `country`: what the editor is told."""

from __future__ import annotations

from sitegen.model import Severity
from sitegen.read import read_content
from tests.conftest import TODAY

KONNI = """\
date: 2023-09-28
title: Clash at the Konni border crossing
type: battle
country: NG
location: Birni N'Konni
"""


def problems(make_site, files):
    content = read_content(make_site(files), today=TODAY)
    return [(p.severity, p.message) for p in content.problems], content


def test_a_foreign_place_without_coordinates_is_an_error(make_site):
    found, content = problems(make_site, {"incidents/konni.yaml": KONNI})
    assert found == [(Severity.ERROR, found[0][1])] and "is a place in Niger, but 'country' says Nigeria" in found[0][1]
    assert content.incidents == []


def test_coordinates_near_the_border_make_it_a_warning_and_keep_the_incident(make_site):
    found, content = problems(make_site, {"incidents/konni.yaml": KONNI + "lat: 13.79\nlon: 5.25\n"})
    assert [severity for severity, _ in found] == [Severity.WARNING]  # not also "outside Nigeria"
    assert "add 'Birni N'Konni' to content/places.yaml with 'country: NG'" in found[0][1]
    assert [i.country for i in content.incidents] == ["NG"]


def test_coordinates_far_from_the_border_keep_it_an_error(make_site):
    far = KONNI.replace("Birni N'Konni", "Ouallam") + "lat: 14.316\nlon: 2.086\n"
    found, content = problems(make_site, {"incidents/ouallam.yaml": far})
    assert [severity for severity, _ in found] == [Severity.ERROR]
    assert "lat 14.316, lon 2.086 are far from its border" in found[0][1]
    assert content.incidents == []


def test_the_sites_own_places_settle_which_country_a_place_is_in(make_site):
    places = "Birni N'Konni:\n  lat: 13.78\n  lon: 5.26\n  country: NG\n"
    for incident in (KONNI, KONNI + "lat: 13.79\nlon: 5.25\n"):
        found, content = problems(make_site, {"incidents/konni.yaml": incident, "places.yaml": places})
        assert found == [] and len(content.incidents) == 1
