"""`sitegen import acled|ucdp`: the files it writes whoever runs it, ids an editor already
uses, French-first sites, and the messages for files and rows it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sitegen import i18n, messages
from sitegen.config import load_config
from sitegen.read import read_content
from tests.conftest import TODAY
from tests.test_importers import (  # noqa: F401 (site: a fixture)
    ACLED_CSV,
    ACLED_GOOD_ROWS,
    UCDP_CSV,
    edited_csv,
    incidents_of,
    last_line,
    site,
    sitegen,
    validate,
    week_files,
)

FRENCH_FIRST = "site_name: T\ndocs_dir: content\nplugins:\n  - sitegen:\n      languages: [fr, en]\n"


@pytest.fixture
def french_editor(monkeypatch):
    """The editor runs the command under LANGUAGE=fr."""
    monkeypatch.setattr(messages, "LANGUAGE", "fr")


def texts(site: Path, fmt: str = "acled") -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in week_files(site, fmt).items()}


# --- 1. the files do not depend on the editor's language ------------------------------------


def test_an_unchanged_export_imported_under_a_french_locale_changes_nothing(site, capsys, monkeypatch):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    before = {**texts(site), **texts(site, "ucdp")}
    monkeypatch.setattr(messages, "LANGUAGE", "fr")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    assert last_line(out) == f"0 ajouté(s), 0 mis à jour, {ACLED_GOOD_ROWS} inchangé(s)"  # the report: the editor's
    code, out, _ = sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    assert last_line(out) == "0 ajouté(s), 0 mis à jour, 6 inchangé(s)"
    assert {**texts(site), **texts(site, "ucdp")} == before
    assert "revisions" not in incidents_of(site)["acled-nig10521"]


def test_titles_and_revisions_are_written_in_the_sites_language_under_any_locale(site, capsys, tmp_path, french_editor):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    incidents = incidents_of(site)
    assert incidents["acled-nig10521"]["title"] == "Armed clash in Kandadji"  # the language of its summary
    assert incidents["ucdp-483001"]["title"] == "Kandadji: Government of Niger - IS Sahel"
    changed = edited_csv(tmp_path, '""neutralised"".",7,,1696281234', '""neutralised"".",12,,1696345520')
    changed.write_text(changed.read_text(encoding="utf-8").replace("7 soldiers killed", "12 soldiers killed"), encoding="utf-8")
    sitegen(site, capsys, "import", "acled", str(changed))
    assert [r["change"] for r in incidents_of(site)["acled-nig10521"]["revisions"]] == [
        "fatalities 7 -> 12", "timestamp 1696281234 -> 1696345520", "summary changed",
    ]  # fmt: skip


# --- 2. an id an editor's own file already uses ---------------------------------------------


def test_an_id_already_used_by_an_editors_file_is_an_error_naming_both_files(site, capsys):
    own = site / "content/incidents/2023/acled-nig10521.yaml"  # its id: the file's name
    own.parent.mkdir(parents=True)
    own.write_text(
        "date: 2023-09-28\ntitle: Almahaou unit attacked near Kandadji\ntype: battle\ncountry: NE\n"
        "location: Kandadji\nlat: 14.62\nlon: 0.98\n",
        encoding="utf-8",
    )
    listed = site / "content/incidents/2023/mine.yaml"
    listed.write_text(
        "- id: mine-1\n  date: 2023-09-07\n  title: Mine\n  type: battle\n  country: ML\n  location: Bamba\n"
        "  lat: 17.03\n  lon: -1.4\n- id: acled-mli33801\n  date: 2023-09-07\n  title: Boat attacked\n"
        "  type: violence-against-civilians\n  country: ML\n  location: Bamba\n  lat: 17.03\n  lon: -1.4\n",
        encoding="utf-8",
    )
    kept = own.read_text(encoding="utf-8"), listed.read_text(encoding="utf-8")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 1
    assert (
        f"{ACLED_CSV}:2: error: id 'acled-nig10521' is already used at content/incidents/2023/acled-nig10521.yaml:1, "
        "in a file this import did not write, so the row is not written to content/incidents/acled/2023-W39.yaml"
    ) in out
    assert f"{ACLED_CSV}:5: error: id 'acled-mli33801' is already used at content/incidents/2023/mine.yaml:9," in out
    assert last_line(out) == f"{ACLED_GOOD_ROWS - 2} added, 0 updated, 0 unchanged"
    assert (own.read_text(encoding="utf-8"), listed.read_text(encoding="utf-8")) == kept
    assert not {"acled-nig10521", "acled-mli33801"} & {
        i["id"] for p in week_files(site).values() for i in yaml.safe_load(p.read_text(encoding="utf-8"))
    }
    assert [str(p) for p in validate(site).errors] == []


# --- 3. a French-first site ------------------------------------------------------------------


def test_on_a_french_first_site_the_english_text_goes_to_the_english_fields(site, capsys):
    (site / "mkdocs.yml").write_text(FRENCH_FIRST)
    assert sitegen(site, capsys, "import", "acled", str(ACLED_CSV))[0] == 0
    assert sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))[0] == 0
    incidents = incidents_of(site)
    kandadji = incidents["acled-nig10521"]
    assert kandadji["title"] == "Affrontement armé à Kandadji"
    assert kandadji["title_en"] == "Armed clash in Kandadji"
    assert kandadji["summary_en"].startswith("On 28 September 2023, several hundred assailants")
    assert "summary" not in kandadji
    assert incidents["acled-nig10530"]["title"] == "Engin explosif, mine ou EEI à Tabatol"
    assert (incidents["ucdp-483001"]["title"], incidents["ucdp-483001"]["title_en"]) == (
        "Kandadji : Government of Niger - IS Sahel", "Kandadji: Government of Niger - IS Sahel",
    )  # fmt: skip
    assert incidents["ucdp-483001"]["summary_en"] == "Niger: seven soldiers killed in attack near Kandadji"
    # the site reads them as English text: French pages show it marked lang="en", with a note
    config = load_config(site / "mkdocs.yml")
    content = read_content(config, today=TODAY)
    assert [str(p) for p in content.errors] == []
    read = next(i for i in content.incidents if i.id == "acled-nig10521")
    summary = i18n.Localizer("fr", "fr").tr(read, "summary")
    assert (summary.lang, summary.attr) == ("en", ' lang="en"')
    assert i18n.Localizer("en", "fr").tr(read, "title") == "Armed clash in Kandadji"


def test_on_a_french_first_site_an_editors_french_summary_outlives_a_reimport(site, capsys, tmp_path):
    (site / "mkdocs.yml").write_text(FRENCH_FIRST)
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    path = week_files(site)["2023-W39.yaml"]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- id: acled-nig10521\n", "- id: acled-nig10521\n  summary: Sept soldats tués.\n"), encoding="utf-8")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert last_line(out) == f"0 added, 0 updated, {ACLED_GOOD_ROWS} unchanged"
    changed = edited_csv(tmp_path, '""neutralised"".",7,', '""neutralised"".",12,')
    sitegen(site, capsys, "import", "acled", str(changed))
    kandadji = incidents_of(site)["acled-nig10521"]
    assert (kandadji["summary"], kandadji["fatalities"]) == ("Sept soldats tués.", 12)
    assert [r["change"] for r in kandadji["revisions"]] == ["fatalities 7 -> 12"]


def test_a_french_first_site_imported_before_moves_the_english_out_of_the_french_fields(site, capsys):
    # an older import wrote the English notes into `summary`, the French field
    (site / "mkdocs.yml").write_text(FRENCH_FIRST)
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    path = week_files(site)["2023-W39.yaml"]
    before = incidents_of(site)["acled-nig10521"]
    path.write_text(path.read_text(encoding="utf-8").replace("  summary_en: ", "  summary: "), encoding="utf-8")
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    after = incidents_of(site)["acled-nig10521"]
    assert "summary" not in after and after["summary_en"] == before["summary_en"]


# --- 4. errors of the whole file -------------------------------------------------------------


def test_a_utf16_export_is_named_as_such_with_its_fix(site, capsys, tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(ACLED_CSV.read_text(encoding="utf-8").encode("utf-16"))  # with its byte order mark
    code, out, err = sitegen(site, capsys, "import", "acled", str(path))
    assert code == 1 and out == ""
    assert err.strip() == (
        f"{path}:1: error: the file is UTF-16 text (as Excel's \"Unicode Text\" saves it), not UTF-8: "
        "save it as UTF-8 (\"CSV UTF-8\" in Excel) and import it again"
    )
    path.write_bytes(ACLED_CSV.read_text(encoding="utf-8").encode("utf-16-le"))  # without one
    assert "the file is UTF-16 text" in sitegen(site, capsys, "import", "acled", str(path))[2]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the first line names no columns: expected an ACLED export whose first line names its columns ("),
        ("\nevent_id_cnty\n", 1, "the first line names no columns: expected an ACLED export"),
        ("event_id_cnty,event_date\nX,2023-09-28\n", 1, "this is not an ACLED export as expected: missing column(s) event_type, country"),
        ("event_id_cnty,event_date\nX,Tillab\xe9ri\n", 2, "the file is not UTF-8 text (byte 0xE9 on this line): export it again as a UTF-8 CSV"),
    ],
)
def test_errors_of_the_whole_file_are_located_as_row_errors_are(site, capsys, tmp_path, text, line, message):
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("latin-1"))
    code, _, err = sitegen(site, capsys, "import", "acled", str(path))
    assert code == 1
    assert err.startswith(f"{path}:{line}: error: {message}"), err


def test_a_ucdp_export_is_a_ucdp_export(site, capsys):
    code, _, err = sitegen(site, capsys, "import", "ucdp", str(ACLED_CSV))
    assert code == 1
    assert err.startswith(f"{ACLED_CSV}:1: error: this is not a UCDP export as expected: missing column(s) id,")


# --- 5, 6. rows --------------------------------------------------------------------------------


def test_a_row_with_too_few_cells_says_so(site, capsys, tmp_path):
    changed = edited_csv(tmp_path, "Tahoua,Tillia,Tillia,Tabatol,15.1000,4.9000,2,Niger Ministry of Defence,National,", "Tahoua\n")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(changed))
    assert code == 0
    assert f"{changed}:4: error: the row has 19 cells but the header names 31 columns: is a cell missing" in out
    assert "acled-nig10530" not in incidents_of(site)


@pytest.mark.parametrize(("value", "accepted"), [("maybe", False), ("yes", False), ("civilian targeting", True)])
def test_civilian_targeting_holds_what_acled_writes_there_or_nothing(site, capsys, tmp_path, value, accepted):
    changed = edited_csv(tmp_path, "7,27,Civilian targeting,466", f"7,27,{value},466")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(changed))
    assert code == 0
    message = f"{changed}:5: error: 'civilian_targeting' is '{value}': ACLED writes 'Civilian targeting' there, or leaves it empty"
    assert (message in out) is not accepted
    boat = incidents_of(site).get("acled-mli33801")
    assert (boat is not None and boat["civilian_targeting"] is True) is accepted



def test_an_editors_file_written_after_an_import_takes_the_id_from_the_import(site, capsys):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    own = site / "content/incidents/2023/kandadji.yaml"
    own.parent.mkdir(parents=True)
    own.write_text(
        "id: acled-nig10521\ndate: 2023-09-28\ntitle: Almahaou unit attacked near Kandadji\ntype: battle\n"
        "country: NE\nlocation: Kandadji\nlat: 14.62\nlon: 0.98\n",
        encoding="utf-8",
    )
    assert validate(site).errors  # the duplicate, until the next import
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 1
    assert "error: id 'acled-nig10521' is already used at content/incidents/2023/kandadji.yaml:1," in out
    assert "acled-nig10521" not in week_files(site)["2023-W39.yaml"].read_text(encoding="utf-8")
    assert [str(p) for p in validate(site).errors] == []
