"""Import stage: other datasets' CSV exports -> incident files under content/incidents/<format>/.

Where things are: a CSV row becomes an incident mapping in `acled.py` / `ucdp.py`; the
mappings become one YAML file per ISO week in `writer.py`. `rows.py` holds what the
formats share (opening the CSV, checking its columns, reading cells, turning a row's
mistake into `FILE.csv:LINE: error: ...`), `places.py` the place suggestions; this module
holds the two commands, `run` and `suggest_places`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

from sitegen.config import SiteConfig
from sitegen.importers.places import PlaceSuggester
from sitegen.importers.rows import CsvRows, Converted, ImportFailed, RowProblem, convert, relative_path
from sitegen.importers.writer import ids_taken, week_file_name, write_weeks
from sitegen.messages import t

__all__ = ["FORMATS", "run", "suggest_places"]

FORMATS = ("acled", "ucdp")


# --- the commands ----------------------------------------------------------------------


def run(format: str, path: Path, config: SiteConfig) -> int:  # noqa: A002 (the CLI's word)
    """`sitegen import FORMAT FILE.csv`: 0 when the good rows are written; 1 when the file is
    unusable, or a row's id is already an incident the import did not write."""
    module = _format_module(format)
    try:
        rows = CsvRows.open(Path(path), module.REQUIRED_COLUMNS, format)
    except ImportFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    converted = convert(rows, module.incident_from, config)
    root = config.docs_dir.parent
    taken = _leave_out_taken_ids(converted, config, format, str(rows.path), root)
    for problem in converted.problems:
        print(problem)
    # an earlier import's copy of a taken id goes too: the editor's file is the incident now
    report = write_weeks(converted.incidents, config.incidents_dir / format, format, config.default_language, taken)
    for problem in report.problems:
        print(t("import.problem", path=relative_path(problem.path, root), line=1, message=problem.message))
    for written in report.written:
        print(t("import.wrote", path=relative_path(written, root)))
    for removed in report.removed:
        print(t("import.removed", path=relative_path(removed, root)))
    if converted.problems:
        print(t("import.rows_skipped", count=len(converted.problems)))
    print(t("import.summary", added=report.added, updated=report.updated, unchanged=report.unchanged))
    return 1 if taken or (converted.problems and not converted.incidents) else 0


def _leave_out_taken_ids(
    converted: Converted, config: SiteConfig, format: str, shown: str, root: Path  # noqa: A002
) -> frozenset[str]:
    """Turn each incident whose id an editor's file already uses into a problem at its row;
    those ids."""
    directory = config.incidents_dir / format
    taken = ids_taken(config.incidents_dir, directory, format, {i["id"] for i in converted.incidents})
    if not taken:
        return frozenset()
    for incident in [i for i in converted.incidents if i["id"] in taken]:
        path, line = taken[incident["id"]]
        target = relative_path(directory / week_file_name(incident["date"]), root)
        first = f"{relative_path(path, root)}:{line}"
        message = t("import.row.id_taken", id=incident["id"], first=first, target=target)
        converted.problems.append(RowProblem(shown, converted.lines[incident["id"]], message))
    converted.incidents = [i for i in converted.incidents if i["id"] not in taken]
    converted.problems.sort(key=lambda p: p.line)
    return frozenset(taken)


def suggest_places(config: SiteConfig) -> int:
    """`sitegen places suggest`: print a snippet for content/places.yaml; always exit 0."""
    print(PlaceSuggester(config).snippet(), end="")
    return 0


def _format_module(format: str) -> ModuleType:  # noqa: A002
    if format == "acled":
        from sitegen.importers import acled

        return acled
    if format == "ucdp":
        from sitegen.importers import ucdp

        return ucdp
    raise ValueError(f"unknown import format {format!r}; known: {', '.join(FORMATS)}")
