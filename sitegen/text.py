"""Text rules shared by readers, importers and renderers, one place each: folding (names
compared whatever their accents and case), slugs, the teaser of a summary, and which links
editors' text may carry."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import Any
from urllib.parse import unquote

# --- folding -------------------------------------------------------------------------------

# Letters that Unicode decomposition does not split into base letter + accent.
_FOLD_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key, words kept: 'Tillabéri ' -> 'tillaberi'."""
    if text.isascii():  # nothing to decompose, nothing combining: most names and words
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join(decomposed.translate(_NOT_COMBINING).casefold().split())


class _NotCombining(dict):
    """str.translate's table that drops combining marks, each code point looked up in
    Unicode's data once (a generator over the characters took twice as long)."""

    def __missing__(self, code: int) -> int | None:
        kept = self[code] = None if unicodedata.combining(chr(code)) else code
        return kept


_NOT_COMBINING = _NotCombining()


@functools.lru_cache(maxsize=65536)  # place and country names: few, looked up again and again
def fold_key(text: str) -> str:
    """Lookup key of a place or country: case, accents, spaces and punctuation ignored.
    "Côte d’Ivoire" -> "cotedivoire"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_LETTERS))
    return "".join(c for c in decomposed if c.isalnum())


# --- slugs ---------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """URL slug of a name: ASCII, lower case, hyphenated; apostrophes and dots vanish:
    "Côte d'Ivoire" -> "cote-divoire" (the country pages' addresses)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_LETTERS))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = ascii_text.replace("'", "").replace(".", "")
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)


def id_slug(text: str) -> str:
    """Slug of an identifier, tag or sub-type: every run of other characters is one hyphen,
    so that imported ids stay what earlier imports wrote: 'Remote explosive/landmine/IED' ->
    'remote-explosive-landmine-ied', 'NIG.1234' -> 'nig-1234'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


# --- teasers -------------------------------------------------------------------------------

# Plain text without a Markdown parse: a parse costs ~100 µs to 1 ms per summary, too slow
# for 100,000 incidents, and a teaser or search text only needs the words.
# Text with none of these marks is the same words for Markdown (and renders as plain paragraphs).
_MARK_CHARS = re.compile(r"[\\`*_\[\]<>&!~\t\r\f\v]")
_MARK_START = re.compile(r"[-+=#]|\d{1,9}[.)]")  # a heading, a rule, a list item, at a line's start


def has_markup(text: str) -> bool:
    """Whether Markdown could read `text` as more than its words: a mark, or a line that
    starts or ends with a space or starts like a block. Line by line, not by a multi-line
    regex: that one tried its line anchors at every character (6 µs a summary, 1.4 here)."""
    if _MARK_CHARS.search(text):
        return True
    return any(line[:1] == " " or line[-1:] == " " or _MARK_START.match(line) for line in text.split("\n"))


_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")  # balanced (…) in the address too
_REF_LINK = re.compile(r"!?\[([^\]]*)\]\[[^\]]*\]")
_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]*)>", re.IGNORECASE)
_BLOCK_MARK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)", re.MULTILINE)
_BACKSLASH = re.compile(r"\\([!-/:-@\[-`{-~])")
_ESCAPED = 0xE000  # escaped ASCII marks stand in the private-use area while the marks are stripped
_PRIVATE = re.compile("[\ue000-\ue07f]")
_UNESCAPE = {_ESCAPED + n: chr(n) for n in range(128)}


def plain_text(markdown: str | None) -> str:
    """The words of a Markdown text on one line, without markup or link targets."""
    if not markdown:
        return ""
    text = str(markdown)
    if not has_markup(text):  # nothing to strip: most summaries
        return " ".join(text.split())
    return _stripped(text)


def _stripped(text: str) -> str:
    # an escaped mark (\` \* \[) is a literal character: kept aside from the marks that go
    protect = not _PRIVATE.search(text)
    text = _BACKSLASH.sub(lambda m: chr(_ESCAPED + ord(m[1])) if protect else m[1], text)
    text = _LINK_DEF.sub("", text)
    text = _INLINE_LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _BLOCK_MARK.sub("", text)
    # emphasis marks go; '_' becomes a space (snake_case -> "snake case" is fine for search)
    text = text.replace("*", "").replace("`", "").replace("~", "").replace("_", " ")
    if protect:
        text = text.translate(_UNESCAPE)
    return " ".join(html.unescape(text).split())


# characters (or line starts) that Markdown may turn into something other than themselves
_PLAIN = re.compile(r"[\\`*_\[\]<>!&#|~]|^ {0,3}(?:[-+=>]|\d+[.)])|^ {4}|\t", re.M)


@functools.cache
def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def exact_text(markdown: str | None) -> str:
    """The words of a Markdown text on one line exactly as a reader sees them rendered
    (a literal `7*7` stays): a full parse where Markdown could change anything, so for
    the few hundred texts of a map's popups, not for every incident of a site."""
    text = str(markdown or "")
    if not _PLAIN.search(text):  # nothing Markdown would change: no parse
        return " ".join(text.split())
    words: list[str] = []
    for token in _parser().parse(text):
        for child in token.children or ():
            if child.type in ("text", "code_inline", "html_inline", "image"):
                words.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                words.append(" ")
        if token.type in ("paragraph_close", "heading_close", "code_block", "fence"):
            words.append(token.content if token.type in ("code_block", "fence") else " ")
    return " ".join("".join(words).split())


def teaser(text: str | None, limit: int) -> str:
    """The one way a text is shortened (list excerpts, map popups, search results): on one
    line, cut at the last word that fits in `limit` characters (mid-word when that word
    would leave less than half), trailing punctuation dropped, then an ellipsis."""
    words = " ".join((text or "").split())
    if len(words) <= limit:
        return words
    cut = words.rfind(" ", 0, limit)
    return words[: cut if cut > limit // 2 else limit].rstrip(" ,;:.") + "…"


def summary_teaser(markdown: str | None, limit: int) -> str:
    """The teaser of a Markdown summary in lists: its words (`plain_text`), shortened by `teaser`."""
    return teaser(plain_text(markdown), limit)


def clip(text: str, limit: int) -> str:
    """A label or one-line field cut to at most `limit` characters, ellipsis included."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


# --- links ---------------------------------------------------------------------------------

LINK_SCHEMES = ("http", "https", "mailto")  # and relative links, which have no scheme
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
# A web link with a scheme, however many slashes follow it, or protocol-relative, may
# leave the site: browsers read "http:/evil.example" from an https page, and
# "https:evil.example" from an http one, as links to evil.example.
EXTERNAL_LINK = re.compile(r"^(?!mailto:)(?:[a-z][a-z0-9+.\-]*:|//)", re.IGNORECASE)


def link_allowed(url: str) -> bool:
    """True for http, https and mailto links (with something after the scheme) and for
    relative ones (no scheme), judged as a browser reads the link: percent-decoded, tabs,
    newlines and controls dropped, so that `java&#x09;script:` (which reaches here as
    `java%09script:`) is refused. The validator and the renderers all ask this."""
    bare = _CONTROL.sub("", unquote(url))
    match = _SCHEME.match(bare)
    return match is None or (match[1].lower() in LINK_SCHEMES and len(bare) > len(match[0]))


def web_address_ok(url: str) -> bool:
    """A source's url: an http or https address naming a host ("https://" alone, or
    "http://[::1" cut short, is none), or a mailto address with something after the scheme."""
    text = url.strip()
    match = _SCHEME.match(text)
    if not match or match[1].lower() not in LINK_SCHEMES or len(text) <= len(match[0]):
        return False
    return match[1].lower() == "mailto" or _WEB_HOST.match(text) is not None


# an http(s) address's start: its host (a name, or an IPv6 address in brackets), then its port,
# path, query or nothing (urllib's urlsplit says the same 20 times slower: 100,000 sources)
_WEB_HOST = re.compile(r"(?i)https?://(?:[^/?#@\s]*@)?(?:\[[0-9a-f:.]+\]|[^/?#:@\[\]\s]+)(?::\d*)?(?:[/?#]|$)")
