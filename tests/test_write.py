"""Every output of a build goes through MkDocs: the plugin hands each file over in on_files
and writes nothing into site/ itself (only the safety marker), so `--dirty`, `serve` and
other plugins see the whole site."""

from __future__ import annotations

from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

from sitegen.build import MARKER

INCIDENT = "id: {id}\ndate: {date}\ntitle: T {id}\ntype: battle\ncountry: NE\nlocation: Kandadji\nlat: 14.62\nlon: 0.98\n"


def _site(tmp_path: Path) -> Path:
    (tmp_path / "content/incidents").mkdir(parents=True)
    (tmp_path / "content/briefs").mkdir()
    (tmp_path / "content/incidents/a.yaml").write_text(INCIDENT.format(id="a", date="2023-09-20"))
    (tmp_path / "content/briefs/2023-W38.md").write_text("---\ntitle: W38\n---\nA week. {{ map() }}\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\nsite_url: https://example.org/\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        "plugins:\n  - sitegen:\n      tiles: false\n"
    )
    return tmp_path


def test_every_file_is_handed_to_mkdocs_and_none_written_behind_its_back(tmp_path, monkeypatch):
    site = _site(tmp_path)
    monkeypatch.chdir(site)
    cfg = load_config(str(site / "mkdocs.yml"))
    cfg.plugins.on_startup(command="build", dirty=False)
    handed: list[str] = []
    plugin = cfg.plugins["sitegen"]
    real_on_files = plugin.on_files

    def on_files(files, config):
        files = real_on_files(files, config=config)
        handed.extend(f.dest_uri for f in files)
        # MkDocs has not written anything yet: only the marker is there
        assert [p.name for p in Path(config.site_dir).iterdir()] == [MARKER]
        return files

    monkeypatch.setattr(plugin, "on_files", on_files)
    cfg.plugins.events["files"] = [on_files]
    build(cfg)
    cfg.plugins.on_shutdown()
    for uri in ("data/incidents.csv", "data/datapackage.json", "robots.txt", "feed.xml", "fr/feed.xml",
                "search/index/meta.json", "fr/search/index/meta.json", "fr/404.html", "weeks/2023-W38/incidents.csv",
                "assets/maps/recent.geojson", "assets/maps/recent.fr.geojson", "weeks/2023-W38/index.html"):
        assert uri in handed, uri
    written = {str(p.relative_to(site / "site")) for p in (site / "site").rglob("*") if p.is_file()}
    # MkDocs' own outputs: the sitemap and the theme's static templates (the first edition's
    # 404.html, the event types' stylesheet); and the marker
    assert written - set(handed) == {MARKER, "sitemap.xml", "sitemap.xml.gz", "404.html", "assets/types.css"}
