"""Markdown inside incident fields and brief summaries: untrusted text, rendered safely.

Raw HTML is shown as text, images are off (they would load from third-party hosts) and a
link survives only if it is http, https, mailto or relative; anything else (javascript:,
data:, vbscript:, file: ...) loses its href and stays as plain text.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markupsafe import Markup

from sitegen.text import EXTERNAL_LINK, has_markup, link_allowed

EXTERNAL_REL = "noopener noreferrer"


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")
    # links reach validateLink normalised (entities decoded, control characters percent-encoded)
    md.validateLink = link_allowed

    def link_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        if EXTERNAL_LINK.match(str(token.attrGet("href") or "")):
            token.attrSet("rel", EXTERNAL_REL)
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _build()


# Text with none of Markdown's marks (text.has_markup) renders as escaped paragraphs: answering
# that without a parse saves most of the rendering time on sites with 100,000 summaries.
def _plain_paragraphs(text: str) -> str | None:
    if has_markup(text):
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
