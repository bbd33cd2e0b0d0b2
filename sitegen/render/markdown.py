"""Markdown inside incident fields and brief summaries: untrusted text, rendered safely.

Raw HTML is shown as text, images are off (they would load from third-party hosts) and a
link survives only if it is http, https, mailto or relative; anything else (javascript:,
data:, vbscript:, file: ...) loses its href and stays as plain text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "noopener noreferrer"

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
# A web link with a scheme, however many slashes follow it, or protocol-relative, may
# leave the site: browsers read "http:/evil.example" from an https page, and
# "https:evil.example" from an http one, as links to evil.example.
_EXTERNAL = re.compile(r"^(?!mailto:)(?:[a-z][a-z0-9+.\-]*:|//)", re.IGNORECASE)


def link_allowed(url: str) -> bool:
    """True for http, https and mailto links and for relative ones (no scheme)."""
    # judged as a browser might read it: percent-decoded, tabs, newlines and controls dropped
    bare = _CONTROL.sub("", unquote(url))
    match = _SCHEME.match(bare)
    return match is None or match[1].lower() in ALLOWED_SCHEMES


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")
    # links reach validateLink normalised (entities decoded, control characters percent-encoded)
    md.validateLink = link_allowed

    def link_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        if _EXTERNAL.match(str(token.attrGet("href") or "")):
            token.attrSet("rel", EXTERNAL_REL)
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _build()


# Text with none of Markdown's marks renders as escaped paragraphs: answering that without
# a parse saves most of the rendering time on sites with 100,000 summaries.
_MARKUP_CHARS = re.compile(r"[\\`*_\[\]<>&!~\t\r\f\v]|^[ ]|[ ]$|^(?:[-+=#]|\d{1,9}[.)])", re.MULTILINE)


def _plain_paragraphs(text: str) -> str | None:
    if _MARKUP_CHARS.search(text):
        return None
    blocks = [b for b in re.split(r"\n(?:[ ]*\n)+", text.strip("\n")) if b]
    return "".join(f"<p>{html.escape(block, quote=False).replace(chr(34), '&quot;')}</p>\n" for block in blocks)


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for untrusted Markdown; usable as a Jinja filter under autoescape."""
    if not text:
        return Markup("")
    text = str(text)
    fast = _plain_paragraphs(text)
    return Markup(fast if fast is not None else _MD.render(text))


# Plain text for search excerpts: a full parse costs ~100 µs per summary, too slow for
# 100,000 incidents, and an excerpt only needs the words.
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"!?\[([^\]]*)\]\[[^\]]*\]")
_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]*)>", re.IGNORECASE)
_BLOCK_MARK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)", re.MULTILINE)
_BACKSLASH = re.compile(r"\\([!-/:-@\[-`{-~])")


def markdown_to_text(text: str | None) -> str:
    """The words of a Markdown text on one line, without markup or link targets."""
    if not text:
        return ""
    text = str(text)
    if not _MARKUP_CHARS.search(text):  # nothing to strip: most summaries
        return " ".join(text.split())
    return _stripped(text)


def _stripped(text: str) -> str:
    text = _LINK_DEF.sub("", text)
    text = _INLINE_LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _BLOCK_MARK.sub("", text)
    text = _BACKSLASH.sub(r"\1", text)
    # emphasis marks go; '_' becomes a space (snake_case -> "snake case" is fine for search)
    text = text.replace("*", "").replace("`", "").replace("~", "").replace("_", " ")
    return " ".join(html.unescape(text).split())


def excerpt(text: str | None, limit: int = 200) -> str:
    """The first `limit` characters of a summary's words, cut at a word, with an ellipsis."""
    words = markdown_to_text(text)
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
