"""The `sitegen` command as an editor runs it: a subprocess in a site folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.sitetools import CLI_SITE_YML, run_sitegen as run


VALID = """\
id: 2023-09-28-kandadji
date: 2023-09-28
title: Almahaou unit attacked near Kandadji
type: battle
country: Niger
location: Kandadji
lat: 14.62
lon: 0.98
fatalities: 7
sources:
  - name: Niger Ministry of Defence
"""


def test_validate_reports_every_problem_with_location_and_exits_1(cli_site):
    (cli_site / "content/incidents/good.yaml").write_text(VALID)
    (cli_site / "content/incidents/bad.yaml").write_text(VALID.replace("id: 2023-09-28-kandadji", "id: other")
                                                     .replace("fatalities: 7", "fatalities: -1\ncolour: red"))
    (cli_site / "content/briefs/2023-W39.md").write_text("---\ntitle: W39\n---\n{{ incident('nope') }}\n")
    result = run(cli_site, "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "content/briefs/2023-W39.md:4:1: error: the brief refers to incident 'nope', which does not exist" in lines[0]
    assert lines[1] == "content/incidents/bad.yaml:9:13: error: 'fatalities' is -1: a count cannot be negative"
    assert lines[2].startswith("content/incidents/bad.yaml:10:1: error: unknown field 'colour'")
    assert lines[-1] == "3 error(s), 0 warning(s) in 2 file(s)"
    assert "Traceback" not in result.stderr


def test_validate_clean_content_exits_0(cli_site):
    (cli_site / "content/incidents/good.yaml").write_text(VALID)
    result = run(cli_site, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "0 error(s), 0 warning(s) in 0 file(s)"


def test_validate_strict_turns_warnings_into_errors(cli_site):
    (cli_site / "content/incidents/future.yaml").write_text(VALID.replace("2023-09-28\n", "2099-09-28\n"))
    assert run(cli_site, "validate").returncode == 0
    strict = run(cli_site, "validate", "--strict")
    assert strict.returncode == 1
    assert "future.yaml:2:7: error: date 2099-09-28 is in the future" in strict.stdout


def test_a_content_warning_is_a_build_warning_that_stops_only_a_strict_build(cli_site):
    (cli_site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\ntheme: sitegen\nplugins:\n  - sitegen:\n      tiles: false\n")
    (cli_site / "content/incidents/future.yaml").write_text(VALID.replace("2023-09-28\n", "2099-09-28\n"))
    mkdocs = [sys.executable, "-m", "mkdocs", "build"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cli_site)}
    lax = subprocess.run(mkdocs, cwd=cli_site, capture_output=True, text=True, timeout=300, env=env)
    assert lax.returncode == 0, lax.stderr
    assert "WARNING -  content/incidents/future.yaml:2:7: warning: date 2099-09-28 is in the future" in lax.stderr
    strict = subprocess.run([*mkdocs, "--strict"], cwd=cli_site, capture_output=True, text=True, timeout=300, env=env)
    assert strict.returncode == 1 and "future.yaml:2:7: warning" in strict.stderr
    assert "Traceback" not in strict.stderr
    assert run(cli_site, "build").returncode == 1  # sitegen build is the strict build
    assert run(cli_site, "build", "--no-strict").returncode == 0


def test_new_incident_never_overwrites(cli_site):
    first = run(cli_site, "new", "incident", "--date", "2023-10-02")
    second = run(cli_site, "new", "incident", "--date", "2023-10-02")
    assert first.returncode == second.returncode == 0
    a, b = Path(cli_site, first.stdout.strip()), Path(cli_site, second.stdout.strip())
    assert a != b and a.exists() and b.exists()
    assert "yaml-language-server: $schema=" in a.read_text()
    a.write_text(VALID)
    run(cli_site, "new", "incident", "--date", "2023-10-02")
    assert a.read_text() == VALID


def test_new_incident_skeleton_validates(cli_site):
    result = run(cli_site, "new", "incident", "--date", "2023-10-02")
    assert result.returncode == 0
    check = run(cli_site, "validate")
    assert check.returncode == 0, check.stdout


def test_new_brief_writes_once_then_refuses(cli_site):
    result = run(cli_site, "new", "brief", "2023-W40")
    assert result.returncode == 0
    path = cli_site / "content/briefs/2023-W40.md"
    assert result.stdout.strip() == "content/briefs/2023-W40.md"
    path.write_text("---\ntitle: Mine\n---\nMy words.\n")
    again = run(cli_site, "new", "brief", "2023-W40")
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert path.read_text() == "---\ntitle: Mine\n---\nMy words.\n"
    assert run(cli_site, "validate").returncode == 0


def test_new_brief_rejects_an_invalid_week(cli_site):
    result = run(cli_site, "new", "brief", "2023-W54")
    assert result.returncode == 2
    assert "2023 has weeks 01 to 52" in result.stderr
    assert not (cli_site / "content/briefs/2023-W54.md").exists()


def test_validate_without_config_says_what_to_do(tmp_path):
    result = run(tmp_path, "validate")
    assert result.returncode == 1
    assert result.stdout.startswith("mkdocs.yml:1:1: error: mkdocs.yml not found"), result.stdout


# --- mkdocs.yml read as MkDocs reads it: !ENV, INHERIT, one-line messages --------------------------


ENV_YML = "site_name: Test\ndocs_dir: !ENV [SITEGEN_DOCS, content]\nplugins:\n  - sitegen:\n      recent_weeks: !ENV [SITEGEN_WEEKS, 4]\n"
INHERIT_BASE = "docs_dir: content\nplugins:\n  - sitegen:\n      languages: [en]\n      recent_weeks: 6\n"


def test_validate_reads_env_tags_as_the_build_does(cli_site):
    (cli_site / "mkdocs.yml").write_text(ENV_YML)
    (cli_site / "content/incidents/bad.yaml").write_text(VALID.replace("fatalities: 7", "fatalities: -1"))
    (cli_site / "other/incidents").mkdir(parents=True)
    (cli_site / "other/incidents/good.yaml").write_text(VALID)
    default = run(cli_site, "validate")  # !ENV's default: content/
    assert default.returncode == 1, default.stdout + default.stderr
    assert default.stdout.startswith("content/incidents/bad.yaml:9:13: error:")
    chosen = run(cli_site, "validate", env={"SITEGEN_DOCS": "other"})
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    assert "checked 1 incident(s)" in chosen.stderr


def test_validate_reads_the_inherited_config(cli_site):
    (cli_site / "base.yml").write_text(INHERIT_BASE)
    (cli_site / "mkdocs.yml").write_text("INHERIT: base.yml\nsite_name: Test\n")
    (cli_site / "content/briefs/2023-W39.md").write_text("---\ntitle: W39\n---\nBody.\n")
    result = run(cli_site, "validate", "--translations")
    # languages: [en] comes from base.yml: a brief without a French translation is fine
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "0 error(s), 0 warning(s) in 0 file(s)"
    assert "checked 0 incident(s) and 1 brief(s)" in result.stderr


@pytest.mark.parametrize("yml, extra", [(ENV_YML, {"SITEGEN_WEEKS": "9"}), ("INHERIT: base.yml\nsite_name: Test\n", {})])
def test_validate_and_build_see_the_same_options(cli_site, monkeypatch, yml, extra):
    from mkdocs.config import load_config as mkdocs_load_config

    from sitegen.config import load_config
    from sitegen.plugin import SitegenPlugin

    (cli_site / "mkdocs.yml").write_text(yml)
    (cli_site / "base.yml").write_text(INHERIT_BASE)
    monkeypatch.chdir(cli_site)
    monkeypatch.setenv("SITEGEN_NOW", "2023-10-09T00:00Z")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    validate = load_config(cli_site / "mkdocs.yml")
    build = mkdocs_load_config(str(cli_site / "mkdocs.yml"))
    plugin = build.plugins["sitegen"]
    assert isinstance(plugin, SitegenPlugin)
    plugin.on_config(build)
    assert validate == plugin.site
    assert validate.recent_weeks == (9 if extra else 6) and validate.docs_dir == cli_site / "content"


BROKEN = [
    # (mkdocs.yml, base.yml or None, expected location, English words, French words)
    ("site_name: Test\nplugins:\n  - sitegen:\n    recent_weeks: 3\n   bad: [\n", None, "mkdocs.yml:5:4: ", "not valid YAML", "YAML invalide"),
    ("INHERIT: base.yml\nsite_name: Test\n", "plugins: [sitegen\n", "base.yml:2:1: ", "not valid YAML", "YAML invalide"),
    ("site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      recent_weeks: 0\n", None, "mkdocs.yml:5: ", "'recent_weeks' must be a whole number", "« recent_weeks »"),
    ("site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      recent_weeks: lots\n", None, "mkdocs.yml:5: ", "'recent_weeks' must be a whole number", "« recent_weeks »"),
    ("site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      data_licence: 5\n", None, "mkdocs.yml:5: ", "'data_licence' must be one line of text", "« data_licence »"),
    ("site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen:\n      languages: [en, de]\n", None, "mkdocs.yml:5: ", "among en, fr", "parmi en, fr"),
    ("site_name: Test\ndocs_dir: content\nsite_dir: [a]\n", None, "mkdocs.yml:3: ", "'site_dir' must be text", "« site_dir » doit être du texte"),
    ("site_name: Test\ndocs_dir: content\ntheme: {name: nope}\n", None, "mkdocs.yml:3: ", "'theme' is not valid", "« theme » n’est pas valable"),
]


@pytest.mark.parametrize("yml, base, where, english, french", BROKEN)
def test_a_broken_config_is_one_line_naming_file_and_line(cli_site, yml, base, where, english, french):
    (cli_site / "mkdocs.yml").write_text(yml)
    if base is not None:
        (cli_site / "base.yml").write_text(base)
    place = where if where.count(":") == 3 else where.replace(": ", ":1: ")  # file:line:col, as every problem
    for lang, words, summary in ((None, english, "1 error(s), 0 warning(s) in 1 file(s)"), ("fr", french, "1 erreur(s)")):
        result = run(cli_site, "validate", lang=lang)  # as the contract says validate's every problem
        assert result.returncode == 1, result.stdout + result.stderr
        problem, total = result.stdout.splitlines()  # one line, then the summary; no traceback
        assert problem.startswith(place + "error: ") and words in problem, problem
        assert total.startswith(summary), total
        built = run(cli_site, "build", lang=lang)  # a build says it once, on stderr, and stops
        assert built.returncode != 0 and words in built.stderr and "Traceback" not in built.stderr, built.stderr


def test_an_unknown_option_in_mkdocs_yml_is_an_error_at_its_line_for_validate_and_build(cli_site):
    # MkDocs only warns of an unknown option, then a strict build stops on it without a line:
    # validate passed, the pre-commit hook with it, and the build failed
    (cli_site / "mkdocs.yml").write_text(
        "site_name: Test\ndocs_dir: content\nsite_descripton: x\ntheme: {name: sitegen}\nplugins:\n  - sitegen:\n      recent_wekes: 3\n"
    )
    result = run(cli_site, "validate")
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        "mkdocs.yml:3:1: error: unknown option 'site_descripton' (did you mean 'site_description'?): remove it or correct its name (a build stops on it)",
        "mkdocs.yml:7:1: error: unknown option 'recent_wekes' of the sitegen plugin (did you mean 'recent_weeks'?): remove it or correct its name (a build stops on it)",
    ]
    french = run(cli_site, "validate", lang="fr")
    assert "mkdocs.yml:7:1: error: option « recent_wekes » inconnue de l’extension sitegen (vouliez-vous dire « recent_weeks » ?)" in french.stdout
    build = run(cli_site, "build")
    assert build.returncode == 1
    assert "mkdocs.yml:7:1: error: unknown option 'recent_wekes'" in build.stderr
    assert "Traceback" not in build.stderr and not (cli_site / "site").exists()


def test_serve_on_an_address_it_cannot_use_says_so_without_a_traceback(cli_site):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        for address in ("127.0.0.1:99999", f"127.0.0.1:{taken.getsockname()[1]}"):
            result = run(cli_site, "serve", "-a", address, timeout=120)
            assert result.returncode == 1, result.stderr
            assert "Traceback" not in result.stderr
            assert f"cannot serve on {address}: " in result.stderr
            assert "give another address, e.g. sitegen serve -a 127.0.0.1:8001" in result.stderr
        result = run(cli_site, "serve", "-a", "localhost", timeout=120)  # no port: MkDocs refuses it
        assert result.returncode == 1 and "Traceback" not in result.stderr and "unexpected error" not in result.stderr
        assert "Must be a string of format 'IP:PORT'" in result.stderr
    finally:
        taken.close()


def test_init_where_no_folder_can_be_made_says_so_without_a_traceback(tmp_path):
    result = run(tmp_path, "init", "/proc/no-site-here")
    assert result.returncode == 1
    assert result.stderr.startswith("cannot create a site in /proc/no-site-here: ")
    assert "Traceback" not in result.stderr
    result = run(tmp_path, "init", "site")
    assert result.returncode == 0
    brief = next((tmp_path / "site/content/briefs").glob("*.md")).read_text(encoding="utf-8")
    assert "\nstatus: published\n" in brief  # not "status: published  # change to published when ready"


def test_a_site_on_another_theme_is_told_to_use_sitegens(cli_site):
    # the build stopped on "'feed.xml' not found in search paths", naming no fix
    (cli_site / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\nplugins:\n  - sitegen\n")
    result = run(cli_site, "build")
    assert result.returncode == 1
    assert "the sitegen plugin builds its pages with the sitegen theme, not 'mkdocs': set theme: {name: sitegen}" in result.stderr
    assert "not found in search paths" not in result.stderr and "Traceback" not in result.stderr


def test_new_incident_with_an_impossible_date_names_the_form(cli_site):
    result = run(cli_site, "new", "incident", "--date", "2023-02-30")
    assert result.returncode == 2
    assert "'2023-02-30' is not a date like 2023-09-28 (year, month, day)" in result.stderr
    assert "fromisoformat" not in result.stderr and not list((cli_site / "content/incidents").iterdir())


def test_new_brief_for_a_week_whose_brief_has_another_name_refuses(cli_site):
    # it wrote 2026-W50.md beside week-fifty.md, and validate then failed on two briefs for one week
    (cli_site / "content/briefs/week-fifty.md").write_text("---\ntitle: Week fifty\nweek: 2026-W50\n---\nBody.\n")
    result = run(cli_site, "new", "brief", "2026-W50")
    assert result.returncode == 1
    assert result.stderr.strip() == "content/briefs/week-fifty.md is already the brief of week 2026-W50: edit it (a week has one brief)"
    assert not (cli_site / "content/briefs/2026-W50.md").exists()
    (cli_site / "content/briefs/2026-W51.fr.md").write_text("---\ntitle: Semaine\n---\nCorps.\n")
    assert run(cli_site, "new", "brief", "2026-W51").returncode == 0  # a translation is not the week's brief


def test_a_new_incident_follows_the_sites_types_and_its_own_schema(cli_site):
    # the skeleton wrote `type: battle` on a site without that type, and its empty optional
    # fields (admin1:, fatalities:) failed the schema it names for editors' YAML tooling
    import json

    import jsonschema
    import yaml

    (cli_site / "mkdocs.yml").write_text(
        "site_name: Test\ndocs_dir: content\ntheme: {name: sitegen}\nplugins:\n  - sitegen:\n"
        "      event_types: [{slug: attack, label: Attack}, {slug: kidnapping, label: Kidnapping}]\n"
    )
    result = run(cli_site, "new", "incident", "--date", "2023-09-12")
    assert result.returncode == 0, result.stderr
    written = cli_site / result.stdout.strip()
    assert "\ntype: attack                 # attack | kidnapping\n" in written.read_text()
    validated = run(cli_site, "validate")
    assert validated.returncode == 0, validated.stdout
    assert run(cli_site, "build").returncode == 0
    schema = json.loads((cli_site / "site/data/incident.schema.json").read_text())
    class AsTooling(yaml.SafeLoader):  # dates stay text, as editors' YAML tooling reads them (JSON has no dates)
        yaml_implicit_resolvers = {
            first: [r for r in found if r[0] != "tag:yaml.org,2002:timestamp"]
            for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

    jsonschema.Draft202012Validator(schema).validate(yaml.load(written.read_text(), Loader=AsTooling))  # noqa: S506
    styles = (cli_site / "site/assets/types.css").read_text()
    assert styles.count("#c0392b") == 1 and "#d35400" in styles, "two types given no colour get two colours"


def test_a_country_with_one_incident_and_no_toll_says_so_in_the_singular(cli_site):
    (cli_site / "mkdocs.yml").write_text(CLI_SITE_YML.replace("plugins:", "theme: {name: sitegen}\nplugins:"))
    (cli_site / "content/incidents/a.yaml").write_text(
        "date: 2023-09-12\ntitle: A raid\ntype: battle\ncountry: ML\nlocation: Gao\nlat: 16.27\nlon: -0.04\n"
    )
    assert run(cli_site, "build").returncode == 0
    site = cli_site / "site"
    country = (site / "countries/mali/index.html").read_text()
    assert "1 incident and 0 reported fatalities recorded, week 2023-W37." in country
    assert "1 incident et 0 tué recensés, semaine 2023-W37." in (site / "fr/countries/mali/index.html").read_text()
    note = "Fatalities count reported tolls only: 1 incident had no toll reported."
    assert note in (site / "countries/index.html").read_text() and note in (site / "weeks/index.html").read_text()


def test_a_sites_own_event_types_are_named_in_french_on_french_pages(cli_site):
    (cli_site / "mkdocs.yml").write_text(
        "site_name: Test\ndocs_dir: content\ntheme: {name: sitegen}\nplugins:\n  - sitegen:\n"
        "      event_types: [{slug: kidnapping, label: Kidnapping, label_fr: Enlèvement}, {slug: attack, label: Attack}]\n"
    )
    (cli_site / "content/incidents/a.yaml").write_text(
        "date: 2023-09-12\ntitle: A raid\ntype: kidnapping\ncountry: ML\nlocation: Gao\nlat: 16.27\nlon: -0.04\nfatalities: 1\n"
    )
    assert run(cli_site, "build").returncode == 0
    french = (cli_site / "site/fr/weeks/2023-W37/index.html").read_text()
    english = (cli_site / "site/weeks/2023-W37/index.html").read_text()
    assert "Enlèvement" in french and "Kidnapping" not in french.split("<main", 1)[1]  # lists, legend, charts, map data
    assert "Kidnapping" in english and "Enlèvement" not in english
    bad = (cli_site / "mkdocs.yml").read_text().replace("label_fr:", "label_es:")
    (cli_site / "mkdocs.yml").write_text(bad)
    assert run(cli_site, "validate").returncode == 1  # a language sitegen has no catalogue for: said, not ignored


def test_a_translation_into_the_default_language_is_said_not_dropped(cli_site):
    # on a French-first site, 2023-W39.fr.md is never published: validate said nothing, and
    # --translations that French was "not among the site's languages (fr, en)"
    (cli_site / "mkdocs.yml").write_text(CLI_SITE_YML.replace("  - sitegen\n", "  - sitegen:\n      languages: [fr, en]\n"))
    (cli_site / "content/briefs/2023-W39.md").write_text("---\ntitle: Semaine\n---\nCorps.\n")
    (cli_site / "content/briefs/2023-W39.fr.md").write_text("---\ntitle: Traduction\n---\nCorps.\n")
    for args in (("validate",), ("validate", "--translations")):
        result = run(cli_site, *args)
        assert result.stdout.count("2023-W39.fr.md:1:1: warning: a translation into French, the site's default language,") == 1, result.stdout
        assert "not among the site's languages" not in result.stdout


def test_a_build_without_site_url_says_what_the_sitemap_lacks(cli_site):
    (cli_site / "mkdocs.yml").write_text(CLI_SITE_YML.replace("plugins:", "theme: {name: sitegen}\nplugins:"))
    result = run(cli_site, "build")
    assert result.returncode == 0  # a note, not a warning: a strict build goes on
    assert "site_url is not set in mkdocs.yml: sitemap.xml lists no page" in result.stderr
    (cli_site / "mkdocs.yml").write_text(CLI_SITE_YML.replace("plugins:", "theme: {name: sitegen}\nsite_url: https://example.org/\nplugins:"))
    assert "site_url is not set" not in run(cli_site, "build").stderr


@pytest.mark.parametrize("week", ["0001-W01", "9999-W01"])
def test_new_brief_refuses_a_week_validate_would_refuse(cli_site, week):
    """It wrote content/briefs/1-W01.md and 9999-W01.md, which validate then refused."""
    before = sorted((cli_site / "content/briefs").iterdir())
    result = run(cli_site, "new", "brief", week)
    assert result.returncode == 2 and "briefs cover the years 1900 to 2999" in result.stderr, result.stderr
    assert sorted((cli_site / "content/briefs").iterdir()) == before


def test_new_incident_refuses_an_id_the_week_page_takes(cli_site):
    result = run(cli_site, "new", "incident", "--id", "key-events")
    assert result.returncode == 2 and "id 'key-events' is taken by the week page itself" in result.stderr
    assert not list((cli_site / "content/incidents").rglob("key-events*"))


def test_a_config_error_without_a_line_names_its_file_once(cli_site):
    """A message placed at its file only ("mkdocs.yml: ...") was said at a second place too:
    "mkdocs.yml:1:1: error: mkdocs.yml: 'site_name' is not valid"."""
    (cli_site / "mkdocs.yml").write_text("docs_dir: content\nplugins:\n  - sitegen\n")
    result = run(cli_site, "validate")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "mkdocs.yml:1:1: error: 'site_name' is not valid: Required configuration not provided.", result.stdout


def _pages(site: Path, pages: dict[str, str]) -> None:
    for name, text in pages.items():
        (site / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "content" / name).write_text(text, encoding="utf-8")


MISNAMED = {"about.md": "# About\n", "about.de.md": "# Über uns\n", "team.md": "# Team\n", "Team.FR.md": "# Équipe\n",
            "about.en.md": "# About (en)\n", "notes.v2.md": "# Notes\n", "how.to.md": "# How to\n", "fr/x.de.md": "# X\n"}


def test_validate_says_which_editors_pages_a_build_refuses_for_their_names(cli_site):
    """The build refuses about.de.md beside about.md (German, which the site has not),
    Team.FR.md and about.en.md with a warning; validate said nothing of them, and
    --translations asked for their translations (content/about.de.fr.md)."""
    _pages(cli_site, MISNAMED)
    result = run(cli_site, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "content/Team.FR.md:1:1: warning: content/Team.FR.md is not published: the language of a translation is"
        " written in lower case; rename it content/Team.fr.md",
        "content/about.de.md:1:1: warning: content/about.de.md is not published: its name makes it a translation into"
        " German ('de'), which is not among the site's languages (en, fr); a page of its own is named without '.de'",
        "content/about.en.md:1:1: warning: content/about.en.md is not published: a page in English, the site's default"
        " language, is named without a language (content/about.md)",
        "0 error(s), 3 warning(s) in 3 file(s)",
    ]  # notes.v2.md, how.to.md (no how.md) are pages; fr/x.de.md the French edition's own
    assert run(cli_site, "validate", "--strict").returncode == 1
    french = run(cli_site, "validate", lang="fr").stdout
    assert ("content/about.de.md:1:1: warning: content/about.de.md n’est pas publié : son nom en fait une traduction"
            " en allemand (« de »)") in french, french
    asked = run(cli_site, "validate", "--translations").stdout
    assert "write content/about.fr.md;" in asked and "write content/team.fr.md;" in asked, asked
    assert asked.count(".fr.md;") == 4, asked  # about, team, notes.v2, how.to
    assert "about.de.fr.md" not in asked and "Team.FR.fr.md" not in asked and "about.en.fr.md" not in asked, asked
    assert asked.splitlines()[-1] == "0 error(s), 7 warning(s) in 7 file(s)"


def test_a_single_language_site_publishes_dotted_pages_and_validate_says_nothing_of_them(cli_site):
    (cli_site / "mkdocs.yml").write_text(CLI_SITE_YML.replace("  - sitegen\n", "  - sitegen:\n      languages: [en]\n"))
    _pages(cli_site, MISNAMED)
    result = run(cli_site, "validate", "--translations")
    assert result.returncode == 0 and result.stdout.strip() == "0 error(s), 0 warning(s) in 0 file(s)", result.stdout
