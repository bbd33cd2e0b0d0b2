"""What of content/ the site publishes, and as what: its folders and files read by the
build (never copied), the editors' pages' translations (`about.fr.md`) and the pages named
for no edition (`about.de.md`: never published, see misnamed), and symbolic links: one that
leads outside the site's folder (or nowhere) is an error at its path, and what it points to
is never read nor published."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Container
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from sitegen import messages
from sitegen.messages import t

if TYPE_CHECKING:
    from sitegen.config import SiteConfig

# docs_dir's content, which the build reads and never copies into the site as it is
CONTENT_DIRS = ("incidents/", "briefs/")
CONTENT_FILES = ("places.yaml",)


def bad_links(docs_dir: Path, root: Path) -> dict[Path, str]:
    """{link path under docs_dir: "outside" | "dangling"} for every link whose target is
    not a file or folder inside `root` (or docs_dir), found through links to folders
    inside them too."""
    roots = _roots(docs_dir, root)
    found: dict[Path, str] = {}
    if not docs_dir.is_dir():
        return found
    seen: set[str] = set()
    stack = [str(docs_dir)]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:  # a loop of links, or two links to one folder
            continue
        seen.add(real)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not os.path.exists(target):
                        found[Path(entry.path)] = "dangling"
                    elif not any(_inside(target, r) for r in roots):
                        found[Path(entry.path)] = "outside"
                    elif os.path.isdir(target):
                        stack.append(entry.path)
                elif entry.is_dir():
                    stack.append(entry.path)
            except OSError:
                found[Path(entry.path)] = "dangling"
    return found


def is_published_safely(path: Path, docs_dir: Path, root: Path) -> bool:
    """True if the file at `path` (a link or not) is a file inside docs_dir or `root`."""
    target = os.path.realpath(path)
    return os.path.isfile(target) and any(_inside(target, r) for r in _roots(docs_dir, root))


def _roots(docs_dir: Path, root: Path) -> tuple[str, ...]:
    """The site's folder (that of its configuration) and docs_dir, wherever that is."""
    return os.path.realpath(root), os.path.realpath(docs_dir)


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def translation_of(uri: str, langs) -> tuple[str, str] | None:
    """(the original's path, the language) of a page's translation, for a language of
    `langs`: 'guide/about.fr.md' -> ('guide/about.md', 'fr'); None for any other file."""
    folder, name = posixpath.split(uri)
    stem, dot, lang = name.removesuffix(".md").rpartition(".")
    if not name.endswith(".md") or not dot or not stem or lang not in langs:
        return None
    return posixpath.join(folder, stem + ".md"), lang


def page_path(uri: str) -> str:
    """The site's path of the page of docs_dir's Markdown file at `uri` (guide/index.md and
    guide/README.md -> guide/, about.md -> about/, index.md -> '')."""
    folder, name = posixpath.split(uri[:-3])
    return (f"{folder}/" if name in ("index", "README") else f"{uri[:-3]}/").lstrip("/")


def misnamed(uri: str, site: SiteConfig, sources: Container[str]) -> str | None:
    """The warning for a page named as a translation into none of the site's editions, which
    MkDocs would publish as a page of its own (/about.de/, in the default language's edition):
    About.FR.md (the language in capitals), about.en.md (the default language's, whose pages
    have no language in their names), about.de.md beside about.md (a language the site has
    not; `sources`: every file's src_uri); None for any other page (about.fr.md, how-to.md,
    notes.v2.md, and how.to.md where there is no how.md: "to" is Tongan's code), for a page
    of an edition's own folder (fr/x.de.md) and on a site of one language (MkDocs' pages, as named).
    The build refuses the page (sitegen.plain_pages), validate says it, a brief's link to it
    leads to nothing."""
    others = site.languages[1:]
    if not others or uri.startswith(tuple(site.prefix(lang) for lang in others)):
        return None
    folder, name = posixpath.split(uri)
    stem, dot, code = name.removesuffix(".md").rpartition(".")
    if not dot or not stem or code in others:
        return None
    if (lang := code.lower()) in others:
        return t("page.language_case", page=uri, name=posixpath.join(folder, f"{stem}.{lang}.md"))
    if lang == site.default_language:
        name = posixpath.join(folder, f"{stem}.md")
        return t("page.default_language", page=uri, language=t(f"language.{lang}"), name=name)
    if posixpath.join(folder, f"{stem}.md") in sources and (language := language_name(code)) is not None:
        return t("page.unknown_language", page=uri, language=language, code=code, languages=", ".join(site.languages))
    return None


class DocsFiles(Container[str]):
    """docs_dir's files by their paths from it (misnamed()'s `sources` where MkDocs' list of
    files is not at hand: validate, a brief's links), and the home page, index.md, which
    sitegen makes on every site."""

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir

    def __contains__(self, uri: object) -> bool:
        if uri == "index.md":
            return True
        try:
            return isinstance(uri, str) and (self.docs_dir / uri).is_file()
        except OSError:  # a name too long, a folder that cannot be read
            return False


def language_name(code: str) -> str | None:
    """The name of the language of `code` ("de", "pt-BR") in the command line's language;
    None if `code` is not a language's (v2, 2023, a former code: "in" is Indonesian's "id")."""
    if not re.fullmatch(r"[A-Za-z]{2}(?:[-_][A-Za-z0-9]{2,8})*", code):
        return None
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return locale.get_display_name(messages.LANGUAGE) if locale.language == code[:2].lower() else None
