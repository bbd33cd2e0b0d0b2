"""A site's own template overrides (custom_dir: overrides), as an editor makes them from the
overrides/README.md that `sitegen init` writes: a main.html that extends the theme's
base.html and changes one block changes it on every page, in both languages; a page template
is overridden by a copy of the theme's file. And the theme's own typography on /fr/data/."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from sitegen.scaffold import theme_dir
from tests.sitetools import demo_site, run_sitegen

LINE = "Published by the Sahel desk: desk@example.org"  # the README example's line


def _new_site(tmp_path: Path) -> tuple[Path, str]:
    """`sitegen init s` and the overrides/README.md it wrote."""
    made = run_sitegen(tmp_path, "init", "s")
    assert made.returncode == 0, made.stderr
    site = tmp_path / "s"
    return site, (site / "overrides" / "README.md").read_text(encoding="utf-8")


def _example_under_every_page(readme: str) -> str:
    """The README's example of a line under every page: its first html block after it says so."""
    after = readme.split("add a line under every page", 1)
    assert len(after) == 2, "the README shows how to add a line under every page"
    block = re.search(r"```html\n(.*?)```", after[1], re.S)
    assert block, "with an example to copy"
    return block.group(1)


def _build(site: Path) -> None:
    built = run_sitegen(site, "build")
    assert built.returncode == 0, f"the editor's build failed:\n{built.stdout}\n{built.stderr}"


def _week_pages(site: Path) -> dict[str, str]:
    """The week pages of both editions, by path."""
    pages = {p.relative_to(site / "site").as_posix(): p.read_text(encoding="utf-8")
             for p in sorted((site / "site").glob("weeks/*/index.html")) + sorted((site / "site").glob("fr/weeks/*/index.html"))}
    assert any(path.startswith("fr/") for path in pages) and any(path.startswith("weeks/") for path in pages), pages.keys()
    return pages


def _footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">'):html.index("</footer>")]


def test_the_readmes_line_under_every_page_is_on_every_page_of_both_languages(tmp_path):
    """The README said `{% extends "base.html" %}` in overrides/main.html, and the theme had
    no base.html: the build failed ("'base.html' not found")."""
    site, readme = _new_site(tmp_path)
    example = _example_under_every_page(readme)
    assert '{% extends "base.html" %}' in example and "{{ super() }}" in example and LINE in example
    (site / "overrides" / "main.html").write_text(example, encoding="utf-8")
    _build(site)
    for path, html in _week_pages(site).items():
        footer = _footer(html)
        assert LINE in footer, f"{path}: the editor's line is not in the footer"
        assert footer.index('feed.xml">') < footer.index(LINE), f"{path}: the theme's footer is kept, the line under it"
    for path in ("index.html", "fr/index.html", "data/index.html", "fr/data/index.html", "404.html", "fr/404.html"):
        assert LINE in _footer((site / "site" / path).read_text(encoding="utf-8")), f"{path}: not every page has the line"
    assert 'lang="fr"' in (site / "site/fr/index.html").read_text(encoding="utf-8")


def test_a_copied_page_template_with_one_change_shows_it_and_keeps_the_sites_main_html(tmp_path):
    """A page template cannot extend the theme's file of its own name (MkDocs finds the
    override first: {% extends "week.html" %} names itself); the README says to copy it
    from the folder its command prints, and the copy's change shows in both languages."""
    site, readme = _new_site(tmp_path)
    words = " ".join(readme.split())
    assert "cannot extend the theme's `week.html`" in words and "copy the theme's file here" in words
    command = next(line.strip() for line in readme.splitlines() if line.strip().startswith("python -c "))
    args = shlex.split(command)
    printed = subprocess.run([sys.executable, *args[1:]], capture_output=True, text=True, check=True).stdout.strip()
    theme = Path(printed)
    assert (theme / "week.html").is_file() and (theme / "base.html").is_file(), f"the README's command printed {printed}"
    week = (theme / "week.html").read_text(encoding="utf-8")
    assert week.count("</h1>") == 1
    marker = '<p class="desk-note">Read with the desk\'s caveats.</p>'
    (site / "overrides" / "week.html").write_text(week.replace("</h1>", "</h1>" + marker), encoding="utf-8")
    (site / "overrides" / "main.html").write_text(_example_under_every_page(readme), encoding="utf-8")
    _build(site)
    for path, html in _week_pages(site).items():
        assert marker in html, f"{path}: the copied week.html's change is not shown"
        assert LINE in _footer(html), f"{path}: the copy extends main.html: the site's main.html applies to it too"
        assert 'id="incidents"' in html, f"{path}: the rest of the week page is the theme's"
    assert marker not in (site / "site/index.html").read_text(encoding="utf-8")


# --- the theme's blocks, as the README names them ---------------------------------------------------


def _parsed(name: str) -> nodes.Template:
    return jinja2.Environment(extensions=["jinja2.ext.i18n"]).parse((theme_dir() / name).read_text(encoding="utf-8"))


def _blocks(name: str) -> set[str]:
    return {block.name for block in _parsed(name).find_all(nodes.Block)}


def test_every_page_template_extends_main_html_which_only_extends_base_html():
    pages = [p.name for p in sorted(theme_dir().glob("*.html")) if p.name not in ("base.html", "main.html", "kept.html")]
    assert "week.html" in pages and "404.html" in pages
    for name in pages:
        extends = [e.template.value for e in _parsed(name).find_all(nodes.Extends)]
        assert extends == ["main.html"], f"{name} extends {extends}: an override of main.html would not reach it"
    assert [e.template.value for e in _parsed("main.html").find_all(nodes.Extends)] == ["base.html"]
    assert _blocks("main.html") == set(), "main.html is what a site replaces: it holds nothing of its own"


def test_the_blocks_the_readme_names_are_base_htmls_and_no_page_template_takes_them(tmp_path):
    _, readme = _new_site(tmp_path)
    named = re.findall(r"^\| `(\w+)` \|", readme, re.M)
    assert {"extrahead", "header", "content", "footer"} <= set(named), named
    assert set(named) <= _blocks("base.html"), f"the README names blocks base.html lacks: {set(named) - _blocks('base.html')}"
    for page in sorted(theme_dir().glob("*.html")):
        if page.name not in ("base.html", "main.html"):
            taken = _blocks(page.name) & (set(named) - {"content"})
            assert not taken, f"{page.name} fills {taken}: a site's main.html would not change them on its pages"


# --- /fr/data/: the downloads' colon ------------------------------------------------------------


def _downloads(html: str) -> list[str]:
    section = html[html.index('id="downloads-title"'):]
    return re.findall(r"<li><a href=\"[^\"]*\"(?: download)?>[\w.]+</a>[^<]*", section[: section.index("</ul>")])


def test_the_french_download_lines_set_a_space_before_the_colon_and_the_english_none(tmp_path_factory):
    """On /fr/data/, "incidents.csv (41,2 ko): une ligne…": the colon came from the template,
    not from the catalogue, whose French writes "%(label)s : %(value)s"."""
    site = demo_site(tmp_path_factory)
    french = _downloads((site / "fr/data/index.html").read_text(encoding="utf-8"))
    english = _downloads((site / "data/index.html").read_text(encoding="utf-8"))
    assert len(french) == len(english) == 5, (french, english)
    assert re.search(r">incidents\.csv</a> \(\d+,\d ko\) : une ligne par incident", french[0]), french[0]
    assert re.search(r">incidents\.csv</a> \(\d+\.\d kB\): one row per incident", english[0]), english[0]
    for line in french:
        assert re.search(r"</a>(?: \([^)]*\))? : \w", line) and "): " not in line and "</a>: " not in line, line
    for line in english:
        assert re.search(r"</a>(?: \([^)]*\))?: \w", line) and " : " not in line, line
    assert english[-1].startswith('<li><a href="datapackage.json">datapackage.json</a>: a Frictionless')
