"""Each file of tests/fixtures/broken/ breaks one rule; its first line says what the
editor must be told and where: `# expect: LINE:COL: [warning: ]message fragment`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sitegen.check import check_content
from sitegen.config import SiteConfig
from tests.conftest import FIXTURES, TODAY

BROKEN = FIXTURES / "broken"
EXPECT = re.compile(rb"^# expect: (?:(\d+):(\d+): (warning: )?(.*)|none)$")
INCIDENT_FILES = sorted((BROKEN / "incidents").iterdir())

BRIEF_EXPECTATIONS = {
    "2023-W54.md": (1, "'2023-W54' is not a valid ISO week: 2023 has weeks 01 to 52"),
    "2023-W40.md": (3, "'status' is 'publised' (did you mean 'published'?)"),
    "2023-W41.md": (7, "refers to incident 'no-such-incident', which does not exist"),
    "second-brief-for-w41.md": (1, "a second brief for week 2023-W41"),
    "2023-W42.md": (3, "unknown front matter field 'sumary' (did you mean 'summary'?)"),
    "2023-W44.md": (3, "the front matter says week 2023-W45 but the file is named 2023-W44.md"),
    "2023-W46.md": (4, "error in the brief's {{ }} expressions"),
    "2023-W47.md": (5, "'stats.fatalitie' is not a figure of the week (did you mean 'fatalities'?)"),
}


def _check_one(tmp_path: Path, kind: str, source: Path):
    docs = tmp_path / "content"
    (docs / kind).mkdir(parents=True)
    shutil.copy(source, docs / kind / source.name)
    if source.name == "duplicate-id-b.yaml":
        shutil.copy(BROKEN / "incidents" / "duplicate-id-a.yaml", docs / kind)
    if source.name == "second-brief-for-w41.md":
        (docs / kind / "2023-W41.md").write_text("---\ntitle: First\n---\nBody\n", encoding="utf-8")
    config = SiteConfig(docs_dir=docs, site_dir=tmp_path / "site")
    from sitegen import read

    content = read.read_content(config, root=docs, today=TODAY)
    from sitegen.render.brief import check_brief

    for brief in content.briefs:
        content.problems.extend(check_brief(brief, [i.id for i in content.incidents]))
    return [p for p in content.problems if Path(p.path).name == source.name]


@pytest.mark.parametrize("source", INCIDENT_FILES, ids=lambda p: p.name)
def test_broken_incident_is_reported_at_its_line(tmp_path, source):
    match = EXPECT.match(source.read_bytes().splitlines()[0])
    assert match, f"{source.name}: first line must be '# expect: LINE:COL: message'"
    problems = _check_one(tmp_path, "incidents", source)
    if match[0].endswith(b"none"):
        assert problems == []
        return
    line, col, warning, fragment = int(match[1]), int(match[2]), bool(match[3]), match[4].decode()
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(map(str, problems))
    problem = problems[0]
    assert (problem.line, problem.col) == (line, col), str(problem)
    assert problem.severity == ("warning" if warning else "error"), str(problem)
    assert fragment in problem.message, str(problem)


@pytest.mark.parametrize("name", sorted(BRIEF_EXPECTATIONS))
def test_broken_brief_is_reported_at_its_line(tmp_path, name):
    line, fragment = BRIEF_EXPECTATIONS[name]
    problems = _check_one(tmp_path, "briefs", BROKEN / "briefs" / name)
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(map(str, problems))
    assert problems[0].line == line, str(problems[0])
    assert fragment in problems[0].message, str(problems[0])


def test_corpus_covers_at_least_25_rules():
    assert len(INCIDENT_FILES) + len(BRIEF_EXPECTATIONS) >= 25


def test_oversized_file_is_refused_quickly(make_site):
    config = make_site({"incidents/huge.yaml": "# padding\n" * (2_200_000)})
    content = check_content(config, root=config.docs_dir)
    assert [str(p) for p in content.problems] == [
        "incidents/huge.yaml:1:1: error: file is 21.0 MB; the limit is 20 MB: split it into several files"
    ]


def test_the_figures_a_brief_may_name_are_the_figures_of_a_week():
    import dataclasses

    from sitegen.aggregate import Stats
    from sitegen.render.brief import STATS_NAMES

    properties = {name for name, value in vars(Stats).items() if isinstance(value, property)}
    assert STATS_NAMES == {f.name for f in dataclasses.fields(Stats)} | properties
