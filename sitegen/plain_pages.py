"""The editors' own pages (content/about.md, content/guide/...) in every edition of the site.

    pages, problems = plain_pages.editions(files, config, site, generated=out.pages)  # on_files
    # pages: {src_uri: PlainPage} of every editor's page in each language; problems: warnings

A page is written in the site's default language; `about.fr.md` beside `about.md` is its
French edition, published where the French edition has its pages (fr/about/, at the
original's address under the edition's prefix; a translation is matched to the page it
publishes: guide/index.fr.md translates guide/README.md). A page with no translation (or
only a draft of one) is published there too, with its original text, which the theme
shows with its `lang` and a note (as an untranslated brief), so that every page of an
edition has its counterpart in the other; a draft page is a draft in every edition. In a
page of an edition, a link to another of the editors' pages leads to that page in the
same edition (EditionLinks, a Markdown extension the plugin adds). A page named for no
edition (about.de.md, About.FR.md) is not published, and a warning says why; MkDocs' warnings
about the links of an original's copy are not said again (CopiesUnsaid).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Container, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.structure.files import File, Files, InclusionLevel

from sitegen.config import SiteConfig
from sitegen.messages import t
from sitegen.read.links import misnamed as _misnamed, translation_of


@dataclass(frozen=True)
class PlainPage:
    """One of the editors' pages in one language."""

    lang: str
    file: File
    text_lang: str  # the language of its text: its own, or the original's where it has no translation
    twins: Mapping[str, File]  # the page in each language it is in, by language (shared by them all)

    @property
    def translated(self) -> bool:
        return self.text_lang == self.lang

    @property
    def title(self) -> str | None:
        """The title the page gives itself (its front matter's or first heading's) once MkDocs
        has read it; None where MkDocs names it after its file ("Index"). The footer names a
        folder of pages, in another edition, by its index page's (guide/index.fr.md's)."""
        title = self.file.page.title if self.file.page is not None else None
        return None if title is None or title == _title_by_name(self.file.name) else title


def editions(files: Files, config, site: SiteConfig, generated: Container[str], serving: bool = False
             ) -> tuple[dict[str, PlainPage], list[str]]:
    """Every page of `files` that is the editors' own (not one of `generated`, sitegen's),
    published in each language of the site: its translation moved to the edition's place,
    or the original's text there (a file `files` gets). By src_uri, for each of them; and
    what stops a page of an edition being published, as messages (warnings)."""
    default, others = site.default_language, site.languages[1:]
    if not others:
        return {}, []
    shown = (lambda f: f.inclusion.is_in_serve()) if serving else (lambda f: f.inclusion.is_included())
    originals, translations, problems = [], {}, []
    editions = tuple(site.prefix(lang) for lang in others)
    in_edition_already = []  # an editor's own page under fr/ (content/fr/x.md): at its place, as it is
    for file in files.documentation_pages(inclusion=InclusionLevel.all):
        if file.src_uri in generated:
            continue
        if file.src_uri.startswith(editions):
            in_edition_already.append(file)
            continue
        if (problem := _misnamed(file.src_uri, site, files.src_uris)) is not None:  # about.de.md: no edition's
            files.remove(file)
            if shown(file):
                problems.append(problem)
            continue
        if (found := translation_of(file.src_uri, others)) is not None:  # by the page it translates
            key = (_dest_of(config, found[0]), found[1])
            if (other := translations.get(key)) is not None:  # guide/index.fr.md and guide/README.fr.md
                files.remove(file)
                problems.append(t("page.place_taken", page=file.src_uri, other=other[0].src_uri,
                                  url="/" + (site.prefix(found[1]) + key[0]).removesuffix("index.html")))
                continue
            translations[key] = (file, _name_of(found[0]))
        else:
            originals.append(file)
    # each place of the site has one page: sitegen's (an editor's page there is not published,
    # as one of sitegen's own replaces an editor's of its name: index.md), or an editor's
    taken = {f.dest_uri for uri in generated if (f := files.get_file_from_path(uri)) is not None}
    placed = {f.dest_uri: f for f in (*originals, *in_edition_already)}
    pages: dict[str, PlainPage] = {}

    def place(file: File, dest_uri: str, name: str, copied: bool = False) -> bool:
        if dest_uri in taken:
            files.remove(file)
            return False
        if (other := placed.get(dest_uri)) is not None:
            files.remove(file)
            if not copied:  # an editor's translation: say which page is in its place
                problems.append(t("page.place_taken", page=file.src_uri, other=other.src_uri, url="/" + dest_uri.removesuffix("index.html")))
            return False
        placed[dest_uri] = file
        _publish_at(file, dest_uri, name)
        return True

    for original in originals:
        twins, text_langs = {default: original}, {default: default}
        for lang in others:
            twin, _ = translations.pop((original.dest_uri, lang), (None, ""))
            if twin is not None and not shown(twin):  # a draft translation: the original's text meanwhile
                files.remove(twin)
                twin = None
            copied = twin is None
            if copied:  # untranslated: the original's text, at the translation's name
                twin = _copy(config, original, _translation_uri(original.src_uri, lang))
                files.append(twin)
            else:  # withheld with its original (a draft's translation is a draft)
                twin.inclusion = min(twin.inclusion, original.inclusion, key=lambda level: level.value)
            if place(twin, site.prefix(lang) + original.dest_uri, original.name, copied):
                twins[lang] = twin
                text_langs[lang] = default if copied else lang
        for lang, file in twins.items():
            pages[file.src_uri] = PlainPage(lang, file, text_langs[lang], twins)
    for (dest_uri, lang), (file, name) in translations.items():  # a translation of no page: in its edition only
        if shown(file) and place(file, site.prefix(lang) + dest_uri, name):
            pages[file.src_uri] = PlainPage(lang, file, lang, {lang: file})
    return pages, problems


def in_edition(pages: Mapping[str, PlainPage], default: str, lang: str) -> dict[str, PlainPage]:
    """{an original's URL: that page in `lang`}: where the theme's links to the editors'
    pages (its footer lists them from MkDocs' nav, by the originals) lead from a page in `lang`."""
    return {p.file.url: pages[p.twins[lang].src_uri] for p in pages.values() if p.lang == default and lang in p.twins}


def copies(pages: Mapping[str, PlainPage]) -> frozenset[str]:
    """The src_uris of the pages that are an original's text in another edition (about.fr.md
    where the editor wrote no translation)."""
    return frozenset(uri for uri, page in pages.items() if not page.translated)


class CopiesUnsaid(logging.Filter):
    """MkDocs' warnings about a page's links (a missing target, an anchor) where the page is
    an original's copy: said already of the original, they named a file the editor has not
    (about.fr.md). `copies`: this build's (copies()); the plugin puts it on `logger`, the
    pages' of the engine building with `config` (MkDocs or ProperDocs), from on_files to the
    build's end (MkDocs checks the anchors once every page is written)."""

    def __init__(self, copies: frozenset[str], config) -> None:
        super().__init__()
        self.copies = copies
        self.logger = logging.getLogger(type(config).__module__.partition(".")[0] + ".structure.pages")

    def filter(self, record: logging.LogRecord) -> bool:
        said = record.getMessage()  # "Doc file 'about.fr.md' contains a link ..."
        return not (said.startswith("Doc file '") and said[len("Doc file '"):].partition("' ")[0] in self.copies)


def _title_by_name(name: str) -> str:
    """MkDocs' title of a page that gives none (mkdocs.structure.pages.Page.title)."""
    title = name.replace("-", " ").replace("_", " ")
    return title.capitalize() if title.lower() == title else title


def _translation_uri(uri: str, lang: str) -> str:
    stem, _ = posixpath.splitext(uri)
    return f"{stem}.{lang}.md"


def _name_of(uri: str) -> str:
    """MkDocs' name of the page of `uri` (README is index)."""
    stem = posixpath.splitext(posixpath.basename(uri))[0]
    return "index" if stem == "README" else stem


def _dest_of(config, uri: str) -> str:
    """Where MkDocs publishes the page of `uri` (guide/README.md and guide/index.md: guide/index.html)."""
    return File(uri, None, config.site_dir, config.use_directory_urls).dest_uri


def _copy(config, original: File, uri: str) -> File:
    """The original's text at `uri`, shown (or withheld) as the original is."""
    if original.abs_src_path is not None:
        return File.generated(config, uri, abs_src_path=original.abs_src_path, inclusion=original.inclusion)
    return File.generated(config, uri, content=original.content_bytes, inclusion=original.inclusion)


def _publish_at(file: File, dest_uri: str, name: str) -> None:
    """`file` written at `dest_uri` (its URL with it): the edition's place of its page,
    named as its page (MkDocs' title of a page without one: "About", not "About.fr")."""
    file.dest_uri, file.name = dest_uri, name
    for derived in ("url", "abs_dest_path"):  # MkDocs' cached properties of dest_uri
        vars(file).pop(derived, None)


class EditionLinks(Extension):
    """In a page of an edition (a translation, `about.fr.md`, or the original's text there),
    a relative link to another of the editors' pages (`guide.md`) leads to that page in the
    same edition (`guide.fr.md`, or its copy of the original), as MkDocs then resolves it;
    a link to one of sitegen's pages (`data/index.md`, `weeks/2023-W39.md`) leads to that
    page of the edition (`fr/data/index.md`); a folder's address (`guide/`) is left as
    written, as MkDocs leaves it. `default`: the site's default language (its pages' links
    are left as written); `pages`: this build's (editions()), `generated` (sitegen's pages'
    src_uris) and `prefixes` (each language's), set by the plugin once it has them, before
    MkDocs converts a page."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default
        self.pages: Mapping[str, PlainPage] = {}
        self.generated: Container[str] = ()
        self.prefixes: Mapping[str, str] = {}

    def __repr__(self) -> str:  # as the pages' keys hold mkdocs.yml's options: the same in every build
        return f"{type(self).__module__}.{type(self).__qualname__}({self.default!r})"

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(_EditionLinks(md, self), "sitegen_edition_links", 3)  # before MkDocs' relpath (0)


class _EditionLinks(Treeprocessor):
    def __init__(self, md: markdown.Markdown, extension: EditionLinks) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root) -> None:
        # the page being converted: MkDocs' own link resolver's (none: a brief, not a page)
        resolver = self.md.treeprocessors["relpath"] if "relpath" in self.md.treeprocessors else None
        pages = self.extension.pages
        if (page := pages.get(getattr(getattr(resolver, "file", None), "src_uri", None))) is None:
            return
        if page.lang == self.extension.default:  # an original: its links as written
            return
        generated, prefix = self.extension.generated, self.extension.prefixes.get(page.lang, "")
        for element in root.iter("a"):
            if (href := element.get("href")) and (twin := _twin_link(href, page, pages) or _edition_link(href, page, generated, prefix)):
                element.set("href", twin)


def _edition_link(href: str, page: PlainPage, generated: Container[str], prefix: str) -> str | None:
    """`href` in `page` to one of sitegen's pages (`data/index.md`), to that page of `page`'s
    edition (`fr/data/index.md`: `prefix`); None for any other link."""
    if not prefix or (link := _relative_link(href, page)) is None:
        return None
    target, query, anchor = link
    if target.startswith(prefix) or target not in generated or (ours := prefix + target) not in generated:
        return None
    return _link_to(ours, page, query, anchor)


def _twin_link(href: str, page: PlainPage, pages: Mapping[str, PlainPage]) -> str | None:
    """`href` in `page` to the editors' page it leads to, in `page`'s language; None if it
    is not a relative link to one (a file, another site, that page already). From a copy of
    the original, a link at an anchor of a translated page is left to the original (its
    anchors are the translation's own)."""
    if (link := _relative_link(href, page)) is None:
        return None
    uri, query, anchor = link
    if (target := pages.get(uri)) is None or (twin := target.twins.get(page.lang)) is None or twin is target.file:
        return None
    if anchor and not page.translated and pages[twin.src_uri].translated:
        return None
    return _link_to(twin.src_uri, page, query, anchor)


def _relative_link(href: str, page: PlainPage) -> tuple[str, str, str] | None:
    """(the src_uri it leads to, its query, its anchor) of a relative link in `page`; None for
    another site's, an absolute path or an anchor alone."""
    scheme, netloc, path, query, anchor = urlsplit(href)
    if scheme or netloc or not path or path.startswith(("/", "\\")):
        return None
    folder = posixpath.dirname(page.file.src_uri)
    return posixpath.normpath(posixpath.join(folder, unquote(path))).lstrip("/"), query, anchor


def _link_to(uri: str, page: PlainPage, query: str, anchor: str) -> str:
    """The relative link from `page` to the file at `uri`, as MkDocs then resolves it."""
    folder = posixpath.dirname(page.file.src_uri)
    return urlunsplit(("", "", quote(posixpath.relpath(uri, folder or "."), safe="/"), query, anchor))
