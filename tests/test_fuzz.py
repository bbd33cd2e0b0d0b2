"""Whatever an editor's file holds, the readers answer with Problems: never an exception,
a crash or a hang.

Hypothesis feeds random bytes, token soup and YAML-ish documents (known field names with
wrong types, anchors and aliases, tags, deep nesting, YAML 1.1 surprises) to the incident,
brief and places readers. Bounded: MAX_EXAMPLES per test, DEADLINE per example. The
regression tests at the end each failed before the fix they guard.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.model import DEFAULT_EVENT_TYPES, Brief, Incident, Problem, Severity
from sitegen.read.briefs import BRIEF_FIELDS, read_brief
from sitegen.read.incidents import IncidentReader
from sitegen.read.places import read_places
from sitegen.read.schema import FIELDS_BY_NAME, ID_RE, SOURCE_FIELDS
from sitegen.read.yamlfile import MAX_DEPTH
from tests.conftest import KANDADJI, ROOT, TODAY

MAX_EXAMPLES = int(os.environ.get("SITEGEN_FUZZ_EXAMPLES", "200"))  # raise it for a longer campaign
DEADLINE = dt.timedelta(seconds=10)  # catches hangs; generous for a loaded 2-core CI machine
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=DEADLINE,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
SHOWN = "content/incidents/fuzz.yaml"

# --- what the readers must answer ------------------------------------------------------------


def check_problems(problems: list[Problem], shown: str) -> None:
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert problem.path == shown
        assert isinstance(problem.line, int) and problem.line >= 1, problem
        assert isinstance(problem.col, int) and problem.col >= 1, problem
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        str(problem)  # formats without error


def read_incidents(path: Path) -> tuple[list[Incident], IncidentReader]:
    reader = IncidentReader(DEFAULT_EVENT_TYPES, {}, today=TODAY)
    incidents = reader.read_file(path, SHOWN)
    check_problems(reader.problems, SHOWN)
    assert isinstance(incidents, list)
    if not incidents:
        assert any(p.severity is Severity.ERROR for p in reader.problems), "nothing read, and no error said why"
    for incident in incidents:
        assert isinstance(incident, Incident)
        assert ID_RE.match(incident.id)
        assert incident.title.strip() and "\n" not in incident.title
        assert math.isfinite(incident.lat) and -90 <= incident.lat <= 90
        assert math.isfinite(incident.lon) and -180 <= incident.lon <= 180
        assert incident.fatalities is None or (isinstance(incident.fatalities, int) and incident.fatalities >= 0)
    return incidents, reader


def read_a_brief(path: Path) -> Brief | None:
    shown = "content/briefs/" + path.name
    brief, problems = read_brief(path, shown)
    check_problems(problems, shown)
    assert (brief is None) == bool(problems), (brief, problems)
    return brief


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="sitegen-fuzz-") as name:
        yield Path(name)


def write(workdir: Path, name: str, data: bytes | str) -> Path:
    path = workdir / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return path


# --- strategies ---------------------------------------------------------------------------

FIELD_NAMES = [*FIELDS_BY_NAME, *SOURCE_FIELDS, *BRIEF_FIELDS, "<<", "Title", "idd", "lattitude", ""]
SPECIAL_SCALARS = [
    "~", "null", "NO", "yes", "on", "off", "y", "0x1F", "0o17", "0b101", "017", "1_000", "1:20:30", "1:20.5",
    ".inf", "-.inf", ".nan", "-0", "+12", "1e999", "1.0e+3", "12" * 2500,
    "2023-02-30", "2023-09-28", "2023-9-28", "2023-09-28T12:00:00Z", "9999-12-31", "0001-01-01", "0000-01-01",
    "2023-W39", "2023-W54", "0000-W01", "2023-w39",
    "NE", "Niger", "niger", "XX", "battle", "region", "near", "internal", "public", "draft", "published",
    "javascript:alert(1)", "[x](javascript:alert(1))", "[x](java&#x09;script:1)", "<script>alert(1)</script>",
    "https://example.org/", "mailto:", "\ufeff", "é", "\u2028", "\x85", "\t", "a\nb", "-", "?", ":", "{{ 7*7 }}",
]
TAGS = [
    "!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!timestamp", "!!map", "!!seq", "!!set",
    "!!omap", "!!python/object/apply:os.system", "!!python/name:os.system", "!custom", "!", "!<tag:x>",
]


def plain_or_quoted(text: str) -> str:
    if text and all(c.isalnum() or c in " .-_/@" for c in text) and not text[0] in " -" and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


scalars = st.one_of(
    st.sampled_from(SPECIAL_SCALARS).map(plain_or_quoted),
    st.sampled_from(SPECIAL_SCALARS),  # raw: YAML 1.1 reads some of these as numbers, booleans, nulls
    st.text(max_size=40).map(plain_or_quoted),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
)


@st.composite
def yaml_node(draw, depth: int = 0, anchors: list[str] | None = None) -> str:
    """One node in flow style, with an optional tag and anchor, or an alias."""
    anchors = anchors if anchors is not None else []
    if anchors and draw(st.integers(0, 9)) == 0:
        return "*" + draw(st.sampled_from([*anchors, "undefined"]))
    prefix = ""
    if draw(st.integers(0, 6)) == 0:
        prefix += draw(st.sampled_from(TAGS)) + " "
    if draw(st.integers(0, 4)) == 0:
        name = f"a{len(anchors)}" if draw(st.booleans()) or not anchors else anchors[0]  # duplicates too
        anchors.append(name)
        prefix += f"&{name} "
    kind = draw(st.integers(0, 5)) if depth < 4 else 0
    if kind <= 3:
        return prefix + draw(scalars)
    if kind == 4:
        items = draw(st.lists(yaml_node(depth + 1, anchors), max_size=4))
        return prefix + "[" + ", ".join(items) + "]"
    keys = st.sampled_from(FIELD_NAMES).map(plain_or_quoted)
    pairs = draw(st.lists(st.tuples(keys, yaml_node(depth + 1, anchors)), max_size=4))
    return prefix + "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


@st.composite
def yaml_mapping(draw, anchors: list[str]) -> list[str]:
    """A block mapping of mostly known fields, as lines."""
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        key = draw(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12)).map(plain_or_quoted))
        style = draw(st.integers(0, 3))
        if style == 0:  # a block list
            items = draw(st.lists(yaml_node(1, anchors), max_size=3))
            lines.append(f"{key}:")
            lines.extend(f"  - {item}" for item in items)
        elif style == 1:  # a block scalar
            indicator = draw(st.sampled_from(["|", ">", "|-", ">+", "|2"]))
            body = draw(st.text(max_size=60))
            lines.append(f"{key}: {indicator}")
            lines.extend("  " + line for line in body.splitlines() or [""])
        else:
            lines.append(f"{key}: {draw(yaml_node(0, anchors))}")
    return lines


@st.composite
def yaml_document(draw) -> str:
    anchors: list[str] = []
    shape = draw(st.integers(0, 3))
    if shape == 0:  # one incident
        lines = draw(yaml_mapping(anchors))
    elif shape == 1:  # a list of incidents
        lines = []
        for _ in range(draw(st.integers(0, 3))):
            item = draw(yaml_mapping(anchors)) or ["{}"]
            lines.append("- " + item[0])
            lines.extend("  " + line for line in item[1:])
    elif shape == 2:  # anything at the top
        lines = [draw(yaml_node(0, anchors))]
    else:  # deep nesting, flow or block
        n = draw(st.integers(1, 3 * MAX_DEPTH))
        lines = ["id: deep", "internal: " + "[" * n + "x" + "]" * n] if draw(st.booleans()) else [
            "internal:", *(("  " * (i + 1)) + f"k{i}:" for i in range(n))
        ]
    text = "\n".join(lines) + "\n"
    # sometimes broken on purpose: cut short, or a stray character
    cut = draw(st.integers(0, 8))
    if cut == 0 and text:
        text = text[: draw(st.integers(0, len(text)))]
    elif cut == 1:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(list("[]{}:-?&*!|>'\"#%@`\t\r,"))) + text[at:]
    return text


VALID_FIELDS = {
    "id": "2023-09-28-kandadji", "date": "2023-09-28", "date_precision": "day", "title": "Attack near Kandadji",
    "type": "battle", "subtype": "armed-clash", "country": "NE", "admin1": "Tillabéri", "location": "Kandadji",
    "lat": "14.62", "lon": "0.98", "geo_precision": "exact", "actors": "[Niger armed forces, Jihadists]",
    "fatalities": "7", "injured": "7", "sources": "[{name: Ministry, url: 'https://example.org/', date: 2023-09-29}]",
    "summary": "'Several hundred *assailants* [attacked](https://example.org/).'", "tags": "[tri-border]",
    "visibility": "public", "internal": "{contact: x}",
}


@st.composite
def nearly_valid_incident(draw) -> str:
    """A valid incident with a few fields dropped or replaced: reaches the checks that only
    run on otherwise valid records (places, regions, coordinates in the country, coarsening)."""
    fields = dict(VALID_FIELDS)
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True)):
        if draw(st.integers(0, 3)) == 0:
            del fields[name]
        else:
            fields[name] = draw(yaml_node(1, []))
    if draw(st.booleans()):
        fields["geo_precision"] = draw(st.sampled_from(["region", "near", "exact"]))
    if draw(st.booleans()):
        fields.pop("lat", None), fields.pop("lon", None)
        places = ["Kandadji", "Niamey", "Ménaka", "Ouagadougou", "Nowhere"]
        fields["location"] = plain_or_quoted(draw(st.sampled_from(places)))
        fields["country"] = draw(st.sampled_from(["NE", "ML", "BF", "Mali", "XX", "FR"]))
    if draw(st.booleans()):
        fields["lat"] = draw(st.floats(-95, 95).map(repr))
        fields["lon"] = draw(st.floats(-185, 185).map(repr))
    return "".join(f"{name}: {value}\n" for name, value in fields.items())


TOKENS = ["id: ", "date: ", "title: ", "lat: ", "sources:", "internal:", "\n", "\n  ", "\n- ", "- ", "[", "]", "{",
          "}", ", ", ": ", "&a ", "*a", "&b ", "*b", "!!binary ", "!!python/object:os.system ", "<<: ", "? ", "|",
          ">", "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "\t", "\r", "x", "1", "2023-09-28", "\\", "\ufeff"]
token_soup = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)

# --- incidents ------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4000))
def test_incident_reader_survives_random_bytes(workdir, data):
    read_incidents(write(workdir, "bytes.yaml", data))


@FUZZ
@given(text=yaml_document())
def test_incident_reader_survives_yaml_documents(workdir, text):
    read_incidents(write(workdir, "doc.yaml", text))


@FUZZ
@given(text=nearly_valid_incident())
def test_incident_reader_survives_nearly_valid_incidents(workdir, text):
    read_incidents(write(workdir, "near.yaml", text))


@FUZZ
@given(text=token_soup)
def test_incident_reader_survives_token_soup(workdir, text):
    read_incidents(write(workdir, "soup.yaml", text))


# --- briefs -----------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4000), framed=st.booleans())
def test_brief_reader_survives_random_bytes(workdir, data, framed):
    if framed:
        data = b"---\n" + data + b"\n---\nBody\n"
    read_a_brief(write(workdir, "2023-W39.md", data))


@FUZZ
@given(front=st.one_of(yaml_document(), token_soup), body=st.text(max_size=200), name=st.sampled_from(
    ["2023-W39.md", "2023-W54.md", "0000-W01.md", "9999-W52.md", "notes.md", "2023-W00.md"]
))
def test_brief_reader_survives_yaml_front_matter(workdir, front, body, name):
    read_a_brief(write(workdir, name, "---\n" + front + "\n---\n" + body))


# --- places -----------------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(yaml_document(), token_soup))
def test_places_reader_survives_yaml_documents(workdir, text):
    path = write(workdir, "places.yaml", text)
    places, problems = read_places(path, "content/places.yaml")
    check_problems(problems, "content/places.yaml")
    for place in places.values():
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180


# --- regressions: each failed before its fix ------------------------------------------------


def test_deep_flow_nesting_is_a_problem_not_a_crash(tmp_path):
    """libyaml's composer recursed 100,000 levels deep in C and killed the process with
    SIGSEGV (fixed in read/yamlfile.py: depth checked before composing). Run in a
    subprocess so that a crash fails this test instead of the whole run."""
    script = textwrap.dedent(
        f"""
        import datetime, pathlib, sys
        sys.path.insert(0, {str(ROOT)!r})
        from sitegen.model import DEFAULT_EVENT_TYPES
        from sitegen.read.incidents import IncidentReader
        from sitegen.read.briefs import read_brief
        dir = pathlib.Path({str(tmp_path)!r})
        cases = {{
            "flow": "id: x\\ntitle: " + "[" * 100000 + "]" * 100000 + "\\n",
            "mapping": "internal: " + "{{a: " * 100000 + "}}" * 100000 + "\\n",
            "compact": "- " * 200000 + "x\\n",
            "cr-lines": "\\r".join(" " * i + "a:" for i in range(3000)) + "\\n",
        }}
        for name, text in cases.items():
            path = dir / (name + ".yaml")
            path.write_text(text)
            reader = IncidentReader(DEFAULT_EVENT_TYPES, {{}}, today=datetime.date(2026, 1, 1))
            assert reader.read_file(path, name) == []
            print(name, reader.problems[0])
        brief = dir / "2023-W39.md"
        brief.write_text("---\\ntitle: " + "[" * 100000 + "\\n---\\nBody\\n")
        print("brief", read_brief(brief, "brief")[1][0])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"the reader crashed (exit {result.returncode}):\n{result.stderr[-2000:]}"
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    for line in lines[:4]:
        assert f"nested more than {MAX_DEPTH} levels deep" in line, line
    assert lines[4].startswith("brief brief:2:")


def test_nesting_within_the_limit_still_reads(tmp_path):
    nested = "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(MAX_DEPTH - 2)) + f"{'  ' * MAX_DEPTH}x\n"
    path = tmp_path / "ok.yaml"
    path.write_text(VALID + "internal:\n" + nested, encoding="utf-8")
    incidents, reader = read_incidents(path)
    assert [i.id for i in incidents] == ["ok"], reader.problems


VALID = KANDADJI


def test_a_long_chain_of_anchors_is_not_called_an_alias_bomb(tmp_path):
    """_expanded_size recursed once per anchor in the chain: 1,500 anchors, each holding
    the one before, raised RecursionError, which read as an 'alias bomb' though the
    document expands to little more than its text (fixed: iterative)."""
    chain = "".join(f"  a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 1500))
    path = tmp_path / "chain.yaml"
    path.write_text(VALID + "internal:\n  a0: &a0 [x]\n" + chain, encoding="utf-8")
    incidents, reader = read_incidents(path)
    assert [i.id for i in incidents] == ["chain"], [str(p) for p in reader.problems]


def test_a_real_alias_bomb_is_still_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(8)
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    started = time.monotonic()
    incidents, reader = read_incidents(path)
    assert time.monotonic() - started < 2
    assert incidents == [] and "alias bomb" in str(reader.problems[0])


def test_a_self_referencing_anchor_is_a_problem(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(VALID + "internal: &loop\n  self: *loop\n", encoding="utf-8")
    incidents, reader = read_incidents(path)
    assert incidents == [] and reader.problems


def test_a_brief_with_an_empty_title_is_reported_not_dropped(tmp_path):
    """`title:` left empty made read_brief return no brief and no problem: the week's
    brief vanished from the site without a word (fixed in read/briefs.py)."""
    path = tmp_path / "2023-W39.md"
    path.write_text("---\ntitle:\nsummary: Lede.\n---\nBody\n", encoding="utf-8")
    brief, problems = read_brief(path, "content/briefs/2023-W39.md")
    assert brief is None
    assert [(p.line, p.severity) for p in problems] == [(2, Severity.ERROR)]
    assert "title" in problems[0].message


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-03", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_refused(tmp_path, day):
    """0001-01-01 and 9999-12-31 were read as valid; the build then crashed with an
    OverflowError computing the week before or after (fixed: years 1900 to 2999)."""
    path = tmp_path / "edge.yaml"
    path.write_text(VALID.replace("2023-09-28", day), encoding="utf-8")
    incidents, reader = read_incidents(path)
    assert incidents == []
    assert [(p.line, p.col) for p in reader.problems] == [(1, 7)]
    assert "outside the years 1900 to 2999" in reader.problems[0].message


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
def test_brief_weeks_at_the_ends_of_the_calendar_are_refused(tmp_path, week):
    path = tmp_path / f"{week}.md"
    path.write_text("---\ntitle: Edge\n---\nBody\n", encoding="utf-8")
    brief, problems = read_brief(path, f"content/briefs/{week}.md")
    assert brief is None and len(problems) == 1
    assert "1900 to 2999" in problems[0].message
