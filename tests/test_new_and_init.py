"""`sitegen new` and `sitegen init` against what `sitegen validate` and a published build
then expect: a new incident's id is free across the whole site, a new brief is the week's
only one wherever the others are filed, and a new site's GitHub Pages build knows its address."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from sitegen import scaffold
from sitegen.config import SiteConfig
from tests.sitetools import run_sitegen as run

INCIDENT = """\
date: 2023-10-02
title: Attack near Kandadji
type: battle
country: NE
location: Kandadji
lat: 14.62
lon: 0.98
"""


def _item(incident_id: str) -> str:
    """One incident of a list file."""
    return f"- id: {incident_id}\n" + "".join(f"  {line}\n" for line in INCIDENT.splitlines())


def _written(site: Path, result) -> Path:
    assert result.returncode == 0, result.stderr
    return site / result.stdout.strip()


def _id_of(path: Path) -> str:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["id"]


# --- sitegen new incident ------------------------------------------------------------


def test_new_incident_takes_an_id_no_incident_in_another_folder_has(cli_site):
    # the audit's steps: the second incident got the first one's id, and validate failed on it
    first = _written(cli_site, run(cli_site, "new", "incident", "--date", "2023-10-02"))
    (cli_site / "content/incidents/niger").mkdir()
    first.rename(cli_site / "content/incidents/niger" / first.name)
    second = _written(cli_site, run(cli_site, "new", "incident", "--date", "2023-10-02"))
    assert _id_of(second) == "2023-10-02-new-incident-2"
    check = run(cli_site, "validate")
    assert check.returncode == 0, check.stdout


def test_new_incident_takes_an_id_no_list_file_has(cli_site):
    listed = cli_site / "content/incidents/imported/acled.yaml"
    listed.parent.mkdir()
    listed.write_text(
        _item("2023-10-02-new-incident")
        + _item("'2023-10-02-new-incident-2'")  # quoted ids are ids too
        + "- {id: 2023-10-02-new-incident-3, " + ", ".join(INCIDENT.splitlines()) + "}\n"
    )
    assert run(cli_site, "validate").returncode == 0
    new = _written(cli_site, run(cli_site, "new", "incident", "--date", "2023-10-02"))
    assert _id_of(new) == "2023-10-02-new-incident-4"
    check = run(cli_site, "validate")
    assert check.returncode == 0, check.stdout


def test_new_incident_with_an_id_already_used_refuses_and_names_the_file(cli_site):
    listed = cli_site / "content/incidents/niger/september.yaml"
    listed.parent.mkdir()
    listed.write_text(_item("2023-09-28-kandadji") + _item("kandadji-2"))
    before = sorted((cli_site / "content").rglob("*"))
    result = run(cli_site, "new", "incident", "--date", "2023-10-02", "--id", "kandadji-2")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "id 'kandadji-2' is already used at content/incidents/niger/september.yaml:9: "
        "choose another, e.g. 'kandadji-2-2' (ids are unique across the site)"
    )
    assert sorted((cli_site / "content").rglob("*")) == before
    french = run(cli_site, "new", "incident", "--date", "2023-10-02", "--id", "kandadji-2", lang="fr")
    assert french.stderr.strip() == (
        "l’id « kandadji-2 » est déjà utilisé dans content/incidents/niger/september.yaml:9 : "
        "choisissez-en un autre, par exemple « kandadji-2-2 » (chaque id est unique sur le site)"
    )


def test_new_incident_with_an_id_that_a_file_name_gives_refuses(cli_site):
    # a one-incident file without `id:` takes its file's name as its id
    (cli_site / "content/incidents/niger").mkdir()
    (cli_site / "content/incidents/niger/kandadji.yaml").write_text(INCIDENT)
    result = run(cli_site, "new", "incident", "--date", "2023-10-02", "--id", "kandadji")
    assert result.returncode == 1
    assert "id 'kandadji' is already used at content/incidents/niger/kandadji.yaml:1" in result.stderr
    assert not (cli_site / "content/incidents/2023").exists()


def test_new_incident_keeps_a_free_id_asked_for_when_only_its_file_name_is_taken(cli_site):
    (cli_site / "content/incidents/2023").mkdir()
    (cli_site / "content/incidents/2023/kandadji.yaml").write_text("id: 2023-10-02-kandadji\n" + INCIDENT)
    new = _written(cli_site, run(cli_site, "new", "incident", "--date", "2023-10-02", "--id", "kandadji"))
    assert new.name == "kandadji-2.yaml" and _id_of(new) == "kandadji"
    check = run(cli_site, "validate")
    assert check.returncode == 0, check.stdout


def test_new_incident_reads_in_full_only_the_files_that_may_have_its_id(tmp_path, monkeypatch):
    # a site of 100,000 incidents must not be parsed whole for one new file
    from sitegen.read import yamlfile

    incidents = tmp_path / "content/incidents"
    for n in range(300):
        folder = incidents / f"{2000 + n % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"incident-{n}.yaml").write_text(f"id: 2023-10-02-event-{n}\n" + INCIDENT)
    (incidents / "2001" / "many.yaml").write_text(_item("2023-10-02-new-incident") + _item("other"))
    parsed = []
    real = yamlfile.compose
    monkeypatch.setattr(yamlfile, "compose", lambda text, shown, *a: parsed.append(shown) or real(text, shown, *a))
    config = SiteConfig(docs_dir=tmp_path / "content", site_dir=tmp_path / "site")
    new = scaffold.new_incident(config, dt.date(2023, 10, 2))
    assert new.name == "2023-10-02-new-incident-2.yaml"
    assert parsed == [str(incidents / "2001" / "many.yaml")]


# --- sitegen new brief ---------------------------------------------------------------


def test_new_brief_refuses_a_week_whose_brief_is_in_a_sub_folder(cli_site):
    # it wrote content/briefs/2023-W41.md beside content/briefs/2023/2023-W41.md
    filed = cli_site / "content/briefs/2023/2023-W41.md"
    filed.parent.mkdir()
    filed.write_text("---\ntitle: Mine\n---\nMy words.\n")
    result = run(cli_site, "new", "brief", "2023-W41")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "content/briefs/2023/2023-W41.md is already the brief of week 2023-W41: edit it (a week has one brief)"
    )
    assert not (cli_site / "content/briefs/2023-W41.md").exists()
    assert filed.read_text() == "---\ntitle: Mine\n---\nMy words.\n"


@pytest.mark.parametrize("front_matter", [
    "title: Mine\nweek: 2023-W41\n",
    "title: Mine\nweek: 2023-W41\nauthor: [me]\n",  # a problem of its own (`authors`) does not hide it
])
def test_new_brief_refuses_a_week_a_brief_in_a_sub_folder_says_it_is(cli_site, front_matter):
    filed = cli_site / "content/briefs/archive/october-first.md"
    filed.parent.mkdir()
    filed.write_text(f"---\n{front_matter}---\nMy words.\n")
    result = run(cli_site, "new", "brief", "2023-W41")
    assert result.returncode == 1
    assert result.stderr.startswith("content/briefs/archive/october-first.md is already the brief of week 2023-W41")
    assert not (cli_site / "content/briefs/2023-W41.md").exists()


def test_new_brief_is_written_beside_a_translation_in_a_sub_folder(cli_site):
    (cli_site / "content/briefs/2023").mkdir()
    (cli_site / "content/briefs/2023/2023-W41.fr.md").write_text("---\ntitle: Semaine\n---\nCorps.\n")
    assert _written(cli_site, run(cli_site, "new", "brief", "2023-W41")).is_file()


# --- sitegen init: the published site's address ---------------------------------------


@pytest.fixture(scope="module")
def new_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("init")
    made = run(work, "init", "s")
    assert made.returncode == 0, made.stderr
    return work / "s"


def test_a_new_site_reads_its_address_from_site_url_in_the_environment(new_site, monkeypatch):
    from mkdocs.utils.yaml import get_yaml_loader, yaml_load

    monkeypatch.setenv("SITE_URL", "https://owner.github.io/repo")
    with open(new_site / "mkdocs.yml", "rb") as f:
        assert yaml_load(f, get_yaml_loader())["site_url"] == "https://owner.github.io/repo"


def test_a_new_site_builds_with_and_without_its_address(new_site):
    # without SITE_URL (a local build, a pull request)
    assert run(new_site, "validate").returncode == 0
    built = run(new_site, "build")
    assert built.returncode == 0, built.stderr
    assert "Sitemap:" not in (new_site / "site/robots.txt").read_text()
    assert "<loc>" not in (new_site / "site/sitemap.xml").read_text()
    # with it, as the workflow gives it (configure-pages' base_url has no final slash)
    address = {"SITE_URL": "https://owner.github.io/repo"}
    assert run(new_site, "validate", env=address).returncode == 0
    built = run(new_site, "build", env=address)
    assert built.returncode == 0, built.stderr
    assert "Sitemap: https://owner.github.io/repo/sitemap.xml" in (new_site / "site/robots.txt").read_text()
    sitemap = (new_site / "site/sitemap.xml").read_text()
    assert "<loc>https://owner.github.io/repo/</loc>" in sitemap
    assert "<loc>https://owner.github.io/repo/weeks/</loc>" in sitemap
    assert 'href="https://owner.github.io/repo/feed.xml"' in (new_site / "site/feed.xml").read_text()


def test_the_new_sites_workflow_gives_the_build_the_pages_address(new_site):
    workflow = yaml.safe_load((new_site / ".github/workflows/publish.yml").read_text())
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    names = [step.get("uses", "").split("@")[0] or step.get("run") for step in build["steps"]]
    pages = build["steps"][names.index("actions/configure-pages")]
    building = build["steps"][names.index("sitegen build")]
    assert names.index("actions/configure-pages") < names.index("sitegen build")
    assert pages["id"] == "pages" and pages["if"] == deploy["if"]  # asked where the site is published
    assert building["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert "steps.pages" not in str(deploy)


def test_a_new_site_names_the_data_licence_option_and_its_package_takes_it(tmp_path):
    """The data package of a new site had no licence, and nothing in its mkdocs.yml said where one goes."""
    assert run(tmp_path, "init", "s").returncode == 0
    config = tmp_path / "s" / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "      # data_licence: CC-BY-4.0\n" in text
    config.write_text(text.replace("      # data_licence: CC-BY-4.0\n", "      data_licence: CC-BY-4.0\n"), encoding="utf-8")
    assert run(tmp_path / "s", "build").returncode == 0
    package = json.loads((tmp_path / "s" / "site" / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "CC-BY-4.0"}]
