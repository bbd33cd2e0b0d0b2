"""Plan stage: from the aggregated model to the pages and files of site/.

Pages are described by PageSpec (which template, what data), immutable once planned;
sitegen.pipeline renders the briefs into them and hands everything to MkDocs as generated
files. Data files are bytes (or a cache entry's path), ready to hand over. Nothing here
imports MkDocs, so every piece tests without a build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.metadata
import json
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from dataclasses import dataclass, field
from itertools import groupby
from types import MappingProxyType
from typing import Any

import msgspec

from sitegen.aggregate import Country, SiteModel, Stats, Week
from sitegen.cache import BuildCache, digest
from sitegen.config import SiteConfig
from sitegen import geo, i18n, search_job, urls
from sitegen.memo import NO_MEMO, NoMemo, RecordMemo
from sitegen.messages import translate
from sitegen.model import Brief, Incident, IsoWeek
from sitegen.read.schema import incident_schema
from sitegen.render.brief import brief_filter
from sitegen.render import charts, datapackage, exports, feed, maps, search
from sitegen.urls import HOME_MAP_GEOJSON, incident_url, week_uri

MAP_DATA = "map-data"  # the cache files of map data (busy weeks, home, countries), linked into the site
BUSY_WEEK = 100  # incidents; above this, week pages keep their HTML light
CHANGES_LIMIT = 200  # the most recent revisions on /changes/ and in changes.xml
WEEK_FILES = ("csv", "geojson", "json")  # each week's downloads: cache entries "week-<kind>"


@dataclass(frozen=True)
class PageSpec:
    """One generated page: its source path in MkDocs, its theme template and its data.
    Frozen, and its data a read-only mapping: a page is planned once, then only read."""

    src_uri: str
    template: str
    title: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    markdown: str = ""
    week: Week | None = None
    lang: str = "en"
    path: str = ""  # src_uri within its edition: the same for a page and its translations

    @property
    def url(self) -> str:
        """Directory URL of the page, relative to the site root ('' for the home page)."""
        return urls.page_url(self.src_uri)

    def relative(self, target: str) -> str:
        """`target` (relative to the site root) as seen from this page."""
        return urls.relative(self.url, target)

    def with_data(self, **data: Any) -> PageSpec:
        """A new record: this one's data and `data` (the render stage adds the brief's HTML)."""
        return dataclasses.replace(self, data=MappingProxyType({**self.data, **data}))


@dataclass(frozen=True)
class Edition:
    """One language's pages: the default language's at the root, another's under /<lang>/."""

    lang: str
    prefix: str = ""
    default_lang: str = "en"

    def uri(self, src_uri: str) -> str:
        return self.prefix + src_uri

    def t(self, key: str, /, **values: object) -> str:
        return translate(self.lang, key, **values)

    def label(self, text: str) -> str:
        """A label of the theme (an event type's) in this edition's language."""
        return i18n.gettext_for(self.lang)(text)

    def incidents(self, incidents: list[Incident]) -> list[Incident]:
        """Incidents with their texts in this language where they have a translation (for
        maps and search, which show one text each)."""
        if self.lang == self.default_lang:  # where a summary is written in another language only, that one
            if not any(not i.summary and i18n.borrowed_summary(i, self.lang) for i in incidents):
                return incidents
            return [
                dataclasses.replace(i, summary=getattr(i, f"summary_{other}"))
                if (other := i18n.borrowed_summary(i, self.lang)) else i
                for i in incidents
            ]
        title, summary = f"title_{self.lang}", f"summary_{self.lang}"
        return [
            dataclasses.replace(i, title=getattr(i, title, None) or i.title, summary=getattr(i, summary, "") or i.summary)
            if getattr(i, title, None) or getattr(i, summary, "")
            else i
            for i in incidents
        ]


@functools.lru_cache(maxsize=8192)  # weeks of the same figures, and serve's rebuilds: drawn once
def _type_chart(rows: tuple[tuple[str, int, str | None], ...]) -> charts.Chart:
    """A week page's chart of its incidents by type: (label, count, colour)."""
    return charts.bar_chart("chart-types", "type", rows)


class SiteGenerator:
    """Plans every generated page and writes every data file for one build."""

    def __init__(
        self,
        model: SiteModel,
        config: SiteConfig,
        cache: BuildCache | None = None,
        translations: dict[tuple[IsoWeek, str], Brief] | None = None,
        memo: RecordMemo | NoMemo = NO_MEMO,
    ):
        self.model = model
        self.memo = memo  # serve's: the keys of lists of incidents unchanged since the last rebuild
        self.config = config
        self.translations = translations or {}  # (week, language) -> the brief's translation
        self.cache = cache or BuildCache(None, "")
        # what each week's outputs depend on: its incidents (and the salt of the cache), by
        # digest's MessagePack walk of their fields (half the time of their JSON)
        self.week_keys = {w.week: self._digest(w.incidents) if cache else "" for w in model.weeks}
        self.all_key = digest(*self.week_keys.values()) if cache else ""
        self.map_options = maps.MapOptions(tiles_url=config.tiles_url, attribution=config.tiles_attribution)
        self.restricted = frozenset(config.restricted_licences)
        self._made_maps: dict[tuple[str, str, str, str], maps.MapFragment] = {}  # see _busy_week_map_data
        self._search_texts: dict[str, tuple[str, str, str]] = {}  # see search_files
        self._pieces_ahead: dict[tuple[str, str], search.Piece] = {}  # see search_incidents
        self.download_sizes: dict[str, int] = {}  # the site-wide downloads' sizes in bytes, by name (files())
        self._leaflet_options: dict[str, tuple] = {}  # see _leaflet
        self._licences: Counter | None = None  # see licences

    def downloadable(self, incidents: list[Incident]) -> list[Incident]:
        """The incidents whose licence lets them into the downloads (CSV, GeoJSON, JSON)."""
        if not self.restricted:
            return incidents
        # under serve, an unchanged week's as the last rebuild made it
        return self.memo.get("downloadable", lambda: [i for i in incidents if i.licence not in self.restricted], incidents)

    def _incidents_key(self, incidents: list[Incident]) -> str:
        """What an output made of these incidents alone depends on ("" without a cache): an
        edit elsewhere does not remake it, as the site-wide key would."""
        return self._digest(incidents) if self.all_key else ""

    def _digest(self, incidents: list[Incident]) -> str:
        return self.memo.get("digest", lambda: digest(incidents), incidents)

    def filtered(self, incidents: list[Incident], country: str | None = None, type: str | None = None) -> tuple[str, list[Incident]]:  # noqa: A002
        """(a key naming the filter, the incidents of `country` and of event `type`) for a
        brief's `map(country=..., type=...)` and `incidents_table(...)`; ValueError names a bad filter."""
        code, slug = brief_filter(self.model.event_types, country, type)
        if code is not None:
            incidents = [i for i in incidents if i.country == code]
        if slug is not None:
            incidents = [i for i in incidents if i.type == slug]
        key = [part for part in (code and code.lower(), slug) if part]
        return "-".join(key) or "all", incidents

    def filtered_map(self, spec: PageSpec, key: str, incidents: list[Incident]) -> maps.MapFragment:
        return self._map_for(spec, f"map-{spec.week.week if spec.week else 'page'}-{key}", incidents=incidents)

    def withheld(self) -> list[tuple[str, int]]:
        """(licence, incidents left out of the downloads), most first."""
        counts = {licence: n for licence, n in self.licences().items() if licence in self.restricted}
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def _downloaded_totals(self) -> Stats:
        """The figures of the incidents in the downloads (those of no restricted licence)."""
        return Stats.of(self.downloadable(self.model.incidents), self.model.event_types)

    def licences(self) -> Counter:
        """How many incidents come under each licence (those that name one), added up from
        each week's (under serve, an unchanged week's as the last rebuild counted it)."""
        if self._licences is None:
            self._licences = Counter()
            for week in self.model.weeks:
                mine = week.incidents
                self._licences.update(self.memo.get("licences", lambda: Counter(i.licence for i in mine if i.licence), mine))
        return self._licences

    def files(self) -> dict[str, bytes | Path]:
        """Every data file of the site (downloads, map data), by path under site/: bytes, or
        the path of a cache entry for the big ones (MkDocs copies it)."""
        return self._files()

    def editions(self) -> list[Edition]:
        default = self.config.languages[0]
        return [Edition(lang, self.config.prefix(lang), default) for lang in self.config.languages]

    def pages(self, sizes: Mapping[str, int] | None = None) -> dict[str, PageSpec]:
        """Every generated page, planned; `sizes` are the downloads' sizes in bytes (data page)."""
        pages: dict[str, PageSpec] = {}
        for ed in self.editions():
            for spec in (
                self._home(ed),
                self._archive(ed),
                *self._weeks(ed),
                self._countries_index(ed),
                *self._countries(ed),
                self._data_page(ed, sizes or {}),
                self._changes_page(ed),
                self._search_page(ed),
            ):
                pages[spec.src_uri] = spec
        return pages

    def brief_of(self, week: Week, lang: str) -> Brief | None:
        """The brief a week's page shows in `lang`: its translation, else the original."""
        return self.translations.get((week.week, lang)) or week.brief

    # --- pages ---------------------------------------------------------------------

    def _map_for(
        self,
        spec: PageSpec,
        map_id: str,
        incidents: list[Incident],
        data_file: str = "",
        key: str = "",
        ed: Edition | None = None,
    ) -> maps.MapFragment | maps.LaterMap:
        """A map in the edition's language: its static SVG drawn from `incidents`, its markers
        from them too or, for a busy map, from `data_file` (the edition's own copy). With `key`
        (what its incidents depend on), kept in the build cache and read from it only when
        its page is rendered (a LaterMap)."""
        ed = ed or self._edition_of(spec)
        # a busy week's map, made with its data file (see _files) from the same features
        made = self._made_maps.pop((ed.lang, spec.url, map_id, data_file), None)
        if not key:
            return made or self._make_map(spec, map_id, incidents, data_file, ed)
        cache_key = f"{key}:{ed.lang}:{spec.url}:{map_id}:{data_file}"
        make = lambda: maps.fragment_bytes(self._make_map(spec, map_id, incidents, data_file, ed))  # noqa: E731
        load = lambda: maps.fragment_from_bytes(self.cache.get("maps", cache_key, make))  # noqa: E731
        if made is not None:  # made already: kept for the next build, named as the next build names it
            self.cache.put("maps", cache_key, maps.fragment_bytes(made))
            return maps.LaterMap(cache_key, load, made)
        self.cache.keep("maps", cache_key)  # this build's, even if its page is kept and never reads it
        return maps.LaterMap(cache_key, load)

    @staticmethod
    def _page(ed: Edition, src_uri: str, template: str, title: str, week: Week | None = None) -> PageSpec:
        """A page of an edition, without its data yet (see PageSpec.with_data)."""
        return PageSpec(ed.uri(src_uri), template, title, week=week, lang=ed.lang, path=src_uri)

    def _edition_of(self, spec: PageSpec) -> Edition:
        return next((e for e in self.editions() if e.lang == spec.lang), self.editions()[0])

    def _make_map(
        self, spec: PageSpec, map_id: str, incidents: list[Incident], data_file: str, ed: Edition, features: dict[str, Any] | None = None
    ) -> maps.MapFragment:
        options = dataclasses.replace(self.map_options, lang=ed.lang)
        return maps.render_map(
            map_id,
            features or self._map_features(spec, incidents, data_file, ed),
            data_url=spec.relative(self._edition_file(data_file, ed)) if data_file else None,
            event_types=self._edition_types(ed),
            options=options,
            leaflet=self._leaflet(options),
        )

    def _leaflet(self, options: maps.MapOptions) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Folium's Leaflet options for every map of the site, kept in the build cache:
        importing Folium costs most of a second, which a rebuild drawing one map spent."""
        key = digest(options.center, options.zoom, options.tiles_url, options.attribution, _folium_version())
        if (found := self._leaflet_options.get(key)) is None:  # read once per build, not once per map
            made = lambda: msgspec.json.encode(maps.leaflet_options(options))  # noqa: E731
            found = self._leaflet_options[key] = msgspec.json.decode(self.cache.get("leaflet", key, made))
        return found

    def _map_features(self, spec: PageSpec, incidents: list[Incident], data_file: str, ed: Edition) -> dict[str, Any]:
        """The features of a map on `spec`'s page (and of its data file, for a busy map)."""
        # every incident of a week page is on that page: its popup links to the anchor only
        here = spec.url

        def link(i: Incident) -> str:
            if first <= i.date <= last:  # on this week's page: its url would be here + "#" + id
                return f"#{i.id}"
            return f"#{i.id}" if (url := ed.prefix + incident_url(i)).startswith(here + "#") else spec.relative(url)

        on_week_page = spec.week is not None and here == ed.prefix + week_uri(spec.week.week)
        first, last = (spec.week.week.monday, spec.week.week.sunday) if on_week_page else (dt.date.max, dt.date.min)
        return maps.incident_features(
            ed.incidents(incidents),
            self._edition_types(ed),
            link,
            summary_chars=0 if data_file else maps.SUMMARY_CHARS,
            lang=ed.lang,
            default_lang=ed.default_lang,
        )

    def _edition_types(self, ed: Edition):
        return tuple(dataclasses.replace(e, label=e.label_in(ed.lang, ed.label)) for e in self.model.event_types)

    def _home(self, ed: Edition) -> PageSpec:
        latest = self.model.latest
        spec = self._page(ed, "index.md", "home.html", self.config.site_name)
        data: dict[str, Any] = dict(
            latest=latest,
            recent_weeks=list(reversed(self.model.weeks[-8:])),
            totals=self.model.totals,
            countries=self.model.countries,
        )
        if latest is not None:
            recent = self.model.recent_incidents(self.config.recent_weeks)
            data["map"] = self._map_for(spec, "map-home", recent, data_file=HOME_MAP_GEOJSON, key=self._incidents_key(recent), ed=ed)
            weeks = self.model.weeks
            data["trend_chart"] = charts.week_trend(
                "chart-trend-all",
                "trend",
                [(w.week, w.stats.incidents) for w in weeks],
                [(w.week, w.stats.fatalities) for w in weeks],
                weeks=26,
            )
        return spec.with_data(**data)

    def _archive(self, ed: Edition) -> PageSpec:
        spec = self._page(ed, "weeks/index.md", "weeks.html", ed.t("page.weeks"))
        newest_first = list(reversed(self.model.weeks))
        return spec.with_data(
            years=[(year, list(items)) for year, items in groupby(newest_first, key=lambda w: w.week.year)],
            totals=self.model.totals,  # its incidents without a toll, said under the list
        )

    def _weeks(self, ed: Edition) -> list[PageSpec]:
        return [self._week(ed, week) for week in self.model.weeks]

    def _week(self, ed: Edition, week: Week) -> PageSpec:
        brief = self.brief_of(week, ed.lang)
        title = brief.title if brief else ed.t("page.week", week=week.week)
        spec = self._week_page(ed, week, title)
        busy = len(week.incidents) > BUSY_WEEK
        return spec.with_data(
            brief=brief,
            week=week,
            busy=busy,
            # a busy week's map data is a file of its own, so the page stays light
            map=self._map_for(
                spec, self._week_map_id(week), week.incidents, data_file=self._week_map_file(week) if busy else "", key=self.week_keys[week.week], ed=ed
            ),
            type_chart=_type_chart(tuple((self._type_label(slug, ed), n, self._type_colour(slug)) for slug, n in week.stats.type_counts)),
            downloads=[
                ("csv", spec.relative(f"weeks/{week.week}/incidents.csv")),
                ("geojson", spec.relative(f"weeks/{week.week}/incidents.geojson")),
            ],
            withheld=len(week.incidents) - len(self.downloadable(week.incidents)),
            data_url=spec.relative("data/") + "#licence",
        )

    def _week_page(self, ed: Edition, week: Week, title: str = "") -> PageSpec:
        return self._page(ed, f"weeks/{week.week}.md", "week.html", title, week=week)

    @staticmethod
    def _week_map_id(week: Week) -> str:
        return f"map-{week.week}"

    @staticmethod
    def _week_map_file(week: Week) -> str:
        """A busy week's map data (its page stays light), in the default edition."""
        return f"weeks/{week.week}/map.geojson"

    def _countries_index(self, ed: Edition) -> PageSpec:
        spec = self._page(ed, "countries/index.md", "countries.html", ed.t("page.countries"))
        return spec.with_data(
            countries=self.model.countries,
            totals=self.model.totals,  # its incidents without a toll, said under the table
            country_chart=charts.bar_chart(
                "chart-countries",
                "country",
                [(geo.country_name(c.code, ed.lang), c.stats.incidents, None) for c in self.model.countries],
            ),
        )

    def _countries(self, ed: Edition) -> list[PageSpec]:
        specs = []
        for country in self.model.countries:
            spec = self._page(ed, f"countries/{country.slug}.md", "country.html", geo.country_name(country.code, ed.lang))
            weekly = country.weekly[-52:]
            spec = spec.with_data(
                country=country,
                latest=country.incidents[:20],
                trend_chart=charts.week_trend(
                    "chart-trend", "trend", [(w.week, w.incidents) for w in weekly], [(w.week, w.fatalities) for w in weekly]
                ),
                admin1_chart=charts.bar_chart(
                    "chart-admin1", "admin1", [(geo.admin1_name(country.code, name, ed.lang), n, None) for name, n, _ in country.by_admin1]
                ),
                map=self._map_for(
                    spec,
                    f"map-{country.slug}",
                    mapped := self._country_map_incidents(country),
                    data_file=self._country_geojson(country),
                    key=self._incidents_key(mapped),
                    ed=ed,
                ),
            )
            specs.append(spec)
        return specs

    def _data_page(self, ed: Edition, sizes: Mapping[str, int]) -> PageSpec:
        spec = self._page(ed, "data/index.md", "data.html", ed.t("page.data"))
        withheld = self.withheld()
        return spec.with_data(
            fields=[(name, ed.t(f"column.{name}")) for name in exports.COLUMNS],
            totals=self.model.totals,
            downloadable=len(self.model.incidents) - sum(n for _, n in withheld),
            # the downloads' own figures: the rows left out are counted on the pages only
            downloaded=self._downloaded_totals() if withheld else self.model.totals,
            withheld=withheld,
            licence=self.config.data_licence,
            last_update=self.model.last_update,
            site_url=self.config.site_url,
            # the files are made before the pages are planned: their sizes are known
            sizes={name: human_size(sizes.get(name, 0), ed.lang) for name in datapackage.DOWNLOADS},
        )

    def _changes_page(self, ed: Edition) -> PageSpec:
        spec = self._page(ed, "changes/index.md", "changes.html", ed.t("page.changes"))
        return spec.with_data(revisions=self.model.revisions[:CHANGES_LIMIT], total=len(self.model.revisions))

    def _search_page(self, ed: Edition) -> PageSpec:
        return self._page(ed, "search/index.md", "search.html", ed.t("page.search"))

    def _type_label(self, slug: str, ed: Edition) -> str:
        return next((e.label_in(ed.lang, ed.label) for e in self.model.event_types if e.slug == slug), slug)

    def _type_colour(self, slug: str) -> str | None:
        return next((e.colour for e in self.model.event_types if e.slug == slug), None)

    def _country_map_incidents(self, country: Country) -> list[Incident]:
        recent = self.model.recent_incidents(self.config.recent_weeks)
        return [i for i in recent if i.country == country.code] or country.incidents[:200]

    @staticmethod
    def _country_geojson(country: Country) -> str:
        return urls.country_geojson(country.slug)

    @staticmethod
    def _edition_file(path: str, ed: Edition) -> str:
        return urls.edition_file(path, ed.lang, ed.prefix)

    # --- files ---------------------------------------------------------------------

    def _files(self) -> dict[str, bytes | Path]:
        model, types = self.model, self.model.event_types
        exporter = exports.Exporter(types)
        # each week's files first; the site-wide ones are joined from them (so an edit
        # remakes one week's part), the json from parts kept in the cache for that alone.
        # With a cache folder, a part is the cache's file (hundreds of MB at scale: never
        # held in memory, linked into the site), else its bytes.
        weekly: dict[str, list[bytes | Path]] = {kind: [] for kind in WEEK_FILES}
        for week in model.weeks:
            for kind, part in zip(WEEK_FILES, self.week_files(week, exporter)):
                weekly[kind].append(part)

        def whole_site(kind: str) -> bytes | Path:
            # hundreds of MB at scale: written to the cache in parts, never held whole in
            # memory, by a thread while the build goes on (the build cache's settle())
            make = lambda: exports.joined(kind, weekly[kind])  # noqa: E731
            return self.cache.file(f"all-{kind}", self.all_key, make, soon=True) or b"".join(make())

        files: dict[str, str | bytes | Path] = {
            "data/incidents.csv": whole_site("csv"),
            "data/incidents.geojson": whole_site("geojson"),
            "data/incidents.json": whole_site("json"),
            "data/incident.schema.json": exports.dump_json(incident_schema(types, self.config.site_url)),
        }
        sizes = {f"incidents.{kind}": exports.joined_size(kind, map(self._file_size, weekly[kind])) for kind in WEEK_FILES}
        sizes["incident.schema.json"] = file_size(files["data/incident.schema.json"])
        self.download_sizes = sizes  # the data page's (the files may be still being made)
        withheld = self.withheld()
        licences = {licence: n for licence, n in self.licences().items() if licence not in self.restricted}
        count = len(model.incidents) - sum(n for _, n in withheld)  # the downloads' records
        latest = max((week.week for week in model.weeks), default=None)
        package = datapackage.data_package(self.config, count, licences, withheld, sizes, model.last_update, latest)
        files["data/datapackage.json"] = json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        files["robots.txt"] = robots_txt(self.config.site_url)
        for ed in self.editions():  # a revisions feed per language, beside its feed.xml
            files[f"{ed.prefix}changes.xml"] = feed.render_changes_feed(
                model.revisions[:CHANGES_LIMIT], self.config.site_url, self.config.site_name,
                lang=ed.lang, prefix=ed.prefix, default_lang=ed.default_lang,
            )  # fmt: skip
        for week, csv_part, geojson_part in zip(model.weeks, weekly["csv"], weekly["geojson"]):
            files[f"weeks/{week.week}/incidents.csv"] = csv_part
            files[f"weeks/{week.week}/incidents.geojson"] = geojson_part
        files[maps.OUTLINES_FILE] = exports.dump_json(maps.outlines_geojson())
        recent = model.recent_incidents(self.config.recent_weeks)
        recent_key = self._incidents_key(recent)
        for ed in self.editions():  # map data: one set per language (popups), links within the edition
            lang, labels = ed.lang, self._edition_types(ed)

            def map_data(key: str, incidents: list[Incident], link: Callable[[Incident], str], **options) -> bytes | Path:
                made = lambda: _map_json(  # noqa: E731
                    maps.map_geojson(ed.incidents(incidents), labels, link, lang=lang, default_lang=ed.default_lang, **options)
                )
                return (self.cache.file(MAP_DATA, f"{key}:{lang}", made) if key else None) or made()

            for week in model.weeks:
                if len(week.incidents) > BUSY_WEEK:  # map data of busy weeks, shown from the week page
                    files[self._edition_file(self._week_map_file(week), ed)] = self._busy_week_map_data(ed, week)
            # popup links are relative to the page that shows the map: home at /, countries two levels down
            files[self._edition_file(HOME_MAP_GEOJSON, ed)] = map_data(recent_key and f"{recent_key}:home", recent, incident_url)
            for country in model.countries:
                root = urls.site_root_from(urls.country_uri(country.slug))
                mapped = self._country_map_incidents(country)
                key = self._incidents_key(mapped)
                files[self._edition_file(self._country_geojson(country), ed)] = map_data(
                    key and f"{key}:{country.slug}", mapped, lambda i, root=root: root + incident_url(i)
                )
        return {uri: data.encode("utf-8") if isinstance(data, str) else data for uri, data in files.items()}

    def _file_size(self, data: bytes | Path) -> int:
        """A part's size: a cache file's as the cache found it in this build (checked or made), else stat()'s."""
        known = self.cache.size_of(data) if isinstance(data, Path) else None
        return known if known is not None else file_size(data)

    def week_files(self, week: Week, exporter: exports.Exporter) -> list[bytes | Path]:
        """A week's downloads (WEEK_FILES), each a cache file where there is a cache."""
        key, mine = self.week_keys[week.week], self.downloadable(week.incidents)
        parts = []
        for kind, make in zip(WEEK_FILES, (exporter.csv, exporter.geojson, exporter.json)):
            made = lambda make=make: make(mine).encode()  # noqa: E731
            parts.append(self.cache.file(f"week-{kind}", key, made) or made())
        exporter.forget()  # a week's pieces are not needed again: memory stays one week's
        return parts

    def week_entries(self, week: Week, exporter: exports.Exporter) -> list[PageSpec]:
        """The cache entries of a week's own outputs, made where the cache lacks them (by a
        cold build's week worker, sitegen.week_job): its downloads and, in each edition, its
        map data and map and its search piece. Returns its page in each edition, planned."""
        key = self.week_keys[week.week]
        if not all(self.cache.holds_file(f"week-{kind}", key) for kind in WEEK_FILES):
            self.week_files(week, exporter)
        pages = []
        for ed in self.editions():
            if len(week.incidents) > BUSY_WEEK and not self.cache.holds_file(MAP_DATA, f"{key}:{ed.lang}"):
                self._busy_week_map_data(ed, week)  # and its map, kept for the page (_map_for)
            spec = self._week(ed, week)
            if not self.cache.holds_entry("maps", spec.data["map"].key):
                spec.data["map"].fragment()  # read from the cache, or made and kept there
            if not search_job.holds_piece(self.cache, ed.lang, key):
                search_job.keep_pieces(self.search_incidents(ed)[0], self.cache)
            pages.append(spec)
        return pages

    def _busy_week_map_data(self, ed: Edition, week: Week) -> bytes | Path:
        """The map data of a busy week's page (a cache file, linked into the site, when there
        is a cache); the page's map is made from the same features, kept until the page is
        planned (_map_for), when the data is made."""
        spec, map_id, data_file = self._week_page(ed, week), self._week_map_id(week), self._week_map_file(week)

        def make() -> bytes:
            features = self._map_features(spec, week.incidents, data_file, ed)
            made = self._make_map(spec, map_id, week.incidents, data_file, ed, features=features)
            self._made_maps[(ed.lang, spec.url, map_id, data_file)] = made
            return _map_json(features)

        key = self.week_keys[week.week]
        return (self.cache.file(MAP_DATA, f"{key}:{ed.lang}", make) if key else None) or make()

    def feed(self, brief_html: dict[IsoWeek, str], env=None, ed: Edition | None = None) -> bytes:
        """An edition's feed ({prefix}feed.xml): its briefs, translated where they are."""
        ed = ed or self.editions()[0]
        briefs = [b for w in self.model.weeks if (b := self.brief_of(w, ed.lang)) and b.is_published]
        return feed.render_feed(
            briefs, self.config.site_url, self.config.site_name, brief_html, env=env,
            lang=ed.lang, prefix=ed.prefix, default_lang=ed.default_lang,
        ).encode("utf-8")

    def search_files(self, brief_text: dict[IsoWeek, tuple[str, ...]], ed: Edition | None = None) -> dict[str, bytes]:
        """An edition's search index, as the files that hold it ({uri: bytes}); `brief_text`
        is each week's (title, plain text of its brief). A build takes them as blobs of the
        build cache: sitegen.search_job.outputs()."""
        ed = ed or self.editions()[0]
        if not self.all_key:
            return {ed.prefix + path: data for path, data in self._whole_search_index(brief_text, ed).files.items()}
        job, make = self.search_job(brief_text, ed)
        files = search_job.made(job, self.cache, make)
        return {uri: data if isinstance(data, bytes) else data.read_bytes() for uri, data in files.items()}

    def _whole_search_index(self, brief_text: dict[IsoWeek, tuple[str, ...]], ed: Edition) -> search.Index:
        """The edition's index in one go (no cache to keep its pieces in)."""
        more_follow = self.editions()[-1].lang != ed.lang
        rows = [self._search_rows(ed, [], {week: brief_text[week]}, more_follow) for week in sorted(brief_text, reverse=True)]
        rows += [self._search_rows(ed, ed.incidents(w.incidents), {}, more_follow) for w in reversed(self.model.weeks) if w.incidents]
        if not more_follow:
            self._search_texts.clear()
        with search_job.collector_paused():
            pieces = [search.index_piece(r) for r in rows]
            return search.Index(search.index_files(pieces, len(brief_text), root=_search_root(ed), lang=ed.lang))

    def search_job(
        self, brief_text: dict[IsoWeek, tuple[str, ...]], ed: Edition
    ) -> tuple[search_job.Job, Callable[[str], search.Piece]]:
        """The edition's index as a job: the key of each piece (a brief, a week's incidents:
        search.Piece) and those of its pieces the build cache lacks, made; with what makes
        a piece from its key (for a job that finds one missing after all)."""
        return search_job.joined(self.search_incidents(ed), self.search_briefs(brief_text, ed))

    def search_incidents(self, ed: Edition) -> tuple[search_job.Job, Callable[[str], search.Piece]]:
        """The part of search_job() that the incidents make (a piece per week, newest first):
        known as soon as the model is, before any brief is rendered."""
        # most incidents' texts are the same in every edition: made once (kept for the next one)
        editions = self.editions()
        following = editions[[e.lang for e in editions].index(ed.lang) + 1 :]
        weeks = [w for w in reversed(self.model.weeks) if w.incidents]
        keys = [self.week_keys[w.week] for w in weeks]
        by_key = dict(zip(keys, weeks))

        def piece(edition: Edition, key: str, known: search.Known | None = None) -> search.Piece:
            more_follow = edition.lang != editions[-1].lang
            rows = self._search_rows(edition, edition.incidents(by_key[key].incidents), {}, more_follow)
            return search.index_piece(rows, known)

        def make(key: str) -> search.Piece:
            with search_job.collector_paused():
                return piece(ed, key)

        def make_all(key: str) -> search.Piece:
            """The week's piece, and the next editions' right after, from the same texts' terms
            (a third of the pieces' time; made one edition after the other, none was found)."""
            known = search.Known()
            with search_job.collector_paused():
                made = piece(ed, key, known)
                for other in following:
                    if not search_job.holds_piece(self.cache, other.lang, key):
                        self._pieces_ahead[other.lang, key] = piece(other, key, known)
            return made

        # oldest first, each looked for as it comes: a cold build's week worker (sitegen.week_job)
        # makes them from the newest
        pieces = {}
        for key in reversed(keys):
            if (ahead := self._pieces_ahead.pop((ed.lang, key), None)) is not None:
                pieces[key] = ahead
            elif not search_job.holds_piece(self.cache, ed.lang, key):
                pieces[key] = make_all(key)
        if not following:
            self._search_texts.clear()
            self._pieces_ahead.clear()
        # the briefs' documents come first: as many as the weeks that show one, expected (placed_ahead)
        expected = sum(1 for w in self.model.weeks if self.brief_of(w, ed.lang) is not None)
        return search_job.Job(ed.lang, ed.prefix, _search_root(ed), expected, "", keys, pieces), make

    def search_briefs(
        self, brief_text: dict[IsoWeek, tuple[str, ...]], ed: Edition
    ) -> tuple[search_job.Job, Callable[[str], search.Piece]]:
        """The part of search_job() that the briefs make (a piece each, newest first), and the
        whole index's key."""
        newest_first = sorted(brief_text, reverse=True)
        keys = [digest(week, brief_text[week]) for week in newest_first]
        by_key = dict(zip(keys, newest_first))

        def make(key: str) -> search.Piece:
            week = by_key[key]
            return search.index_piece(self._search_rows(ed, [], {week: brief_text[week]}, False))

        pieces = {key: make(key) for key in keys if not search_job.holds_piece(self.cache, ed.lang, key)}
        key = digest(self.all_key, ed.lang, sorted(brief_text.items()))
        return search_job.Job(ed.lang, ed.prefix, _search_root(ed), len(brief_text), key, keys, pieces), make

    def _search_rows(
        self, ed: Edition, incidents: list[Incident], briefs: dict[IsoWeek, tuple[str, ...]], more_follow: bool
    ) -> list[search.Row]:
        return search.search_rows(
            incidents,
            briefs,
            lambda i: ed.prefix + incident_url(i),
            lambda w: ed.prefix + week_uri(w),
            lang=ed.lang,
            texts=self._search_texts,
            keep=more_follow,
            default_lang=ed.default_lang,
        )


def _search_root(ed: Edition) -> str:
    """The site root as seen from an edition's search/index/ (result links are relative to it)."""
    return "../" * (2 + ed.prefix.count("/"))


@functools.cache
def _folium_version() -> str:
    """Folium's version, without importing it (a newer one may make other options)."""
    return importlib.metadata.version("folium")


def _map_json(features: dict[str, Any]) -> bytes:
    """A map data file: dump_json's bytes, by orjson (its floats, rounded coordinates, radii and
    distances, are the kind orjson writes as json does)."""
    return exports.dump_json_finite(features).encode("utf-8")


def robots_txt(site_url: str) -> str:
    """Everything may be crawled; the sitemap is named only with an absolute address."""
    lines = ["User-agent: *", "Allow: /"]
    if site_url:
        lines += ["", f"Sitemap: {site_url}sitemap.xml"]
    return "\n".join(lines) + "\n"


def human_size(size: int, lang: str = "en") -> str:
    if size < 1000:
        return translate(lang, "size.bytes", n=i18n.format_number(size, lang))
    if size < 1_000_000:
        return translate(lang, "size.kb", n=i18n.format_decimal_1(size / 1000, lang))
    return translate(lang, "size.mb", n=i18n.format_decimal_1(size / 1_000_000, lang))


def file_size(data: str | bytes | Path) -> int:
    if isinstance(data, Path):
        return data.stat().st_size
    return len(data.encode("utf-8")) if isinstance(data, str) else len(data)
