"""Brief expressions are evaluated at build time; failures name the brief's line."""

import pytest

from sitegen.aggregate import Stats
from sitegen.model import DEFAULT_EVENT_TYPES, Brief, IsoWeek
from sitegen.render.brief import BriefError, render_brief


def _brief(body: str) -> Brief:
    return Brief(IsoWeek(2023, 39), "W39", body, path="content/briefs/2023-W39.md", body_line=5)


def _render(body: str) -> str:
    stats = Stats.of([], DEFAULT_EVENT_TYPES)
    return render_brief(_brief(body), {"stats": stats}, incident=lambda i: "")


def test_figures_are_filled_in():
    assert _render("We recorded {{ stats.incidents }} incidents.") == "We recorded 0 incidents."


@pytest.mark.parametrize("expression", ["{{ stats.incidents // 0 }}", "{{ stats.nothing.deeper }}", "{{ stats.incidents + 'x' }}"])
def test_a_failing_expression_is_a_located_error_not_a_traceback(expression):
    with pytest.raises(BriefError) as caught:
        _render(f"First line.\n\nThird line {expression}.\n")
    assert str(caught.value.problem).startswith("content/briefs/2023-W39.md:7:1: error: error in the brief's")


def test_incident_text_is_never_evaluated_as_a_template():
    out = render_brief(_brief("{{ incident('x') }}"), {"stats": None}, incident=lambda i: "{{ 7*7 }}")
    assert out == "{{ 7*7 }}"


def test_stats_labels_follow_the_language_asked():
    import datetime as dt

    from sitegen.model import Incident

    incidents = [
        Incident("a", dt.date(2023, 9, 26), "T", "battle", "TD", "Mao", 14.1, 15.3, admin1="Kanem", fatalities=3),
        Incident("b", dt.date(2023, 9, 27), "T", "protest", "ML", "Léré", 15.7, -4.9, admin1="Tombouctou"),
    ]
    english, french = (Stats.of(incidents, DEFAULT_EVENT_TYPES, lang) for lang in ("en", "fr"))
    assert (english.by_type, english.by_country, english.by_admin1) == (
        (("Battle", 1), ("Protest", 1)), (("Chad", 1), ("Mali", 1)), (("Kanem", 1), ("Timbuktu", 1)),
    )  # fmt: skip
    assert (french.by_type, french.by_country, french.by_admin1) == (
        (("Combats", 1), ("Manifestations", 1)), (("Mali", 1), ("Tchad", 1)), (("Kanem", 1), ("Tombouctou", 1)),
    )  # fmt: skip
    assert french.fatalities_by_country == (("Tchad", 3), ("Mali", 0))


def test_a_french_brief_names_types_countries_and_regions_in_french(tmp_path):
    import subprocess
    import sys

    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen:\n      tiles: false\n"
    )
    incidents = tmp_path / "content/incidents/w39.yaml"
    incidents.parent.mkdir(parents=True)
    incidents.write_text(
        "- {id: a, date: 2023-09-26, title: A, type: battle, country: TD, location: Mao, lat: 14.12, lon: 15.31, fatalities: 3}\n"
        "- {id: b, date: 2023-09-27, title: B, type: protest, country: ML, admin1: Tombouctou, location: Léré, lat: 15.71, lon: -4.91}\n",
        encoding="utf-8",
    )
    body = "{% for name, n in stats.by_type %}[{{ name }} {{ n }}]{% endfor %}" \
           "{% for name, n in stats.by_country %}[{{ name }} {{ n }}]{% endfor %}" \
           "{% for name, n in stats.by_admin1 %}[{{ name }} {{ n }}]{% endfor %}\n"  # fmt: skip
    briefs = tmp_path / "content/briefs"
    briefs.mkdir()
    (briefs / "2023-W39.md").write_text(f"---\ntitle: W39\n---\n{body}", encoding="utf-8")
    (briefs / "2023-W39.fr.md").write_text(f"---\ntitle: S39\n---\n{body}", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    english = (tmp_path / "site/weeks/2023-W39/index.html").read_text(encoding="utf-8")
    french = (tmp_path / "site/fr/weeks/2023-W39/index.html").read_text(encoding="utf-8")
    assert "[Battle 1][Protest 1][Chad 1][Mali 1][Kanem 1][Timbuktu 1]" in english
    assert "[Combats 1][Manifestations 1][Mali 1][Tchad 1][Kanem 1][Tombouctou 1]" in french


def test_a_briefs_links_to_briefs_pages_and_files_lead_where_the_site_has_them(tmp_path):
    """An editor links as Markdown does, from the brief's file: another brief, a page, an
    image in content/. They were published as written, each a 404 on the week page and in the feed."""
    from tests.sitetools import make_cli_site, run_sitegen

    root = make_cli_site(tmp_path, "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    (root / "content" / "img").mkdir()
    (root / "content" / "img" / "map.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (root / "content" / "guide").mkdir()
    (root / "content" / "guide" / "index.md").write_text("# Guide\n", encoding="utf-8")
    briefs = root / "content" / "briefs"
    (briefs / "2023-W42.md").write_text("---\ntitle: Week 42\n---\nText.\n", encoding="utf-8")
    (briefs / "2023-W43.md").write_text(
        "---\ntitle: Week 43\n---\nSee [last week](2023-W42.md#incidents), [the guide](../guide/index.md),\n"
        "![a map](../img/map.svg) and [the archive][a]; as code, `[a link](nothing.md)`.\n\n[a]: 2023-W42.md\n", encoding="utf-8")
    assert run_sitegen(root, "build").returncode == 0
    english = (root / "site/weeks/2023-W43/index.html").read_text(encoding="utf-8")
    french = (root / "site/fr/weeks/2023-W43/index.html").read_text(encoding="utf-8")
    for page, up in ((english, "../../"), (french, "../../../")):  # pages in the page's language (fr/guide/); files at the root
        assert '<a href="../2023-W42/#incidents">last week</a>' in page and '<a href="../2023-W42/">the archive</a>' in page
        assert '<a href="../../guide/">the guide</a>' in page and f'src="{up}img/map.svg"' in page
    assert (root / "site/fr/guide/index.html").is_file()
    assert (root / "site/img/map.svg").is_file() and (root / "site/guide/index.html").is_file()
    feed = (root / "site/feed.xml").read_text(encoding="utf-8")
    assert 'xml:base="weeks/2023-W43/"' in feed and "a href=&#34;../2023-W42/#incidents&#34;" in feed

    (briefs / "2023-W43.md").write_text("---\ntitle: Week 43\n---\nText.\n\n[next](2023-W44.md) ![x](../img/none.png)\n", encoding="utf-8")
    result = run_sitegen(root, "validate")
    assert result.returncode == 1
    assert "content/briefs/2023-W43.md:6:1: error: '2023-W44.md' leads to nothing on the site" in result.stdout
    assert "content/briefs/2023-W43.md:6:1: error: '../img/none.png' leads to nothing on the site" in result.stdout
    built = run_sitegen(root, "build")
    assert built.returncode == 1 and "'2023-W44.md' leads to nothing" in built.stderr


def _links_site(tmp_path, body: str):
    from tests.sitetools import make_cli_site

    root = make_cli_site(tmp_path, "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    (root / "content" / "img").mkdir()
    for name in ("my map.png", "report(1).pdf", ".hidden.png"):
        (root / "content" / "img" / name).write_bytes(b"x")
    (root / "content" / "guide").mkdir()
    (root / "content" / "guide" / "index.md").write_text("# Guide\n", encoding="utf-8")
    (root / "content" / "places.yaml").write_text("{}\n", encoding="utf-8")
    briefs = root / "content" / "briefs"
    (briefs / "2023-W42.md").write_text("---\ntitle: W42\n---\nText.\n", encoding="utf-8")
    (briefs / "2023-W48.md").write_text("---\ntitle: W48\nstatus: draft\n---\nText.\n", encoding="utf-8")
    (briefs / "2023-W43.md").write_text(f"---\ntitle: W43\n---\n{body}\n", encoding="utf-8")
    return root


def test_links_are_found_as_markdown_finds_them_spaces_parentheses_folders_and_references(tmp_path):
    """Links were found by a pattern that stopped at a space or a parenthesis, took links
    in indented code for links and missed a reference's target on the next line."""
    from tests.sitetools import run_sitegen

    body = ("[a](<../img/my map.png>), [b](../img/report(1).pdf), [folder](../guide/), [r].\n\n[r]:\n  2023-W42.md\n\n"
            "    [code](missing.md)\n\n- item\n\n  ```\n  [fenced](missing2.md)\n  ```\n\n\\[not a link](missing3.md)")
    root = _links_site(tmp_path, body)
    result = run_sitegen(root, "build")
    assert result.returncode == 0, result.stderr
    page = (root / "site/weeks/2023-W43/index.html").read_text(encoding="utf-8")
    for link in ('<a href="../../img/my map.png">a</a>', '<a href="../../img/report(1).pdf">b</a>',
                 '<a href="../../guide/">folder</a>', '<a href="../2023-W42/">r</a>'):
        assert link in page


@pytest.mark.parametrize("link", ["[x](<no such file.md>)", "[y](report(1).pdf)", "[d](2023-W48.md)", "[p](../places.yaml)",
                                  "[h](../img/.hidden.png)", "[l](../" + "a" * 300 + ".png)"])
def test_a_link_to_what_the_site_does_not_publish_is_an_error_at_its_line(tmp_path, link):
    """A draft's page, the content's own files, a hidden file, a name too long for the file
    system (that one stopped validate with "File name too long" and no line)."""
    from tests.sitetools import run_sitegen

    root = _links_site(tmp_path, "Text.\n\n" + link)
    result = run_sitegen(root, "validate")
    assert result.returncode == 1
    assert result.stdout.startswith("content/briefs/2023-W43.md:6:1: error: '") and "leads to nothing on the site" in result.stdout, result.stdout
