"""mkdocs.yml as `sitegen validate` and `sitegen build` read it: each bad option said at its
line, all of them in one run, the content checked too where the options allow reading it
(PRODUCT.md, "Commands": every problem in one run), a build still stopped; an event type's
unknown key named; a tile address that is not a web address refused; the sitegen theme
without the plugin said at `theme:`, not as a template error deep in the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import ConfigError, from_options
from tests.sitetools import run_sitegen as run

INCIDENT = """\
id: kandadji
date: 2023-09-28
title: Almahaou unit attacked near Kandadji
type: {type}
country: NE
location: Kandadji
lat: 14.62
lon: 0.98
"""
KEYS = "slug, label, colour, label_en, label_fr"


def _lines(result) -> list[str]:
    return result.stdout.splitlines()


# --- event types: an unknown key is named, with the key it is closest to ---------------------------------


EVENT_TYPES = """\
site_name: Test
docs_dir: content
plugins:
  - sitegen:
      event_types:
        - slug: kidnapping
          label: Kidnapping
          color: "#123456"
          lable_fr: Enlèvement
        - {slug: attack, label: Attack}
"""


def test_an_unknown_key_of_an_event_type_is_named_at_its_line_with_a_did_you_mean(cli_site):
    # was: mkdocs.yml:5:1: error: bad event type {... 'slug': 'kidnapping' ...}: it needs a slug ...
    (cli_site / "mkdocs.yml").write_text(EVENT_TYPES)
    (cli_site / "content/incidents/kandadji.yaml").write_text(INCIDENT.format(type="kidnapping"))
    result = run(cli_site, "validate")
    assert result.returncode == 1, result.stderr
    assert _lines(result) == [
        f"mkdocs.yml:8:1: error: sitegen option 'event_types': unknown key 'color' (did you mean 'colour'?); an event type has the keys {KEYS}",
        f"mkdocs.yml:9:1: error: sitegen option 'event_types': unknown key 'lable_fr' (did you mean 'label_fr'?); an event type has the keys {KEYS}",
        "2 error(s), 0 warning(s) in 1 file(s)",  # the incident's type is the misspelt type's: not said unknown
    ]
    assert "needs a slug" not in result.stdout
    french = run(cli_site, "validate", lang="fr")
    assert _lines(french)[0] == (
        "mkdocs.yml:8:1: error: l’option sitegen « event_types » : clé « color » inconnue "
        f"(vouliez-vous dire « colour » ?) ; un type d’événement a les clés {KEYS}"
    )
    build = run(cli_site, "build")
    assert build.returncode == 1 and "unknown key 'color'" in build.stderr and "unknown key 'lable_fr'" in build.stderr


def test_an_event_type_without_a_slug_is_still_said_to_need_one(cli_site):
    (cli_site / "mkdocs.yml").write_text(EVENT_TYPES.replace("- slug: kidnapping", "- slg: kidnapping"))
    lines = _lines(run(cli_site, "validate"))
    assert lines[0].startswith("mkdocs.yml:6:1: error: sitegen option 'event_types': unknown key 'slg' (did you mean 'slug'?)")
    assert lines[1].startswith("mkdocs.yml:6:1: error: bad event type {'slg': 'kidnapping'") and "it needs a slug" in lines[1]
    assert lines[-1] == "4 error(s), 0 warning(s) in 1 file(s)"


def test_a_misspelt_key_of_tiles_is_named_at_its_line(cli_site):
    # `ur:` was ignored, without a word: the map loaded the default tiles instead of the site's
    (cli_site / "mkdocs.yml").write_text(
        "site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      tiles:\n"
        "        ur: https://tiles.example.org/{z}/{x}/{y}.png\n        attribution: Example\n"
    )
    assert _lines(run(cli_site, "validate")) == [
        "mkdocs.yml:6:1: error: sitegen option 'tiles': unknown key 'ur' (did you mean 'url'?); its keys are url and attribution",
        "1 error(s), 0 warning(s) in 1 file(s)",
    ]
    assert _lines(run(cli_site, "validate", lang="fr"))[0] == (
        "mkdocs.yml:6:1: error: l’option sitegen « tiles » : clé « ur » inconnue (vouliez-vous dire « url » ?) ;"
        " ses clés sont url et attribution"
    )


# --- tiles: an address a map may load images from ---------------------------------------------------------


def _tiles(url):
    return from_options({"tiles": {"url": url}}, docs_dir=Path("c"), site_dir=Path("s"), site_name="S", site_url="")


@pytest.mark.parametrize(
    "url",
    [
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png",  # a tile server of one's own (the browser tests')
        "https://{s}.tile.example.org/{z}/{x}/{y}.png?key=abc",
        "HTTPS://tiles.example.org/{z}/{x}/{-y}.png",
        "//tiles.example.org/{z}/{x}/{y}.png",  # protocol-relative: the page's CSP names it as https
    ],
)
def test_a_web_address_of_tiles_is_accepted(url):
    assert _tiles(url).tiles_url == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)//{z}/{x}/{y}",
        "data:image/png;base64,{z}{x}{y}",
        "vbscript:x//{z}/{x}/{y}",
        "file:///etc/{z}/{x}/{y}.png",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "tiles/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}.png",  # no {y}: every tile the same
        "https://tiles.example.org/tile.png",
        " https://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}/{y}.png\n<script>",
        "",
        5,
    ],
)
def test_an_address_of_tiles_that_is_not_a_web_address_with_z_x_y_is_refused(url):
    with pytest.raises(ConfigError, match=r"'tiles\.url' must be the http:// or https:// address of the tiles, with \{z\}, \{x\} and \{y\} in it"):
        _tiles(url)


def test_a_javascript_tiles_url_is_an_error_at_its_line_for_validate_and_build(cli_site):
    # was accepted: validate said 0 errors, and every map loaded its "tiles" from it
    (cli_site / "mkdocs.yml").write_text(
        'site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      tiles:\n        url: "javascript:alert(1)//{z}/{x}/{y}"\n'
    )
    result = run(cli_site, "validate")
    assert result.returncode == 1
    assert _lines(result)[0] == (
        "mkdocs.yml:6:1: error: sitegen option 'tiles.url' must be the http:// or https:// address of the tiles, "
        "with {z}, {x} and {y} in it, like https://tile.openstreetmap.org/{z}/{x}/{y}.png, found 'javascript:alert(1)//{z}/{x}/{y}'"
    )
    french = run(cli_site, "validate", lang="fr")
    assert _lines(french)[0].startswith("mkdocs.yml:6:1: error: l’option sitegen « tiles.url » doit être l’adresse http:// ou https:// des tuiles")
    build = run(cli_site, "build")
    assert build.returncode == 1 and "'tiles.url'" in build.stderr and not (cli_site / "site").exists()


# --- the sitegen theme without the sitegen plugin ---------------------------------------------------------


@pytest.mark.parametrize("theme", ["theme: {name: sitegen}\n", "theme:\n  name: sitegen\n", "theme: sitegen\n"])
def test_the_sitegen_theme_without_the_plugin_is_said_at_the_theme_line(cli_site, theme):
    # was: validate said 0 errors; the build stopped on "'sg_types' is undefined", a template error of the package's
    (cli_site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\n" + theme + "plugins:\n  - search\n")
    (cli_site / "content/incidents/kandadji.yaml").write_text(INCIDENT.format(type="battle") + "fatalities: -1\n")
    message = (
        "the sitegen theme shows the pages of the sitegen plugin, which is not enabled: "
        "add it to mkdocs.yml as plugins: [sitegen] (or a '- sitegen' line under plugins:)"
    )
    result = run(cli_site, "validate")
    assert result.returncode == 1
    assert _lines(result) == [
        f"mkdocs.yml:3:1: error: {message}",
        "content/incidents/kandadji.yaml:9:13: error: 'fatalities' is -1: a count cannot be negative",  # the content still checked
        "2 error(s), 0 warning(s) in 2 file(s)",
    ]
    french = run(cli_site, "validate", lang="fr")
    assert _lines(french)[0] == (
        "mkdocs.yml:3:1: error: le thème sitegen affiche les pages de l’extension sitegen, qui n’est pas activée : "
        "ajoutez-la à mkdocs.yml avec plugins: [sitegen] (ou une ligne « - sitegen » sous plugins:)"
    )
    (cli_site / "site").mkdir()
    (cli_site / "site/.sitegen-output").write_text("")
    (cli_site / "site/index.html").write_text("the previous site")
    build = run(cli_site, "build")
    assert build.returncode == 1
    assert f"mkdocs.yml:3: {message}" in build.stderr
    assert "sg_types" not in build.stderr and "Traceback" not in build.stderr and ".html" not in build.stderr, build.stderr
    assert (cli_site / "site/index.html").read_text() == "the previous site"


def test_the_sitegen_theme_without_any_plugins_line_is_said_too(cli_site):
    (cli_site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\ntheme: {name: sitegen}\n")
    result = run(cli_site, "validate")
    assert result.returncode == 1 and _lines(result)[0].startswith("mkdocs.yml:3:1: error: the sitegen theme shows the pages")
    assert run(cli_site, "validate").returncode == 1
    (cli_site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\ntheme: {name: sitegen}\nplugins:\n  - sitegen\n")
    assert run(cli_site, "validate").returncode == 0


# --- every bad option in one run, and the content with them -------------------------------------------------


BAD_OPTIONS = """\
site_name: Test
docs_dir: content
plugins:
  - sitegen:
      recent_weeks: 0
      data_licence: 5
      languages: [en, de]
      tiles: {url: "ftp://x/{z}/{x}/{y}", attribution: [1]}
      restricted_licences: ACLED
      recent_wekes: 3
"""


def test_validate_says_every_bad_option_and_the_contents_problems_in_one_run(cli_site):
    # was: recent_weeks alone, then "1 error(s)": the other options and all the content unchecked
    (cli_site / "mkdocs.yml").write_text(BAD_OPTIONS)
    (cli_site / "content/incidents/kandadji.yaml").write_text(INCIDENT.format(type="battl"))
    result = run(cli_site, "validate")
    assert result.returncode == 1
    lines = _lines(result)
    assert [line.split(": error: ")[0] for line in lines[:-1]] == [
        "mkdocs.yml:5:1", "mkdocs.yml:6:1", "mkdocs.yml:7:1", "mkdocs.yml:8:1", "mkdocs.yml:8:1", "mkdocs.yml:9:1", "mkdocs.yml:10:1",
        "content/incidents/kandadji.yaml:4:7",
    ]
    for line, words in zip(lines, ["'recent_weeks'", "'data_licence'", "'languages'", "'tiles.url'", "'tiles.attribution'",
                                   "'restricted_licences'", "unknown option 'recent_wekes'", "'type' is 'battl' (did you mean 'battle'?)"]):
        assert words in line, (words, line)
    assert lines[-1] == "8 error(s), 0 warning(s) in 2 file(s)"
    assert "Traceback" not in result.stderr


def test_a_build_with_bad_options_says_each_and_stops(cli_site):
    (cli_site / "mkdocs.yml").write_text(BAD_OPTIONS)
    build = run(cli_site, "build")
    assert build.returncode == 1 and "Traceback" not in build.stderr
    said = [line for line in build.stderr.splitlines() if line.startswith("configuration error: ")]
    assert [line.split(": ")[1] for line in said] == ["mkdocs.yml:5", "mkdocs.yml:6", "mkdocs.yml:7", "mkdocs.yml:8", "mkdocs.yml:8", "mkdocs.yml:9"]
    assert build.stderr.rstrip().endswith("build failed: the previous site/ is untouched")
    assert not (cli_site / "site").exists()
    new = run(cli_site, "new", "incident")  # the other commands refuse them as before, each said
    assert new.returncode == 2 and new.stderr.count("configuration error: ") == 6


def test_a_bad_option_lets_the_content_be_checked_with_the_sites_good_options(cli_site):
    # a bad recent_weeks does not take the site's own event types away: its incidents are not all "unknown type"
    (cli_site / "mkdocs.yml").write_text(
        "site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      recent_weeks: 0\n"
        "      event_types: [{slug: kidnapping, label: Kidnapping}, {slug: Bad}]\n"
    )
    (cli_site / "content/incidents/kandadji.yaml").write_text(INCIDENT.format(type="kidnapping"))
    lines = _lines(run(cli_site, "validate"))
    assert [line.split(": error: ")[0] for line in lines[:-1]] == ["mkdocs.yml:5:1", "mkdocs.yml:6:1"], lines
    assert lines[-1] == "2 error(s), 0 warning(s) in 1 file(s)"


def test_mkdocs_own_refusal_is_said_with_its_unknown_options_and_the_content_is_not_read(cli_site):
    # MkDocs stops at the first of its options it refuses: the later ones (plugins) are unread
    (cli_site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\nsite_dir: [a]\nsite_descripton: x\nplugins:\n  - sitegen:\n      recent_weeks: 0\n")
    (cli_site / "content/incidents/kandadji.yaml").write_text(INCIDENT.format(type="battl"))
    lines = _lines(run(cli_site, "validate"))
    assert [line.split(": error: ")[0] for line in lines[:-1]] == ["mkdocs.yml:3:1", "mkdocs.yml:4:1"], lines
    assert "'site_dir' must be text" in lines[0] and "unknown option 'site_descripton'" in lines[1]
