"""Aggregate stage: weeks, countries and figures, computed once per build from the records."""

from __future__ import annotations

import bisect
import itertools
import datetime as dt
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sitegen import geo, i18n, urls
from sitegen.memo import NO_MEMO, NoMemo, RecordMemo
from sitegen.model import Brief, Content, EventType, Incident, IsoWeek, Revision


@dataclass(frozen=True, slots=True)
class Change:
    """A figure against the same figure a week before."""

    value: int
    previous: int | None

    @property
    def delta(self) -> int | None:
        return None if self.previous is None else self.value - self.previous


@dataclass(frozen=True, slots=True)
class Stats:
    """The figures of a set of incidents: what briefs see as `stats`."""

    incidents: int
    fatalities: int  # reported tolls only: an incident without a toll counts in `fatalities_unreported`
    injured: int
    by_type: tuple[tuple[str, int], ...]  # (type label, count), in vocabulary order; labels and
    by_country: tuple[tuple[str, int], ...]  # (country name, count), most first; names in `lang`
    fatalities_by_country: tuple[tuple[str, int], ...]  # (country name, reported fatalities)
    fatalities_unreported: int = 0  # incidents with no toll reported
    injured_unreported: int = 0
    by_admin1: tuple[tuple[str, int], ...] = ()  # (region, count), most first
    type_counts: tuple[tuple[str, int], ...] = ()  # (type slug, count), in vocabulary order

    @classmethod
    def of(cls, incidents: list[Incident], event_types: tuple[EventType, ...], lang: str = "en") -> Stats:
        """The figures, their labels (types, countries, regions) in `lang`."""
        return Tally.of(incidents).stats(event_types, lang)

    @property
    def countries(self) -> int:
        return len(self.by_country)


@dataclass(slots=True)
class Tally:
    """The counts behind a Stats, by type, country code and region, in one pass over the
    incidents; tallies add up (a week's of its countries', a country's of its weeks'), so a
    build counts each incident once, not once for its week, its country and the site."""

    incidents: int = 0
    fatalities: int = 0  # reported tolls
    injured: int = 0
    no_toll: int = 0
    no_injured: int = 0
    types: dict[str, int] = field(default_factory=dict)
    codes: dict[str, list[int]] = field(default_factory=dict)  # country code -> [incidents, reported fatalities]
    regions: dict[tuple[str, str | None], list[int]] = field(default_factory=dict)  # (code, admin1) -> the same

    @classmethod
    def of(cls, incidents: list[Incident]) -> Tally:
        types: dict[str, int] = {}
        codes: dict[str, list[int]] = {}
        regions: dict[tuple[str, str | None], list[int]] = {}
        fatalities = injured = no_toll = no_injured = 0
        for i in incidents:
            types[i.type] = types.get(i.type, 0) + 1
            toll = i.fatalities
            if toll is None:
                no_toll += 1
            else:
                fatalities += toll
            if i.injured is None:
                no_injured += 1
            else:
                injured += i.injured
            for counts, key in ((codes, i.country), (regions, (i.country, i.admin1))):
                if (row := counts.get(key)) is None:
                    row = counts[key] = [0, 0]
                row[0] += 1
                row[1] += toll or 0
        return cls(len(incidents), fatalities, injured, no_toll, no_injured, types, codes, regions)

    def add(self, other: Tally) -> Tally:
        """This tally with `other`'s counts added (in place)."""
        self.incidents += other.incidents
        self.fatalities += other.fatalities
        self.injured += other.injured
        self.no_toll += other.no_toll
        self.no_injured += other.no_injured
        for kind, n in other.types.items():
            self.types[kind] = self.types.get(kind, 0) + n
        for mine, theirs in ((self.codes, other.codes), (self.regions, other.regions)):
            for key, (n, toll) in theirs.items():
                if (row := mine.get(key)) is None:
                    mine[key] = [n, toll]
                else:
                    row[0] += n
                    row[1] += toll
        return self

    @classmethod
    def total(cls, tallies: Iterable[Tally]) -> Tally:
        whole = cls()
        for tally in tallies:
            whole.add(tally)
        return whole

    def stats(self, event_types: tuple[EventType, ...], lang: str = "en") -> Stats:
        """The figures, their labels (types, countries, regions) in `lang`; named once per
        code (two codes of one name add up)."""
        label = i18n.gettext_for(lang)
        countries, deaths, regions = Counter(), Counter(), Counter()
        for code, (n, toll) in self.codes.items():
            name = geo.country_name(code, lang)
            countries[name] += n
            deaths[name] += toll
        for (code, admin1), (n, _) in self.regions.items():
            if admin1:
                regions[geo.admin1_name(code, admin1, lang)] += n
        kinds = [(e, self.types.get(e.slug, 0)) for e in event_types]
        return Stats(
            incidents=self.incidents,
            fatalities=self.fatalities,
            injured=self.injured,
            by_type=tuple((str(label(e.label)), n) for e, n in kinds if n),
            by_country=_most_first(countries),
            fatalities_by_country=_most_first(deaths),
            fatalities_unreported=self.no_toll,
            injured_unreported=self.no_injured,
            by_admin1=_most_first(regions),
            type_counts=tuple((e.slug, n) for e, n in kinds if n),
        )


@dataclass(frozen=True, slots=True)
class RegionMove:
    """One admin1 region's incidents and reported fatalities, this week against the week before."""

    country: str  # ISO code
    admin1: str
    incidents: Change
    fatalities: Change
    unreported: int  # this week's incidents there with no toll reported


def _most_first(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(slots=True)
class Week:
    week: IsoWeek
    incidents: list[Incident]  # public, by date then id
    brief: Brief | None
    stats: Stats
    previous_stats: Stats | None = None
    previous: IsoWeek | None = None  # the previous week that has a page
    next: IsoWeek | None = None
    key_events: list[Incident] = field(default_factory=list)  # the most serious, deadliest first
    what_moved: list[RegionMove] = field(default_factory=list)  # biggest change first
    last_week: list[Incident] = field(default_factory=list)  # the calendar week before's, for previous_stats
    # of `incidents`, of `last_week`: derived, so no page's key walks them (pipeline._Fingerprint)
    tally: Tally = field(default_factory=Tally, metadata={"derived": True})
    last_tally: Tally = field(default_factory=Tally, metadata={"derived": True})

    def stats_in(self, lang: str, event_types: tuple[EventType, ...]) -> tuple[Stats, Stats]:
        """`stats` and `previous_stats` with their labels in `lang`, for a brief in that language."""
        if lang == "en":
            return self.stats, self.previous_stats or Stats.of([], event_types)
        return self.tally.stats(event_types, lang), self.last_tally.stats(event_types, lang)

    @property
    def url(self) -> str:
        return urls.week_uri(self.week)

    @property
    def title(self) -> str | None:
        return self.brief.title if self.brief else None

    def change(self, figure: str) -> Change:
        before = getattr(self.previous_stats, figure) if self.previous_stats else None
        return Change(getattr(self.stats, figure), before)


@dataclass(slots=True)
class WeekCount:
    week: IsoWeek
    incidents: int
    fatalities: int


@dataclass(slots=True)
class Country:
    code: str
    name: str
    slug: str
    incidents: list[Incident]  # newest first
    stats: Stats
    weekly: list[WeekCount]  # every week from the first to the last, zeros included
    by_admin1: list[tuple[str, int, int]]  # (admin1, incidents, fatalities), most first
    briefs: list[Week] = field(default_factory=list)  # weeks with a brief and an incident here, newest first

    @property
    def url(self) -> str:
        return urls.country_uri(self.slug)


@dataclass(frozen=True, slots=True)
class RevisionEntry:
    """One recorded change of a published incident, for /changes/ and its feed."""

    revision: Revision
    incident: Incident


@dataclass(slots=True)
class SiteModel:
    weeks: list[Week]  # oldest first; every week with a published brief or a public incident
    countries: list[Country]  # by name
    totals: Stats
    event_types: tuple[EventType, ...]
    incidents: list[Incident] = field(default_factory=list)  # public, by date then id
    by_id: Mapping[str, Incident] = field(default_factory=dict)  # the public ones (ById: made when first read)
    week_by_key: dict[IsoWeek, Week] = field(default_factory=dict)
    revisions: list[RevisionEntry] = field(default_factory=list)  # newest first

    @property
    def last_update(self):
        """The latest day of the published content (an incident's date, a brief's Sunday)."""
        days = [w.week.sunday for w in self.weeks if w.brief]
        if self.incidents:  # by date: the last is the latest
            days.append(self.incidents[-1].date)
        return max(days, default=None)

    @property
    def latest(self) -> Week | None:
        """The latest week with a published brief, else the latest week."""
        with_brief = [w for w in self.weeks if w.brief]
        return (with_brief or self.weeks or [None])[-1]

    def recent_incidents(self, weeks: int) -> list[Incident]:
        if not self.weeks:
            return []
        start = self.weeks[-1].week
        for _ in range(weeks - 1):
            start = start.previous()
        first_day = start.monday  # an incident's week is at least `start` when its day is
        return self.incidents[bisect.bisect_left(self.incidents, first_day, key=lambda i: i.date):]  # by date


_BY_DATE_AND_ID = operator.attrgetter("date", "id")
_REVISIONS = operator.attrgetter("revisions")
KEY_EVENTS = 5  # rows of a week page's #key-events table


def aggregate(
    content: Content,
    event_types: tuple[EventType, ...],
    *,
    include_drafts: bool = False,
    now: dt.datetime | None = None,
    memo: RecordMemo | NoMemo = NO_MEMO,
) -> SiteModel:
    """The site's model from what is published at `now` (UTC; None: everything not internal):
    embargoed incidents and briefs are left out of every figure, page and file. Under serve,
    `memo` gives an unchanged week's tallies, figures and key events as the last rebuild made them."""
    briefs = {b.week: b for b in content.briefs if (b.is_published or include_drafts) and b.is_out(now)}
    by_week: dict[IsoWeek, list[Incident]] = defaultdict(list)
    if content.by_week is not None:  # as the check grouped them (none embargoed: every public one is published)
        by_week.update(content.by_week)
    else:
        day = None
        for incident in content.published_incidents(now):  # the only pass over every incident
            if incident.date != day:  # they come by date (read_content's order): a week looked up once a day
                day = incident.date
                mine = by_week[incident.week]
            mine.append(incident)
    # the site's incidents by date then id are its weeks' in turn, each sorted (under serve,
    # an unchanged week as the last rebuild sorted it); so are each country's
    order = sorted(by_week)
    for key in order:
        unsorted = by_week[key]
        by_week[key] = memo.get("sorted", lambda: sorted(unsorted, key=_BY_DATE_AND_ID), unsorted)
    incidents = list(itertools.chain.from_iterable(by_week[key] for key in order))
    # each incident counted once, in its week's tally for its country; the rest add those up
    tallies: dict[IsoWeek, dict[str, Tally]] = {}  # never changed once made: the memo keeps them
    week_tally: dict[IsoWeek, Tally] = {}
    by_code: dict[str, list[Incident]] = defaultdict(list)
    of_weeks: list[dict[str, Incident]] = []
    for key in order:
        week_incidents = by_week[key]
        tallies[key], week_tally[key], of_code, ids = memo.get("tallies", lambda: _week_tallies(week_incidents), week_incidents)
        for code, items in of_code.items():
            by_code[code].extend(items)
        of_weeks.append(ids)

    weeks: list[Week] = []
    nothing = Stats.of([], event_types)
    for key in sorted(set(by_week) | set(briefs)):
        tally, mine = week_tally.get(key) or Tally(), by_week.get(key, [])
        stats = memo.get(("stats", event_types), lambda: tally.stats(event_types), mine)
        weeks.append(Week(key, mine, briefs.get(key), stats, tally=tally))
    stats_by_week = {w.week: w.stats for w in weeks}
    for before, after in zip(weeks, weeks[1:]):
        before.next, after.previous = after.week, before.week
    for w in weeks:
        w.previous_stats = stats_by_week.get(w.week.previous(), nothing)
        w.last_week = by_week.get(w.week.previous(), [])
        w.last_tally = week_tally.get(w.week.previous()) or Tally()
        w.key_events = memo.get("key events", lambda: key_events(w.incidents), w.incidents)
        w.what_moved = memo.get("what moved", lambda: what_moved(w.incidents, w.last_week), w.incidents, w.last_week)

    countries = _countries(by_code, tallies, event_types)
    for country in countries:
        country.briefs = [w for w in reversed(weeks) if w.brief and country.code in tallies.get(w.week, ())]
    return SiteModel(
        weeks=weeks,
        countries=countries,
        totals=Tally.total(week_tally.values()).stats(event_types),
        event_types=event_types,
        incidents=incidents,
        by_id=ById(of_weeks),
        week_by_key={w.week: w for w in weeks},
        revisions=_revisions(itertools.chain.from_iterable(
            memo.get("revised", lambda: _revised(by_week[key]), by_week[key]) for key in order  # noqa: B023 (called at once)
        )),  # fmt: skip
    )


class ById(Mapping[str, Incident]):
    """Every public incident by id, from each week's: made into one dict when first read (at
    each rebuild of serve, 100,000 ids put into a dict that a site whose briefs show no
    incident of another week never reads)."""

    def __init__(self, parts: list[dict[str, Incident]]) -> None:
        self._parts: list[dict[str, Incident]] | None = parts
        self._whole: dict[str, Incident] = {}

    def _all(self) -> dict[str, Incident]:
        if self._parts is not None:
            for part in self._parts:
                self._whole.update(part)
            self._parts = None
        return self._whole

    def __getitem__(self, key: str) -> Incident:
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _week_tallies(incidents: list[Incident]) -> tuple[dict[str, Tally], Tally, dict[str, list[Incident]], dict[str, Incident]]:
    """A week's tally in each country, their sum, its incidents in each country, and by id."""
    of_code: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        of_code[incident.country].append(incident)
    by_code = {code: Tally.of(items) for code, items in of_code.items()}
    return by_code, Tally.total(by_code.values()), dict(of_code), {i.id: i for i in incidents}


def _revised(incidents: list[Incident]) -> list[Incident]:
    """Those with revisions (most have none: looked at in C), in order."""
    return list(itertools.compress(incidents, map(_REVISIONS, incidents)))


def _revisions(revised: Iterable[Incident]) -> list[RevisionEntry]:
    """Every revision of the incidents (those with revisions, by date then id)."""
    entries = [RevisionEntry(r, i) for i in revised for r in i.revisions]
    # newest first; within a day, by incident, in the order they were recorded
    order = {id(e): n for n, e in enumerate(entries)}
    return sorted(entries, key=lambda e: (-e.revision.date.toordinal(), e.incident.id, order[id(e)]))


def key_events(incidents: list[Incident], limit: int = KEY_EVENTS) -> list[Incident]:
    """The deadliest incidents first; then those with no toll reported (which may be as
    serious), before those whose toll is 0; by date within each."""
    ranked = sorted(incidents, key=lambda i: (_seriousness(i.fatalities), i.date, i.id))
    return ranked[:limit]


def _seriousness(fatalities: int | None) -> tuple[int, int]:
    if fatalities is None:
        return (1, 0)
    return (0, -fatalities) if fatalities > 0 else (2, 0)


def what_moved(this_week: list[Incident], last_week: list[Incident]) -> list[RegionMove]:
    """Every admin1 region with an incident in either week, the biggest change in reported
    fatalities first, then in incidents."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for n, incidents in enumerate((this_week, last_week)):
        for i in incidents:
            row = counts[(i.country, i.admin1 or "—")]
            row[2 * n] += 1
            row[2 * n + 1] += i.fatalities or 0
            if n == 0 and i.fatalities is None:
                row[4] += 1
    moves = [
        RegionMove(country, admin1, Change(row[0], row[2]), Change(row[1], row[3]), row[4])
        for (country, admin1), row in counts.items()
    ]
    return sorted(
        moves,
        key=lambda m: (-abs(m.fatalities.delta or 0), -abs(m.incidents.delta or 0), -m.fatalities.value, m.country, m.admin1),
    )


def _countries(
    by_code: dict[str, list[Incident]], tallies: dict[IsoWeek, dict[str, Tally]], event_types: tuple[EventType, ...]
) -> list[Country]:
    """The countries of the incidents (`by_code`: each one's, by date, then id), by name,
    from the tallies of each week's incidents in each country."""
    countries = []
    for code, items in by_code.items():
        of_week = {week: of_code[code] for week, of_code in tallies.items() if code in of_code}
        whole = Tally.total(of_week.values())
        weekly = []
        week, last = min(of_week), max(of_week)
        while week <= last:
            tally = of_week.get(week)
            weekly.append(WeekCount(week, tally.incidents, tally.codes[code][1]) if tally else WeekCount(week, 0, 0))
            week = week.next()
        regions: dict[str, list[int]] = {}
        for (_, admin1), (n, toll) in whole.regions.items():
            row = regions.setdefault(admin1 or "—", [0, 0])
            row[0] += n
            row[1] += toll
        countries.append(
            Country(
                code=code,
                name=geo.country_name(code),
                slug=geo.country_slug(code),
                incidents=items[::-1],  # newest first: `incidents` come by date then id
                stats=whole.stats(event_types),
                weekly=weekly,
                by_admin1=sorted(((k, v[0], v[1]) for k, v in regions.items()), key=lambda r: (-r[1], r[0])),
            )
        )
    return sorted(countries, key=lambda c: c.name)
