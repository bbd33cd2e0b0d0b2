"""Skeletons for editors: `sitegen new incident`, `sitegen new brief`, `sitegen init`.
Nothing here ever overwrites a file."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sitegen.config import SiteConfig
from sitegen.model import IsoWeek

SKELETONS = Path(__file__).parent / "skeletons"
_ENV = Environment(loader=FileSystemLoader(SKELETONS), undefined=StrictUndefined, keep_trailing_newline=True)


def theme_dir() -> Path:
    """The theme shipped with sitegen: templates/ beside the package (source checkout or
    editable install), else a copy inside the package."""
    for candidate in (Path(__file__).parent.parent / "templates", Path(__file__).parent / "theme"):
        if (candidate / "main.html").exists():
            return candidate
    raise FileNotFoundError("sitegen theme not found")


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
        schema_url=_schema_url(config, folder),
    )
    return _write_new(path, text)


def new_brief(config: SiteConfig, week: IsoWeek) -> Path:
    path = config.briefs_dir / f"{week}.md"
    if path.exists():
        raise FileExistsError(0, "exists", str(path))
    text = _ENV.get_template("brief.md").render(monday=week.monday.isoformat(), sunday=week.sunday.isoformat())
    return _write_new(path, text)


def init_site(target: Path, name: str = "Weekly security briefs") -> None:
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(0, "not empty", str(target))
    target.mkdir(parents=True, exist_ok=True)
    _write_new(target / "mkdocs.yml", _ENV.get_template("mkdocs.yml").render(name=name))
    shutil.copytree(theme_dir(), target / "templates")
    config = SiteConfig(docs_dir=target / "content", site_dir=target / "site")
    (config.incidents_dir).mkdir(parents=True)
    today = dt.date.today()
    new_incident(config, today - dt.timedelta(days=1), incident_id="example-incident")
    brief = new_brief(config, IsoWeek.of(today - dt.timedelta(days=1)))
    brief.write_text(brief.read_text(encoding="utf-8").replace("status: draft ", "status: published"), encoding="utf-8")
