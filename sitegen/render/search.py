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

A site's index is made of pieces (Piece: a brief, a week's incidents), each indexed on its
own and kept in the build cache, then placed one after the other (index_files): a rebuild
after an edit makes only the edited pieces again, wherever the edit moved the others.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import functools
import hashlib
import operator
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field

import msgspec

from sitegen import geo
from sitegen.cache import digest
from sitegen.i18n import format_date, format_days, format_month, taken_summary
from sitegen.model import Incident, IsoWeek
from sitegen.render.exports import dump_json_finite
from sitegen.text import plain_text, teaser

INDEX_VERSION = 2
INDEX_DIR = "search/index"
META_FILE = f"{INDEX_DIR}/meta.json"
BLOCK = 16  # documents per d-N.json: a result page of 20 touches few KB even when matches are sparse
INCIDENT_TEXT_LIMIT = 200
BRIEF_TEXT_LIMIT = 4000
EXCERPT_LIMIT = 160  # what a result shows of the text
TERM_MAX = 24  # longer "words" are noise (URLs, ids): cut, still found by their first letters
SHARD_CHARS = 2
SHARD_BUDGET = 64 * 1024  # bytes: a bigger shard is split by one letter more
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # as search.js
_WORD = re.compile(rf"[^\W_]{{2,{TERM_MAX}}}")  # a longer "word" (a URL, an id) is cut in pieces
_MARKS = re.compile("[\u0300-\u036f]")


@dataclass(frozen=True, slots=True)
class Row:
    """One document: what a result shows, and the text its terms come from."""

    kind: str  # brief | incident
    title: str
    url: str  # relative to the site root
    date: str  # indexed: an incident's ISO date, a brief's week
    country: str
    text: str  # indexed, not stored whole
    day: str = ""  # shown instead of `date`: an incident's date as its edition writes it
    # the language of the title and of the text where it is not the edition's (an untranslated
    # incident's original): the result sets `lang` on them and says so
    title_lang: str = ""
    text_lang: str = ""

    def shown(self, excerpt: str | None = None) -> list[str]:
        """What a result shows; `excerpt`: the text's, made already (another edition's of it)."""
        excerpt = teaser(self.text, EXCERPT_LIMIT) if excerpt is None else excerpt
        row = [self.title, self.url, self.day or self.date, self.country, excerpt]
        return [*row, self.title_lang, self.text_lang] if self.title_lang or self.text_lang else row


# a term's documents in a piece, counted from its first: the one document, or the first and
# last, the varints of the gaps after the first (as encode_set writes them), and their
# bitmask in hex when MASKED or more (an int alone for most: fewer objects, a lighter cache)
Postings = int | tuple[int, int, str, str]
MASKED = 8  # fewer documents: their bitmask is made from the gaps, if ever needed


@dataclass(frozen=True, slots=True)
class Piece:
    """Consecutive documents indexed on their own (a brief, a week's incidents), placed at
    any document number by index_files(): so a rebuild remakes only the pieces whose
    content changed, however the documents before them moved."""

    shown: list[list[str]]  # each document's Row.shown()
    anywhere: dict[str, Postings]
    in_title: dict[str, Postings]


def search_rows(
    incidents: Iterable[Incident],
    briefs_text: Mapping[IsoWeek, tuple[str, ...]],
    url_for_incident: Callable[[Incident], str],
    url_for_week: Callable[[IsoWeek], str],
    lang: str = "en",
    texts: MutableMapping[str, tuple[str, str, str]] | None = None,
    keep: bool = False,
    default_lang: str = "en",
) -> list[Row]:
    """Briefs newest first, then public incidents newest first. `texts` (the same dict for
    every edition of a site): an incident's text made for an edition before, reused where
    its summary and region name are the same in this one; with `keep`, this edition's are
    kept there for the next, else taken out."""
    rows = []
    for week in sorted(briefs_text, reverse=True):
        title, text, *shown_in = briefs_text[week]  # (title, text[, the language of a brief shown untranslated])
        original = shown_in[0] if shown_in else ""
        rows.append(Row("brief", _one_line(title) or str(week), url_for_week(week), str(week), "", teaser(text, BRIEF_TEXT_LIMIT),
                        title_lang=original, text_lang=original))
    public = sorted((i for i in incidents if i.is_public), key=lambda i: (i.date, i.id), reverse=True)
    countries: dict[str, str] = {}
    days: dict[object, str] = {}  # each date as the edition writes it ("26 septembre 2023"): a few thousand
    for incident in public:
        if (country := countries.get(incident.country)) is None:
            country = countries[incident.country] = geo.country_name(incident.country, lang)
        admin1 = geo.admin1_name(incident.country, incident.admin1, lang) if incident.admin1 else ""
        kept = texts.get(incident.id) if keep else texts.pop(incident.id, None) if texts is not None else None
        if kept is not None and kept[0] == incident.summary and kept[1] == admin1:
            text = kept[2]
        else:
            text = teaser(_incident_text(incident, admin1), INCIDENT_TEXT_LIMIT)
        if keep:
            texts[incident.id] = (incident.summary, admin1, text)
        if (day := days.get((incident.date, incident.date_precision))) is None:  # a week's or month's as a range
            day = days[incident.date, incident.date_precision] = _day(incident, lang)
        title_lang = text_lang = ""
        if lang == default_lang:  # a summary written in another language only (Edition.incidents put it in)
            text_lang = taken_summary(incident, lang)
        else:  # the edition's text where the incident has one (Edition.incidents put it in)
            title_lang = "" if getattr(incident, f"title_{lang}", None) else default_lang
            text_lang = "" if getattr(incident, f"summary_{lang}", "") or not incident.summary else default_lang
        row = Row("incident", _one_line(incident.title), url_for_incident(incident), incident.date.isoformat(), country, text, day, title_lang, text_lang)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Index:
    """An edition's index files, with what the next build needs to remake only part of
    them: the key of each group of terms (their first two letters) and its shards."""

    files: dict[str, bytes]  # path under the edition's root -> bytes (with `names`: the files made anew only)
    groups: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # group -> (its key, its shard keys)
    key: str = ""  # what the whole index was made of (the caller's key), if it keeps it
    pieces: list[tuple[str, int]] = field(default_factory=list)  # (each piece's key, its first document)
    docs: int = 0
    # every file's path -> the SHA-256 of its bytes: the name of the build cache's blob of it,
    # where the files taken from the last index are (only made with a `last`)
    names: dict[str, str] = field(default_factory=dict)


def search_files(rows: list[Row], root: str = "../../", lang: str = "en") -> dict[str, bytes]:
    """{path under the edition's root: bytes} of the index. `root` is the site root as
    seen from search/index/ (result links are relative to it)."""
    return index_files([index_piece(rows)], sum(1 for row in rows if row.kind == "brief"), root, lang)


@dataclass
class Known:
    """The terms of each title and text, and each text's excerpt, as index_piece() made them
    for one edition's rows of some documents: another edition's rows of the same documents
    mostly hold the same texts (an untranslated incident's), which are not read again."""

    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    excerpts: dict[str, str] = field(default_factory=dict)


def index_piece(rows: list[Row], known: Known | None = None) -> Piece:
    """The piece of the index that these consecutive documents make (`known`: see Known)."""
    known = known or Known()
    seen, excerpts = known.terms, known.excerpts
    anywhere: dict[str, list[int]] = defaultdict(list)  # term -> ascending document numbers
    in_title: dict[str, list[int]] = defaultdict(list)
    for n, row in enumerate(rows):
        if (title := seen.get(row.title)) is None:
            title = seen[row.title] = frozenset(terms(row.title))
        for term in title:
            in_title[term].append(n)
        if (text := seen.get(row.text)) is None:
            text = seen[row.text] = frozenset(terms(row.text))
        # the terms of f"{country} {text} {date}": words never span the spaces between
        for term in title.union(_short_terms(row.country), text, _short_terms(row.date)):
            anywhere[term].append(n)
    for row in rows:
        if row.text not in excerpts:
            excerpts[row.text] = teaser(row.text, EXCERPT_LIMIT)
    return Piece(
        [row.shown(excerpts[row.text]) for row in rows],
        {term: docs[0] if len(docs) == 1 else _postings(docs) for term, docs in anywhere.items()},
        {term: docs[0] if len(docs) == 1 else _postings(docs) for term, docs in in_title.items()},
    )


def index_files(pieces: Iterable[Piece], briefs: int, root: str = "../../", lang: str = "en") -> dict[str, bytes]:
    """search_files() of the documents of these pieces, one after the other; `briefs`: how
    many of them, first, are briefs."""
    return build_index(pieces, briefs, root, lang).files


@dataclass
class Placed:
    """Pieces placed one after the other from document `first`: each term's documents,
    flat (the first document of each piece holding it, then its postings there: no pair
    objects, which would make the garbage collector walk the heap again and again)."""

    anywhere: dict[str, list[int | Postings]]
    in_title: dict[str, list[int | Postings]]
    shown: list[list[str]]
    pieces: list[tuple[str, int]]  # (each piece's key, its first document), with keys
    first: int = 0

    def then(self, rest: Placed) -> Placed:
        """These documents, then `rest` (placed from where these end): as if placed at once,
        the terms in the order they first come."""
        assert rest.first == self.first + len(self.shown)
        joined = []
        for mine, theirs in ((self.anywhere, rest.anywhere), (self.in_title, rest.in_title)):
            both = dict(mine)
            for term, docs in theirs.items():
                both[term] = both[term] + docs if term in both else docs
            joined.append(both)
        return Placed(joined[0], joined[1], self.shown + rest.shown, self.pieces + rest.pieces, self.first)


def place(pieces: Iterable[Piece], keys: list[str] | None = None, first: int = 0) -> Placed:
    """The pieces, one after the other, from document `first`."""
    placed = Placed(defaultdict(list), defaultdict(list), [], [], first)
    at = first
    for n, piece in enumerate(pieces):
        if keys is not None:
            placed.pieces.append((keys[n], at))
        _place(placed.anywhere, piece.anywhere, at)
        _place(placed.in_title, piece.in_title, at)
        placed.shown += piece.shown
        at += len(piece.shown)
    return placed


def build_index(
    pieces: Iterable[Piece], briefs: int, root: str = "../../", lang: str = "en", last: Index | None = None,
    keys: list[str] | None = None, rest: Placed | None = None,
) -> Index:
    """index_files(), keyed by group of terms; a group whose terms and documents are those
    of `last` (the last build's index; an empty Index: nothing to reuse) is not encoded
    again: an edit changes the groups of its own words only, as long as no document before
    it comes or goes. `keys` (one per piece: what its content was made of): a block of
    documents whose pieces are where they were in `last` is not written again either.
    Without `last`, no keys. `rest`: the documents after these, placed already (place())."""
    return index_and_placing(pieces, briefs, root, lang, last, keys, rest)[0]


@dataclass
class Placing:
    """What an index was made of, for update_index() to make the next one from: its
    documents as placed, each group's terms in the index's order, and its pieces by key."""

    index: Index | None  # the index made of it (the caller may put its own copy in its place)
    placed: Placed
    terms: dict[str, list[str]]  # group -> its terms, in the order they first come
    of_key: dict[str, Piece]
    briefs: int
    root: str
    lang: str


def index_and_placing(
    pieces: Iterable[Piece], briefs: int, root: str = "../../", lang: str = "en", last: Index | None = None,
    keys: list[str] | None = None, rest: Placed | None = None, of_key: dict[str, Piece] | None = None,
) -> tuple[Index, Placing]:
    """build_index(), and what it was made of: with `keys`, and every piece by key
    (`of_key`; without `rest`, the pieces given), what update_index() starts from."""
    pieces = list(pieces)
    placed = place(pieces, keys)
    if rest is not None:
        placed = placed.then(rest)
    by_group: dict[str, list[str]] = defaultdict(list)
    for term in placed.anywhere:
        by_group[term[:SHARD_CHARS]].append(term)
    index = _index(placed, by_group, briefs, root, lang, last, keys is not None)
    if of_key is None:
        of_key = dict(zip(keys, pieces)) if keys is not None and rest is None else {}
    return index, Placing(index, placed, dict(by_group), of_key, briefs, root, lang)


def update_index(
    placing: Placing, keys: list[str], piece: Callable[[str], Piece], briefs: int, root: str = "../../", lang: str = "en",
) -> tuple[Index, Placing] | None:
    """index_and_placing() of the pieces of `keys` (each got by piece(key); KeyError if
    there is none) after placing.index, for pieces changed where every document keeps its
    number (an incident edited, a brief reworded): the terms of the changed pieces are
    placed again and their groups made again, the others are the last index's; the same
    index, to the byte, as made whole. None where documents would move (a piece of another
    size, one more or fewer), or the index was made without keys."""
    last, before = placing.index, placing.placed.pieces
    if last is None or not placing.of_key or (placing.briefs, placing.root, placing.lang) != (briefs, root, lang):
        return None
    if len(before) != len(keys):
        return None
    of_key = dict(placing.of_key)
    swaps = []  # (first document, old piece, new piece)
    for (old_key, start), key in zip(before, keys):
        if old_key != key:
            old, new = placing.of_key[old_key], piece(key)
            if len(old.shown) != len(new.shown):
                return None
            swaps.append((start, old, new))
            of_key[key] = new
    anywhere, in_title, shown = dict(placing.placed.anywhere), dict(placing.placed.in_title), list(placing.placed.shown)
    touched: set[str] = set()
    for start, old, new in swaps:
        changed = _changed_terms(old, new)
        for placed, gone, come in ((anywhere, old.anywhere, new.anywhere), (in_title, old.in_title, new.in_title)):
            for term in changed:
                if term in gone:  # its documents in the old piece out (a new list: the last index's stays)
                    docs = placed[term]
                    at = bisect.bisect_left(docs[0::2], start) * 2
                    if len(docs) == 2:
                        del placed[term]
                    else:
                        placed[term] = docs[:at] + docs[at + 2 :]
                if (postings := come.get(term)) is not None:
                    docs = placed.get(term, [])
                    at = bisect.bisect_left(docs[0::2], start) * 2
                    placed[term] = [*docs[:at], start, postings, *docs[at:]]
        touched |= changed
        shown[start : start + len(new.shown)] = new.shown
    placed_pieces = [(key, start) for key, (_, start) in zip(keys, before)]
    of_key = {key: of_key[key] for key in keys}  # the pieces replaced are let go
    first_piece = {start: of_key[key] for key, start in placed_pieces if of_key[key].shown}
    ranks: dict[int, dict[str, int]] = {}

    def rank(start: int, term: str) -> int:  # the term's place among its first piece's
        if (known := ranks.get(start)) is None:
            known = ranks[start] = {t: n for n, t in enumerate(first_piece[start].anywhere)}
        return known[term]

    def first(term: str) -> int:
        return anywhere[term][0]

    terms = dict(placing.terms)
    dirty = {term[:SHARD_CHARS] for term in touched}
    moved_of: dict[str, list[str]] = defaultdict(list)
    for term in touched:
        if term in anywhere:
            moved_of[term[:SHARD_CHARS]].append(term)
    for group in dirty:
        # a group's terms come by their first document, then by their place in its piece:
        # those of the changed pieces are taken out and put back where they now come
        order = [t for t in terms.get(group, ()) if t not in touched]
        for term in sorted(moved_of.get(group, ()), key=lambda t: (first(t), rank(first(t), t))):
            start = first(term)
            lo = bisect.bisect_left(order, start, key=first)
            hi = bisect.bisect_right(order, start, lo=lo, key=first)
            order.insert(bisect.bisect_left(order, rank(start, term), lo, hi, key=lambda t: rank(start, t)), term)
        if order:
            terms[group] = order
        else:
            terms.pop(group, None)
    placed = Placed(anywhere, in_title, shown, placed_pieces, 0)
    index = _index(placed, terms, briefs, root, lang, last, True, dirty)
    return index, Placing(index, placed, terms, of_key, briefs, root, lang)


def _changed_terms(old: Piece, new: Piece) -> set[str]:
    """The terms of either piece whose documents there differ, or whose place among the
    terms their first document brings does (a group's terms come in that order: see
    update_index); the others are placed as they were."""
    changed = old.anywhere.keys() ^ new.anywhere.keys()
    changed.update(t for t, at in new.anywhere.items() if t not in changed and old.anywhere[t] != at)
    changed.update(t for t in old.in_title.keys() | new.in_title.keys() if old.in_title.get(t) != new.in_title.get(t))

    def by_first_document(piece: Piece) -> dict[int, list[str]]:
        terms: dict[int, list[str]] = defaultdict(list)
        for term, at in piece.anywhere.items():
            if term not in changed:
                terms[at if type(at) is int else at[0]].append(term)
        return terms

    before = by_first_document(old)
    for document, terms in by_first_document(new).items():
        if before.get(document) != terms:
            changed.update(terms)
    return changed


def _index(placed: Placed, by_group: Mapping[str, list[str]], briefs: int, root: str, lang: str, last: Index | None,
           keyed: bool, dirty: set[str] | None = None) -> Index:  # fmt: skip
    """The index of the placed documents, their terms by group; a group not `dirty` (all,
    without it) is the last index's as it was."""
    anywhere, in_title, shown, placed_pieces = placed.anywhere, placed.in_title, placed.shown, placed.pieces
    files: dict[str, bytes] = {}
    groups: dict[str, tuple[str, list[str]]] = {}
    kept: dict[str, str] = {}  # path -> name: the files taken from `last`
    for group, group_terms in by_group.items():
        if dirty is not None and group not in dirty:
            key, shard_keys = groups[group] = last.groups[group]
            kept.update((path, last.names[path]) for path in map(_shard_file, shard_keys))
            continue
        placed = [(term, anywhere[term], in_title.get(term)) for term in group_terms]
        key = digest(placed) if last is not None else ""
        if (shard_keys := _kept_group(last, group, key)) is not None:
            kept.update((path, last.names[path]) for path in map(_shard_file, shard_keys))
        else:
            entries = {term: [_encode(docs)] + ([_encode(titles)] if titles else []) for term, docs, titles in placed}
            shards = {shard: data or _dump(terms_of) for shard, (terms_of, data) in _shards(entries).items()}
            files.update((_shard_file(shard), data) for shard, data in shards.items())
            shard_keys = list(shards)
        groups[group] = (key, sorted(shard_keys))
    kept_blocks = _kept_blocks(last, placed_pieces, len(shown)) if keyed else set()
    for start in range(0, len(shown), BLOCK):
        path = f"{INDEX_DIR}/d-{start // BLOCK}.json"
        if start in kept_blocks:
            kept[path] = last.names[path]
        else:
            files[path] = _dump(shown[start : start + BLOCK])
    meta = {
        "version": INDEX_VERSION, "lang": lang, "root": root, "docs": len(shown), "briefs": briefs, "block": BLOCK,
        "shards": sorted(shard for _, names in groups.values() for shard in names),
    }  # fmt: skip
    files[META_FILE] = _dump(meta)
    if last is None:
        return Index(dict(sorted(files.items())))
    names = {**kept, **{path: hashlib.sha256(data).hexdigest() for path, data in files.items()}}
    return Index(dict(sorted(files.items())), dict(sorted(groups.items())), "", placed_pieces, len(shown), dict(sorted(names.items())))


def _kept_blocks(last: Index | None, pieces: list[tuple[str, int]], docs: int) -> set[int]:
    """The first document of each block whose documents all come from pieces that were at
    the same place in `last` (so the block holds what it held, and `last` has its file)."""
    if last is None or not last.pieces:
        return set()
    before = set(last.pieces)
    changed: set[int] = set()  # blocks, by number
    ends = [start for _, start in pieces[1:]] + [docs]
    for (key, start), end in zip(pieces, ends):
        if (key, start) not in before and end > start:
            changed.update(range(start // BLOCK, (end - 1) // BLOCK + 1))
    if docs != last.docs:  # the last block may have held more, or fewer
        changed.add((min(docs, last.docs) - 1) // BLOCK)
    return {
        n * BLOCK for n in range((docs + BLOCK - 1) // BLOCK)
        if n not in changed and f"{INDEX_DIR}/d-{n}.json" in last.names
    }  # fmt: skip


def _kept_group(last: Index | None, group: str, key: str) -> list[str] | None:
    """The shards of a group of terms as the last build made them, if its key is the same."""
    kept = last.groups.get(group) if last is not None else None
    if kept is None or kept[0] != key or not all(_shard_file(shard) in last.names for shard in kept[1]):
        return None
    return kept[1]


def _shard_file(shard: str) -> str:
    return f"{INDEX_DIR}/t-{shard_name(shard)}.json"


def split_shards(entries: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """{shard key: {term: sets}}: terms by their first two letters; a shard over
    SHARD_BUDGET is split by one letter more (its terms of exactly the key's length stay
    under the key), so that no query fetches a big one ("20": every year of the site).
    A term lives in the shard of the longest key that begins it (search.js looks there)."""
    return {key: group for key, (group, _) in _shards(entries).items()}


def _shards(entries: dict[str, list[str]]) -> dict[str, tuple[dict[str, list[str]], bytes | None]]:
    """split_shards(), each shard with its JSON where measuring its size made it."""
    pending: dict[str, dict[str, list[str]]] = {}
    for term, sets in entries.items():
        pending.setdefault(term[:SHARD_CHARS], {})[term] = sets
    shards: dict[str, tuple[dict[str, list[str]], bytes | None]] = {}
    while pending:
        key, group = pending.popitem()
        if len(key) >= TERM_MAX or all(len(t) == len(key) for t in group):
            shards[key] = (group, None)
        elif len(data := _dump(group)) <= SHARD_BUDGET:
            shards[key] = (group, data)
        else:
            for term, sets in group.items():
                sub = term[: len(key) + 1]
                if sub == key:
                    shards.setdefault(key, ({}, None))[0][term] = sets
                else:
                    pending.setdefault(sub, {})[term] = sets
    return dict(sorted(shards.items()))


def fold(text: str) -> str:
    """Case- and accent-free, as search.js's fold(): "Tillabéri" -> "tillaberi"."""
    text = text or ""
    if text.isascii():
        return text.lower()
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return text.replace("\u2018", "'").replace("\u2019", "'").lower()


def terms(text: str) -> set[str]:
    """The indexed words of a text: folded, two characters or more."""
    return set(_WORD.findall(fold(text)))


@functools.lru_cache(maxsize=8192)
def _short_terms(text: str) -> frozenset[str]:
    """terms() of a text that repeats from row to row (a country, a date)."""
    return frozenset(terms(text))


def shard_name(key: str) -> str:
    """A file name for a shard key: itself when plain a-z0-9, else its code points in hex
    (so that no host has to serve a non-ASCII path); search.js names them alike."""
    if re.fullmatch(r"[a-z0-9]+", key):
        return key
    return "u" + "-".join(f"{ord(c):x}" for c in key)


def encode_set(docs: list[int]) -> str:
    """A sorted set of document numbers: gaps as base-64 varints (5 bits a digit, the
    last digit of a number below 32), or "~" and a bitmap in base64url when shorter."""
    return _encode([0, docs[0] if len(docs) == 1 else _postings(docs)]) if docs else ""


def _postings(docs: list[int]) -> Postings:
    steps = list(map(operator.sub, docs[1:], docs[:-1]))  # each number less the last, so gap + 1
    if max(steps) <= 32:  # most sets: every gap one digit
        gaps = "".join(map(_ONE_DIGIT.__getitem__, steps))
    else:
        gaps = "".join([_varint(step - 1) for step in steps])
    return (docs[0], docs[-1], gaps, _mask(docs) if len(docs) >= MASKED else "")


def _mask(docs: list[int]) -> str:
    bits = bytearray(docs[-1] // 8 + 1)
    for n in docs:
        bits[n >> 3] |= 1 << (n & 7)
    return format(int.from_bytes(bits, "little"), "x")


def _place(placed: dict[str, list[int | Postings]], postings: dict[str, Postings], start: int) -> None:
    for term, at in postings.items():
        docs = placed[term]
        docs.append(start)
        docs.append(at)


def _encode(placed: list[int | Postings]) -> str:
    """encode_set() of a term's documents in pieces (as index_files places them): the
    varints of a piece's gaps hold wherever it is, but the first."""
    if len(placed) == 2 and type(placed[1]) is int:  # most terms: one document
        return _varint(placed[0] + placed[1])
    parts, last, pieces = [], -1, iter(placed)
    for start, at in zip(pieces, pieces):
        if type(at) is int:
            parts.append(_varint(start + at - last - 1))
            last = start + at
        else:
            parts += (_varint(start + at[0] - last - 1), at[2])
            last = start + at[1]
    varints = "".join(parts)
    if len(varints) <= (last // 8 + 1) * 4 // 3 + 1:
        return varints
    bits, pieces = 0, iter(placed)
    for start, at in zip(pieces, pieces):
        bits |= _bits(at) << start
    bitmap = "~" + base64.urlsafe_b64encode(bits.to_bytes(last // 8 + 1, "little")).decode("ascii").rstrip("=")
    return bitmap if len(bitmap) < len(varints) else varints


def _bits(at: Postings) -> int:
    if type(at) is int:
        return 1 << at
    first, _, gaps, mask = at
    return int(mask, 16) if mask else sum(1 << n for n in decode_set(_varint(first) + gaps))


def _varint(gap: int) -> str:
    if gap < 32:
        return DIGITS[gap]
    digits = [DIGITS[gap & 31]]
    gap >>= 5
    while gap:
        digits.append(DIGITS[32 + (gap & 31)])
        gap >>= 5
    return "".join(reversed(digits))


_ONE_DIGIT = " " + DIGITS[:32]  # a gap below 32, by gap + 1


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
    # as every data file (dump_json): safe even inside a <script>; the index holds no float,
    # so orjson writes the same bytes, faster
    return dump_json_finite(value).encode("utf-8")


def _incident_text(incident: Incident, admin1: str) -> str:
    # places and actors first: they are what people search for, and survive the cut;
    # `admin1`: the region as the page in the edition's language names it
    summary = plain_text(incident.summary[: INCIDENT_TEXT_LIMIT * 4])
    words = [incident.location, admin1, *incident.actors, *incident.tags, summary]
    return " · ".join(w for w in words if w)


def _day(incident: Incident, lang: str) -> str:
    """An incident's date as its list writes it: the day, or the days of its week, or its month."""
    if incident.date_precision == "week":
        return format_days(incident.week, lang)
    if incident.date_precision == "month":
        return format_month(incident.date, lang)
    return format_date(incident.date, lang)


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def pack(index: Index) -> bytes:
    """The index as one blob (for the build cache), without its files' bytes: those are in
    the cache's blobs, by `names`; unpack() gives it back."""
    return _PACKED.encode(dataclasses.replace(index, files={}))


_SHA256 = re.compile("[0-9a-f]{64}")


def unpack(blob: bytes) -> Index:
    """ValueError for anything pack() did not write (a foreign cache entry)."""
    try:
        index = _UNPACKED.decode(blob)
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a packed search index: {exc}") from exc
    if index.files or not all(
        p.startswith(f"{INDEX_DIR}/") and ".." not in p and _SHA256.fullmatch(name) for p, name in index.names.items()
    ):
        raise ValueError("not a packed search index")
    return index


# MessagePack: nothing to escape and read back
_PACKED = msgspec.msgpack.Encoder()
_UNPACKED = msgspec.msgpack.Decoder(Index)
