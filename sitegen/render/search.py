"""The search index of one edition: small static files read by templates/assets/search.js.

A query fetches only what it needs, so that a site of 100,000 incidents answers in a
few dozen KB (issue #13):

    search/index/meta.json     the manifest: language, site root, number of documents,
                               block size, the list of term shards
    search/index/t-ti.json     terms whose first two letters are "ti" -> the documents
                               holding them ({"tillaberi": [all, in_title]})
    search/index/d-0.json      documents 0..BLOCK-1 as shown in a result: title, link,
                               date, country, excerpt (d-1.json the next BLOCK ...)

Documents are numbered briefs first, then public incidents, newest first: the order
results keep. Terms are folded like search.js folds the reader's words (no case, no
accents: "Tillabéri" -> "tillaberi") and indexed whole; the reader's words match them
by prefix after a light stemming, or within one edit when they match nothing (see
search.js). A term's documents are a sorted set, written as base-64 varints of the gaps
or as a bitmap, whichever is shorter. Rows hold only what a result shows.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sitegen import geo
from sitegen.model import Incident, IsoWeek
from sitegen.render.markdown import markdown_to_text

INDEX_VERSION = 2
INDEX_DIR = "search/index"
META_FILE = f"{INDEX_DIR}/meta.json"
BLOCK = 16  # documents per d-N.json: a result page of 20 touches few KB even when matches are sparse
INCIDENT_TEXT_LIMIT = 200
BRIEF_TEXT_LIMIT = 4000
EXCERPT_LIMIT = 160  # what a result shows of the text
TERM_MAX = 24  # longer "words" are noise (URLs, ids): cut, still found by prefix
SHARD_CHARS = 2
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # as search.js
_WORD = re.compile(r"[^\W_]+")
_MARKS = re.compile("[\u0300-\u036f]")


@dataclass(frozen=True, slots=True)
class Row:
    """One document: what a result shows, and the text its terms come from."""

    kind: str  # brief | incident
    title: str
    url: str  # relative to the site root
    date: str
    country: str
    text: str  # indexed, not stored whole

    def shown(self) -> list[str]:
        return [self.title, self.url, self.date, self.country, _excerpt(self.text, EXCERPT_LIMIT)]


def search_rows(
    incidents: Iterable[Incident],
    briefs_text: Mapping[IsoWeek, tuple[str, str]],
    url_for_incident: Callable[[Incident], str],
    url_for_week: Callable[[IsoWeek], str],
    lang: str = "en",
) -> list[Row]:
    """Briefs newest first, then public incidents newest first."""
    rows = []
    for week in sorted(briefs_text, reverse=True):
        title, text = briefs_text[week]
        rows.append(Row("brief", _one_line(title) or str(week), url_for_week(week), str(week), "", _excerpt(text, BRIEF_TEXT_LIMIT)))
    public = sorted((i for i in incidents if i.is_public), key=lambda i: (i.date, i.id), reverse=True)
    for incident in public:
        rows.append(
            Row(
                "incident",
                _one_line(incident.title),
                url_for_incident(incident),
                incident.date.isoformat(),
                geo.country_name(incident.country, lang),
                _excerpt(_incident_text(incident), INCIDENT_TEXT_LIMIT),
            )
        )
    return rows


def search_files(rows: list[Row], root: str = "../../", lang: str = "en") -> dict[str, bytes]:
    """{path under the edition's root: bytes} of the index. `root` is the site root as
    seen from search/index/ (result links are relative to it)."""
    postings: dict[str, dict[int, bool]] = {}
    for n, row in enumerate(rows):
        title = set(terms(row.title))
        for term in title | set(terms(" ".join((row.country, row.text, row.date)))):
            postings.setdefault(term, {})[n] = term in title
    shards: dict[str, dict[str, list[str]]] = {}
    for term in sorted(postings):
        docs = postings[term]
        in_title = [n for n, flag in docs.items() if flag]
        sets = [encode_set(sorted(docs), len(rows))] + ([encode_set(in_title, len(rows))] if in_title else [])
        shards.setdefault(term[:SHARD_CHARS], {})[term] = sets
    files = {
        f"{INDEX_DIR}/t-{shard_name(key)}.json": _dump(terms_of) for key, terms_of in shards.items()
    }
    for start in range(0, len(rows), BLOCK):
        files[f"{INDEX_DIR}/d-{start // BLOCK}.json"] = _dump([row.shown() for row in rows[start : start + BLOCK]])
    briefs = sum(1 for row in rows if row.kind == "brief")
    meta = {"version": INDEX_VERSION, "lang": lang, "root": root, "docs": len(rows), "briefs": briefs, "block": BLOCK, "shards": sorted(shards)}
    files[META_FILE] = _dump(meta)
    return dict(sorted(files.items()))


def fold(text: str) -> str:
    """Case- and accent-free, as search.js's fold(): "Tillabéri" -> "tillaberi"."""
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text or ""))
    return text.replace("\u2018", "'").replace("\u2019", "'").lower()


def terms(text: str) -> list[str]:
    """The indexed words of a text: folded, two characters or more."""
    return [w[:TERM_MAX] for w in _WORD.findall(fold(text)) if len(w) >= 2]


def shard_name(key: str) -> str:
    """A file name for a shard key: itself when plain a-z0-9, else its code points in hex
    (so that no host has to serve a non-ASCII path); search.js names them alike."""
    if re.fullmatch(r"[a-z0-9]+", key):
        return key
    return "u" + "-".join(f"{ord(c):x}" for c in key)


def encode_set(docs: list[int], size: int) -> str:
    """A sorted set of document numbers: gaps as base-64 varints (5 bits a digit, the
    last digit of a number below 32), or "~" and a bitmap in base64url when shorter."""
    out = []
    prev = -1
    for n in docs:
        gap, prev = n - prev - 1, n
        digits = [DIGITS[gap & 31]]
        gap >>= 5
        while gap:
            digits.append(DIGITS[32 + (gap & 31)])
            gap >>= 5
        out.extend(reversed(digits))
    varints = "".join(out)
    bits = bytearray((docs[-1] >> 3) + 1 if docs else 0)
    for n in docs:
        bits[n >> 3] |= 1 << (n & 7)
    bitmap = "~" + base64.urlsafe_b64encode(bytes(bits)).decode("ascii").rstrip("=")
    return bitmap if len(bitmap) < len(varints) else varints


def decode_set(value: str) -> list[int]:
    """The inverse of encode_set (tests and the bench use it; search.js has its own)."""
    if value.startswith("~"):
        data = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        return [i * 8 + b for i, byte in enumerate(data) for b in range(8) if byte >> b & 1]
    docs, number, prev = [], 0, -1
    for char in value:
        digit = DIGITS.index(char)
        if digit >= 32:
            number = number * 32 + digit - 32
        else:
            prev += number * 32 + digit + 1
            docs.append(prev)
            number = 0
    return docs


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _incident_text(incident: Incident) -> str:
    # places and actors first: they are what people search for, and survive the cut
    summary = markdown_to_text(incident.summary[: INCIDENT_TEXT_LIMIT * 4])
    words = [incident.location, incident.admin1 or "", *incident.actors, *incident.tags, summary]
    return " · ".join(w for w in words if w)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _excerpt(text: str, limit: int) -> str:
    text = _one_line(text)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"


def pack(files: dict[str, bytes]) -> bytes:
    """The index's files as one blob (for the build cache); unpack() gives them back."""
    return _dump({path: data.decode("utf-8") for path, data in files.items()})


def unpack(blob: bytes) -> dict[str, bytes]:
    return {path: text.encode("utf-8") for path, text in json.loads(blob).items()}
