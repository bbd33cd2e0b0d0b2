"""The fast parse path (read/plain.py): plain files give exactly what the line-marked
reader gives; every other file, and every file with a problem, is read with marks."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.model import DEFAULT_EVENT_TYPES
from sitegen.read import incidents as incidents_module
from sitegen.read import plain, yamlfile
from sitegen.read.incidents import IncidentReader
from sitegen.read.schema import EVENT_MODEL_FIELDS
from sitegen.render.exports import COLUMNS

TODAY = dt.date(2026, 1, 1)

ITEM = """\
- id: a-{n}
  date: '2025-03-0{d}'
  title: 'Attack near Gao #{n}'
  type: battle
  country: ML
  location: Gao area
  lat: 16.27
  lon: -0.04
  actors: [Armed forces, 'Unidentified group']
  fatalities: {f}
  sources:
  - name: Wire
    url: https://example.org/{n}
    date: '2025-03-01'
  summary: Clash near the market, then
    more text on a second line.
  tags:
  - synthetic
"""
GOOD_LIST = "".join(ITEM.format(n=n, d=n % 9 + 1, f=n) for n in range(1, 6))
GOOD_MAPPING = "# a comment\n\ndate: 2025-03-02\ntitle: One\ntype: riot\ncountry: NE\nlocation: Niamey\nlat: 13.51\nlon: 2.11\n"

CASES = {
    "list": GOOD_LIST,
    "mapping without id": GOOD_MAPPING,
    "mapping with id": "id: m-1\n" + GOOD_MAPPING,
    "id starting with a date": "id: 2025-03-02-niamey-riot\n" + GOOD_MAPPING,
    "hex-like text": GOOD_MAPPING.replace("title: One", "title: 0x1f") + "subtype: 1e5\n",
    "null optional field": GOOD_MAPPING + "admin2:\nsubtype: ~\n",
    "event model": GOOD_MAPPING + "inter1: 1\ninter2: 8\ncivilian_targeting: true\ndate_end: '2025-03-04'\n",
    "future date (a warning)": GOOD_LIST.replace("2025-03-01'\n  summary", "2025-03-01'\n  summary", 1).replace("'2025-03-02'", "'2027-03-02'", 1),
    "outside the country (a warning)": GOOD_MAPPING.replace("lat: 13.51", "lat: 40.0"),
    "bad choice": GOOD_MAPPING.replace("riot", "riots"),
    "leading zero": GOOD_LIST.replace("fatalities: 2", "fatalities: 010"),
    "underscore number": GOOD_LIST.replace("fatalities: 2", "fatalities: 1_000"),
    "yes as a flag": GOOD_MAPPING + "civilian_targeting: yes\n",
    "quoted count": GOOD_LIST.replace("fatalities: 2", "fatalities: '2'"),
    "duplicate id": GOOD_LIST.replace("id: a-2", "id: a-1"),
    "duplicate key": GOOD_MAPPING + "title: Two\n",
    "unknown field": GOOD_MAPPING + "titel: x\n",
    "list item without id": GOOD_LIST.replace("- id: a-3\n", "- title_fr: x\n"),
    "raw html": GOOD_MAPPING + "summary: a <b>bold</b> word\n",
    "javascript link": GOOD_MAPPING + "summary: '[x](javascript:alert(1))'\n",
    "good link": GOOD_MAPPING + "summary: '[x](https://example.org)'\n",
    "block scalar": GOOD_MAPPING + "summary: |\n  line one\n\n    more indented\n  line two\n\n\n",
    "block scalar in a list": GOOD_LIST.replace("summary: Clash", "summary: |\n    Clash"),
    "stripped block scalar": GOOD_MAPPING + "summary: |-\n  line one\n",
    "folded block scalar": GOOD_MAPPING + "summary: >\n  line one\n  line two\n",
    "nested flow": GOOD_MAPPING + "actors: [a, [b]]\n",
    "double quotes": GOOD_MAPPING.replace("title: One", 'title: "One\\tTab"'),
    "tab": GOOD_MAPPING.replace("title: One", "title:\tOne"),
    "bad indentation": GOOD_LIST.replace("  title: 'Attack near Gao #3'", "   title: 'Attack near Gao #3'"),
    "item on the next line": "-\n" + GOOD_LIST[2:],
    "text as a number": GOOD_MAPPING.replace("title: One", "title: 12"),
    "title with a colon": GOOD_MAPPING.replace("title: One", "title: 'Attack: 5 dead'"),
    "empty list": "[]\n",
    "scalar file": "just text\n",
}


def read(tmp_path, text: str, name: str = "gao-attacks"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    reader = IncidentReader(DEFAULT_EVENT_TYPES, {}, today=TODAY)
    found = reader.read_file(path, f"content/incidents/{name}.yaml")
    return found, reader.problems, reader.id_marks, reader._seen


@pytest.mark.parametrize("case", CASES)
def test_plain_path_reads_as_the_line_marked_reader(tmp_path, monkeypatch, case):
    fast = read(tmp_path, CASES[case])
    monkeypatch.setattr(incidents_module, "plain_values", lambda text: None)
    slow = read(tmp_path, CASES[case])
    assert fast == slow


def test_ordinary_files_take_the_plain_path(tmp_path, monkeypatch):
    def no_compose(*args, **kwargs):
        raise AssertionError("composed with libyaml")

    monkeypatch.setattr(incidents_module, "compose", no_compose)
    for text in (GOOD_LIST, "id: 2025-03-02-niamey-riot\n" + GOOD_MAPPING, GOOD_MAPPING):
        found, problems, id_marks, _ = read(tmp_path, text)
        assert found and problems == []
    assert id_marks == {"gao-attacks": (3, 1)}  # a mapping without id: marked where it starts


def test_plain_marks_are_the_marks_of_the_nodes(tmp_path):
    found, _, id_marks, _ = read(tmp_path, GOOD_LIST)
    lines = GOOD_LIST.splitlines()
    for incident in found:
        assert lines[incident.line - 1].startswith(f"- id: {incident.id}")
        assert id_marks[incident.id] == (incident.line, 7)


def test_a_file_with_a_problem_still_says_where(tmp_path):
    _, problems, _, _ = read(tmp_path, GOOD_LIST.replace("fatalities: 2", "fatalities: 010"))
    assert [(p.line, p.col) for p in problems] == [(28, 15)]


def test_one_line_lists_do_not_defeat_the_nesting_bound(monkeypatch):
    """192 `actors: [a, b]` lists per file counted as 192 levels: every file got a second,
    full libyaml event pass before composing."""

    class NoEvents:
        def __init__(self, *args):
            raise AssertionError("nesting counted event by event")

    text = "".join(ITEM.format(n=n, d=1, f=0) for n in range(200)).replace("summary:", "summary: |\n   x\n  internal:\n   note:", 1)
    monkeypatch.setattr(yamlfile, "_BaseLoader", NoEvents)
    assert yamlfile._too_deep(text, "x.yaml", 0) is None


def test_deep_plain_lists_are_refused_before_the_fast_parser():
    assert plain.plain_values("x:\n" + "- " * 40 + "y\n") is None


def test_csv_columns_follow_the_schema_table():
    """The event-model columns come from read/schema.py, in the order the CSV always had."""
    assert EVENT_MODEL_FIELDS == (
        "date_end", "admin2", "admin3", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "inter1", "inter2",
        "interaction", "disorder_type", "civilian_targeting", "fatalities_low", "fatalities_high", "deaths_a", "deaths_b", "deaths_civilians",
        "deaths_unknown", "source_scale",
        "timestamp",
    )
    assert COLUMNS[-len(EVENT_MODEL_FIELDS) - 2 :] == (*EVENT_MODEL_FIELDS, "licence", "revisions")
