"""Skeletons for editors: `sitegen new incident`, `sitegen new brief`, `sitegen init`.
Nothing here ever overwrites a file."""

from __future__ import annotations

import datetime as dt
import re
import os
import shutil
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sitegen import __version__
from sitegen.config import SiteConfig
from sitegen.model import IsoWeek
from sitegen.write import umask

SKELETONS = Path(__file__).parent / "skeletons"
_ENV = Environment(loader=FileSystemLoader(SKELETONS), undefined=StrictUndefined, keep_trailing_newline=True)


def theme_dir() -> Path:
    """The folder of the installed theme (`theme: {name: sitegen}`; templates/ in the repository)."""
    from sitegen import theme

    return Path(theme.__file__).parent


def _brief_of(config: SiteConfig, week: IsoWeek) -> Path | None:
    """A brief of the default language already written for `week` in any folder of briefs/:
    named for the week (content/briefs/2023/2023-W40.md) or saying it in its front matter
    (`week: 2023-W40`), if there is one. A brief whose front matter has problems counts too:
    once they are fixed, the week would have two."""
    from sitegen.read.briefs import read_brief_anyway

    if not config.briefs_dir.is_dir():
        return None
    for path in sorted(config.briefs_dir.rglob("*.md")):
        if "." in path.stem or not path.is_file():  # translations are `<week>.<lang>.md`
            continue
        if path.stem == str(week):
            return path
        brief, _ = read_brief_anyway(path, str(path))
        if brief is not None and brief.week == week and not brief.lang:
            return path
    return None


def _write_new(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
        handle.write(text)
    return path


def _schema_url(config: SiteConfig, from_dir: Path) -> str:
    if config.site_url:
        return f"{config.site_url}data/incident.schema.json"
    return os.path.relpath(config.site_dir / "data" / "incident.schema.json", from_dir)


class IdTaken(FileExistsError):
    """An incident id that another incident of the site already has, at `path`:`line`;
    `suggestion` is the first free one after it."""

    def __init__(self, incident_id: str, path: Path, line: int, suggestion: str):
        super().__init__(0, "id", str(path))
        self.incident_id, self.path, self.line, self.suggestion = incident_id, path, line, suggestion


# `id:` as a key (block or flow, quoted or not) and the rest of its line
_ID_KEY = re.compile(rb"""(?:^|[\s{,])["']?id["']?[ \t]*:([^\n]*)""", re.MULTILINE)
_TOKEN = re.compile(rb"[a-z0-9][a-z0-9-]*")
_LATER_LINES = re.compile(rb"[ \t\r]*(?:[|>][^\n]*|&\S+[ \t\r]*|!\S*[ \t\r]*)*(?:#[^\n]*)?")  # the value is on the next lines


class _IncidentIds:
    """Which of the ids starting with `prefix` the site's incidents take, as `sitegen validate`
    reads them (any folder of incidents/, list files too), without parsing 100,000 files:
    only the files that hold `prefix` are looked at, their `id:` lines say which may take
    which id, and only those are read as YAML."""

    def __init__(self, config: SiteConfig, prefix: str):
        self._maybe: dict[str, list[Path]] = {}
        self._always: list[Path] = []  # files where an `id:` has its value on the next lines
        self._read: dict[Path, dict[str, int]] = {}
        needle = prefix.encode()
        for path in _incident_files(config.incidents_dir):
            if path.stem.startswith(prefix):  # a one-incident file without `id:` takes its name
                self._maybe.setdefault(path.stem, []).append(path)
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if needle not in data:
                continue
            for match in _ID_KEY.finditer(data):
                rest = match[1]
                if _LATER_LINES.fullmatch(rest):
                    self._always.append(path)
                for token in set(_TOKEN.findall(rest)):
                    self._maybe.setdefault(token.decode(), []).append(path)

    def where(self, incident_id: str) -> tuple[Path, int] | None:
        """The file and line of the incident that has `incident_id` (which starts with the
        prefix), if one has."""
        for path in (*self._maybe.get(incident_id, ()), *self._always):
            line = self._ids_of(path).get(incident_id)
            if line is not None:
                return path, line
        return None

    def _ids_of(self, path: Path) -> dict[str, int]:
        if path not in self._read:
            self._read[path] = _ids_in(path)
        return self._read[path]


def _incident_files(folder: Path) -> list[Path]:
    """The files sitegen.read reads as incidents (`.yaml`, `.yml` under `folder`, in folders
    that are not links), listed with one scandir a folder: Path.rglob stats each file."""
    from sitegen.read import INCIDENT_SUFFIXES

    found, folders = [], [folder]
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif os.path.splitext(entry.name)[1].lower() in INCIDENT_SUFFIXES and entry.is_file():
                    found.append(Path(entry.path))
    return sorted(found)


def _ids_in(path: Path) -> dict[str, int]:
    """{id: line} of a file's incidents: a mapping's `id` or its file's name, each `id` of a
    list. A file that cannot be read as YAML takes every id its `id:` lines and its name
    suggest: once fixed, it will."""
    from sitegen.read.incidents import ids_in
    from sitegen.read.yamlfile import compose, read_text

    text, problem = read_text(path, str(path))
    node = None
    if text is not None:
        node, problem = compose(text, str(path))
    if problem is not None:
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        guessed = {path.stem: 1}
        for match in _ID_KEY.finditer(data):
            for token in _TOKEN.findall(match[1]):
                guessed.setdefault(token.decode(), data.count(b"\n", 0, match.start(1)) + 1)
        return guessed
    return ids_in(node, path.stem)


def new_incident(config: SiteConfig, day: dt.date, incident_id: str | None = None) -> Path:
    """A new incident file in incidents/<year>/, with `incident_id` or, without one, the first
    id free after `<date>-new-incident`. An id no other incident of the site has (else
    IdTaken, naming the one that has it), in a file that did not exist."""
    folder = config.incidents_dir / str(day.year)
    base = incident_id or f"{day.isoformat()}-new-incident"
    taken = _IncidentIds(config, base)  # base and base-2, base-3, ... are all it is asked

    def free_after(start: int) -> str:
        n = start
        while True:
            stem = base if n == 1 else f"{base}-{n}"
            if taken.where(stem) is None and not (folder / f"{stem}.yaml").exists():
                return stem
            n += 1

    if incident_id is not None and (found := taken.where(incident_id)) is not None:
        raise IdTaken(incident_id, found[0], found[1], free_after(2))
    stem = free_after(1)
    text = _ENV.get_template("incident.yaml").render(
        id=incident_id or stem,
        date=day.isoformat(),
        types=" | ".join(e.slug for e in config.event_types),
        first_type=config.event_types[0].slug,
        schema_url=_schema_url(config, folder),
    )
    return _write_new(folder / f"{stem}.yaml", text)


def new_brief(config: SiteConfig, week: IsoWeek) -> Path:
    path = config.briefs_dir / f"{week}.md"
    if path.exists():
        raise FileExistsError(0, "exists", str(path))
    if (other := _brief_of(config, week)) is not None:  # a brief named otherwise that says it is this week's
        raise FileExistsError(0, "week", str(other))
    text = _ENV.get_template("brief.md").render(monday=week.monday.isoformat(), sunday=week.sunday.isoformat())
    return _write_new(path, text)


# skeleton (under skeletons/site/) -> where `sitegen init` writes it; dotfiles are kept
# without their dot in the package, where wheels would drop them
_SITE_FILES = (
    ("mkdocs.yml", "mkdocs.yml"),
    ("requirements.txt", "requirements.txt"),
    ("gitignore", ".gitignore"),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("workflows/publish.yml", ".github/workflows/publish.yml"),
    ("overrides-README.md", "overrides/README.md"),
)
# not ours to render: GitHub's ${{ }} expressions, the theme's Jinja examples
_VERBATIM = ("workflows/publish.yml", "overrides-README.md")


def init_site(target: Path, name: str = "Weekly security briefs") -> None:
    """Write a new site into `target` (absent or empty) that builds as is with the installed
    sitegen. It is made in a staging folder beside `target` and moved there whole, so a
    failure leaves nothing behind."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(0, "not empty", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-init-", dir=target.parent))
    try:
        for skeleton, dest in _SITE_FILES:
            if skeleton in _VERBATIM:
                text = (SKELETONS / "site" / skeleton).read_text(encoding="utf-8")
            else:
                text = _ENV.get_template(f"site/{skeleton}").render(name=name, version=__version__)
            _write_new(staging / dest, text)
        config = SiteConfig(docs_dir=staging / "content", site_dir=staging / "site")
        config.incidents_dir.mkdir(parents=True)
        yesterday = dt.date.today() - dt.timedelta(days=1)
        new_incident(config, yesterday, incident_id="example-incident")
        brief = new_brief(config, IsoWeek.of(yesterday))
        published = re.sub(r"(?m)^status: draft\b.*$", "status: published", brief.read_text(encoding="utf-8"), count=1)
        brief.write_text(published, encoding="utf-8")
        staging.chmod(0o777 & ~umask())
        if target.exists():
            target.rmdir()  # empty, checked above
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

