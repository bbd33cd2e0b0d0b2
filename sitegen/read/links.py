"""What of content/ the site publishes, and as what: its folders and files read by the
build (never copied), the editors' pages' translations (`about.fr.md`), and symbolic
links: one that leads outside the site's folder (or nowhere) is an error at its path, and
what it points to is never read nor published."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

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
