"""The fast parse path: plain incident files read by a Rust YAML parser, without line marks.

libyaml's node trees (yamlfile.compose) carry a line and column for every value, which
every message needs, and cost most of the reading time. Most files need no message: a
file written by our importers or by an editor in the ordinary way. For those, yaml-rs
(`yaml_rs`, about 5x faster than composing) gives the values, and the few marks a good
file needs (each incident's line, each id's line and column) are found in the text.

A file goes this way only if it is *plain*: no construct where yaml-rs (YAML 1.2) and
libyaml (YAML 1.1, as NodeLoader resolves it) could read different values, and no
construct whose marks we could not find. `plain_values` answers None for any other file,
and the caller reads it with libyaml as before; it answers None too when yaml-rs refuses
the file, so every message still comes from the line-marked reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sitegen.read.yamlfile import MAX_DEPTH, _lead_deeper_than

try:
    import yaml_rs
except ImportError:  # optional speed: without it every file takes the line-marked reader
    yaml_rs = None  # type: ignore[assignment]

_END = r"[ ]*+(?:#.*)?$"
# numbers both parsers read alike (YAML 1.1 reads 010, 1_000, 0o7, 1e3, .5, 1:30, +1 apart
# from YAML 1.2), and dates, which stay text either way
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# a slug that starts with digits (ids such as 2023-09-16-bamako): text to both parsers,
# since a letter follows a hyphen (1e5, 0x1f and 0b1 have none)
_DIGIT_SLUG = r"[0-9]+(?:-[0-9]+)*-[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
# a single-quoted scalar on one line; a flow sequence on one line of such or of words
_QUOTED = r"'(?:[^'\n]|'')*'"
_WORD = r"[^\W\d_][^\[\]{},:#\n\"'&*!|>%@`]*?"
_ELEMENT = rf"(?:{_QUOTED}|{_WORD})"
_FLOW = rf"\[[ ]*(?:{_ELEMENT}[ ]*(?:,[ ]*{_ELEMENT}[ ]*)*,?[ ]*)?\]"
SIMPLE_FLOW = re.compile(_FLOW)  # a flow sequence that holds no other collection
# What a scalar must not start with in a plain file: anchors, aliases, tags, block
# scalars, directives, reserved indicators, flow mappings, double quotes (escapes), complex
# keys, merge keys (a bare literal block scalar, `|` alone, both read alike); a flow sequence other than a one-line list of words or quoted text;
# quoted text over several lines; a number the two parsers read apart.
_BAD_START = "|".join(
    (
        r"[&*!>%@`{}\],:\"?<]",
        r"\|(?!\n)",  # a literal block scalar with an indicator (|-, |+, |2) or text after it
        rf"(?!{_FLOW}{_END})\[",
        rf"'(?!(?:[^'\n]|'')*'(?:{_END}|:[ ]))",
        rf"(?=[-+.0-9])(?!(?:{_NUMBER}|{_DATE}|{_DIGIT_SLUG}){_END})",
    )
)
# Each pattern starts with a literal character, so that the engine skips to it fast.
_NOT_PLAIN = (
    # characters YAML refuses or reads as line breaks, tabs, a byte-order mark
    re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"),
    # where a line's content starts (past its indentation and '- ' indicators; possessive,
    # so that '- x' is never read as '-x'); document markers
    re.compile(rf"\n(?:[ ]*+(?:-[ ]++)*+(?:{_BAD_START})|(?:---|\.\.\.)(?:[ ]|$))", re.MULTILINE),
    # after a key: the same, or a sequence on the key's line
    re.compile(rf":[ ]++(?:{_BAD_START}|-(?:[ ]|$))", re.MULTILINE),
)
# searched in "\n" + text: a pattern that starts with a line break is found by a fast scan
# for it, one that starts with `^` is tried at every character (ten times slower)
_ITEM = re.compile(r"\n- ")
_LIST_ID = re.compile(r"\n(?:- |  )id:[ ]+(?=\S)")
_MAPPING_ID = re.compile(r"\nid:[ ]+(?=\S)")
_FIRST = re.compile(r"^(?![ ]*(?:#|$))([ ]*)", re.MULTILINE)  # the first line with content


@dataclass(frozen=True, slots=True)
class Plain:
    """A plain file's values, with the marks a good file needs (1-based)."""

    value: object  # a mapping, or a list of mappings
    lines: list[int]  # each incident's first line (one, for a mapping)
    id_marks: list[tuple[int, int]]  # where each id stands (a mapping without one: where it starts)


def is_plain(text: str) -> bool:
    lines = "\n" + text  # the first line starts after a line break too
    return not any(pattern.search(lines) for pattern in _NOT_PLAIN)


def plain_values(text: str) -> Plain | None:
    """A plain file's values and marks, or None: read this file with the line-marked reader."""
    # a plain file's lists of words add one level at most: a deeper file may be an attack
    # on the parser's stack, which yamlfile.compose refuses with its message
    if yaml_rs is None or not is_plain(text) or _lead_deeper_than(text, (MAX_DEPTH - 3) // 2):
        return None
    try:
        value = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # any refusal: libyaml reports it, at its line and column
        return None
    if isinstance(value, list):
        return _list_marks(text, value)
    if isinstance(value, dict):
        return _mapping_marks(text, value)
    return None


def _list_marks(text: str, items: list) -> Plain | None:
    """Each item starts on a line '- ' at column 1, and its id at column 3 (or after '- ')."""
    lines = "\n" + text  # an index in `lines` past its first character is one in `text`, plus 1
    starts = [m.start() for m in _ITEM.finditer(lines)]  # the line break's: the item's start in text
    ids = [m.end() - 1 for m in _LIST_ID.finditer(lines)]
    if len(starts) != len(items) or len(ids) != len(items):
        return None
    lines: list[int] = []
    id_marks: list[tuple[int, int] | None] = []
    line, at = 1, 0
    for n, (start, id_at) in enumerate(zip(starts, ids)):
        if id_at < start or (n + 1 < len(starts) and id_at > starts[n + 1]):
            return None  # an item without an id, another with two: let the reader say so
        line += text.count("\n", at, start)
        lines.append(line)
        id_line = line + text.count("\n", start, id_at)
        id_marks.append((id_line, id_at - text.rfind("\n", 0, id_at)))
        line, at = id_line, id_at
    return Plain(items, lines, id_marks)


def _mapping_marks(text: str, mapping: dict) -> Plain | None:
    first = _FIRST.search(text)
    if first is None:
        return None
    line = text.count("\n", 0, first.start()) + 1
    column = len(first[1]) + 1
    ids = [m.end() - 1 for m in _MAPPING_ID.finditer("\n" + text)]
    if "id" in mapping:
        if len(ids) != 1:
            return None
        id_at = ids[0]
        id_mark = (text.count("\n", 0, id_at) + 1, id_at - text.rfind("\n", 0, id_at))
    else:
        if ids:
            return None
        id_mark = (line, column)  # the id is the file's name, marked where the mapping starts
    return Plain(mapping, [line], [id_mark])
