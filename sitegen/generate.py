"""Render stage, site level: from the aggregated model to the pages and files of site/.

Pages are described by PageSpec (which template, what data); the plugin hands them to
MkDocs as generated files. Data files are bytes, ready to write. Nothing here imports
MkDocs, so every piece tests without a build.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sitegen import geo
from sitegen.aggregate import Country, SiteModel, Week
from sitegen.cache import BuildCache, digest
from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.model import Incident, IsoWeek
from sitegen.read.schema import incident_schema
from sitegen.render import charts, datapackage, exports, feed, maps, search

HOME_MAP_GEOJSON = "assets/maps/recent.geojson"
BUSY_WEEK = 100  # incidents; above this, week pages keep their HTML light
CHANGES_LIMIT = 200  # the most recent revisions on /changes/ and in changes.xml


@dataclass
class PageSpec:
    """One generated page: its source path in MkDocs, its theme template and its data."""

    src_uri: str
    template: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)
    markdown: str = ""
    week: Week | None = None

    @property
    def url(self) -> str:
        """Directory URL of the page, relative to the site root ('' for the home page)."""
        stem = self.src_uri.removesuffix(".md")
        if stem == "index":
            return ""
        return stem.removesuffix("/index") + "/"

    def relative(self, target: str) -> str:
        """`target` (relative to the site root) as seen from this page."""
        base = self.url or "."
        rel = posixpath.relpath(target or ".", base)
        return rel + "/" if target.endswith("/") and not rel.endswith("/") else rel


def week_uri(week: IsoWeek) -> str:
    return f"weeks/{week}/"


def incident_url(incident: Incident) -> str:
    return f"weeks/{incident.week}/#{incident.id}"


class SiteGenerator:
    """Plans every generated page and writes every data file for one build."""

    def __init__(self, model: SiteModel, config: SiteConfig, cache: BuildCache | None = None):
        self.model = model
        self.config = config
        self.cache = cache or BuildCache(None, "")
        # what each week's outputs depend on: its incidents (and the salt of the cache)
        self.week_keys = {w.week: digest(w.incidents) if cache else "" for w in model.weeks}
        self.all_key = digest(*self.week_keys.values()) if cache else ""
        self.map_options = maps.MapOptions(tiles_url=config.tiles_url, attribution=config.tiles_attribution)
        self.restricted = frozenset(config.restricted_licences)

    def downloadable(self, incidents: list[Incident]) -> list[Incident]:
        """The incidents whose licence lets them into the downloads (CSV, GeoJSON, JSON)."""
        if not self.restricted:
            return incidents
        return [i for i in incidents if i.licence not in self.restricted]

    def filtered(self, incidents: list[Incident], country: str | None = None, type: str | None = None) -> tuple[str, list[Incident]]:  # noqa: A002
        """(a key naming the filter, the incidents of `country` and of event `type`) for a
        brief's `map(country=..., type=...)` and `incidents_table(...)`; ValueError names a bad filter."""
        key = []
        if country is not None:
            code = geo.normalise_country(str(country))
            if code is None:
                raise ValueError(t("brief.unknown_filter_country", value=country))
            incidents = [i for i in incidents if i.country == code]
            key.append(code.lower())
        if type is not None:
            slug_of = {e.slug: e.slug for e in self.model.event_types} | {e.label.lower(): e.slug for e in self.model.event_types}
            slug = slug_of.get(str(type)) or slug_of.get(str(type).lower())
            if slug is None:
                choices = ", ".join(e.slug for e in self.model.event_types)
                raise ValueError(t("brief.unknown_filter_type", value=type, choices=choices))
            incidents = [i for i in incidents if i.type == slug]
            key.append(slug)
        return "-".join(key) or "all", incidents

    def filtered_map(self, spec: PageSpec, key: str, incidents: list[Incident]) -> maps.MapFragment:
        return self._map_for(spec, f"map-{spec.week.week if spec.week else 'page'}-{key}", incidents=incidents)

    def withheld(self) -> list[tuple[str, int]]:
        """(licence, incidents left out of the downloads), most first."""
        counts = Counter(i.licence for i in self.model.incidents if i.licence in self.restricted)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def files(self) -> dict[str, bytes | Path]:
        """Every data file of the site (downloads, map data), by path under site/. May run
        in a process of its own: it forgets the cache entries it did not use itself."""
        files = self._files()
        self.cache.prune()
        return files

    def pages(self) -> dict[str, PageSpec]:
        pages: dict[str, PageSpec] = {}
        for spec in (
            self._home(),
            self._archive(),
            *self._weeks(),
            self._countries_index(),
            *self._countries(),
            self._data_page(),
            self._changes_page(),
            self._search_page(),
        ):
            pages[spec.src_uri] = spec
        return pages

    # --- pages ---------------------------------------------------------------------

    def _map_for(
        self, spec: PageSpec, map_id: str, incidents: list[Incident], data_file: str = "", key: str = ""
    ) -> maps.MapFragment:
        """The map of a page; with `key` (what its incidents depend on), kept in the build cache."""
        if not key:
            return self._make_map(spec, map_id, incidents, data_file)
        cached = self.cache.get(
            "maps", f"{key}:{spec.url}:{map_id}:{data_file}",
            lambda: maps.fragment_bytes(self._make_map(spec, map_id, incidents, data_file)),
        )  # fmt: skip
        return maps.fragment_from_bytes(cached)

    def _make_map(self, spec: PageSpec, map_id: str, incidents: list[Incident], data_file: str) -> maps.MapFragment:
        # every incident of a week page is on that page: its popup links to the anchor only
        here = spec.url
        features = maps.incident_features(
            incidents,
            self.model.event_types,
            lambda i: f"#{i.id}" if incident_url(i).startswith(here + "#") else spec.relative(incident_url(i)),
            summary_chars=0 if data_file else maps.SUMMARY_CHARS,
        )
        return maps.render_map(
            map_id,
            features,
            data_url=spec.relative(data_file) if data_file else None,
            event_types=self.model.event_types,
            options=self.map_options,
        )

    def _home(self) -> PageSpec:
        latest = self.model.latest
        spec = PageSpec("index.md", "home.html", self.config.site_name)
        spec.data.update(
            latest=latest,
            recent_weeks=list(reversed(self.model.weeks[-8:])),
            totals=self.model.totals,
            countries=self.model.countries,
        )
        if latest is not None:
            recent = self.model.recent_incidents(self.config.recent_weeks)
            spec.data["map"] = self._map_for(spec, "map-home", recent, data_file=HOME_MAP_GEOJSON)
            weeks = self.model.weeks
            spec.data["trend_chart"] = charts.week_trend(
                "chart-trend-all",
                "trend",
                [(w.week, w.stats.incidents) for w in weeks],
                [(w.week, w.stats.fatalities) for w in weeks],
                weeks=26,
            )
        return spec

    def _archive(self) -> PageSpec:
        spec = PageSpec("weeks/index.md", "weeks.html", t("page.weeks"))
        newest_first = list(reversed(self.model.weeks))
        spec.data["years"] = [(year, list(items)) for year, items in groupby(newest_first, key=lambda w: w.week.year)]
        return spec

    def _weeks(self) -> list[PageSpec]:
        specs = []
        for week in self.model.weeks:
            title = week.title or t("page.week", week=week.week)
            spec = PageSpec(f"weeks/{week.week}.md", "week.html", title, week=week)
            spec.markdown = week.brief.body if week.brief else ""
            busy = len(week.incidents) > BUSY_WEEK
            spec.data.update(
                week=week,
                busy=busy,
                # a busy week's map data is a file of its own, so the page stays light
                map=self._map_for(
                    spec,
                    f"map-{week.week}",
                    week.incidents,
                    data_file=f"weeks/{week.week}/map.geojson" if busy else "",
                    key=self.week_keys[week.week],
                ),
                type_chart=charts.bar_chart(
                    "chart-types",
                    "type",
                    [(self._type_label(slug), n, self._type_colour(slug)) for slug, n in week.stats.type_counts],
                ),
                downloads=[
                    ("csv", spec.relative(f"weeks/{week.week}/incidents.csv")),
                    ("geojson", spec.relative(f"weeks/{week.week}/incidents.geojson")),
                ],
                withheld=len(week.incidents) - len(self.downloadable(week.incidents)),
                data_url=spec.relative("data/") + "#licence",
            )
            specs.append(spec)
        return specs

    def _countries_index(self) -> PageSpec:
        spec = PageSpec("countries/index.md", "countries.html", t("page.countries"))
        spec.data["countries"] = self.model.countries
        spec.data["country_chart"] = charts.bar_chart(
            "chart-countries", "country", [(c.name, c.stats.incidents, None) for c in self.model.countries]
        )
        return spec

    def _countries(self) -> list[PageSpec]:
        specs = []
        for country in self.model.countries:
            spec = PageSpec(f"countries/{country.slug}.md", "country.html", country.name)
            weekly = country.weekly[-52:]
            spec.data.update(
                country=country,
                latest=country.incidents[:20],
                trend_chart=charts.week_trend(
                    "chart-trend", "trend", [(w.week, w.incidents) for w in weekly], [(w.week, w.fatalities) for w in weekly]
                ),
                admin1_chart=charts.bar_chart(
                    "chart-admin1", "admin1", [(name, n, None) for name, n, _ in country.by_admin1]
                ),
                map=self._map_for(
                    spec,
                    f"map-{country.slug}",
                    self._country_map_incidents(country),
                    data_file=self._country_geojson(country),
                ),
            )
            specs.append(spec)
        return specs

    def _data_page(self) -> PageSpec:
        spec = PageSpec("data/index.md", "data.html", t("page.data"))
        withheld = self.withheld()
        spec.data.update(
            fields=exports.FIELD_DOCS,
            totals=self.model.totals,
            downloadable=len(self.model.incidents) - sum(n for _, n in withheld),
            withheld=withheld,
            licence=self.config.data_licence,
            last_update=self.model.last_update,
            site_url=self.config.site_url,
            # sizes are filled in once the files are written (fill_file_sizes)
            size_marks={name: size_mark(name) for name in datapackage.DOWNLOADS},
        )
        return spec

    def _changes_page(self) -> PageSpec:
        spec = PageSpec("changes/index.md", "changes.html", t("page.changes"))
        spec.data.update(revisions=self.model.revisions[:CHANGES_LIMIT], total=len(self.model.revisions))
        return spec

    def _search_page(self) -> PageSpec:
        return PageSpec("search/index.md", "search.html", t("page.search"))

    def _type_label(self, slug: str) -> str:
        return next((e.label for e in self.model.event_types if e.slug == slug), slug)

    def _type_colour(self, slug: str) -> str | None:
        return next((e.colour for e in self.model.event_types if e.slug == slug), None)

    def _country_map_incidents(self, country: Country) -> list[Incident]:
        recent = self.model.recent_incidents(self.config.recent_weeks)
        return [i for i in recent if i.country == country.code] or country.incidents[:200]

    @staticmethod
    def _country_geojson(country: Country) -> str:
        return f"assets/maps/{country.slug}.geojson"

    # --- files ---------------------------------------------------------------------

    def _files(self) -> dict[str, bytes | Path]:
        model, types = self.model, self.model.event_types
        exporter = exports.Exporter(types)
        cached = self.cache.get

        def whole_site(kind: str, make: Callable[[], str]) -> bytes | Path:
            # hundreds of MB at scale: linked from the cache, never read back into memory
            return self.cache.file(kind, self.all_key, lambda: make().encode()) or make().encode()

        public = self.downloadable(model.incidents)
        files: dict[str, str | bytes | Path] = {
            "data/incidents.csv": whole_site("all-csv", lambda: exporter.csv(public)),
            "data/incidents.geojson": whole_site("all-geojson", lambda: exporter.geojson(public)),
            "data/incidents.json": whole_site("all-json", lambda: exporter.json(public)),
            "data/incident.schema.json": exports.dump_json(incident_schema(types, self.config.site_url)),
        }
        sizes = {name: _size(files[f"data/{name}"]) for name in datapackage.DOWNLOADS}
        package = datapackage.data_package(self.config, public, self.withheld(), sizes, model.last_update)
        files["data/datapackage.json"] = json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        files["robots.txt"] = robots_txt(self.config.site_url)
        files["changes.xml"] = feed.render_changes_feed(
            model.revisions[:CHANGES_LIMIT], self.config.site_url, self.config.site_name
        )
        for week in model.weeks:
            key, mine = self.week_keys[week.week], self.downloadable(week.incidents)
            files[f"weeks/{week.week}/incidents.csv"] = cached("csv", key, lambda: exporter.csv(mine).encode())
            files[f"weeks/{week.week}/incidents.geojson"] = cached("geojson", key, lambda: exporter.geojson(mine).encode())
        for week in model.weeks:
            if len(week.incidents) > BUSY_WEEK:  # map data of busy weeks, shown from the week page
                files[f"weeks/{week.week}/map.geojson"] = exports.dump_json(
                    maps.map_geojson(week.incidents, types, lambda i: f"#{i.id}", summary_chars=0)
                )
        recent = model.recent_incidents(self.config.recent_weeks)
        # popup links are relative to the page that shows the map: home at /, countries two levels down
        files[HOME_MAP_GEOJSON] = exports.dump_json(maps.map_geojson(recent, types, incident_url))
        files[maps.OUTLINES_FILE] = exports.dump_json(maps.outlines_geojson())
        for country in model.countries:
            mine = self._country_map_incidents(country)
            files[self._country_geojson(country)] = exports.dump_json(
                maps.map_geojson(mine, types, lambda i: "../../" + incident_url(i))
            )
        return {uri: data.encode("utf-8") if isinstance(data, str) else data for uri, data in files.items()}

    def feed(self, brief_html: dict[IsoWeek, str], env=None) -> bytes:
        briefs = [w.brief for w in self.model.weeks if w.brief and w.brief.is_published]
        return feed.render_feed(briefs, self.config.site_url, self.config.site_name, brief_html, env=env).encode("utf-8")

    def search_index(self, brief_text: dict[IsoWeek, tuple[str, str]]) -> bytes:
        def make() -> bytes:
            index = search.search_index(self.model.incidents, brief_text, incident_url, week_uri)
            return exports.dump_json(index).encode("utf-8")

        key = digest(self.all_key, sorted(brief_text.items())) if self.all_key else ""
        return self.cache.get("search", key, make)


def robots_txt(site_url: str) -> str:
    """Everything may be crawled; the sitemap is named only with an absolute address."""
    lines = ["User-agent: *", "Allow: /"]
    if site_url:
        lines += ["", f"Sitemap: {site_url}sitemap.xml"]
    return "\n".join(lines) + "\n"


def size_mark(name: str) -> str:
    """Where the data page shows a download's size, filled in once the file is written."""
    return f"<!--sg-size:{name}-->"


def fill_file_sizes(site_dir: Path) -> None:
    """Replace the size marks of every data page (each language's) with the files' sizes."""
    for page in sorted(site_dir.glob("**/data/index.html")):
        text = page.read_text(encoding="utf-8")
        if "<!--sg-size:" not in text:
            continue
        for name in datapackage.DOWNLOADS:
            target = site_dir / "data" / name
            size = target.stat().st_size if target.exists() else 0
            text = text.replace(size_mark(name), human_size(size))
        page.write_text(text, encoding="utf-8")


def human_size(size: int) -> str:
    if size < 1000:
        return t("size.bytes", n=size)
    if size < 1_000_000:
        return t("size.kb", n=f"{size / 1000:.1f}")
    return t("size.mb", n=f"{size / 1_000_000:.1f}")


def _size(data: str | bytes | Path) -> int:
    if isinstance(data, Path):
        return data.stat().st_size
    return len(data.encode("utf-8")) if isinstance(data, str) else len(data)
