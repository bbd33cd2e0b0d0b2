"""YAML that cannot be read is said where the editor has to look: a quote never closed is
said at the quote, not at the end of the file (a line past the last one), in incidents,
in a brief's front matter, in places.yaml and in mkdocs.yml; every other YAML error keeps
its message and place (tests/read/test_broken_corpus.py checks one file per rule)."""

from __future__ import annotations

import pytest

from sitegen.check import check_content
from tests.sitetools import run_sitegen

UNCLOSED = "this is not valid YAML: the quote ({q}) opened at {at} is never closed: end the text with a second {q}, or remove the quote if the text needs none"

# eight lines, the third's title opened with a quote and never closed
INCIDENT = """\
id: y1
date: 2023-09-28
title: {q}Unclosed quote
type: battle
country: NE
location: Niamey
lat: 13.51
lon: 2.11
"""


def _said(config) -> list[str]:
    return [str(p) for p in check_content(config).problems]


@pytest.mark.parametrize("q", ['"', "'"])
def test_an_unclosed_quote_in_an_incident_is_said_at_the_quote(make_site, q):
    # was: y1.yaml:9:1: ... found unexpected end of stream; ... on this line or the one above (line 9 does not exist)
    config = make_site({"incidents/y1.yaml": INCIDENT.format(q=q)})
    assert _said(config) == [f"content/incidents/y1.yaml:3:8: error: {UNCLOSED.format(q=q, at='3:8')}"]


def test_an_unclosed_quote_in_a_list_of_incidents_is_said_at_the_quote(make_site):
    text = "- id: a\n  title: fine\n- id: b\n  summary: 'It started at dawn\n  and went on\n"
    config = make_site({"incidents/two.yaml": text})
    assert _said(config) == [f"content/incidents/two.yaml:4:12: error: {UNCLOSED.format(q=chr(39), at='4:12')}"]


def test_an_unclosed_quote_in_a_briefs_front_matter_is_said_at_the_quote(make_site):
    # was: the last line of the front matter, after its last character
    brief = '---\nweek: 2023-W39\ntitle: "Unclosed\nsummary: One line.\nstatus: published\n---\nBody.\n'
    config = make_site({"briefs/2023-W39.md": brief, "briefs/2023-W40.md": '---\ntitle: "…\n---\nBody.\n'})
    assert _said(config) == [
        f'content/briefs/2023-W39.md:3:8: error: {UNCLOSED.format(q=chr(34), at="3:8")}',
        f'content/briefs/2023-W40.md:2:8: error: {UNCLOSED.format(q=chr(34), at="2:8")}',
    ]


def test_an_unclosed_quote_in_places_yaml_is_said_at_the_quote(make_site):
    places = 'Kandadji:\n  lat: 14.62\n  lon: "0.98\nNiamey: {lat: 13.5, lon: 2.1}\n'
    config = make_site({"places.yaml": places})
    assert _said(config) == [f"content/places.yaml:3:8: error: {UNCLOSED.format(q=chr(34), at='3:8')}"]


@pytest.mark.parametrize(
    "text, said",
    [
        # the quote is closed, or what went wrong is elsewhere: YAML's own words, at its own place
        ('title: "x\n---\nb: 1\n', "2:1: error: this is not valid YAML: found unexpected document indicator;"),
        ("date: 2023-09-28\ntitle: [a, b\ntype: battle\n", "3:5: error: this is not valid YAML: did not find expected ',' or ']';"),
        ('title: "a" b\n', "1:12: error: this is not valid YAML: did not find expected key;"),
    ],
)
def test_other_yaml_errors_keep_their_message_and_place(make_site, text, said):
    config = make_site({"incidents/x.yaml": text})
    (problem,) = _said(config)
    assert problem.startswith(f"content/incidents/x.yaml:{said}"), problem
    assert problem.endswith("; check indentation, colons and quotes on this line or the one above"), problem


def test_an_unclosed_quote_in_mkdocs_yml_is_said_at_the_quote_in_english_and_french(cli_site):
    (cli_site / "mkdocs.yml").write_text('site_name: "Test\ndocs_dir: content\nplugins:\n  - sitegen\n')
    result = run_sitegen(cli_site, "validate")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"mkdocs.yml:1:12: error: {UNCLOSED.format(q=chr(34), at='1:12')}",
        "1 error(s), 0 warning(s) in 1 file(s)",
    ]
    french = run_sitegen(cli_site, "validate", lang="fr")
    assert french.stdout.splitlines()[0] == (
        "mkdocs.yml:1:12: error: YAML invalide : le guillemet (\") ouvert en 1:12 n’est jamais fermé : "
        "terminez le texte par un second \", ou retirez le guillemet si le texte n’en a pas besoin"
    )
    build = run_sitegen(cli_site, "build")
    assert build.returncode == 1 and "mkdocs.yml:1:12: this is not valid YAML: the quote" in build.stderr, build.stderr


def test_an_unclosed_quote_in_an_incident_is_said_in_french(cli_site):
    (cli_site / "content/incidents/y1.yaml").write_text(INCIDENT.format(q='"'))
    result = run_sitegen(cli_site, "validate", lang="fr")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(
        "content/incidents/y1.yaml:3:8: error: YAML invalide : le guillemet (\") ouvert en 3:8 n’est jamais fermé"
    ), result.stdout
