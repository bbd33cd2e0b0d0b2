"""The editors' guide (content/guide/), in English and in French (`errors.fr.md`...): its
YAML examples are valid incidents, and the demo site publishes it as plain pages in both
editions, with the brief helpers shown as written."""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sitegen.check import check_content
from sitegen.config import SiteConfig
from tests.sitetools import demo_site

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "content" / "guide"
PAGES = ("index", "incidents", "briefs", "importing", "errors", "publishing")
LANGS = ("en", "fr")
HELPERS = {
    "briefs": (
        "{{ stats.incidents }}",
        "{{ stats.fatalities }}",
        "{{ stats.injured }}",
        "{{ map() }}",
        "{{ incidents_table() }}",
        '{{ incident("',
    ),
}
_FENCE = re.compile(r"^```yaml[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
_MARKDOWN_FENCE = re.compile(r"^```markdown[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
_DATE = re.compile(r"^(?:- )?\s*date:", re.M)
_TITLE = re.compile(r"^(?:- )?\s*title:", re.M)


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"content/guide/{self.page}:{self.line}"


def guide_files(lang: str = "en") -> list[Path]:
    """The guide's pages in `lang`: errors.md, or its translation errors.fr.md."""
    return sorted(p for p in GUIDE.glob("*.md") if p.suffixes == ([".md"] if lang == "en" else [f".{lang}", ".md"]))


def fenced_blocks(fence: re.Pattern = _FENCE, lang: str = "en") -> list[Example]:
    examples = []
    for path in guide_files(lang):
        text = path.read_text(encoding="utf-8")
        for match in fence.finditer(text):
            line = text.count("\n", 0, match.start(1)) + 1
            examples.append(Example(path.name, line, match[1]))
    return examples


def incident_examples(lang: str = "en") -> list[Example]:
    return [e for e in fenced_blocks(lang=lang) if _DATE.search(e.text) and _TITLE.search(e.text)]


@pytest.mark.parametrize("lang", LANGS)
def test_guide_has_every_page(lang):
    names = [f"{name}.md" if lang == "en" else f"{name}.{lang}.md" for name in PAGES]
    missing = [name for name in names if not (GUIDE / name).is_file()]
    assert not missing, f"content/guide/ lacks {', '.join(missing)}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_yaml_example_is_yaml(lang):
    bad = []
    for example in fenced_blocks(lang=lang):
        try:
            yaml.safe_load(example.text)
        except yaml.YAMLError as exc:
            bad.append(f"{example.where}: {exc}")
    assert not bad, "YAML examples in the guide that do not parse:\n" + "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_incident_examples_pass_validation(tmp_path, lang):
    examples = incident_examples(lang)
    assert len(examples) >= 5, f"expected the guide to show several incidents, found {len(examples)}"
    docs = tmp_path / "content"
    (docs / "incidents").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "places.yaml", docs / "places.yaml")  # the guide's examples name its places
    origin = {}
    for n, example in enumerate(examples, start=1):
        name = f"incidents/guide-{n:02d}.yaml"
        (docs / name).write_text(example.text, encoding="utf-8")
        origin[f"content/{name}"] = example

    content = check_content(SiteConfig(docs_dir=docs, site_dir=tmp_path / "site"), root=tmp_path)

    def where(path: str, line: int) -> str:
        example = origin[path]
        return f"content/guide/{example.page}:{example.line + line - 1}"

    def readable(message: str) -> str:  # the temporary file names, as guide lines
        return re.sub(r"(content/incidents/guide-\d+\.yaml):(\d+)", lambda m: where(m[1], int(m[2])), message)

    report = [f"{where(p.path, p.line)}: {p.severity}: {readable(p.message)}" for p in content.problems]
    assert not report, "incident examples in the guide that sitegen validate rejects:\n" + "\n".join(report)
    ids = [i.id for i in content.incidents]
    assert all(i.startswith("guide-example-") for i in ids), f"guide examples should use guide-example-* ids: {ids}"


@pytest.mark.parametrize("lang", LANGS)
def test_brief_examples_pass_validation(tmp_path, lang):
    """Each whole brief shown in the guide (front matter first) is valid against the demo's incidents."""
    briefs = [e for e in fenced_blocks(_MARKDOWN_FENCE, lang) if e.text.startswith("---\n")]
    assert briefs, "briefs.md should show a brief with its front matter"
    for n, example in enumerate(briefs):
        site = tmp_path / str(n)
        shutil.copytree(ROOT / "content" / "incidents", site / "content" / "incidents")
        shutil.copy(ROOT / "content" / "places.yaml", site / "content" / "places.yaml")
        (site / "content" / "briefs").mkdir()
        (site / "content" / "briefs" / "2023-W39.md").write_text(example.text, encoding="utf-8")
        content = check_content(SiteConfig(docs_dir=site / "content", site_dir=site / "site"), root=site)
        problems = [f"{p.line}:{p.col}: {p.message}" for p in content.problems]
        assert not problems, f"the brief at {example.where} does not validate:\n" + "\n".join(problems)
        assert len(content.briefs) == 1


def test_region_example_publishes_the_region_centre(tmp_path):
    """The guide promises that geo_precision: region publishes the region's centre, not the point written."""
    example = next((e for e in incident_examples() if "geo_precision: region" in e.text), None)
    assert example is not None, "incidents.md should show a geo_precision: region example"
    written = yaml.safe_load(example.text)
    docs = tmp_path / "content"
    (docs / "incidents").mkdir(parents=True)
    (docs / "incidents" / "region.yaml").write_text(example.text, encoding="utf-8")
    content = check_content(SiteConfig(docs_dir=docs, site_dir=tmp_path / "site"), root=tmp_path)
    assert not content.problems, content.problems
    (incident,) = content.incidents
    assert (incident.lat, incident.lon) != (written["lat"], written["lon"])


# --- the built demo site -------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    return demo_site(tmp_path_factory)  # python -m mkdocs build --strict, once per session


def _page(site: Path, name: str, lang: str = "en") -> str:
    path = site / ("" if lang == "en" else lang) / "guide" / ("index.html" if name == "index" else f"{name}/index.html")
    assert path.is_file(), f"the built site has no {path.relative_to(site)}"
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_guide_page_is_built(built_site, name, lang):
    page = _page(built_site, name, lang)
    assert re.search(r"<h1[^>]*>", page), f"guide/{name}: the page has no title heading"
    assert f'<html lang="{lang}">' in page and "original-note" not in page, f"{lang}/guide/{name}: not in its language"


def test_french_guide_links_to_french_guide_pages(built_site):
    """The translation links as the English page does (incidents.md): to the French page."""
    page = _page(built_site, "errors", "fr")
    links = re.findall(r'<a href="([^"]+)"', page.split('<main id="main"')[1].split("</main>")[0])
    guide = [link for link in links if not link.startswith(("http", "#", "mailto:"))]
    assert guide and all(not link.startswith("../../../guide") for link in guide), guide
    assert any(link.startswith("../incidents/#") for link in guide), guide


@pytest.mark.parametrize("lang", LANGS)
def test_guide_shows_brief_helpers_literally(built_site, lang):
    for name, helpers in HELPERS.items():
        text = html.unescape(_page(built_site, name, lang))
        missing = [h for h in helpers if h not in text]
        assert not missing, f"guide/{name} should show {missing} as written (plain pages are not templates)"
        assert 'class="incidents"' not in text and "data-sg-block" not in text, f"guide/{name} ran a helper"


def test_footer_not_header_links_to_the_guide(built_site):
    """The guide is for editors: readers' main navigation keeps Weeks, Countries, Data and
    search, and the guide is a footer link."""
    home = (built_site / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', home, re.S)
    assert nav, "the home page has no main navigation"
    assert "guide/" not in nav[1], f"the header still links to the guide:\n{nav[1]}"
    for name in ("Weeks", "Countries", "Data"):
        assert re.search(rf">\s*{name}\s*</a>", nav[1]), f"no {name} link in the header:\n{nav[1]}"
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', home, re.S)
    assert footer and re.search(r'<a href="[^"]*guide/"[^>]*>\s*Guide\s*</a>', footer[1]), "no Guide link in the footer"