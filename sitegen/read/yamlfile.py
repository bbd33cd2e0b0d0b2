"""Safe YAML loading that keeps line marks: files -> yaml node trees, or a Problem.

We compose nodes with libyaml (CSafeLoader) and never construct arbitrary objects: the
readers turn nodes into values themselves, field by field, so every value keeps its
line and column, and YAML 1.1 surprises (`NO` read as false, `2023-02-30` raising)
never reach an editor as a traceback.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from sitegen.messages import t
from sitegen.model import Problem, Severity

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # libyaml missing: slower, same behaviour
    _BaseLoader = yaml.SafeLoader  # type: ignore[misc]

MAX_FILE_BYTES = 20 * 1024 * 1024
# An alias may repeat a subtree; a document whose expansion is this many times larger
# than its text is an alias bomb ("billion laughs"), not content.
MAX_EXPANSION = 50
# Collections nested deeper than this are refused before libyaml composes them: its
# composer recurses in C, and some ten thousand levels ("[[[[...") overflow the stack
# and kill the process. Incidents need four levels; internal notes a few more.
MAX_DEPTH = 64
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # libyaml breaks lines at these too


@functools.lru_cache(maxsize=None)
def _lead(n: int, breaks: str) -> re.Pattern[str]:
    """A line break of `breaks` (none: the text's start), then more than `n` characters of
    indentation and block indicators. The character class first lets the engine skip fast."""
    return re.compile((f"[{breaks}]" if breaks else "") + r"[ \t?-]{%d}" % (n + 1))


def _lead_deeper_than(text: str, n: int) -> bool:
    breaks = r"\r\n\x85\u2028\u2029" if any(b in text for b in _OTHER_BREAKS) else r"\n"
    return bool(_lead(n, "").match(text) or _lead(n, breaks).search(text))


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class NodeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """CSafeLoader whose implicit resolvers leave timestamps as strings."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def resolve(self, kind, value, implicit):
        # The composer asks this for every node: answer the common cases without the
        # generic resolver's bookkeeping (a third of the reading time on large files).
        if kind is yaml.ScalarNode:
            if implicit[0]:
                resolvers = self.yaml_implicit_resolvers.get(value[:1] if value else "", ())
                for tag, regexp in resolvers:
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


def error(path: str, line: int, col: int, message: str) -> Problem:
    return Problem(path, line, col, Severity.ERROR, message)


def error_at(path: str, text: str, index: int, message: str, line_offset: int = 0) -> Problem:
    """An error at the line and column of `text[index]`."""
    line = text.count("\n", 0, index) + 1
    return error(path, line + line_offset, index - text.rfind("\n", 0, index), message)


def warning(path: str, line: int, col: int, message: str) -> Problem:
    return Problem(path, line, col, Severity.WARNING, message)


def at(path: str, node: yaml.Node, message: str, severity: Severity = Severity.ERROR) -> Problem:
    """A problem located at a node (marks are 0-based; problems are 1-based)."""
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, severity, message)


def read_text(path: Path, shown: str) -> tuple[str | None, Problem | None]:
    """A file's text, or the reason it cannot be read as UTF-8 content."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return None, error(shown, 1, 1, t("file.too_big", size=f"{size / 1048576:.1f}", limit=limit))
        data = path.read_bytes()
    except OSError as exc:
        return None, error(shown, 1, 1, t("file.unreadable", reason=exc.strerror or str(exc)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, error(shown, line, col, t("file.not_utf8", byte=f"0x{data[exc.start]:02X}"))
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def separator_problem(text: str, shown: str, line_offset: int = 0) -> Problem | None:
    """An invisible line or paragraph separator (U+2028, U+2029, U+0085), which YAML 1.1
    reads as a line break: every line after it would be said one line off."""
    if "\u2028" not in text and "\u2029" not in text and "\x85" not in text:
        return None
    index = min(i for i in (text.find("\u2028"), text.find("\u2029"), text.find("\x85")) if i >= 0)
    return error_at(shown, text, index, t("yaml.line_separator", code=f"U+{ord(text[index]):04X}"), line_offset)


def compose(text: str, shown: str, line_offset: int = 0) -> tuple[yaml.Node | None, Problem | None]:
    """The node tree of a one-document YAML text, or the syntax problem."""
    problem = separator_problem(text, shown, line_offset) or _too_deep(text, shown, line_offset)
    if problem:
        return None, problem
    loader = NodeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        if (unclosed := unclosed_quote(exc, text, line_offset)) is not None:
            return None, error(shown, *unclosed)
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        return None, error(shown, line, col, t("yaml.syntax", reason=reason))
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        return None, _bad_character(text, shown, line_offset, exc)
    except yaml.YAMLError as exc:
        return None, error(shown, 1 + line_offset, 1, t("yaml.syntax", reason=" ".join(str(exc).split())))
    finally:
        loader.dispose()
    has_aliases = "*" in text and "&" in text  # no anchor, no alias, no bomb
    if node is not None and has_aliases and _expanded_size(node) > MAX_EXPANSION * (len(text) + 100):
        return None, at(shown, node, t("yaml.alias_bomb"))
    return node, None


_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def unclosed_quote(exc: yaml.MarkedYAMLError, text: str = "", line_offset: int = 0) -> tuple[int, int, str] | None:
    """(line, col, message) of a quote the text ends inside, at the quote: YAML says where
    it gave up, the end of the text, a line past the last one. None for any other error."""
    mark = exc.context_mark
    said = (exc.context, exc.problem)
    if mark is None or said != ("while scanning a quoted scalar", "found unexpected end of stream"):
        return None
    line, col = mark.line + 1 + line_offset, mark.column + 1
    if getattr(mark, "buffer", None) is not None:  # PyYAML's own marks keep the text; libyaml's do not
        quote = mark.buffer[mark.pointer : mark.pointer + 1]
    else:
        lines = _LINE_BREAK.split(text)
        quote = lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
    quote = quote if quote in ("\"", "'") else "\""
    return line, col, t("yaml.unclosed_quote", quote=quote, line=line, col=col)


# what YAML does not allow in a file: C0 controls but tab and line breaks, DEL, C1 but NEL,
# surrogates, U+FEFF after the start, U+FFFE and U+FFFF
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


def _bad_character(text: str, shown: str, line_offset: int, exc: yaml.reader.ReaderError) -> Problem:
    """The first character YAML refuses, at its own line and column."""
    match = _BAD_CHARACTER.search(text)
    index = match.start() if match else max(0, min(int(getattr(exc, "position", 0) or 0), len(text)))
    code = ord(text[index]) if index < len(text) else int(getattr(exc, "character", 0) or 0)
    return error_at(shown, text, index, t("yaml.bad_character", code=f"U+{code:04X}"), line_offset)


def _too_deep(text: str, shown: str, line_offset: int) -> Problem | None:
    """A problem if collections nest deeper than MAX_DEPTH, found without composing.

    A cheap bound first (every flow level needs a bracket; every block level a deeper
    indent or a '- '/'? ' indicator): ordinary files stop there. Otherwise libyaml's
    parser, which keeps its own stack, counts the levels event by event. A one-line list
    of words (`actors: [a, b]`) holds no bracket: all of them together add one level at
    most, so 192 such lists in a file do not defeat the bound."""
    from sitegen.read.plain import SIMPLE_FLOW  # plain.py reads this module's bound

    brackets = text.count("[") + text.count("{")
    leaves = len(SIMPLE_FLOW.findall(text)) if brackets else 0
    levels = brackets - leaves + (1 if leaves else 0)
    room = (MAX_DEPTH - 2 - levels) // 2  # the deepest indent the bound allows
    if room >= 0 and not _lead_deeper_than(text, room):
        return None
    loader = _BaseLoader(text)
    try:
        depth = 0
        for event in iter(loader.get_event, None):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    message = t("yaml.too_deep", limit=MAX_DEPTH)
                    return error(shown, mark.line + 1 + line_offset, mark.column + 1, message)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in str(exc.problem):  # libyaml's own bound (1000 levels) fired first
            mark = exc.problem_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            return error(shown, line + line_offset, col, t("yaml.too_deep", limit=MAX_DEPTH))
        return None  # compose() reports it, from the same place, before nesting any deeper
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document would have with every alias expanded (cycles: huge).
    Iterative: a long chain of anchors, each holding the previous one, is deep."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    huge = 1 << 62

    def children(node: yaml.Node) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.MappingNode):
            return [n for pair in node.value for n in pair]
        return []

    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            visiting.discard(key)
            total = 1 + sum(sizes.get(id(c), huge) for c in children(node))
            sizes[key] = min(total, huge)
            continue
        if key in sizes:
            continue
        if key in visiting:  # an alias inside its own anchor: endless
            return huge
        visiting.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children(node) if id(c) not in sizes)
    return sizes[id(root)]


def scalar(node: yaml.Node) -> str | None:
    """The text of a scalar node (None for mappings and sequences)."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


def is_null(node: yaml.Node) -> bool:
    return node.tag == "tag:yaml.org,2002:null"


def kind_of(node: yaml.Node) -> str:
    """How a node reads to an editor: 'a list', 'a mapping', 'the number 3', 'the text "x"'."""
    if isinstance(node, yaml.SequenceNode):
        return t("kind.list")
    if isinstance(node, yaml.MappingNode):
        return t("kind.mapping")
    if is_null(node):
        return t("kind.empty")
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return t("kind.number", value=node.value)
    if node.tag == "tag:yaml.org,2002:bool":
        return t("kind.boolean", value=node.value)
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return t("kind.text", value=shown)
