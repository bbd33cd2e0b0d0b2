"""The editors' own pages (content/about.md, content/guide/...) in every edition of the site.

    pages = plain_pages.editions(files, config, site, generated=out.pages)  # on_files: {src_uri: PlainPage}

A page is written in the site's default language; `about.fr.md` beside `about.md` is its
French edition, published where the French edition has its pages (fr/about/, at the
original's address under the edition's prefix). A page with no translation is published
there too, with its original text, which the theme shows with its `lang` and a note (as
an untranslated brief), so that every page of an edition has its counterpart in the
other. In a page of an edition, a link to another of the editors' pages leads to that
page in the same edition (EditionLinks, a Markdown extension the plugin adds).
"""

from __future__ import annotations

import posixpath
from collections.abc import Container, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.structure.files import File, Files

from sitegen.config import SiteConfig
from sitegen.read.links import translation_of


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


def editions(files: Files, config, site: SiteConfig, generated: Container[str]) -> dict[str, PlainPage]:
    """Every page of `files` that is the editors' own (not one of `generated`, sitegen's),
    published in each language of the site: its translation moved to the edition's place,
    or the original's text there (a file `files` gets). By src_uri, for each of them."""
    default, others = site.default_language, site.languages[1:]
    if not others:
        return {}
    originals, translations = [], {}
    for file in files.documentation_pages():
        if file.src_uri in generated:
            continue
        if (found := translation_of(file.src_uri, others)) is not None:
            translations[found] = file
        else:
            originals.append(file)
    # sitegen's pages' places: an editor's page in an edition there is not published (as
    # one of sitegen's own pages replaces an editor's of its name: index.md)
    taken = {f.dest_uri for uri in generated if (f := files.get_file_from_path(uri)) is not None}
    pages: dict[str, PlainPage] = {}
    for original in originals:
        twins, text_langs = {default: original}, {default: default}
        for lang in others:
            twin = translations.pop((original.src_uri, lang), None)
            text_langs[lang] = lang if twin is not None else default
            if twin is None:  # untranslated: the original's text, at the translation's name
                twin = _copy(config, original, _translation_uri(original.src_uri, lang))
                files.append(twin)
            if site.prefix(lang) + original.dest_uri in taken:
                files.remove(twin)
                continue
            _publish_at(twin, site.prefix(lang) + original.dest_uri)
            twins[lang] = twin
        for lang, file in twins.items():
            pages[file.src_uri] = PlainPage(lang, file, text_langs[lang], twins)
    for (uri, lang), file in translations.items():  # a translation of no page: in its edition only
        dest_uri = site.prefix(lang) + File(uri, None, config.site_dir, config.use_directory_urls).dest_uri
        if uri in generated or dest_uri in taken:  # of one of sitegen's pages (index.fr.md, weeks.fr.md)
            files.remove(file)
            continue
        _publish_at(file, dest_uri)
        pages[file.src_uri] = PlainPage(lang, file, lang, {lang: file})
    return pages


def in_edition(pages: Mapping[str, PlainPage], default: str, lang: str) -> dict[str, PlainPage]:
    """{an original's URL: that page in `lang`}: where the theme's links to the editors'
    pages (its footer lists them from MkDocs' nav, by the originals) lead from a page in `lang`."""
    return {p.file.url: pages[p.twins[lang].src_uri] for p in pages.values() if p.lang == default and lang in p.twins}


def _translation_uri(uri: str, lang: str) -> str:
    stem, _ = posixpath.splitext(uri)
    return f"{stem}.{lang}.md"


def _copy(config, original: File, uri: str) -> File:
    if original.abs_src_path is not None:
        return File.generated(config, uri, abs_src_path=original.abs_src_path)
    return File.generated(config, uri, content=original.content_bytes)


def _publish_at(file: File, dest_uri: str) -> None:
    """`file` written at `dest_uri` (its URL with it): the edition's place of its page."""
    file.dest_uri = dest_uri
    for derived in ("url", "abs_dest_path"):  # MkDocs' cached properties of dest_uri
        vars(file).pop(derived, None)


class EditionLinks(Extension):
    """In a page of an edition (a translation, `about.fr.md`, or the original's text there),
    a relative link to another of the editors' pages (`guide.md`, `guide/`) leads to that
    page in the same edition (`guide.fr.md`), as MkDocs then resolves it. `languages`: the
    editions' (the site's languages but the first)."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        super().__init__()
        self.languages = tuple(languages)

    def __repr__(self) -> str:  # as the pages' keys hold mkdocs.yml's options: the same in every build
        return f"{type(self).__module__}.{type(self).__qualname__}({self.languages!r})"

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(_EditionLinks(md, self.languages), "sitegen_edition_links", 3)  # before MkDocs' relpath (0)


class _EditionLinks(Treeprocessor):
    def __init__(self, md: markdown.Markdown, languages: tuple[str, ...]) -> None:
        super().__init__(md)
        self.languages = languages

    def run(self, root) -> None:
        # the page being converted: MkDocs' own link resolver's (none: a brief, not a page)
        resolver = self.md.treeprocessors["relpath"] if "relpath" in self.md.treeprocessors else None
        page, files = getattr(resolver, "file", None), getattr(resolver, "files", None)
        if page is None or files is None or (found := translation_of(page.src_uri, self.languages)) is None:
            return
        lang, folder = found[1], posixpath.dirname(page.src_uri)
        for element in root.iter("a"):
            if (href := element.get("href")) and (twin := _twin_link(href, folder, lang, files, self.languages)):
                element.set("href", twin)


def _twin_link(href: str, folder: str, lang: str, files: Files, languages: tuple[str, ...]) -> str | None:
    """`href` (from a page in `folder`) to the editors' page it leads to, in `lang`; None
    if it is not a relative link to one (a file, another site, a translation already)."""
    scheme, netloc, path, query, anchor = urlsplit(href)
    if scheme or netloc or not path or path.startswith(("/", "\\")):
        return None
    target = posixpath.normpath(posixpath.join(folder, unquote(path))).lstrip("/")
    if not target.endswith(".md") or translation_of(target, languages) is not None or files.get_file_from_path(target) is None:
        return None  # MkDocs resolves a page's file only (a folder's address is left as written)
    twin = _translation_uri(target, lang)
    if files.get_file_from_path(twin) is None:
        return None
    return urlunsplit(("", "", quote(posixpath.relpath(twin, folder or ".")), query, anchor))
