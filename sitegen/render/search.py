"""The search index (search/index.json) read by templates/assets/search.js.

One compact document: a row per brief and per public incident, columns named once in
"fields". Text is cut to a short excerpt per row so that 100,000 incidents stay around
30 MB (a few MB once the host gzips it); the browser fetches it only when someone
searches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sitegen import geo
from sitegen.model import Incident, IsoWeek
from sitegen.text import plain_text, teaser

INDEX_VERSION = 1
FIELDS = ("kind", "title", "url", "date", "country", "text")
INCIDENT_TEXT_LIMIT = 200
BRIEF_TEXT_LIMIT = 4000


def search_index(
    incidents: Iterable[Incident],
    briefs_text: Mapping[IsoWeek, tuple[str, str]],
    url_for_incident: Callable[[Incident], str],
    url_for_week: Callable[[IsoWeek], str],
    root: str = "../",
    lang: str = "en",
) -> dict[str, Any]:
    """{"version", "root", "fields", "docs"}: briefs newest first, then public incidents
    newest first. URLs are relative to the site root; `root` is the site root as seen
    from the index file (search/index.json by default)."""
    docs: list[list[str]] = []
    for week in sorted(briefs_text, reverse=True):
        title, text = briefs_text[week]
        title = _one_line(title) or str(week)
        docs.append(["brief", title, url_for_week(week), str(week), "", teaser(text, BRIEF_TEXT_LIMIT)])
    public = sorted((i for i in incidents if i.is_public), key=lambda i: (i.date, i.id), reverse=True)
    for incident in public:
        docs.append(
            [
                "incident",
                _one_line(incident.title),
                url_for_incident(incident),
                incident.date.isoformat(),
                geo.country_name(incident.country, lang),
                teaser(_incident_text(incident, lang), INCIDENT_TEXT_LIMIT),
            ]
        )
    return {"version": INDEX_VERSION, "lang": lang, "root": root, "fields": list(FIELDS), "docs": docs}


def _incident_text(incident: Incident, lang: str = "en") -> str:
    # places and actors first: they are what people search for, and survive the cut;
    # the region as the page in `lang` names it
    summary = plain_text(incident.summary[: INCIDENT_TEXT_LIMIT * 4])
    admin1 = geo.admin1_name(incident.country, incident.admin1, lang) if incident.admin1 else ""
    words = [incident.location, admin1, *incident.actors, *incident.tags, summary]
    return " · ".join(w for w in words if w)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())
