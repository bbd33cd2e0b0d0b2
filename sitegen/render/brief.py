"""Brief bodies are Jinja templates over the week's data, rendered before Markdown.

Editors' briefs are the only templates written by content authors; incident text is
never a template: helpers return it escaped, as data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from sitegen.messages import t
from sitegen.model import Brief, Problem, Severity

# what a brief may use: {{ stats.incidents }}, {{ map() }}, {{ incidents_table() }}, {{ incident("id") }}
BRIEF_NAMES = frozenset({"stats", "map", "incidents_table", "incident", "week", "previous"})
# what `stats.<name>` may be: the figures of aggregate.Stats (kept in step by a test)
STATS_NAMES = frozenset(
    {"incidents", "fatalities", "injured", "by_type", "by_country", "fatalities_by_country", "countries",
     "fatalities_unreported", "injured_unreported", "by_admin1", "type_counts"}
)
_INCIDENT_CALL = re.compile(r"""incident\(\s*["']([^"']*)["']\s*\)""")
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


class BriefError(Exception):
    """A brief that cannot be rendered; carries the located problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def check_brief(brief: Brief, incident_ids: Iterable[str], internal_ids: Iterable[str] = ()) -> list[Problem]:
    """Problems a build would meet in this brief's expressions, found without building.
    `incident_ids` are the incidents a brief may show (public ones); `internal_ids` get
    a message of their own."""
    known = set(incident_ids)
    internal = set(internal_ids) - known
    problems: list[Problem] = []
    try:
        ast = _ENV.parse(brief.body)
    except TemplateSyntaxError as exc:
        return [_problem(brief, exc.lineno, t("brief.template_error", reason=exc.message))]
    for name in sorted(meta.find_undeclared_variables(ast) - BRIEF_NAMES):
        line = _line_of(brief.body, name)
        names = ", ".join(sorted(BRIEF_NAMES))
        problems.append(_problem(brief, line, t("brief.unknown_name", name=name, names=names)))
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in ("stats", "previous") and node.attr not in STATS_NAMES:
            from sitegen.read.incidents import did_you_mean

            prefix = node.node.name
            figures = ", ".join(f"{prefix}.{name}" for name in sorted(STATS_NAMES))
            hint = did_you_mean(node.attr, sorted(STATS_NAMES))
            message = t("brief.unknown_figure", name=f"{prefix}.{node.attr}", hint=hint, names=figures)
            problems.append(_problem(brief, node.lineno, message))
    for match in _INCIDENT_CALL.finditer(brief.body):
        if match[1] in internal:
            line = brief.body.count("\n", 0, match.start()) + 1
            problems.append(_problem(brief, line, t("brief.internal_incident", id=match[1])))
        elif match[1] not in known:
            from sitegen.read.incidents import did_you_mean

            line = brief.body.count("\n", 0, match.start()) + 1
            problems.append(
                _problem(brief, line, t("brief.unknown_incident", id=match[1], hint=did_you_mean(match[1], sorted(known))))
            )
    return problems


def render_brief(brief: Brief, context: dict[str, Any], incident: Callable[[str], str]) -> str:
    """The brief's Markdown with its expressions evaluated; BriefError on failure."""
    try:
        template = _ENV.from_string(brief.body)
        return template.render({**context, "incident": incident})
    except TemplateSyntaxError as exc:
        raise BriefError(_problem(brief, exc.lineno, t("brief.template_error", reason=exc.message))) from exc
    except UnknownIncident as exc:
        raise BriefError(_problem(brief, _line_of(brief.body, exc.incident_id), t("brief.unknown_incident", id=exc.incident_id, hint=""))) from exc
    except Exception as exc:  # noqa: BLE001 (an editor's expression: any failure is a located content error)
        raise BriefError(_problem(brief, _template_line(exc), t("brief.template_error", reason=exc))) from exc


def _template_line(exc: BaseException) -> int:
    """The brief's line where a rendering error happened (Jinja keeps it in the traceback)."""
    line = 1
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class UnknownIncident(LookupError):
    def __init__(self, incident_id: str):
        self.incident_id = incident_id
        super().__init__(incident_id)


def _problem(brief: Brief, body_line: int | None, message: str) -> Problem:
    return Problem(brief.path, brief.body_line + (body_line or 1) - 1, 1, Severity.ERROR, message)


def _line_of(body: str, needle: str) -> int:
    index = body.find(needle)
    return body.count("\n", 0, index) + 1 if index >= 0 else 1
