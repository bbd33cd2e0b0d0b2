"""Brief bodies are Jinja templates over the week's data, rendered before Markdown.

Editors' briefs are the only templates written by content authors; incident text is
never a template: helpers return it escaped, as data. A brief's expressions run in a
sandbox bounded in time, memory and size, and what they produce follows the summary
rules: Markdown without raw HTML, links http, https and mailto (or relative) only.
`check_brief` renders a brief as the build does, so `sitegen validate` finds what the
build would.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html
import math
import posixpath
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import markdown
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from urllib.parse import unquote

from sitegen.i18n import format_number
from sitegen.messages import t
from sitegen.model import Brief, IsoWeek, Problem, Severity
from sitegen.read.links import CONTENT_DIRS, CONTENT_FILES, DocsFiles, misnamed, page_path, translation_of
from sitegen.text import link_allowed

# what a brief may use: {{ stats.incidents }}, {{ map() }}, {{ incidents_table() }}, {{ incident("id") }}
BRIEF_NAMES = frozenset({"stats", "map", "incidents_table", "incident", "week", "previous"})
# what `stats.<name>` may be: the figures of aggregate.Stats (kept in step by a test)
STATS_NAMES = frozenset(
    {"incidents", "fatalities", "injured", "by_type", "by_country", "fatalities_by_country", "countries",
     "fatalities_unreported", "injured_unreported", "by_admin1", "type_counts"}
)
_INCIDENT_CALL = re.compile(r"""incident\(\s*["']([^"']*)["']\s*\)""")

# The bounds of one brief's rendering: far above what any brief needs
MAX_SECONDS = 5.0
MAX_OUTPUT = 2_000_000  # characters of Markdown
MAX_VALUE = 1_000_000  # characters (or items) of any one string or list an expression makes
MAX_NUMBER_DIGITS = 100
MAX_MEMORY = 1 << 30  # bytes of address space the rendering may add

# the one piece of HTML a brief may carry: where the plugin puts a map, a table, a card;
# named by a token of this process, so that a brief cannot write one of its own
_BLOCK_TOKEN = secrets.token_hex(8)
BLOCK_RE = re.compile(rf'<div data-sg-block="{_BLOCK_TOKEN}-(\d+)"></div>')

# Markdown that Python-Markdown takes quadratic time or deep recursion over (10,000 '[' in
# a paragraph: two minutes), refused before it is converted: far above what a brief writes
MAX_MARKS = 1000  # '[' or '<' in one paragraph (five times as many in the brief)
MAX_NESTING = 60  # lists or quotes opened on one line


def block_marker(n: int) -> str:
    """The place of the brief's n-th helper (map, table, card), a block of its own."""
    return f'\n\n<div data-sg-block="{_BLOCK_TOKEN}-{n}"></div>\n\n'


class BriefError(Exception):
    """A brief that cannot be rendered; carries the located problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


class UnknownIncident(LookupError):
    def __init__(self, incident_id: str):
        self.incident_id = incident_id
        super().__init__(incident_id)


class InternalIncident(UnknownIncident):
    """An incident that exists but is internal: never shown on a page."""


class EmbargoedIncident(UnknownIncident):
    """An incident embargoed until after the brief that shows it comes out."""

    def __init__(self, incident_id: str, until: Any):
        super().__init__(incident_id)
        self.until = until


class _Breach(Exception):
    """A bound of the sandbox was exceeded; the message says which."""


# --- the sandbox --------------------------------------------------------------------------------


def _size(value: object) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def _check_value(value: object) -> object:
    if _size(value) > MAX_VALUE:
        raise _Breach(t("brief.too_big_value", limit=f"{MAX_VALUE:,}"))
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_NUMBER_DIGITS * 3.33:
        raise _Breach(t("brief.too_big_number", digits=MAX_NUMBER_DIGITS))
    return value


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_binop(op: str, left: object, right: object) -> None:
    """Refuse an operation whose result would be huge, before making it."""
    if op == "**" and _number(left) and _number(right):
        magnitude = abs(left)
        if magnitude > 1 and right > 0 and right * math.log10(magnitude) > MAX_NUMBER_DIGITS:
            raise _Breach(t("brief.too_big_number", digits=MAX_NUMBER_DIGITS))
    elif op == "*":
        for seq, n in ((left, right), (right, left)):
            if _size(seq) and isinstance(n, int) and _size(seq) * n > MAX_VALUE:
                raise _Breach(t("brief.too_big_value", limit=f"{MAX_VALUE:,}"))
    elif op == "+" and _size(left) + _size(right) > MAX_VALUE:
        raise _Breach(t("brief.too_big_value", limit=f"{MAX_VALUE:,}"))
    elif op == "%" and isinstance(left, str) and _huge_format(left):
        raise _Breach(t("brief.too_big_value", limit=f"{MAX_VALUE:,}"))


_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap", "truncate"})
# a width or precision of four digits or more, or one given by an argument (*)
_HUGE_FORMAT = re.compile(r"%[-#0 +]*(?:\*|\d{4,}|\.(?:\*|\d{4,}))|%[-#0 +]*\d*\.(?:\*|\d{4,})|\{[^{}]*:[^{}]*\d{4,}[^{}]*\}")


def _huge_format(text: str) -> bool:
    return bool(_HUGE_FORMAT.search(text))


def _check_call(name: str, target: object, args: tuple, kwargs: dict) -> None:
    """Refuse padding or formatting to a huge width before it is made."""
    if name in _WIDTH_METHODS:
        if any(isinstance(a, int) and a > MAX_VALUE for a in (*args, *kwargs.values())):
            raise _Breach(t("brief.too_big_value", limit=f"{MAX_VALUE:,}"))
    elif name == "format" and isinstance(target, str) and _huge_format(target):
        raise _Breach(t("brief.too_big_value", limit=f"{MAX_VALUE:,}"))


class _Deadline:
    """The end of one brief's time; checked on every line the template runs."""

    def __init__(self) -> None:
        self.at = math.inf

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise _Breach(t("brief.too_slow", seconds=f"{MAX_SECONDS:g}"))


_DEADLINE = _Deadline()


class _BriefSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

    def call_binop(self, context, op, left, right):
        _DEADLINE.check()
        _check_binop(op, left, right)
        return _check_value(super().call_binop(context, op, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        _DEADLINE.check()
        _check_call(getattr(__obj, "__name__", ""), getattr(__obj, "__self__", None), args, kwargs)
        return _check_value(super().call(__context, __obj, *args, **kwargs))


def _guarded_filter(name: str, func: Callable) -> Callable:
    @functools.wraps(func)  # keeps Jinja's pass_context / pass_environment marks
    def guarded(*args, **kwargs):
        _DEADLINE.check()
        plain = [a for a in args if not hasattr(a, "environment")]  # the value, then the filter's arguments
        _check_call(name, plain[0] if plain else None, tuple(plain[1:]), kwargs)
        return _check_value(func(*args, **kwargs))

    return guarded


def _make_env() -> SandboxedEnvironment:
    env = _BriefSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {name: _guarded_filter(name, f) for name, f in env.filters.items()}
    env.globals.pop("lipsum", None)  # makes text of any size in one call
    return env


_ENV = _make_env()


@functools.lru_cache(maxsize=4096)
def _template(body: str) -> Template:
    """A brief's body compiled once per process (each edition renders it: 1,040 compiles,
    ~1.5 s, at 520 weeks); compiled code is never kept anywhere else."""
    return _ENV.from_string(body)


@contextlib.contextmanager
def _bounded() -> Iterator[None]:
    """Time and memory bounds around one rendering: a deadline checked on every line of the
    template (a trace limited to template code) and a cap on the process's address space."""
    previous_trace = sys.gettrace()

    def local(frame, event, arg):
        if event == "line":
            _DEADLINE.check()
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == "<template>" else None

    _DEADLINE.at = time.monotonic() + MAX_SECONDS
    limits = _cap_memory()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous_trace)
        _DEADLINE.at = math.inf
        if limits is not None:
            _restore_memory(limits)


def _cap_memory() -> tuple[int, int] | None:
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            used = int(handle.read().split()[0]) * resource.getpagesize()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + MAX_MEMORY
        if soft != resource.RLIM_INFINITY and soft <= cap:
            return None
        resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
        return soft, hard
    except (ImportError, OSError, ValueError):
        return None


def _restore_memory(limits: tuple[int, int]) -> None:
    import resource

    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_AS, limits)


# --- checking and rendering ---------------------------------------------------------------------


def brief_filter(event_types: Iterable[Any], country: object = None, type: object = None) -> tuple[str | None, str | None]:  # noqa: A002
    """(country code, event type slug) of a brief's `map(country=..., type=...)` or
    `incidents_table(...)` filter, either None when not given; ValueError names a bad one."""
    from sitegen import geo

    code = slug = None
    if country is not None:
        code = geo.normalise_country(str(country))
        if code is None:
            raise ValueError(t("brief.unknown_filter_country", value=country))
    if type is not None:
        types = list(event_types)
        slug_of = {e.slug: e.slug for e in types} | {e.label.lower(): e.slug for e in types}
        slug = slug_of.get(str(type)) or slug_of.get(str(type).lower())
        if slug is None:
            raise ValueError(t("brief.unknown_filter_type", value=type, choices=", ".join(e.slug for e in types)))
    return code, slug


def check_brief(
    brief: Brief,
    incident_ids: Iterable[str],
    internal_ids: Iterable[str] = (),
    context: dict[str, Any] | None = None,
    extensions: tuple = (),
    event_types: Iterable[Any] = (),
    embargoed: dict[str, Any] | None = None,
) -> list[Problem]:
    """Problems a build would meet in this brief, found without building: names and figures
    first, then a rendering as the build does it (with `context`, the week's figures).
    `incident_ids` are the incidents a brief may show (public ones); `internal_ids` get
    a message of their own; so do those of `embargoed` (id -> its publish_after, UTC) the
    brief would come out before, however the brief names them."""
    embargoed = embargoed or {}
    known = incident_ids if isinstance(incident_ids, frozenset) else frozenset(incident_ids)
    internal = (internal_ids if isinstance(internal_ids, frozenset) else frozenset(internal_ids)) - known
    problems: list[Problem] = []
    said_names: set[str] = set()  # what the problems below name: harmless in the rendering after them
    said_figures: set[str] = set()
    said_incidents: set[str] = set()
    try:
        ast = _ENV.parse(brief.body)
        undeclared = meta.find_undeclared_variables(ast)
    except TemplateSyntaxError as exc:
        return [_problem(brief, exc.lineno, t("brief.template_error", reason=exc.message))]
    except Exception as exc:  # noqa: BLE001 (e.g. a literal too long to compile: located, no traceback)
        return [_failure(brief, exc)]
    for name in sorted(undeclared - BRIEF_NAMES):
        line = _line_of(brief.body, name)
        names = ", ".join(sorted(BRIEF_NAMES))
        problems.append(_problem(brief, line, t("brief.unknown_name", name=name, names=names)))
        said_names.add(name)
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in ("stats", "previous") and node.attr not in STATS_NAMES:
            from sitegen.read.incidents import did_you_mean

            prefix = node.node.name
            figures = ", ".join(f"{prefix}.{name}" for name in sorted(STATS_NAMES))
            hint = did_you_mean(node.attr, sorted(STATS_NAMES))
            message = t("brief.unknown_figure", name=f"{prefix}.{node.attr}", hint=hint, names=figures)
            problems.append(_problem(brief, node.lineno, message))
            said_figures.add(node.attr)
    for match in _INCIDENT_CALL.finditer(brief.body):
        line = brief.body.count("\n", 0, match.start()) + 1
        col = _expression_column(brief.body, match.start())
        if match[1] in internal:
            problems.append(_problem(brief, line, t("brief.internal_incident", id=match[1]), col))
            said_incidents.add(match[1])
        elif match[1] not in known:
            from sitegen.read.incidents import did_you_mean

            hint = did_you_mean(match[1], sorted(known))
            problems.append(_problem(brief, line, t("brief.unknown_incident", id=match[1], hint=hint), col))
            said_incidents.add(match[1])
    if context is None:
        return problems
    said_lines = {p.line for p in problems}  # a failure there is theirs: not said twice
    if said_figures:
        context = {**context, **{k: _Figures(context[k], said_figures) for k in ("stats", "previous") if k in context}}

    blocks = 0

    def block(country: object = None, type: object = None) -> Markup:  # noqa: A002 (map() and incidents_table())
        nonlocal blocks
        brief_filter(event_types, country, type)
        blocks += 1
        return Markup(block_marker(blocks - 1))

    def incident(incident_id: object) -> Markup:
        if incident_id in said_incidents:
            return block()
        if incident_id in internal:
            raise InternalIncident(str(incident_id))
        if incident_id not in known:
            raise UnknownIncident(str(incident_id))
        until = embargoed.get(incident_id)
        if until is not None and not (brief.publish_after is not None and brief.publish_after >= until):
            raise EmbargoedIncident(str(incident_id), until)
        return block()

    names = {name: _SAID for name in said_names}
    try:
        output = _evaluate(brief, {**names, **context, "map": block, "incidents_table": block}, incident)
    except BriefError as exc:
        return problems if exc.problem.line in said_lines else [*problems, exc.problem]
    return [*problems, *markup_problems(brief, output, extensions)]


def _expression_column(body: str, index: int) -> int:
    """The column of the {{ }} expression around `index` (of `index` itself if none on its line)."""
    line_start = body.rfind("\n", 0, index) + 1
    opening = body.rfind("{{", line_start, index)
    return (opening if opening >= 0 else index) - line_start + 1


class _Said:
    """What a brief names that is not there, once said: empty, whatever is done with it,
    so that the rendering goes on to find the brief's other problems."""

    def __str__(self) -> str:
        return ""

    def __getattr__(self, name: str) -> _Said:
        return self

    def __getitem__(self, key: object) -> _Said:
        return self

    def __call__(self, *args: object, **kwargs: object) -> _Said:
        return self

    def __iter__(self) -> Iterator[object]:
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def _same(self, *args: object) -> _Said:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _same

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__


_SAID = _Said()


class _Figures:
    """A week's figures where the brief names some that are not: those are _SAID."""

    def __init__(self, stats: object, said: set[str]):
        self._stats, self._said = stats, said

    def __getattr__(self, name: str) -> object:
        return _SAID if name in self._said else getattr(self._stats, name)


class Figures:
    """A week's figures as a brief in `lang` prints them: {{ stats.fatalities }} is '1 336',
    grouped as the pages group numbers, and still a number to compare and count with."""

    def __init__(self, stats: object, lang: str):
        self._stats, self._count = stats, _count_type(lang)

    def __getattr__(self, name: str) -> object:
        value = getattr(self._stats, name)
        return self._count(value) if type(value) is int else value


@functools.cache
def _count_type(lang: str) -> type[int]:
    class Count(int):
        def __str__(self) -> str:
            return format_number(int(self), lang)

    return Count


def render_brief(brief: Brief, context: dict[str, Any], incident: Callable[[str], str], extensions: tuple = ()) -> str:
    """The brief's Markdown with its expressions evaluated; BriefError on failure, on a
    breach of the sandbox's bounds, and on raw HTML or a forbidden link in the result."""
    output = _evaluate(brief, context, incident)
    problem = markup_problem(brief, output, extensions)
    if problem is not None:
        raise BriefError(problem)
    return output


def _evaluate(brief: Brief, context: dict[str, Any], incident: Callable[[str], str]) -> str:
    """The brief's Markdown with its expressions evaluated; BriefError on failure and on a
    breach of the sandbox's bounds."""
    try:
        with _bounded():
            template = _template(brief.body)
            output = template.render({**context, "incident": incident})
    except TemplateSyntaxError as exc:
        raise BriefError(_problem(brief, exc.lineno, t("brief.template_error", reason=exc.message))) from exc
    except InternalIncident as exc:
        line = _template_line(exc) or _line_of(brief.body, exc.incident_id)
        raise BriefError(_problem(brief, line, t("brief.internal_incident", id=exc.incident_id))) from exc
    except EmbargoedIncident as exc:
        line = _template_line(exc) or _line_of(brief.body, exc.incident_id)
        until = exc.until.strftime("%Y-%m-%dT%H:%MZ")
        raise BriefError(_problem(brief, line, t("brief.embargoed_incident", id=exc.incident_id, until=until))) from exc
    except UnknownIncident as exc:
        line = _template_line(exc) or _line_of(brief.body, exc.incident_id)
        raise BriefError(_problem(brief, line, t("brief.unknown_incident", id=exc.incident_id, hint=""))) from exc
    except _Breach as exc:
        raise BriefError(_problem(brief, _template_line(exc), str(exc))) from exc
    except MemoryError as exc:
        raise BriefError(_problem(brief, _template_line(exc), t("brief.too_much_memory"))) from exc
    except RecursionError as exc:
        raise BriefError(_problem(brief, _template_line(exc), t("brief.too_deep"))) from exc
    except Exception as exc:  # noqa: BLE001 (an editor's expression: any failure is a located content error)
        raise BriefError(_failure(brief, exc)) from exc
    if len(output) > MAX_OUTPUT:
        raise BriefError(_problem(brief, 1, t("brief.too_long", limit=f"{MAX_OUTPUT:,}")))
    return output


_LONG_NUMBER = re.compile(r"\d{%d,}" % (MAX_NUMBER_DIGITS + 1))


def _failure(brief: Brief, exc: Exception) -> Problem:
    """Any other failure of an expression, at its line."""
    line = _template_line(exc)
    number = _LONG_NUMBER.search(brief.body)
    if isinstance(exc, ValueError) and "digits" in str(exc) and number:  # a literal Python cannot even read
        return _problem(brief, line or brief.body.count("\n", 0, number.start()) + 1, t("brief.too_big_number", digits=MAX_NUMBER_DIGITS))
    if isinstance(exc, TypeError) and (call := _BAD_CALL.search(str(exc))):  # map(foo=1), incident()
        message = t("brief.bad_option", option=call[1]) if call[1] else t("brief.bad_call")
        return _problem(brief, line, message)
    return _problem(brief, line, t("brief.template_error", reason=_reason(exc)))


# how Python says a helper (map, incidents_table, incident) was called with what it does not take
_BAD_CALL = re.compile(r"^\S+\(\) (?:got an unexpected keyword argument '(\w+)'|takes .* positional argument|missing \d+ required)")


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- what the Markdown may hold -----------------------------------------------------------------

# the HTML that Markdown itself writes (MkDocs' default extensions), attribute by attribute
_MARKDOWN_TAGS: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in ("p", "em", "strong", "pre", "blockquote", "ul", "li", "hr", "br", "table", "thead", "tbody", "tr")},
    **{f"h{n}": frozenset({"id"}) for n in range(1, 7)},
    "ol": frozenset({"start"}),
    "code": frozenset({"class"}),
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "th": frozenset({"align", "style"}),
    "td": frozenset({"align", "style"}),
}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|<[!?]")
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_LINK_ATTRS = frozenset({"href", "src"})
_REMOTE = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|//|\\\\)")  # a URL that names a host (or any scheme)


def _markdown_html(text: str) -> tuple[str, list[str]]:
    """The HTML of MkDocs' default extensions, and the raw HTML Markdown kept as written."""
    md = markdown.Markdown(extensions=["tables", "fenced_code", "toc"])
    page_html = md.convert(text)
    raw = [b for b in md.htmlStash.rawHtmlBlocks if isinstance(b, str) and not _ENTITY.fullmatch(b) and not _CODE_BLOCK.fullmatch(b)]
    return page_html, raw


_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_CODE_BLOCK = re.compile(r"<pre><code[^>]*>[^<]*</code></pre>")  # a fenced block, escaped by fenced_code
_LIST_OPENERS = re.compile(r"(?:[ \t]*(?:[-*+>]|\d{1,9}[.)])(?=[ \t]|$))+")
_OPENER = re.compile(r"[-*+>]|\d{1,9}[.)]")


def _too_dense(brief: Brief, text: str) -> Problem | None:
    """Markdown whose conversion would take minutes or overflow the stack (see MAX_MARKS)."""
    for mark in ("[", "<"):
        if text.count(mark) > MAX_MARKS * 5:
            return _problem(brief, 1, t("brief.too_many_marks_in_all", mark=mark, limit=f"{MAX_MARKS * 5:,}"))
    line = 1
    for paragraph in re.split(r"(\n[ \t]*\n)", text):
        for mark in ("[", "<"):
            if paragraph.count(mark) > MAX_MARKS:
                return _line_problem(brief, line, paragraph, mark)
        for n, row in enumerate(paragraph.split("\n")):
            lead = _LIST_OPENERS.match(row)
            if lead and len(_OPENER.findall(lead[0])) > MAX_NESTING:
                where = _line_of(brief.body, row.strip()) if row.strip() in brief.body else line + n
                return _problem(brief, where, t("brief.too_nested", limit=MAX_NESTING))
        line += paragraph.count("\n")
    return None


def _line_problem(brief: Brief, line: int, paragraph: str, mark: str) -> Problem:
    first = paragraph.strip().split("\n", 1)[0]
    where = _line_of(brief.body, first) if first and first in brief.body else line
    return _problem(brief, where, t("brief.too_many_marks", mark=mark, limit=f"{MAX_MARKS:,}"))


def markup_problem(brief: Brief, output: str, extensions: tuple = ()) -> Problem | None:
    """The first raw HTML or forbidden link in a brief's rendered Markdown (see markup_problems)."""
    return next(markup_problems(brief, output, extensions), None)


def markup_problems(brief: Brief, output: str, extensions: tuple = ()) -> Iterator[Problem]:
    """Every raw HTML element and forbidden link in a brief's rendered Markdown, each at its
    place, in order: as Markdown with the site's own extensions writes it, then with MkDocs'
    default ones (what both find is said once; an element's closing tag is not said again)."""
    stripped = BLOCK_RE.sub("", output)
    if (dense := _too_dense(brief, stripped)) is not None:
        yield dense
        return
    said: set[tuple[int, str]] = set()
    if extensions:
        try:
            names = [e if isinstance(e, str) else next(iter(e)) for e in extensions]
            configs = {next(iter(e)): dict(next(iter(e.values())) or {}) for e in extensions if isinstance(e, dict)}
            site_html = markdown.markdown(stripped, extensions=names, extension_configs=configs)
        except RecursionError:
            yield _problem(brief, 1, t("brief.too_nested", limit=MAX_NESTING))
            return
        except Exception:  # noqa: BLE001 (a bad extension is MkDocs' to report)
            site_html = ""
        for problem in html_problems(brief, site_html):
            said.add((problem.line, problem.message))
            yield problem
    try:
        page_html, raw = _markdown_html(stripped)
    except RecursionError:
        yield _problem(brief, 1, t("brief.too_nested", limit=MAX_NESTING))
        return
    for problem in _default_markup_problems(brief, page_html, raw, _Locator(brief.body, output)):
        if (problem.line, problem.message) not in said:
            said.add((problem.line, problem.message))
            yield problem


def _default_markup_problems(brief: Brief, page_html: str, raw: list[str], place: _Locator) -> Iterator[Problem]:
    """What the HTML of MkDocs' default extensions holds beyond what Markdown itself writes:
    the raw HTML it kept as written (`raw`), a <p> or <img> as much as a <script>, then any
    element or attribute Markdown does not write, and links and images it must not have."""
    refused: set[str] = set()  # elements said: their closing tags are not said again
    for fragment in raw:
        for match in _TAG.finditer(fragment):
            if match[2] is None:
                yield _placed(brief, place(match[0][:2]), t("brief.raw_html", tag=match[0][:4]))
            elif not match[1]:
                refused.add(match[2].lower())
                yield _placed(brief, place("<" + match[2]), t("brief.raw_html", tag=f"<{match[2]}>"))
            break  # the fragment's first element is said: the rest of it goes with it
    for match in _TAG.finditer(page_html):
        if match[2] is None:  # <!-- comment -->, <!DOCTYPE>, <?php ?>
            yield _placed(brief, place(match[0][:2]), t("brief.raw_html", tag=match[0][:4]))
            continue
        tag = match[2].lower()
        allowed = _MARKDOWN_TAGS.get(tag)
        attrs = list(_ATTR.finditer(match[3] or ""))
        if allowed is None or any(a[1].lower() not in allowed for a in attrs):
            if match[1] and tag in refused:
                continue  # the closing tag of an element said already
            refused.add(tag)
            yield _placed(brief, place("<" + match[1] + match[2]), t("brief.raw_html", tag=f"<{match[1]}{match[2]}>"))
            continue
        for a in attrs:
            if a[1].lower() in _LINK_ATTRS:
                url = html.unescape(a[2] or a[3] or a[4] or "")
                if not link_allowed(url):
                    yield _placed(brief, place(url[:40]), t("brief.bad_link", url=url[:80]))
                elif tag == "img" and _REMOTE.match(url):  # the site loads nothing from another host
                    yield _placed(brief, place(url[:40]), t("brief.remote_image", url=url[:80]))


class _Locator:
    """The body line and column of a problem's text: where the source has it as written
    (each after the last one of the same text), else its line once entities and
    percent-escapes are decoded, else where the output has it (column 1 when not known)."""

    def __init__(self, body: str, output: str):
        self.body, self.output = body, output
        self._lower: str | None = None
        self.after: dict[str, int] = {}

    def __call__(self, needle: str) -> tuple[int, int]:
        needle = needle.lower()
        if self._lower is None:
            self._lower = self.body.lower()
        index = self._lower.find(needle, self.after.get(needle, 0))
        if index < 0 and needle in self.after:  # more of them made than written: the last one's place
            index = self._lower.rfind(needle)
        if index >= 0:
            self.after[needle] = index + len(needle)
            lower = self._lower
            return lower.count("\n", 0, index) + 1, index - lower.rfind("\n", 0, index)
        return _line_in(self.body, self.output, needle), 1


def _line_in(body: str, output: str, needle: str) -> int:
    """The body line of `needle`: where the source has it (as written, or once entities and
    percent-escapes are decoded), else where the output has it."""
    needle = needle.lower()

    def find(text: str) -> int | None:
        index = text.lower().find(needle)
        if index >= 0:
            return text.count("\n", 0, index) + 1
        for n, line in enumerate(text.splitlines(), 1):
            if needle in unquote(html.unescape(line)).lower():
                return n
        return None

    line = find(body)
    if line is None:
        line = find(output)
        if line is not None:  # the output's line, found in the body if it stands there as is
            shown = output.splitlines()[line - 1].strip()
            line = _line_of(body, shown) if shown and shown in body else line
    return line or 1


def _template_line(exc: BaseException) -> int:
    """The brief's line where a rendering error happened (Jinja keeps it in the traceback)."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    if line == 0 and getattr(exc, "lineno", None):
        line = exc.lineno
    return line


def _problem(brief: Brief, body_line: int | None, message: str, col: int = 1) -> Problem:
    return Problem(brief.path, brief.body_line + (body_line or 1) - 1, col, Severity.ERROR, message)


def _placed(brief: Brief, where: tuple[int, int], message: str) -> Problem:
    return _problem(brief, where[0], message, where[1])


# --- links to the site's own pages and files -------------------------------------------------


@dataclass(frozen=True)
class SiteLinks:
    """What a brief's relative links and images may point at, as an editor writes them in
    Markdown (relative to the brief's file): another published brief (`2023-W42.md`: that
    week's page, in the page's language), a Markdown page or a folder of one
    (`../guide/index.md`, `../guide/`: its page, in the page's language; `../about.fr.md`:
    the French one) or a file published from docs_dir (`../img/map.png`). `briefs`: each
    published brief's path in docs_dir (its translations' too) and its week; `sources`:
    each brief's path as shown -> in docs_dir; `editions`: the prefix of each language but
    the site's first (where its pages are: see sitegen.plain_pages); `misnamed_page`: why a
    page of docs_dir (about.de.md) is not published for its name, if it is not (see
    read.links.misnamed)."""

    docs_dir: Path
    briefs: Mapping[str, IsoWeek]
    sources: Mapping[str, str]
    editions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    misnamed_page: Callable[[str], str | None] = lambda path: None

    def target(self, brief: Brief, href: str) -> tuple[str, bool] | None | bool:
        """(its path from the site's root, whether it is a page of each edition) for a
        relative link to a file of docs_dir; True for one left as written (a URL, an anchor,
        /..., a folder's address from the page, as MkDocs leaves it); None for a file the
        site does not publish."""
        if _NOT_RELATIVE.match(href):
            return True
        where, anchor = _split_anchor(href)
        if (path := self._path(brief, where)) is None:  # a brief of no page (its front matter is wrong)
            return True
        if path in self.briefs:
            return f"weeks/{self.briefs[path]}/{anchor}", True
        found = self._published(path) if _in_docs(path) else None
        if found is None:  # a file that is not there, or not published
            return None if posixpath.splitext(where)[1] or where.endswith(".md/") else True
        return found[0] + anchor, found[1]

    def _path(self, brief: Brief, where: str) -> str | None:
        """The path in docs_dir that a relative link's `where` (no anchor) leads to from the
        brief's file; None for a brief of no page."""
        if (source := self.sources.get(brief.path)) is None:
            return None
        return posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(where)))

    def _published(self, path: str, by_name: bool = True) -> tuple[str, bool] | None:
        """The site's path of docs_dir's file or page folder at `path`, if the site has it,
        and whether it is a page of each edition (an editor's page: see sitegen.plain_pages);
        `by_name` False: also of a page the build refuses for its name (about.de.md)."""
        if path.startswith(CONTENT_DIRS) or path in CONTENT_FILES or any(part.startswith(".") for part in path.split("/")):
            return None
        try:
            if (self.docs_dir / path).is_dir():
                pages = ("index.md", "README.md")
                return (f"{path}/", bool(self.editions)) if any((self.docs_dir / path / name).is_file() for name in pages) else None
            if not (self.docs_dir / path).is_file():
                return None
        except OSError:  # a name too long, a folder that cannot be read
            return None
        if not path.endswith(".md"):
            return path, False
        if by_name and self.misnamed_page(path) is not None:  # about.de.md: the build refuses it
            return None
        if (translation := translation_of(path, self.editions)) is not None:  # that edition's page
            original, lang = translation
            return self.editions[lang] + page_path(original), False
        return page_path(path), bool(self.editions)

    def problems(self, brief: Brief) -> list[Problem]:
        """Each relative link or image of the brief's Markdown that leads nowhere, at its line
        (to a page not published for its name: saying why)."""
        problems = []
        for href in _targets(brief):
            if self.target(brief, href) is not None:
                continue
            why = self._misnamed(brief, href)
            message = t("brief.link_to_misnamed", href=href[:80], reason=why) if why else t("brief.link_to_nothing", href=href[:80])
            problems.append(_problem(brief, _line_of(brief.body, href if href in brief.body else unquote(href)), message))
        return problems

    def _misnamed(self, brief: Brief, href: str) -> str | None:
        """Why a relative link leads nowhere where its page is one the build refuses for its
        name (about.de.md: the build's warning); None for any other link."""
        path = self._path(brief, _split_anchor(href)[0])
        if path is None or not _in_docs(path) or self._published(path, by_name=False) is None:
            return None
        return self.misnamed_page(path)

    def key(self, brief: Brief) -> list[object]:
        """What the brief's links lead to now (its check and its page change with it)."""
        return [(href, self.target(brief, href)) for href in _targets(brief)]


def _targets(brief: Brief) -> tuple[str, ...]:
    """link_targets() of a brief that Markdown can convert in good time (else the check says why)."""
    return () if _too_dense(brief, BLOCK_RE.sub("", brief.body)) is not None else link_targets(brief.body)




@functools.lru_cache(maxsize=1024)
def link_targets(body: str) -> tuple[str, ...]:
    """The targets of the links and images of a brief's Markdown, as Markdown itself finds
    them (not in code, <...> and (...) in targets, references): those of the HTML it writes."""
    if "[" not in body:
        return ()
    try:
        page_html, _ = _markdown_html(BLOCK_RE.sub("", body))
    except RecursionError:  # said by the check (brief.too_nested)
        return ()
    found = []
    for tag in _TAG.finditer(page_html):
        name = (tag[2] or "").lower()
        if name in ("a", "img"):
            for attr in _ATTR.finditer(tag[3] or ""):
                if attr[1].lower() == ("href" if name == "a" else "src"):
                    found.append(html.unescape(attr[2] if attr[2] is not None else attr[3] if attr[3] is not None else attr[4] or ""))
    return tuple(dict.fromkeys(found))


def site_links(config: Any, content: Any) -> SiteLinks:
    """The SiteLinks of a site's configuration (its docs_dir, its clock) and content (its briefs)."""
    docs, root = Path(config.docs_dir).absolute(), Path(content.root or Path(config.docs_dir).parent).absolute()
    sources, briefs = {}, {}
    for brief in (*content.briefs, *content.translations):
        with contextlib.suppress(ValueError):
            sources[brief.path] = (root / brief.path).relative_to(docs).as_posix()
            if brief.is_published and brief.is_out(getattr(config, "now", None)):  # a draft's or an embargoed brief's week has no brief
                briefs[sources[brief.path]] = brief.week
    languages = getattr(config, "languages", ())
    editions = MappingProxyType({lang: config.prefix(lang) for lang in languages[1:]})
    docs = Path(config.docs_dir)
    if not editions:  # a site of one language publishes every page as it is named
        return SiteLinks(docs, briefs, sources, editions)
    return SiteLinks(docs, briefs, sources, editions, functools.partial(misnamed, site=config, sources=DocsFiles(docs)))


def _in_docs(path: str) -> bool:
    """Whether a link's normalised path from docs_dir stays inside it."""
    return not path.startswith("../") and path not in ("..", ".")


def _split_anchor(href: str) -> tuple[str, str]:
    cut = min((i for i in (href.find("#"), href.find("?")) if i >= 0), default=len(href))
    return href[:cut], href[cut:]


# not relative: a scheme (https:, mailto:, javascript: ...), the site's root or another host, an anchor, a query
_NOT_RELATIVE = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\#?]|$)")


def _line_of(body: str, needle: str) -> int:
    index = body.find(needle)
    return body.count("\n", 0, index) + 1 if index >= 0 else 1


# what no Markdown extension writes: found in a brief page's final HTML, it came from the brief
_UNSAFE_TAGS = frozenset({"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "meta", "base", "form", "input", "button", "textarea", "select", "svg", "math", "template", "noscript", "portal"})
_UNSAFE_ATTRS = frozenset({"srcdoc", "formaction", "action", "xlink:href", "background", "poster", "ping"})


def html_problem(brief: Brief, page_html: str) -> Problem | None:
    """A backstop on the HTML that the site's own Markdown made of a brief (whatever its
    extensions): the first script, event handler or forbidden link (see html_problems)."""
    return next(html_problems(brief, page_html), None)


def html_problems(brief: Brief, page_html: str) -> Iterator[Problem]:
    """Every script, event handler and forbidden link in the HTML that the site's own
    Markdown made of a brief, each an error at its place, in order."""
    stripped = BLOCK_RE.sub("", page_html)
    place = _Locator(brief.body, brief.body)
    refused: set[str] = set()
    for match in _TAG.finditer(stripped):
        if match[2] is None:
            if match[0] == "<!" and stripped.startswith("<!--", match.start()):
                yield _placed(brief, place("<!--"), t("brief.raw_html", tag="<!--"))
            continue
        tag = match[2].lower()
        attrs = [(a[1].lower(), html.unescape(a[2] or a[3] or a[4] or "")) for a in _ATTR.finditer(match[3] or "")]
        if tag in _UNSAFE_TAGS:
            if not (match[1] and tag in refused):  # else the closing tag of an element said already
                refused.add(tag)
                yield _placed(brief, place("<" + match[2]), t("brief.raw_html", tag=f"<{match[2]}>"))
            continue
        handler = next((name for name, _ in attrs if name.startswith("on") or name in _UNSAFE_ATTRS), None)
        if handler is not None:
            yield _placed(brief, place(handler), t("brief.raw_html", tag=f"<{match[2]} {handler}=...>"))
            continue
        for name, url in attrs:
            if name in _LINK_ATTRS and not link_allowed(url):
                yield _placed(brief, place(url[:40]), t("brief.bad_link", url=url[:80]))
