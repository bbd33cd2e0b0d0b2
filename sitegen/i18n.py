"""Languages: gettext catalogues (sitegen/locale/<lang>/LC_MESSAGES/{theme,cli}.mo, made from
the .po beside them by Babel) and dates and numbers per language, also with Babel.

The msgids are the English texts, so English needs no catalogue: a message missing from
a catalogue shows in English (and tests/test_i18n.py fails).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

from markupsafe import Markup

from sitegen.model import IsoWeek

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "fr")  # every language sitegen has catalogues for
DOMAINS = ("theme", "cli")  # the theme's templates; the command line's messages (sitegen/messages.py)
NNBSP = "\u202f"


@functools.cache
def translations(lang: str, domain: str = "theme") -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    try:
        with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo", "rb") as mo:
            return gettext.GNUTranslations(mo)
    except FileNotFoundError:
        return gettext.NullTranslations()


def gettext_for(lang: str, domain: str = "theme") -> Callable[[str], str]:
    return translations(lang, domain).gettext


def language_from_environment(environ: os._Environ | dict[str, str] | None = None) -> str:
    """The command line's language, as gettext chooses it: LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        for item in value.split(":"):
            code = item.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
            if code in ("c", "posix"):
                return "en"
        if value:
            return "en"
    return "en"


# --- dates and numbers -----------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)  # Babel takes ~20 us a date; a site has a few thousand days
def format_date(day: dt.date, lang: str, *, year: bool = True) -> str:
    """'28 September 2023', '28 septembre 2023'; the first of the month is '1er' in French."""
    text = _babel_date(day, "d MMMM y" if year else "d MMMM", locale=lang)
    if lang == "fr" and day.day == 1:
        text = "1er" + text[1:]
    return text


def format_month(day: dt.date, lang: str) -> str:
    """'September 2023', 'septembre 2023'."""
    return _babel_date(day, "MMMM y", locale=lang)


def format_day_number(day: dt.date, lang: str) -> str:
    """The day of the month alone: '1', or '1er' in French."""
    return "1er" if lang == "fr" and day.day == 1 else str(day.day)


def format_days(week: IsoWeek, lang: str) -> str:
    """The days of a week: '25 September – 1 October 2023', '18–24 septembre 2023'."""
    monday, sunday = week.monday, week.sunday
    if monday.month == sunday.month:
        first = "1er" if lang == "fr" and monday.day == 1 else str(monday.day)
        return f"{first}\u2013{format_date(sunday, lang)}"
    return f"{format_date(monday, lang, year=monday.year != sunday.year)} \u2013 {format_date(sunday, lang)}"


@functools.lru_cache(maxsize=16384)
def format_number(value: int | float | None, lang: str) -> str:
    """Thousands grouped by a narrow no-break space in both languages: '1 234'."""
    if value is None:
        return ""
    text = format_decimal(value, locale=lang)
    return text.replace(",", NNBSP) if lang == "en" else text


def format_signed(value: int | None, lang: str) -> str:
    """A change, signed, grouped as format_number() groups: '+1 299', '−4', '0'."""
    if value is None:
        return ""
    text = format_number(abs(value), lang)
    return f"+{text}" if value > 0 else f"\u2212{text}" if value < 0 else text


def format_decimal_1(value: float, lang: str) -> str:
    """One decimal, as the language writes it: '12.3' in English, '12,3' in French."""
    text = format_decimal(round(value, 1), format="#,##0.0", locale=lang)
    return text.replace(",", NNBSP) if lang == "en" else text


# --- the theme's Jinja environment -------------------------------------------------------------

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language, for the switch
_ORIGINAL_NOTES = {"en": "Original text in English", "fr": "Original text in French"}  # msgids (theme)


def _page_lang(context) -> str:
    return context.get("sg_lang") or "en"


def _original_lang(context, obj) -> str:
    """The language of a text shown on the page: a translation's own, else the site's default."""
    return getattr(obj, "lang", "") or context.get("sg_default_lang") or "en"


_NO_ATTR = Markup("")
_LANG_ATTR = {lang: Markup(' lang="%s"') % lang for lang in LANGUAGES}


class Localized(str):
    """A text in the page's language, or its original with `lang` set: `.lang` says which."""

    lang: str
    translated: bool
    attr: str  # ' lang="en"' where the text is not in the page's language, else ''

    def __new__(cls, text: str, lang: str, translated: bool, page_lang: str = ""):
        self = super().__new__(cls, text)
        self.lang, self.translated = lang, translated
        self.attr = _LANG_ATTR[lang] if page_lang and lang != page_lang else _NO_ATTR
        return self


@dataclass(frozen=True, slots=True)
class Listed:
    """An incident's fields as a list shows them, in the page's language (Localizer.listed)."""

    title: Localized
    summary: Localized
    type: str
    date: str
    region: str  # its admin1, where that is not its location's name; else ""
    country: str
    # each source, its date as the page writes it ("" for none), and whether it is the last:
    # a loop over them needs no `loop` (which cost a list a sixth of its time)
    sources: tuple[tuple[Any, str, bool], ...] = ()


class Localizer:
    """A page's language for long lists: `{% set L = sg_lang|localizer %}` once, then
    `L.date(day)`, `L.country(code)`, `L.tr(incident, "title")` per item, and
    `{% set _, ngettext = L.gettext, L.ngettext %}` (same names, so Babel still extracts the
    messages). Plain method calls: a context-reading filter or jinja2's gettext in a loop
    costs Jinja a new context at every call, which doubled the time of an incident list."""

    def __init__(self, lang: str, default_lang: str):
        self.lang, self.default_lang = lang, default_lang
        self._catalogue = translations(lang)
        self._made: dict[tuple, Markup] = {}  # once()'s

    def once(self, macro, *args) -> Markup:
        """`macro(*args, L)`, made once for the same args while this localizer lasts (one
        list): a list of hundreds of incidents has a few dozen distinct tolls, each of which
        took Jinja's macro call a sixth of the list's time. `args` are all the macro reads."""
        key = (macro.name, *args)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = macro(*args, self)
        return made

    def gettext(self, message: str, **variables) -> Markup:
        """As jinja2's new-style gettext with autoescape: placeholders filled in, escaped."""
        text = Markup(self._catalogue.gettext(message))
        return text % variables if variables else text

    def note(self, text: Localized) -> Markup:
        """'Texte original en anglais': the note beside an untranslated text."""
        return self.gettext(_ORIGINAL_NOTES.get(text.lang, _ORIGINAL_NOTES["en"]))

    def ngettext(self, singular: str, plural: str, n: int, **variables) -> Markup:
        variables.setdefault("num", n)
        return Markup(self._catalogue.ngettext(singular, plural, n)) % variables

    def date(self, day: dt.date) -> str:
        return format_date(day, self.lang)

    def number(self, n: int) -> str:
        return format_number(n, self.lang)

    def country(self, code: str) -> str:
        from sitegen import geo

        return geo.country_name(code, self.lang)

    def admin1(self, country: str, name: str) -> str:
        from sitegen import geo

        return geo.admin1_name(country, name, self.lang)

    def listed(self, incident, type_labels: dict[str, str]) -> Listed:
        """What an incident list shows of `incident` in the page's language, at one call
        (`type_labels`: the list's, see the type_labels filter): as seven calls in the
        list's loop, Jinja's handling of each call was a fifth of the list's time."""
        shown_region = incident.admin1 and incident.admin1 != incident.location  # "Gao area, Gao" is said once
        return Listed(
            self.tr(incident, "title"),
            self.tr(incident, "summary"),
            type_labels.get(incident.type, incident.type),
            self.date(incident.date),
            self.admin1(incident.country, incident.admin1) if shown_region else "",
            self.country(incident.country),
            self._sources(incident.sources) if incident.sources else (),
        )

    def _sources(self, sources) -> tuple[tuple[Any, str, bool], ...]:
        last = len(sources) - 1
        return tuple((s, format_date(s.date, self.lang) if s.date else "", n == last) for n, s in enumerate(sources))

    def tr(self, obj, name: str) -> Localized:
        """`obj.<name>` in the page's language (`<name>_fr` for French), else the original;
        where the original is empty and a translation is not (a summary written in French
        only), that translation, as the original of every other edition."""
        if self.lang != self.default_lang:
            text = getattr(obj, f"{name}_{self.lang}", None)
            if text:
                return Localized(text, self.lang, True, self.lang)
        text = getattr(obj, name, "") or ""
        if not text:
            for lang in LANGUAGES:
                if lang != self.default_lang and lang != self.lang and (other := getattr(obj, f"{name}_{lang}", None)):
                    return Localized(other, lang, False, self.lang)
        return Localized(text, self.default_lang, self.lang == self.default_lang, self.lang)


def borrowed_summary(incident, lang: str) -> str:
    """The language of the summary the default edition (`lang`) shows of an incident that
    has none of its own but another edition's (a summary written in French only), else ""."""
    if incident.summary:
        return ""
    return next((other for other in LANGUAGES if other != lang and getattr(incident, f"summary_{other}", "")), "")


def taken_summary(incident, lang: str) -> str:
    """The language of the summary an incident of the default edition (`lang`) got from
    another edition (see borrowed_summary; Edition.incidents puts it in), else ""."""
    summary = incident.summary
    if summary:
        for other in LANGUAGES:
            if other != lang and summary == getattr(incident, _SUMMARY_IN[other], ""):
                return other
    return ""


_SUMMARY_IN = {lang: f"summary_{lang}" for lang in LANGUAGES}


def install(env, default_lang: str = "en"):
    """Set up a theme environment: jinja2's i18n extension (new style, catalogue chosen by
    the context's `sg_lang`), and the filters that format per language. Returns `env`."""
    from jinja2 import pass_context

    from sitegen import geo

    @pass_context
    def gettext_(context, message: str) -> str:
        return translations(_page_lang(context)).gettext(message)

    @pass_context
    def ngettext_(context, singular: str, plural: str, n: int) -> str:
        return translations(_page_lang(context)).ngettext(singular, plural, n)

    @pass_context
    def lang_attr(context, obj) -> Markup:
        """' lang="en"' where `obj` (a brief, a Localized text) is not in the page's language."""
        if obj is None:
            return Markup("")
        lang = obj.lang if isinstance(obj, Localized) else _original_lang(context, obj)
        return Markup("") if lang == _page_lang(context) else Markup(' lang="%s"') % lang

    @pass_context
    def original_note(context, obj) -> str:
        lang = obj.lang if isinstance(obj, Localized) else _original_lang(context, obj)
        return gettext_(context, _ORIGINAL_NOTES.get(lang, _ORIGINAL_NOTES["en"]))

    @pass_context
    def localized(context, obj, name: str) -> Localized:
        """`obj.<name>` in the page's language (`<name>_fr` for French), else the original."""
        return Localizer(_page_lang(context), context.get("sg_default_lang") or "en").tr(obj, name)

    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext_, ngettext_, newstyle=True)
    env.policies["ext.i18n.trimmed"] = True
    env.globals.setdefault("sg_lang", default_lang)
    env.globals.setdefault("sg_default_lang", default_lang)
    env.globals.setdefault("sg_prefix", "")
    env.globals.setdefault("sg_alternates", ())
    env.globals["tr"] = localized
    env.filters["lang_attr"] = lang_attr
    env.filters["original_note"] = original_note
    # the language of a text (a brief, a Localized) as the page shows it; "" for nothing
    env.filters["text_lang"] = pass_context(lambda c, obj: "" if obj is None else _original_lang(c, obj))
    env.filters["date"] = pass_context(lambda c, day, year=True: format_date(day, _page_lang(c), year=year))
    env.filters["month"] = pass_context(lambda c, day: format_month(day, _page_lang(c)))
    env.filters["day"] = pass_context(lambda c, day: format_day_number(day, _page_lang(c)))
    env.filters["days"] = pass_context(lambda c, week: format_days(week, _page_lang(c)))
    env.filters["thousands"] = pass_context(lambda c, n: format_number(n, _page_lang(c)))
    env.filters["country_name"] = pass_context(lambda c, code: geo.country_name(code, _page_lang(c)))
    env.filters["admin1_name"] = pass_context(lambda c, name, country: geo.admin1_name(country, name, _page_lang(c)))
    @pass_context
    def type_labels(context, types: dict) -> dict[str, str]:
        """{slug: label in the page's language}: looked up once per list, not per incident."""
        catalogue = translations(_page_lang(context))
        return {slug: e.label_in(_page_lang(context), catalogue.gettext) for slug, e in (types or {}).items()}

    @pass_context
    def type_label(context, slug: str) -> str:
        etype = (context.get("sg_types") or {}).get(slug)
        return etype.label_in(_page_lang(context), translations(_page_lang(context)).gettext) if etype else slug

    env.filters["type_label"] = type_label
    # an EventType's label in the page's language (the site's `label_fr`, else the catalogue's)
    env.filters["type_name"] = pass_context(lambda c, e: e.label_in(_page_lang(c), translations(_page_lang(c)).gettext))
    env.filters["type_labels"] = type_labels
    env.filters["localizer"] = pass_context(lambda c, lang: Localizer(lang, c.get("sg_default_lang") or "en"))
    # a label from data (an event type's), translated when the catalogue has it: plain text,
    # escaped like any other (gettext's results are Markup, fit for the theme's own strings only)
    env.filters["label"] = pass_context(lambda c, text: str(translations(_page_lang(c)).gettext(str(text))))
    env.filters["signed"] = pass_context(lambda c, n: format_signed(n, _page_lang(c)))
    return env


# --- the catalogues' sources (tools/i18n.py, tests/test_i18n.py) --------------------------------


def extract(domain: str):
    """A Babel Catalog of every msgid of `domain`: the theme's template strings (and the default
    event types' labels), or the English texts of sitegen/messages.py."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="sitegen", domain=domain, charset="utf-8", fuzzy=False)
    if domain == "cli":
        from sitegen.messages import CATALOGUE

        for key, text in CATALOGUE["en"].items():
            catalog.add(text, locations=[("sitegen/messages.py", 0)], auto_comments=[key])
        return catalog
    from babel.messages.extract import extract_from_dir

    from sitegen.model import DEFAULT_EVENT_TYPES
    from sitegen.scaffold import theme_dir

    root = theme_dir()
    options = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}
    method_map = [("**.html", "jinja2"), ("**.xml", "jinja2")]
    found = extract_from_dir(str(root), method_map, {"**.html": options, "**.xml": options}, keywords={"_": None, "gettext": None, "ngettext": (1, 2)})
    for filename, lineno, message, comments, context in found:
        catalog.add(message, locations=[(f"templates/{filename}", lineno)], auto_comments=comments, context=context)
    for etype in DEFAULT_EVENT_TYPES:
        catalog.add(etype.label, locations=[("sitegen/model.py", 0)], auto_comments=["event type"])
    for note in _ORIGINAL_NOTES.values():
        catalog.add(note, locations=[("sitegen/i18n.py", 0)])
    return catalog
