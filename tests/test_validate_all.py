"""`sitegen validate` says every problem in one run (PRODUCT.md, "Commands"): every bad
item of a list, every bad link and HTML element of a summary, every problem of a brief,
each at its own line and column; and a translation that no page would show."""

from __future__ import annotations

import pytest

from sitegen.check import check_content, check_translations
from tests.sitetools import run_sitegen

INCIDENT = """\
id: kandadji
date: 2023-09-28
title: Almahaou unit attacked near Kandadji
type: battle
country: Niger
location: Kandadji
lat: 14.62
lon: 0.98
"""


def _said(config) -> set[str]:
    """What validate prints, one line per problem."""
    return {str(p) for p in check_content(config).problems}


def test_every_bad_item_of_a_list_is_said_at_its_own_place(make_site):
    config = make_site({"incidents/kandadji.yaml": INCIDENT + """\
actors: [Niger armed forces, {name: x}, [y]]
tags: [tri-border, Bad Tag, ok, also-bad!]
sources:
  - {name: a, url: "javascript:alert(1)"}
  - {name: b, url: "javascript:alert(2)"}
  - {name: c, url: "ftp://x"}
  - {nam: d, url: "https://example.org/", date: 2023-13-01}
revisions:
  - {date: 2023-02-30, change: fatalities 5 -> 7}
  - {date: 2023-10-02, chnge: title}
"""})
    path = "content/incidents/kandadji.yaml"
    url = "is not a web link: use an http:// or https:// address"
    assert _said(config) == {
        f"{path}:9:30: error: 'actors' must be text, found a mapping",
        f"{path}:9:41: error: 'actors' must be text, found a list",
        f"{path}:10:20: error: 'tags' value 'Bad Tag' must use lower-case letters, digits and hyphens (e.g. 'bad-tag')",
        f"{path}:10:33: error: 'tags' value 'also-bad!' must use lower-case letters, digits and hyphens (e.g. 'also-bad')",
        f"{path}:12:20: error: source url 'javascript:alert(1)' {url}",
        f"{path}:13:20: error: source url 'javascript:alert(2)' {url}",
        f"{path}:14:20: error: source url 'ftp://x' {url}",
        f"{path}:15:6: error: unknown source field 'nam' (did you mean 'name'?); a source has name, url and date",
        f"{path}:15:49: error: 'date' is 2023-13-01, which is not a real date: check the day and month",
        f"{path}:17:12: error: 'date' is 2023-02-30, which is not a real date: check the day and month",
        f"{path}:18:24: error: unknown revision field 'chnge' (did you mean 'change'?); a revision has date and change",
    }


def test_every_bad_link_and_html_element_of_a_summary_is_said_at_its_place(make_site):
    config = make_site({"incidents/kandadji.yaml": INCIDENT + """\
summary_fr: "[x](javascript:alert(1)) <iframe src=x></iframe> and [z](javascript:alert(1))"
summary: |
  First <b>bold</b> line,
  [y](vbscript:x) and <script>
  alert(1)</script>

  <div>
  a block
  </div>
"""})
    path = "content/incidents/kandadji.yaml"
    link = "is not allowed: links must start with http://, https:// or mailto:"
    assert _said(config) == {
        f"{path}:9:18: error: link 'javascript:alert(1)' {link}",
        f"{path}:9:39: error: raw HTML is not allowed in a summary ('<iframe src=x>'): use Markdown",
        f"{path}:9:71: error: link 'javascript:alert(1)' {link}",
        f"{path}:11:9: error: raw HTML is not allowed in a summary ('<b>'): use Markdown",
        f"{path}:12:7: error: link 'vbscript:x' {link}",
        f"{path}:12:23: error: raw HTML is not allowed in a summary ('<script>'): use Markdown",
        f"{path}:15:3: error: raw HTML is not allowed in a summary ('<div>'): use Markdown",
    }


BROKEN_BRIEF = """\
---
title: fr
bogus: 1
---
[x](javascript:alert(1)) <script>alert(1)</script> {{ incident("nope") }}

line two <iframe src="https://evil.example"></iframe>

[y](vbscript:x)
"""
RAW_HTML = "is not allowed in a brief: use Markdown (write &lt; for a literal '<')"
BAD_LINK = "is not allowed: a brief links to http, https and mailto addresses (or to pages of the site) only"


def _brief_problems(path: str) -> set[str]:
    return {
        f"{path}:3:1: error: unknown front matter field 'bogus'; a brief has title, week, summary, authors, status, publish_after",
        f"{path}:5:5: error: link 'javascript:alert(1)' {BAD_LINK}",
        f"{path}:5:26: error: raw HTML (<script>) {RAW_HTML}",
        f"{path}:5:52: error: the brief refers to incident 'nope', which does not exist",
        f"{path}:7:10: error: raw HTML (<iframe>) {RAW_HTML}",
        f"{path}:9:5: error: link 'vbscript:x' {BAD_LINK}",
    }


def test_a_brief_says_every_problem_of_its_front_matter_and_body_in_one_run(make_site):
    config = make_site({"briefs/2026-W49.md": BROKEN_BRIEF, "briefs/2026-W49.fr.md": BROKEN_BRIEF})
    assert _said(config) == _brief_problems("content/briefs/2026-W49.md") | _brief_problems("content/briefs/2026-W49.fr.md")


def test_a_brief_names_unknown_names_and_figures_once_and_still_checks_the_rest(make_site):
    body = "{{ stats.fatalitie + 1 }} and {{ colour }}\n\n<b>bold</b> {{ colour.red() }}\n"
    config = make_site({"briefs/2026-W49.md": "---\ntitle: W49\n---\n" + body})
    said = sorted(_said(config))
    assert [p.split(": error: ")[0] for p in said] == [
        "content/briefs/2026-W49.md:4:1", "content/briefs/2026-W49.md:4:1", "content/briefs/2026-W49.md:6:1"]
    assert "'stats.fatalitie' is not a figure of the week" in said[0] + said[1]
    assert "'colour'" in said[0] + said[1]
    assert said[2].endswith(f"raw HTML (<b>) {RAW_HTML}")


def test_a_brief_whose_front_matter_cannot_be_read_says_that_alone(make_site):
    config = make_site({"briefs/2026-W49.md": "---\ntitle: [unclosed\n---\n<script>x</script>\n"})
    said = _said(config)
    assert len(said) == 1 and "error: this is not valid YAML" in next(iter(said)), said


def test_the_build_fails_on_a_brief_with_front_matter_errors_and_validate_says_all(cli_site):
    (cli_site / "content/briefs/2026-W49.md").write_text(BROKEN_BRIEF)
    validate = run_sitegen(cli_site, "validate")
    assert validate.returncode == 1
    assert set(validate.stdout.splitlines()[:-1]) == _brief_problems("content/briefs/2026-W49.md")
    assert validate.stdout.splitlines()[-1] == "6 error(s), 0 warning(s) in 1 file(s)"
    build = run_sitegen(cli_site, "build")
    assert build.returncode == 1 and "Traceback" not in build.stderr
    assert "content/briefs/2026-W49.md:3:1: error: unknown front matter field 'bogus'" in build.stdout + build.stderr
    assert not (cli_site / "site").exists()


NO_PAGE = ("content/briefs/2026-W44.fr.md:1:1: warning: a French translation of week 2026-W44, which has no English"
           " brief and no incident: no page shows it; write content/briefs/2026-W44.md or remove this file")


def test_a_translation_no_page_shows_is_a_warning_naming_the_brief_to_write(make_site):
    translation = "---\ntitle: Semaine 44\n---\nTexte.\n"
    config = make_site({"briefs/2026-W44.fr.md": translation})
    content = check_content(config)
    assert [str(p) for p in content.problems] == [NO_PAGE]
    assert check_translations(content, config.languages) == []  # said once, with or without --translations


def test_a_translation_of_a_week_with_a_page_is_no_orphan(make_site):
    translation = "---\ntitle: Semaine 39\n---\nTexte.\n"
    with_brief = make_site({"briefs/2023-W39.md": "---\ntitle: W39\n---\nText.\n", "briefs/2023-W39.fr.md": translation})
    assert check_content(with_brief).problems == []
    (with_brief.docs_dir / "briefs" / "2023-W39.md").unlink()
    (with_brief.docs_dir / "incidents").mkdir()
    (with_brief.docs_dir / "incidents" / "kandadji.yaml").write_text(INCIDENT)
    with_incident = check_content(with_brief)
    assert with_incident.problems == []  # the week has a page, which shows the translation
    # --translations still says the English page of that week has no brief
    assert [p.message for p in check_translations(with_incident, with_brief.languages)] == [
        "a French translation of week 2023-W39, which has no brief of its own: write content/briefs/2023-W39.md first"]


def test_a_translation_whose_english_brief_has_errors_is_no_orphan(make_site):
    config = make_site({"briefs/2026-W44.md": "---\ntitle: W44\nbogus: 1\n---\nText.\n",
                        "briefs/2026-W44.fr.md": "---\ntitle: S44\n---\nTexte.\n"})
    assert [p.message.split(";")[0] for p in check_content(config).problems] == ["unknown front matter field 'bogus'"]


# --- incidents whose id is a part of the page -------------------------------------------------


def test_an_incident_id_taken_by_the_week_page_is_an_error(tmp_path):
    # an incident "key-events" made #key-events twice on its week page; a file key-events.yaml
    # names its one incident so too
    from sitegen.config import SiteConfig
    from sitegen.read import read_content
    from tests.conftest import TODAY

    incident = "id: {id}\ndate: 2023-09-12\ntitle: A\ntype: battle\ncountry: NE\nlocation: Niamey\n"
    docs = tmp_path / "content"
    (docs / "incidents").mkdir(parents=True)
    (docs / "incidents/a.yaml").write_text(incident.format(id="incidents"))
    (docs / "incidents/b.yaml").write_text(incident.format(id="map-home"))
    (docs / "incidents/key-events.yaml").write_text(incident.replace("id: {id}\n", ""))
    (docs / "incidents/fine.yaml").write_text(incident.format(id="incidents-2023-09-12"))
    content = read_content(SiteConfig(docs_dir=docs, site_dir=tmp_path / "site"), today=TODAY)
    said = sorted(f"{p.path}:{p.line}:{p.col}: {p.message}" for p in content.problems)
    assert said == [
        "content/incidents/a.yaml:1:5: id 'incidents' is taken by the week page itself (#incidents is one of its parts): choose another, e.g. 'incident-incidents'",
        "content/incidents/b.yaml:1:5: id 'map-home' is taken by the week page itself (#map-home is one of its parts): choose another, e.g. 'incident-map-home'",
        "content/incidents/key-events.yaml:1:1: id 'key-events' is taken by the week page itself (#key-events is one of its parts): choose another, e.g. 'incident-key-events'",
    ]
    assert [i.id for i in content.incidents] == ["incidents-2023-09-12"]


def test_the_page_ids_are_every_id_the_templates_write():
    # the reserved ids follow the theme: an id added to a template is reserved too
    import re

    from sitegen.read.schema import PAGE_IDS, page_id
    from tests.conftest import ROOT

    written = set()
    for template in (ROOT / "templates").rglob("*.html"):
        written.update(re.findall(r'\bid="([a-z][a-z0-9-]*)"', template.read_text(encoding="utf-8")))
    assert written and all(page_id(i) for i in written), sorted(i for i in written if not page_id(i))
    assert PAGE_IDS <= written  # none reserved for nothing


def test_an_embargo_no_date_can_hold_in_utc_is_an_error_at_its_line(make_site):
    """'9999-12-31T23:00-05:00' is a real time whose UTC date is past year 9999: every
    command stopped on an OverflowError, with no file named."""
    brief = "---\ntitle: W49\npublish_after: 9999-12-31T23:00-05:00\n---\nBody.\n"
    incident = INCIDENT + "publish_after: 0001-01-01T00:00+05:00\n"
    config = make_site({"briefs/2026-W49.md": brief, "incidents/kandadji.yaml": incident})
    assert _said(config) == {
        "content/briefs/2026-W49.md:3:16: error: 'publish_after' is 9999-12-31T23:00-05:00, outside the years 1900 to 2999: check the year",
        "content/incidents/kandadji.yaml:9:16: error: 'publish_after' is 0001-01-01T00:00+05:00, outside the years 1900 to 2999: check the year",
    }


def test_raw_html_in_a_brief_is_an_error_even_where_markdown_writes_the_same_tags(make_site):
    """<img>, <a>, <p>, <table> written in a brief were published as written (a tag that
    Markdown writes too passed the check), an image from another host with them; so did a
    brief's own copy of the helpers' placeholder, which put the map on the page twice."""
    body = (
        "Text ![img](https://evil.example/md.png) and ![ours](../assets/x.png)\n\n"  # 4
        '<img src="https://evil.example/raw.png" alt="x">\n\n'  # 6
        '<a href="https://ok.example/">raw link</a>\n\n'  # 8
        "<p>raw p</p>\n\n"  # 10
        '<table><tr><td style="background:url(https://evil.example/bg.png)">cell</td></tr></table>\n\n'  # 12
        '<div data-sg-block="0"></div>\n\n'  # 14
        "{{ '<div data-sg-block=\"1\"></div>' }}\n\n"  # 16
        "Inline <b>bold</b>, an &amp; entity and a `<code>` span.\n\n"  # 18
        "```\n<fenced> code\n```\n\n{{ map() }}\n"
    )
    config = make_site({"briefs/2026-W49.md": "---\ntitle: W49\n---\n" + body, "assets/x.png": b"\x89PNG"})  # ours: there
    path = "content/briefs/2026-W49.md"
    remote = "is from another site: a page loads nothing from other hosts; put the image in content/ and give its path"
    assert _said(config) == {
        f"{path}:4:13: error: image 'https://evil.example/md.png' {remote}",
        f"{path}:6:1: error: raw HTML (<img>) {RAW_HTML}",
        f"{path}:6:11: error: image 'https://evil.example/raw.png' {remote}",
        f"{path}:8:1: error: raw HTML (<a>) {RAW_HTML}",
        f"{path}:10:1: error: raw HTML (<p>) {RAW_HTML}",
        f"{path}:12:1: error: raw HTML (<table>) {RAW_HTML}",
        f"{path}:14:1: error: raw HTML (<div>) {RAW_HTML}",
        f"{path}:16:5: error: raw HTML (<div>) {RAW_HTML}",
        f"{path}:18:8: error: raw HTML (<b>) {RAW_HTML}",
    }


def test_markdown_that_would_hang_or_overflow_the_build_is_an_error_at_its_line(make_site):
    """'1. ' a thousand times stopped every command on a RecursionError; 10,000 '[' in a
    paragraph took two minutes to build (Python-Markdown is quadratic in them)."""
    briefs = {
        "briefs/2026-W47.md": "---\ntitle: A\n---\nIntro.\n\n" + "1. " * 1000 + "\n",
        "briefs/2026-W48.md": "---\ntitle: B\n---\nIntro.\n\n" + "[" * 1500 + "\n",
        "briefs/2026-W49.md": "---\ntitle: C\n---\n" + "".join("    " * i + "- x\n" for i in range(300)),
        "briefs/2026-W50.md": "---\ntitle: D\n---\n" + "<a\n\n" * 6000,
    }
    said = sorted(_said(make_site(briefs)))
    assert [p.split(": error: ")[0] for p in said] == [
        "content/briefs/2026-W47.md:6:1", "content/briefs/2026-W48.md:6:1",
        "content/briefs/2026-W49.md:4:1", "content/briefs/2026-W50.md:4:1"]
    assert "nested more than 60 deep" in said[0] and "nested more than 60 deep" in said[2]
    assert "more than 1,000 '[' in one paragraph" in said[1] and "more than 5,000 '<' in the brief" in said[3]


def test_invisible_characters_are_errors_at_their_own_place(make_site):
    """A NUL in a brief's body was written into its pages; a U+2028 in an incident's title
    was read by YAML as a line break, and the file's error said two lines later."""
    incident = INCIDENT.replace("title: Almahaou unit attacked near Kandadji", "title: Almahaou unit\u2028attacked")
    config = make_site({"briefs/2026-W49.md": "---\ntitle: W49\n---\nIntro.\n\nBody \x00 here\n", "incidents/kandadji.yaml": incident})
    assert _said(config) == {
        "content/briefs/2026-W49.md:6:6: error: the brief holds a control character (U+0000): delete it (it is often invisible in editors)",
        "content/incidents/kandadji.yaml:3:21: error: the file holds an invisible line separator (U+2028), which YAML reads"
        " as a line break: delete it or put a space in its place",
    }


@pytest.mark.parametrize(("expression", "said"), [
    ("incidents_table(foo=1)", "'foo' is not an option here: map() and incidents_table() take country= and type="),
    ("map(contry='NE')", "'contry' is not an option here"),
    ("map('NE', 'battle', 3)", "map(), incidents_table() or incident() is given too many or too few values"),
    ("incident()", "map(), incidents_table() or incident() is given too many or too few values"),
])
def test_a_helper_called_with_what_it_does_not_take_says_what_it_takes(make_site, expression, said):
    """Python's own words were said: "check_brief.<locals>.block() got an unexpected keyword argument 'foo'"."""
    config = make_site({"briefs/2026-W49.md": "---\ntitle: W49\n---\nText.\n\n{{ " + expression + " }}\n"})
    problems = _said(config)
    assert len(problems) == 1 and next(iter(problems)).startswith(f"content/briefs/2026-W49.md:6:1: error: {said}"), problems
    assert not any("<locals>" in p or "positional" in p for p in problems)


def test_validate_speaks_the_editors_language_whatever_language_filled_the_cache(tmp_path):
    """The reader's and the checks' caches kept each file's messages: after an English run,
    `LANGUAGE=fr sitegen validate` printed English for every file left as it was."""
    from tests.sitetools import make_cli_site

    root = make_cli_site(tmp_path, "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    (root / "content" / "incidents" / "a.yaml").write_text(
        "date: 2023-09-12\ntitle: A\ntype: batle\ncountry: ML\nlocation: Léré\nlat: 15.71\nlon: -4.91\n", encoding="utf-8")
    (root / "content" / "briefs" / "2023-W37.md").write_text("---\ntitle: W37\n---\n{{ incident('nothing') }}\n", encoding="utf-8")
    english = run_sitegen(root, "validate").stdout
    assert "'type' is 'batle'" in english and "nothing" in english
    french = run_sitegen(root, "validate", lang="fr").stdout
    assert "« type » vaut « batle »" in french and "'type' is" not in french, french
    brief_line = next(line for line in french.splitlines() if "2023-W37.md" in line)
    assert brief_line != next(line for line in english.splitlines() if "2023-W37.md" in line), brief_line
    assert run_sitegen(root, "validate").stdout == english


def test_a_week_that_is_not_there_is_said_in_the_editors_language(tmp_path):
    """The reason after "is not a valid ISO week" was English in every language."""
    from tests.sitetools import make_cli_site

    root = make_cli_site(tmp_path, "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    (root / "content" / "briefs" / "2023-W54.md").write_text("---\ntitle: W54\n---\nText.\n", encoding="utf-8")
    (root / "content" / "briefs" / "2023-W40.md").write_text("---\ntitle: W40\nweek: 2023-40\n---\nText.\n", encoding="utf-8")
    french = run_sitegen(root, "validate", lang="fr").stdout
    assert "« 2023-W54 » n’est pas une semaine ISO valide : l’année 2023 compte les semaines 01 à 52, pas de semaine 54" in french
    assert "« 2023-40 » n’est pas une semaine ISO valide : écrivez l’année, W et le numéro de la semaine, par exemple 2023-W39" in french
    english = run_sitegen(root, "validate").stdout
    assert "'2023-W54' is not a valid ISO week: 2023 has weeks 01 to 52, not 54" in english
    result = run_sitegen(root, "new", "brief", "2023-W60", lang="fr")
    assert "pas de semaine 60" in result.stderr, result.stderr


def test_country_names_in_messages_are_in_the_editors_language(tmp_path):
    """"le lieu « Niamey » se trouve dans le pays Niger, mais « country » indique Chad": the
    country names in French messages were English."""
    from tests.sitetools import make_cli_site

    root = make_cli_site(tmp_path, "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    (root / "content" / "incidents" / "a.yaml").write_text(
        "date: 2023-09-12\ntitle: A\ntype: battle\ncountry: TD\nlocation: Niamey\n", encoding="utf-8")
    (root / "content" / "incidents" / "b.yaml").write_text(
        "date: 2023-09-12\ntitle: B\ntype: battle\ncountry: TD\nlocation: X\nlat: 13.5\nlon: 2.1\n", encoding="utf-8")
    french = run_sitegen(root, "validate", lang="fr").stdout
    assert "se trouve dans le pays Niger, mais « country » indique Tchad :" in french, french
    assert "tombent hors du pays indiqué (Tchad) :" in french, french
    english = run_sitegen(root, "validate").stdout
    assert "is a place in Niger, but 'country' says Chad:" in english and "fall outside Chad:" in english


def test_validate_translations_names_the_editors_pages_without_their_translation(tmp_path):
    """--translations listed briefs only: an editor's page shown in English in the French
    edition went unsaid."""
    from tests.sitetools import make_cli_site

    root = make_cli_site(tmp_path, "site_name: T\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen\n")
    pages = {"about.md": "# A\n", "team.md": "# T\n", "team.fr.md": "# É\n", "guide/README.md": "# G\n",
             "guide/index.fr.md": "# G\n", "index.md": "# Home\n", ".hidden.md": "x", "fr/x.md": "# X\n"}
    for name, text in pages.items():
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    result = run_sitegen(root, "validate", "--translations")
    lines = [line for line in result.stdout.splitlines() if "page has no" in line]
    assert lines == ["content/about.md:1:1: warning: this page has no French translation: write content/about.fr.md; "
                     "until then the French edition shows this text (checked because of --translations)"], result.stdout
    assert "page has no" not in run_sitegen(root, "validate").stdout
