"""Typed records shared by every stage: what the readers produce and the renderers consume."""

from __future__ import annotations

import datetime as dt
import functools
import enum
import re
from pathlib import Path
from dataclasses import dataclass, field

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # ids, slugs, tags


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the content, located at path:line:col (1-based)."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"


class ContentError(Exception):
    """Raised when a build must stop because content has errors."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class DatePrecision(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class GeoPrecision(enum.StrEnum):
    EXACT = "exact"
    NEAR = "near"
    REGION = "region"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class BriefStatus(enum.StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"


def _said(key: str, **values: object) -> str:
    """A message of the catalogue (imported when one is said: sitegen.messages needs this module)."""
    from sitegen.messages import t

    return t(key, **values)


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """An ISO 8601 week, Monday to Sunday."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse '2023-W39'; ValueError if malformed or the year has no such week."""
        match = WEEK_RE.match(text)
        if not match:
            raise ValueError(_said("week.malformed"))
        year, week = int(match[1]), int(match[2])
        if not 1 <= week <= weeks_in_year(year):
            raise ValueError(_said("week.no_such_week", year=year, last=f"{weeks_in_year(year):02d}", week=f"{week:02d}"))
        return cls(year, week)

    @classmethod
    def of(cls, day: dt.date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 7)

    def next(self) -> IsoWeek:
        return IsoWeek.of(self.monday + dt.timedelta(days=7))

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - dt.timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@functools.lru_cache(maxsize=8192)
def _week_of(day: dt.date) -> IsoWeek:
    """An incident's week, asked for millions of times in a build of a big site: the same
    object for every day of a week, so that a lookup by week finds its key by identity
    (a dataclass's __eq__ is Python code)."""
    year, week, _ = day.isocalendar()
    return _WEEKS.setdefault((year, week), IsoWeek(year, week))


_WEEKS: dict[tuple[int, int], IsoWeek] = {}  # at most 53 a year


def weeks_in_year(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar()[1]


@dataclass(frozen=True, slots=True)
class EventType:
    slug: str
    label: str
    colour: str
    labels: tuple[tuple[str, str], ...] = ()  # (language, label) the site gives itself: `label_fr`

    def label_in(self, lang: str, gettext) -> str:
        """Its label in `lang`: the site's own where it gives one (`label_fr`), else the
        catalogue's translation of `label` (`gettext`: the page language's)."""
        for code, text in self.labels:
            if code == lang:
                return text
        return gettext(self.label)


DEFAULT_EVENT_TYPES: tuple[EventType, ...] = (
    EventType("battle", "Battle", "#c0392b"),
    EventType("explosion", "Explosion / remote violence", "#d35400"),
    EventType("violence-against-civilians", "Violence against civilians", "#8e44ad"),
    EventType("protest", "Protest", "#2471a3"),
    EventType("riot", "Riot", "#b7950b"),
    EventType("strategic-development", "Strategic development", "#566573"),
)


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    url: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """One recorded change of an incident's data, e.g. "fatalities 5 -> 7"."""

    date: dt.date
    change: str


def parse_utc(text: str) -> dt.datetime:
    """'2023-10-05', '2023-10-05T06:00Z' or '2023-10-05 06:00+01:00' as an aware UTC datetime
    (a date alone is its midnight, UTC; so is a time without an offset). ValueError if not."""
    value = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in no year a date can hold
        raise DateOutOfRange(text) from None


class DateOutOfRange(ValueError):
    """A date and time that is real, but whose time in UTC no date can hold."""


def is_out(publish_after: dt.datetime | None, now: dt.datetime | None) -> bool:
    """Whether something embargoed until `publish_after` (UTC) is published at `now`."""
    return publish_after is None or now is None or publish_after <= now


@dataclass(frozen=True, slots=True)
class Incident:
    """One public-or-internal incident, validated. Coordinates are the ones to publish:
    for geo_precision 'region' they are already the admin1 centroid, never the exact point."""

    id: str
    date: dt.date
    title: str
    type: str
    country: str  # ISO 3166-1 alpha-2
    location: str
    lat: float
    lon: float
    date_precision: DatePrecision = DatePrecision.DAY
    geo_precision: GeoPrecision = GeoPrecision.EXACT
    subtype: str | None = None
    admin1: str | None = None
    actors: tuple[str, ...] = ()
    fatalities: int | None = None  # None: no toll reported, which is not 0
    injured: int | None = None
    sources: tuple[Source, ...] = ()
    summary: str = ""  # Markdown source
    tags: tuple[str, ...] = ()
    visibility: Visibility = Visibility.PUBLIC
    publish_after: dt.datetime | None = None  # embargo, UTC
    licence: str | None = None  # slug naming the data's terms, e.g. acled
    revisions: tuple[Revision, ...] = ()  # oldest first
    # the full event model of ACLED and UCDP exports
    actor1: str | None = None
    assoc_actor_1: str | None = None
    actor2: str | None = None
    assoc_actor_2: str | None = None
    inter1: int | None = None
    inter2: int | None = None
    interaction: int | None = None
    disorder_type: str | None = None
    civilian_targeting: bool | None = None
    admin2: str | None = None
    admin3: str | None = None
    source_scale: str | None = None
    timestamp: int | None = None  # the source's last change, Unix seconds
    fatalities_low: int | None = None  # UCDP's low and high estimates; `fatalities` is the best one
    fatalities_high: int | None = None
    deaths_a: int | None = None  # UCDP's deaths by side: side A (actor1), side B (actor2), civilians,
    deaths_b: int | None = None  # persons of unknown status; together they make `fatalities`
    deaths_civilians: int | None = None
    deaths_unknown: int | None = None
    date_end: dt.date | None = None
    path: str = ""
    line: int = 0
    title_fr: str | None = None  # French edition (see sitegen.i18n)
    summary_fr: str = ""
    title_en: str | None = None  # English edition of a French-first site (languages: [fr, en])
    summary_en: str = ""

    @property
    def week(self) -> IsoWeek:
        return _week_of(self.date)

    @property
    def is_public(self) -> bool:
        return self.visibility is Visibility.PUBLIC

    def is_out(self, now: dt.datetime | None) -> bool:
        return is_out(self.publish_after, now)

    @property
    def deaths_by_side(self) -> tuple[tuple[str, str | None, int], ...]:
        """(side, actor, deaths) where deaths were counted: side is a, b, civilians or unknown."""
        sides = (("a", self.actor1, self.deaths_a), ("b", self.actor2, self.deaths_b),
                 ("civilians", None, self.deaths_civilians), ("unknown", None, self.deaths_unknown))  # fmt: skip
        return tuple((side, actor, n) for side, actor, n in sides if n)

    @property
    def has_range(self) -> bool:
        """Whether low and high estimates differ from the toll shown."""
        return (self.fatalities_low, self.fatalities_high) not in ((None, None), (self.fatalities, self.fatalities))


@dataclass(frozen=True, slots=True)
class Brief:
    week: IsoWeek
    title: str
    body: str  # Markdown with Jinja expressions
    summary: str = ""
    authors: tuple[str, ...] = ()
    status: BriefStatus = BriefStatus.PUBLISHED
    path: str = ""
    body_line: int = 1  # line of the file where the body starts
    publish_after: dt.datetime | None = None  # embargo, UTC
    lang: str = ""  # "": the site's default language; else a translation (2023-W39.fr.md)

    @property
    def is_published(self) -> bool:
        return self.status is BriefStatus.PUBLISHED

    def is_out(self, now: dt.datetime | None) -> bool:
        return is_out(self.publish_after, now)


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    country: str | None = None
    admin1: str | None = None


@dataclass(slots=True)
class Content:
    """Everything read from content/, with the problems found on the way."""

    incidents: list[Incident] = field(default_factory=list)
    briefs: list[Brief] = field(default_factory=list)
    places: dict[str, Place] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    translations: list[Brief] = field(default_factory=list)  # briefs' translations, by week then language
    # the check's grouping of the public incidents by week (each in order), where none is
    # embargoed: then the published ones, which the aggregate groups again no more
    by_week: dict[IsoWeek, list[Incident]] | None = None
    # under serve, where the incidents are those of the last read's merge (its serial) with a
    # few taken out and put in: (that serial, the incidents taken out, those put in)
    changed: tuple[int, list[Incident], list[Incident]] | None = None
    root: Path | None = None  # the folder the paths of its briefs and problems are shown from

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def public_incidents(self) -> list[Incident]:
        return [i for i in self.incidents if i.is_public]

    def published_incidents(self, now: dt.datetime | None) -> list[Incident]:
        """The public incidents out of their embargo at `now`: one pass (every rebuild of serve)."""
        public = Visibility.PUBLIC
        return [i for i in self.incidents if i.visibility is public and (i.publish_after is None or i.is_out(now))]
