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
    """A brief of the default language already written for `week` under another name
    (`week: 2023-W40` in its front matter), if there is one."""
    from sitegen.read.briefs import read_brief

    if not config.briefs_dir.is_dir():
        return None
    for path in sorted(config.briefs_dir.rglob("*.md")):
        if path.stem.count(".") == 0 and path.stem != str(week):  # translations are `<week>.<lang>.md`
            brief, _ = read_brief(path, str(path))
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


def new_incident(config: SiteConfig, day: dt.date, incident_id: str | None = None) -> Path:
    folder = config.incidents_dir / str(day.year)
    base = incident_id or f"{day.isoformat()}-new-incident"
    n = 1
    while True:
        stem = base if n == 1 else f"{base}-{n}"
        path = folder / f"{stem}.yaml"
        if not path.exists():
            break
        n += 1
    text = _ENV.get_template("incident.yaml").render(
        id=stem,
        date=day.isoformat(),
        types=" | ".join(e.slug for e in config.event_types),
        first_type=config.event_types[0].slug,
        schema_url=_schema_url(config, folder),
    )
    return _write_new(path, text)


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
_VERBATIM = ("workflows/publish.yml",)  # GitHub's ${{ }} expressions are not ours to render


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

