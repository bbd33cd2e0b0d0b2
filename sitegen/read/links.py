"""Symbolic links inside content/: one that leads outside the site's folder (or nowhere)
is an error at its path, and what it points to is never read nor published."""

from __future__ import annotations

import os
from pathlib import Path


def bad_links(docs_dir: Path, root: Path) -> dict[Path, str]:
    """{link path under docs_dir: "outside" | "dangling"} for every link whose target is
    not a file or folder inside `root`, found through links to folders inside it too."""
    root_real = os.path.realpath(root)
    docs_real = os.path.realpath(docs_dir)
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
                    elif not (_inside(target, root_real) or _inside(target, docs_real)):
                        found[Path(entry.path)] = "outside"
                    elif os.path.isdir(target):
                        stack.append(entry.path)
                elif entry.is_dir():
                    stack.append(entry.path)
            except OSError:
                found[Path(entry.path)] = "dangling"
    return found


def is_published_safely(path: Path, root: Path, docs_dir: Path | None = None) -> bool:
    """True if the file at `path` (a link or not) is a file inside `root` (or inside
    `docs_dir`, which mkdocs.yml may place elsewhere)."""
    target = os.path.realpath(path)
    folders = [root] if docs_dir is None else [root, docs_dir]
    return os.path.isfile(target) and any(_inside(target, os.path.realpath(f)) for f in folders)


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)
