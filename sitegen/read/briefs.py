"""content/briefs/YYYY-Www.md -> Brief records (front matter + Markdown body)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sitegen.i18n import LANGUAGES
from sitegen.messages import t
from sitegen.model import Brief, BriefStatus, DateOutOfRange, IsoWeek, Problem, parse_utc
from sitegen.read.incidents import did_you_mean
from sitegen.read.links import language_name
from sitegen.read.schema import DATETIME_RE, FIRST_YEAR, LAST_YEAR
from sitegen.read.yamlfile import at, compose, error, error_at, is_null, kind_of, read_text, scalar

BRIEF_FIELDS = ("title", "week", "summary", "authors", "status", "publish_after")
# what no page should carry: C0 controls but tab and line breaks, DEL, C1, lone surrogates, non-characters
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# 2023-W39.fr.md: a translation; 2023-W39.de.md too, into a language sitegen has no edition
# of (a warning says it is not published; it was the week's brief, or an error of no week)
_TRANSLATION = re.compile(r"^(?P<stem>.+)\.(?P<lang>[a-z]{2})$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def read_brief(path: Path, shown: str) -> tuple[Brief | None, list[Problem]]:
    """The brief and no problem, or no brief and every problem of its front matter."""
    brief, problems = read_brief_anyway(path, shown)
    return (None if problems else brief), problems


def read_brief_anyway(path: Path, shown: str) -> tuple[Brief | None, list[Problem]]:
    """The brief as far as its front matter can be read, with every problem found: where
    there are problems, the brief is for checking its body only (never published); None
    where the front matter cannot be read or names no week."""
    text, problem = read_text(path, shown)
    if problem:
        return None, [problem]
    problems: list[Problem] = []
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, [error(shown, 1, 1, t("brief.no_front_matter"))]
    node, problem = compose(match[1], shown, line_offset=1)
    if problem:
        return None, [problem]
    if (bad := _CONTROL.search(text, match.end())) is not None:  # in the body: written into every page
        problems.append(error_at(shown, text, bad.start(), t("brief.bad_character", code=f"U+{ord(bad[0]):04X}")))
    if node is None or not isinstance(node, yaml.MappingNode):
        found = kind_of(node) if node is not None else t("kind.empty")
        return None, [error(shown, 2, 1, t("brief.front_matter_not_mapping", found=found))]

    def shifted(n: yaml.Node, message: str) -> Problem:
        p = at(shown, n, message)
        return type(p)(p.path, p.line + 1, p.col, p.severity, p.message)

    fields: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = scalar(key_node) or ""
        if key not in BRIEF_FIELDS:
            problems.append(shifted(key_node, t("brief.unknown_field", key=key, hint=did_you_mean(key, BRIEF_FIELDS))))
            continue
        fields[key] = value_node

    def text_of(name: str) -> str | None:
        n = fields.get(name)
        if n is None or is_null(n):
            return None
        value = scalar(n)
        if value is None or not value.strip():
            problems.append(shifted(n, t("field.expected_text", field=name, found=kind_of(n))))
            return None
        return value.strip()

    title = text_of("title")
    if "title" not in fields:
        problems.append(error(shown, 2, 1, t("brief.missing_title")))
    elif is_null(fields["title"]):  # `title:` left empty: the brief would vanish without a word
        problems.append(shifted(fields["title"], t("field.empty", field="title")))
    summary = text_of("summary") or ""

    translation = _TRANSLATION.match(path.stem)
    if translation and translation["lang"] not in LANGUAGES and language_name(translation["lang"]) is None:
        translation = None  # 2023-W39.xx.md: no language's
    stem, lang = (translation["stem"], translation["lang"]) if translation else (path.stem, "")
    stem_week = None
    try:
        stem_week = _parse_week(stem)
    except ValueError as exc:
        if re.match(r"^\d{4}-W\d{2}$", stem):
            problems.append(error(shown, 1, 1, t("brief.invalid_week", value=stem, reason=str(exc))))
    week = stem_week
    week_text = text_of("week")
    if week_text is not None:
        try:
            week = _parse_week(week_text)
        except ValueError as exc:
            problems.append(shifted(fields["week"], t("brief.invalid_week", value=week_text, reason=str(exc))))
            week = None
        else:
            if stem_week and week != stem_week:
                problems.append(shifted(fields["week"], t("brief.week_mismatch", week=week, stem=stem_week)))
    elif stem_week is None and not problems:
        problems.append(error(shown, 1, 1, t("brief.no_week", name=path.name)))

    status = BriefStatus.PUBLISHED
    status_text = text_of("status")
    if status_text is not None:
        try:
            status = BriefStatus(status_text)
        except ValueError:
            choices = ", ".join(s.value for s in BriefStatus)
            hint = did_you_mean(status_text, [s.value for s in BriefStatus])
            problems.append(shifted(fields["status"], t("field.bad_choice", field="status", value=status_text, choices=choices, hint=hint)))

    authors: tuple[str, ...] = ()
    if "authors" in fields and not is_null(fields["authors"]):
        n = fields["authors"]
        if isinstance(n, yaml.SequenceNode) and all(scalar(c) for c in n.value):
            authors = tuple(scalar(c).strip() for c in n.value)
        elif scalar(n):
            authors = (scalar(n).strip(),)
        else:
            problems.append(shifted(n, t("field.expected_list", field="authors", found=kind_of(n))))

    publish_after = None
    embargo = text_of("publish_after")
    if embargo is not None:
        try:
            if not DATETIME_RE.match(embargo):
                raise ValueError(embargo)
            publish_after = parse_utc(embargo)
            if not FIRST_YEAR <= publish_after.year <= LAST_YEAR:
                raise DateOutOfRange(embargo)
        except DateOutOfRange:
            publish_after = None
            problems.append(shifted(fields["publish_after"], t("field.date_out_of_range", field="publish_after", value=embargo,
                                                              first=FIRST_YEAR, last=LAST_YEAR)))
        except ValueError:
            problems.append(shifted(fields["publish_after"], t("field.expected_datetime", field="publish_after", found=t("kind.text", value=embargo))))

    if week is None:
        return None, problems
    body_line = text[: match.end()].count("\n") + 1
    return Brief(week, title or "", text[match.end():], summary, authors, status, shown, body_line, publish_after, lang), problems


def _parse_week(text: str) -> IsoWeek:
    week = IsoWeek.parse(text)
    if not FIRST_YEAR <= week.year <= LAST_YEAR:
        raise ValueError(t("week.out_of_range", first=FIRST_YEAR, last=LAST_YEAR))
    return week
