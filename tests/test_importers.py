"""`sitegen import acled|ucdp` and `sitegen places suggest`, run as the command line runs them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from sitegen.cli import main
from sitegen.config import SiteConfig
from sitegen.importers.rows import parse_date, plain_markdown
from sitegen.read import read_content
from tests.conftest import FIXTURES, TODAY

ACLED_CSV = FIXTURES / "acled" / "sample.csv"
UCDP_CSV = FIXTURES / "ucdp" / "sample.csv"
ACLED_GOOD_ROWS = 11
HEADER = "# Written by sitegen import acled: edits to these files are overwritten by the next import.\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n")
    (tmp_path / "content").mkdir()
    return tmp_path


def sitegen(site: Path, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["-f", str(site / "mkdocs.yml"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def week_files(site: Path, fmt: str = "acled") -> dict[str, Path]:
    return {p.name: p for p in sorted((site / "content/incidents" / fmt).glob("*.yaml"))}


def incidents_of(site: Path) -> dict[str, dict]:
    found = {}
    for path in (site / "content/incidents").rglob("*.yaml"):
        for incident in yaml.safe_load(path.read_text(encoding="utf-8")):
            found[incident["id"]] = incident
    return found


def edited_csv(tmp_path: Path, old: str, new: str, source: Path = ACLED_CSV) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.csv"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def validate(site: Path):
    config = SiteConfig(docs_dir=site / "content", site_dir=site / "site")
    return read_content(config, today=TODAY)


# --- ACLED ---------------------------------------------------------------------------------


def test_acled_import_writes_one_file_per_iso_week_with_the_header(site, capsys):
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0, out
    assert last_line(out) == f"{ACLED_GOOD_ROWS} added, 0 updated, 0 unchanged"
    files = week_files(site)
    assert list(files) == [f"2023-W{w}.yaml" for w in (35, 36, 37, 38, 39, 40, 41)]
    for path in files.values():
        assert path.read_text(encoding="utf-8").startswith(HEADER)
    w36 = yaml.safe_load(files["2023-W36.yaml"].read_text(encoding="utf-8"))
    assert [i["id"] for i in w36] == ["acled-bfo9911", "acled-mli33801", "acled-mli33802", "acled-mli33850"]


def test_acled_fields_are_mapped_to_the_incident_format(site, capsys):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    incidents = incidents_of(site)
    kandadji = incidents["acled-nig10521"]
    assert list(kandadji) == [
        "id", "date", "date_precision", "title", "type", "subtype", "country", "admin1", "admin2", "admin3",
        "location", "lat", "lon", "geo_precision", "actors", "actor1", "actor2", "inter1", "inter2",
        "interaction", "disorder_type", "fatalities", "sources", "source_scale", "timestamp", "summary", "licence",
    ]  # fmt: skip
    assert (kandadji["actor1"], kandadji["actor2"]) == ("Military Forces of Niger (2023-)", "Islamic State (Sahel)")
    assert (kandadji["inter1"], kandadji["inter2"], kandadji["interaction"]) == (1, 2, 12)
    assert kandadji["disorder_type"] == "Political violence"
    assert (kandadji["admin2"], kandadji["admin3"]) == ("Tillaberi", "Ayerou")
    assert (kandadji["source_scale"], kandadji["timestamp"]) == ("National", 1696281234)
    assert kandadji["licence"] == "acled"
    boat = incidents["acled-mli33801"]
    assert boat["civilian_targeting"] is True and "civilian_targeting" not in kandadji
    assert (boat["actor2"], boat["inter2"], boat["interaction"]) == ("Civilians (Mali)", 7, 27)
    assert incidents["acled-mli33802"]["assoc_actor_1"] == "Wagner Group"
    assert kandadji["date"] == dt.date(2023, 9, 28)  # from "28 September 2023"
    assert (kandadji["type"], kandadji["subtype"]) == ("battle", "armed-clash")
    assert (kandadji["country"], kandadji["location"]) == ("NE", "Kandadji")
    assert (kandadji["lat"], kandadji["lon"]) == (14.62, 0.98)
    assert kandadji["geo_precision"] == "near"
    assert kandadji["fatalities"] == 7
    assert kandadji["actors"] == ["Military Forces of Niger (2023-)", "Islamic State (Sahel)"]
    assert kandadji["sources"][:2] == [
        {"name": "Niger Ministry of Defence", "date": dt.date(2023, 9, 28)},
        {"name": "ActuNiger", "date": dt.date(2023, 9, 28)},
    ]
    assert kandadji["summary"].splitlines()[1].startswith("The Ministry of Defence reported 7 soldiers")
    assert '"IS Sahel"' in kandadji["summary"]

    assert incidents["acled-mli33801"]["date"] == dt.date(2023, 9, 7)  # "07-September-2023"
    assert incidents["acled-mli33801"]["type"] == "violence-against-civilians"
    assert incidents["acled-mli33801"]["tags"] == ["women-targeted-girls", "civilian-targeting"]
    assert incidents["acled-mli33802"]["actors"][:2] == ["Military Forces of Mali (2021-)", "Wagner Group"]
    assert incidents["acled-nig10530"]["type"] == "explosion"
    assert incidents["acled-nig10530"]["subtype"] == "remote-explosive-landmine-ied"
    assert incidents["acled-nig10600"]["type"] == "strategic-development"
    assert incidents["acled-bfo9950"]["type"] == "protest"
    assert incidents["acled-bfo9950"]["country"] == "BF"
    abduction = incidents["acled-nig10450"]
    assert (abduction["date_precision"], abduction["geo_precision"]) == ("week", "region")


def test_second_import_of_the_same_export_changes_nothing(site, capsys):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    files = week_files(site)
    long_ago = 1_000_000_000
    for path in files.values():
        os.utime(path, ns=(long_ago, long_ago))
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    assert last_line(out) == f"0 added, 0 updated, {ACLED_GOOD_ROWS} unchanged"
    assert "wrote" not in out
    assert {p.name: p.stat().st_mtime_ns for p in week_files(site).values()} == {name: long_ago for name in files}


def test_an_editors_decisions_on_an_imported_incident_outlive_a_reimport(site, capsys, tmp_path):
    # an editor makes an imported incident internal, with a note, and translates another;
    # the same export imported again must not publish the first nor drop the translation
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    path = week_files(site)["2023-W39.yaml"]
    text = path.read_text(encoding="utf-8")
    assert "- id: acled-nig10521\n" in text
    text = text.replace(
        "- id: acled-nig10521\n", "- id: acled-nig10521\n  visibility: internal\n  internal: {contact: EDITORSECRET}\n"
    )
    path.write_text(text, encoding="utf-8")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    assert last_line(out) == f"0 added, 0 updated, {ACLED_GOOD_ROWS} unchanged"
    kandadji = incidents_of(site)["acled-nig10521"]
    assert kandadji["visibility"] == "internal"
    assert kandadji["internal"] == {"contact": "EDITORSECRET"}
    assert "revisions" not in kandadji
    # a changed row is updated, and the editor's fields stay with it
    changed = edited_csv(tmp_path, '""neutralised"".",7,', '""neutralised"".",12,')
    code, out, _ = sitegen(site, capsys, "import", "acled", str(changed))
    assert last_line(out) == f"0 added, 1 updated, {ACLED_GOOD_ROWS - 1} unchanged"
    kandadji = incidents_of(site)["acled-nig10521"]
    assert (kandadji["fatalities"], kandadji["visibility"]) == (12, "internal")
    assert [r["change"] for r in kandadji["revisions"]] == ["fatalities 7 -> 12"]
    assert "acled-nig10521" not in {i.id for i in validate(site).incidents if i.is_public}


def test_a_changed_row_updates_only_its_incident_and_its_week_file(site, capsys, tmp_path):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    for path in week_files(site).values():
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    changed = edited_csv(tmp_path, '""neutralised"".",7,', '""neutralised"".",12,')
    code, out, _ = sitegen(site, capsys, "import", "acled", str(changed))
    assert code == 0
    assert last_line(out) == f"0 added, 1 updated, {ACLED_GOOD_ROWS - 1} unchanged"
    assert "wrote content/incidents/acled/2023-W39.yaml" in out.splitlines()
    rewritten = [name for name, p in week_files(site).items() if p.stat().st_mtime_ns != 1_000_000_000]
    assert rewritten == ["2023-W39.yaml"]
    assert incidents_of(site)["acled-nig10521"]["fatalities"] == 12


def test_a_reimport_that_changes_a_toll_records_a_revision_dated_by_the_export(site, capsys, tmp_path):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    changed = edited_csv(tmp_path, '""neutralised"".",7,,1696281234', '""neutralised"".",12,,1696345520')
    sitegen(site, capsys, "import", "acled", str(changed))
    kandadji = incidents_of(site)["acled-nig10521"]
    assert kandadji["revisions"] == [
        {"date": dt.date(2023, 10, 3), "change": "fatalities 7 -> 12"},
        {"date": dt.date(2023, 10, 3), "change": "timestamp 1696281234 -> 1696345520"},
    ]
    # the same export again: nothing changes, the revisions stay as they are
    code, out, _ = sitegen(site, capsys, "import", "acled", str(changed))
    assert last_line(out) == f"0 added, 0 updated, {ACLED_GOOD_ROWS} unchanged"
    assert len(incidents_of(site)["acled-nig10521"]["revisions"]) == 2
    # and the imported file validates, revisions included
    assert sitegen(site, capsys, "validate")[0] == 0


def test_an_incident_whose_date_changed_moves_to_its_new_week(site, capsys, tmp_path):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    moved = edited_csv(tmp_path, "NIG10600,10 October 2023", "NIG10600,20 October 2023")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(moved))
    assert code == 0
    assert last_line(out) == f"0 added, 1 updated, {ACLED_GOOD_ROWS - 1} unchanged"
    files = week_files(site)
    assert "2023-W41.yaml" not in files  # it held only that incident
    assert [i["id"] for i in yaml.safe_load(files["2023-W42.yaml"].read_text())] == ["acled-nig10600"]
    assert not validate(site).errors


def test_importing_another_slice_keeps_the_incidents_of_the_first(site, capsys, tmp_path):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    lines = ACLED_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    only_bfo = tmp_path / "burkina.csv"
    only_bfo.write_text(lines[0] + "".join(line for line in lines if line.startswith("BFO")), encoding="utf-8")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(only_bfo))
    assert code == 0
    assert last_line(out) == "0 added, 0 updated, 2 unchanged"
    assert len(incidents_of(site)) == ACLED_GOOD_ROWS


def test_bad_rows_are_reported_at_their_csv_line_and_skipped(site, capsys):
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    # line 2's notes span two lines, so the 12th and 13th records start on lines 14 and 15
    assert f"{ACLED_CSV}:14: error: 'event_date' is '31 September 2023', not a date like 2023-09-28" in out
    assert f"{ACLED_CSV}:15: error: 'latitude' is 123: it must be between -90 and 90" in out
    assert "acled-nig10470" not in incidents_of(site)
    assert "acled-mli33999" not in incidents_of(site)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("NIG10530,2023-10-02", ",2023-10-02", "'event_id_cnty' is empty"),
        ("Explosions/Remote violence,Remote", "Airstrikes,Remote", "unknown event_type 'Airstrikes'"),
        ('were killed.",29,', 'were killed.",-3,', "'fatalities' is -3: a count cannot be negative"),
        ("15.1000,4.9000", "north,4.9000", "'latitude' is 'north', not a number in decimal degrees"),
    ],
)
def test_each_kind_of_bad_row_is_named(site, capsys, tmp_path, old, new, message):
    code, out, _ = sitegen(site, capsys, "import", "acled", str(edited_csv(tmp_path, old, new)))
    assert code == 0
    assert f"{tmp_path / 'edited.csv'}:4: error: {message}" in out
    assert last_line(out) == f"{ACLED_GOOD_ROWS - 1} added, 0 updated, 0 unchanged"


def test_a_file_without_the_header_is_left_alone_and_reported(site, capsys):
    own = site / "content/incidents/acled/2023-W39.yaml"
    own.parent.mkdir(parents=True)
    text = "id: mine\ndate: 2023-09-28\ntitle: Mine\ntype: battle\ncountry: NE\nlocation: Kandadji\n"
    text += "lat: 14.62\nlon: 0.98\n"
    own.write_text(text, encoding="utf-8")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    assert own.read_text(encoding="utf-8") == text
    assert "content/incidents/acled/2023-W39.yaml:1: error: this file was not written by sitegen import" in out
    assert "2 incident(s) of its week are not imported" in out
    assert last_line(out) == f"{ACLED_GOOD_ROWS - 2} added, 0 updated, 0 unchanged"
    assert not validate(site).errors


def test_an_import_file_broken_by_hand_is_left_alone_and_reported(site, capsys):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    broken = week_files(site)["2023-W39.yaml"]
    text = broken.read_text(encoding="utf-8") + "  title: [unclosed\n"
    broken.write_text(text, encoding="utf-8")
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    assert "content/incidents/acled/2023-W39.yaml:1: error: this import file cannot be read back" in out
    assert broken.read_text(encoding="utf-8") == text
    assert last_line(out) == f"0 added, 0 updated, {ACLED_GOOD_ROWS - 2} unchanged"


def test_an_event_type_the_site_does_not_use_is_a_row_error(site, capsys):
    (site / "mkdocs.yml").write_text(
        "site_name: T\ndocs_dir: content\nplugins:\n  - sitegen:\n      event_types:\n"
        "        - {slug: battle, label: Battle, colour: '#c0392b'}\n"
        "        - {slug: violence-against-civilians, label: VAC, colour: '#8e44ad'}\n"
    )
    code, out, _ = sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    assert code == 0
    assert f"{ACLED_CSV}:4: error: event type 'Explosions/Remote violence' becomes 'explosion', which is not" in out
    assert last_line(out) == "6 added, 0 updated, 0 unchanged"  # 4 battles, 2 against civilians


def test_imported_incidents_validate_clean(site, capsys):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    content = validate(site)
    assert [str(p) for p in content.errors] == []
    assert len(content.incidents) == ACLED_GOOD_ROWS + 6
    by_id = {i.id: i for i in content.incidents}
    assert by_id["acled-nig10521"].admin1 == "Tillabéri"  # ACLED's "Tillaberi", in the gazetteer's spelling


def test_notes_render_as_the_plain_text_they_are(site, capsys):
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))
    summary = incidents_of(site)["acled-nig10400"]["summary"]
    html = MarkdownIt("commonmark").render(summary)
    assert "placards read &lt;France dégage&gt; &amp; &quot;*Down with France*&quot;." in html
    assert "<em>" not in html


def test_plain_markdown_neutralises_markdown_syntax():
    text = '# not a heading\n- not a list\n1. not a list\n    not code\n<b>bold</b> [link](javascript:alert(1)) &amp;'
    html = MarkdownIt("commonmark").render(plain_markdown(text))
    assert html.count("<p>") == 1
    for tag in ("<h1>", "<li>", "<pre>", "<b>", "<a ", "<ol", "<ul"):
        assert tag not in html
    assert "&lt;b&gt;bold&lt;/b&gt; [link](javascript:alert(1)) &amp;amp;" in html


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2023-09-28", dt.date(2023, 9, 28)),
        ("28 September 2023", dt.date(2023, 9, 28)),
        ("28-September-2023", dt.date(2023, 9, 28)),
        ("28-Sep-2023", dt.date(2023, 9, 28)),
        ("2023-09-28 00:00:00.000", dt.date(2023, 9, 28)),
        ("31 September 2023", None),
        ("28 Septembre 2023x", None),
        ("09/28/2023", None),
    ],
)
def test_date_styles(text, day):
    assert parse_date(text) == day


def test_a_missing_file_or_a_csv_of_another_kind_fails_with_exit_1(site, capsys, tmp_path):
    code, _, err = sitegen(site, capsys, "import", "acled", str(tmp_path / "nope.csv"))
    assert (code, err.strip()) == (1, f"{tmp_path / 'nope.csv'}: no such file")
    code, _, err = sitegen(site, capsys, "import", "acled", str(UCDP_CSV))
    assert code == 1
    assert "missing column(s) event_id_cnty, event_date, event_type, location" in err
    assert not (site / "content/incidents").exists()


# --- UCDP ----------------------------------------------------------------------------------


def test_ucdp_import(site, capsys):
    code, out, _ = sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    assert code == 0, out
    assert f"{UCDP_CSV}:8: error: 'best' is -1: a count cannot be negative" in out
    assert last_line(out) == "6 added, 0 updated, 0 unchanged"
    assert all(p.read_text().startswith(HEADER.replace("acled", "ucdp")) for p in week_files(site, "ucdp").values())
    incidents = incidents_of(site)
    kandadji = incidents["ucdp-483001"]
    assert kandadji["date"] == dt.date(2023, 9, 28)
    assert kandadji["title"] == "Kandadji: Government of Niger - IS Sahel"
    assert (kandadji["type"], kandadji["subtype"], kandadji["country"]) == ("battle", "state-based", "NE")
    assert (kandadji["location"], kandadji["admin1"], kandadji["fatalities"]) == ("Kandadji", "Tillabéri", 7)
    assert [s["name"] for s in kandadji["sources"]][:2] == ["Niger Ministry of Defence", "Agence France Presse"]
    assert kandadji["summary"] == "Niger: seven soldiers killed in attack near Kandadji"
    assert incidents["ucdp-483010"]["type"] == "violence-against-civilians"
    assert incidents["ucdp-483020"]["fatalities"] == 70  # best, not low
    assert kandadji["licence"] == "ucdp"
    assert (kandadji["actor1"], kandadji["actor2"]) == ("Government of Niger", "IS Sahel")
    assert "fatalities_low" not in kandadji and "date_end" not in kandadji  # 7, 7, 7; one day
    inekar = incidents["ucdp-483030"]
    assert (inekar["fatalities_low"], inekar["fatalities"], inekar["fatalities_high"]) == (8, 12, 20)
    assert inekar["date_end"] == dt.date(2023, 9, 24)
    assert incidents["ucdp-483030"]["date_precision"] == "week"
    assert incidents["ucdp-483030"]["geo_precision"] == "near"
    assert incidents["ucdp-483050"]["geo_precision"] == "region"
    assert incidents["ucdp-483050"]["date_precision"] == "month"
    code, out, _ = sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    assert last_line(out) == "0 added, 0 updated, 6 unchanged"


def test_ucdp_import_keeps_every_column_with_meaning(site, capsys):
    """Each kept column of every good row of the sample export, in the contract's order."""
    sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    koumbri = incidents_of(site)["ucdp-483020"]
    assert koumbri == {
        "id": "ucdp-483020", "date": dt.date(2023, 9, 4), "date_precision": "day",
        "title": "Koumbri: Government of Burkina Faso - JNIM", "type": "battle", "subtype": "state-based",
        "country": "BF", "admin1": "Nord", "admin2": "Yatenga", "location": "Koumbri",
        "lat": 13.7167, "lon": -2.0833, "geo_precision": "exact",
        "actors": ["Government of Burkina Faso", "JNIM"],
        "actor1": "Government of Burkina Faso", "actor2": "JNIM",
        "fatalities": 70, "fatalities_low": 53,  # high 70 = best: not repeated
        "deaths_a": 53, "deaths_b": 17, "deaths_civilians": 0, "deaths_unknown": 0,
        "sources": [{"name": "Burkina Faso Armed Forces", "date": dt.date(2023, 9, 4)},
                    {"name": "UCDP Georeferenced Event Dataset (CC BY 4.0)", "url": "https://ucdp.uu.se/"}],
        "summary": "Burkina: 53 soldiers and volunteers killed in clashes",
        "licence": "ucdp",
    }  # fmt: skip
    order = ["id", "date", "date_precision", "title", "type", "subtype", "country", "admin1", "admin2", "location",
             "lat", "lon", "geo_precision", "actors", "actor1", "actor2", "fatalities", "fatalities_low",
             "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "sources", "summary", "licence"]  # fmt: skip
    assert list(koumbri) == order
    # deaths by side of every row: (side A, side B, civilians, unknown), adding up to best
    by_side = {
        "ucdp-483001": (7, 0, 0, 0), "ucdp-483010": (0, 0, 49, 0), "ucdp-483020": (53, 17, 0, 0),
        "ucdp-483030": (0, 0, 0, 12), "ucdp-483040": (29, 0, 0, 0), "ucdp-483050": (0, 0, 5, 0),
    }  # fmt: skip
    incidents = incidents_of(site)
    for incident_id, deaths in by_side.items():
        incident = incidents[incident_id]
        sides = tuple(incident[k] for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"))
        assert sides == deaths and sum(sides) == incident["fatalities"], incident_id
    assert {i: incidents[i].get("admin2") for i in by_side} == {
        "ucdp-483001": "Tillabéri", "ucdp-483010": "Bourem", "ucdp-483020": "Yatenga",
        "ucdp-483030": "Ménaka", "ucdp-483040": "Tillia", "ucdp-483050": None,
    }  # fmt: skip
    boat = incidents["ucdp-483010"]
    assert (boat["fatalities"], boat["fatalities_high"], boat["date_precision"]) == (49, 64, "day")
    assert validate(site).errors == []


def test_ucdp_deaths_by_side_that_do_not_add_up_to_best_are_a_row_error(site, capsys, tmp_path):
    changed = edited_csv(tmp_path, ",53,17,0,0,70,70,53,", ",53,16,0,0,70,70,53,", source=UCDP_CSV)
    code, out, _ = sitegen(site, capsys, "import", "ucdp", str(changed))
    assert f"{changed}:4: error: deaths by side (deaths_a 53, deaths_b 16, deaths_civilians 0, deaths_unknown 0) add up to 69, not to best (70)" in out
    assert "ucdp-483020" not in incidents_of(site)


def test_a_reimport_of_an_export_with_deaths_by_side_over_an_older_import_adds_them_without_a_revision(site, capsys, tmp_path):
    header, *rows = UCDP_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    older = tmp_path / "older.csv"  # an export without the deaths-by-side columns
    columns = header.rstrip("\n").split(",")
    import csv, io

    keep = [n for n, c in enumerate(columns) if not c.startswith("deaths_")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in csv.reader(io.StringIO(UCDP_CSV.read_text(encoding="utf-8"))):
        writer.writerow([record[n] for n in keep])
    older.write_text(out.getvalue(), encoding="utf-8")
    sitegen(site, capsys, "import", "ucdp", str(older))
    assert "deaths_a" not in incidents_of(site)["ucdp-483020"]
    code, out_text, _ = sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))
    assert last_line(out_text) == "0 added, 6 updated, 0 unchanged"
    koumbri = incidents_of(site)["ucdp-483020"]
    assert (koumbri["deaths_a"], koumbri["deaths_b"]) == (53, 17) and "revisions" not in koumbri
    assert last_line(sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))[1]) == "0 added, 0 updated, 6 unchanged"


# --- places suggest --------------------------------------------------------------------------


def test_places_suggest_lists_spelling_variants_and_unknown_locations(site, capsys):
    (site / "content/places.yaml").write_text(
        "Tillabéri:\n  lat: 14.2117\n  lon: 1.4531\n  admin1: Tillabéri\n  country: NE\n", encoding="utf-8"
    )
    sitegen(site, capsys, "import", "acled", str(ACLED_CSV))  # ACLED writes "Tillaberi"
    hand = site / "content/incidents/desk/2023-W37.yaml"
    hand.parent.mkdir(parents=True)
    hand.write_text(
        "- id: desk-1\n  date: 2023-09-12\n  title: A\n  type: battle\n  country: NE\n  location: Ayorou\n"
        "- id: desk-2\n  date: 2023-09-13\n  title: B\n  type: battle\n  country: NE\n  location: Zzyzx Wells\n"
        "- id: desk-3\n  date: 2023-09-14\n  title: C\n  type: battle\n  country: ML\n  location: Bourem town\n"
        "  lat: 16.9552\n  lon: -0.3492\n",
        encoding="utf-8",
    )
    code, out, _ = sitegen(site, capsys, "places", "suggest")
    assert code == 0
    lines = out.splitlines()
    assert any("'Tillaberi' (1 incident(s))" in line and "'Tillabéri' (places.yaml)" in line for line in lines)
    assert any("'Bourem' (1 incident(s))" in line and "'Bourem town' (1 incident(s))" in line for line in lines)
    assert any(line.startswith("# Zzyzx Wells: 1 incident(s)") and "unknown to the gazetteer" in line for line in lines)
    assert any(line.startswith("# Ayorou: 1 incident(s)") and "gazetteer" in line for line in lines)
    snippet = yaml.safe_load(out)  # what an editor pastes is valid places.yaml
    assert set(snippet) == {"Ayorou", "Bourem"}
    assert snippet["Ayorou"]["country"] == "NE"
    assert snippet["Bourem"] == {"lat": 16.955, "lon": -0.349, "admin1": "Gao", "country": "ML"}


def test_places_suggest_on_tidy_content_says_so(site, capsys):
    code, out, _ = sitegen(site, capsys, "places", "suggest")
    assert code == 0
    assert out.startswith("nothing to suggest")


def test_imported_acled_and_ucdp_exports_build_into_a_site(site, capsys, tmp_path):
    import os
    import subprocess
    import sys


    assert sitegen(site, capsys, "import", "acled", str(ACLED_CSV))[0] == 0
    changed = edited_csv(tmp_path, '""neutralised"".",7,,1696281234', '""neutralised"".",12,,1696345520')
    assert sitegen(site, capsys, "import", "acled", str(changed))[0] == 0
    assert sitegen(site, capsys, "import", "ucdp", str(UCDP_CSV))[0] == 0
    (site / "mkdocs.yml").write_text(
        f"site_name: T\ndocs_dir: content\ntheme:\n  name: sitegen\n"
        "plugins:\n  - sitegen:\n      tiles: false\n"
    )
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site / "out")],
        cwd=site, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    week = (site / "out/weeks/2023-W39/index.html").read_text()
    assert 'id="ucdp-483001"' in week and "Kandadji: Government of Niger - IS Sahel" in week
    assert any('id="acled-' in p.read_text() for p in (site / "out/weeks").glob("*/index.html"))
    # ACLED's rows are on the pages, in no download; UCDP's (CC BY) are in both
    downloads = [site / "out/data" / name for name in ("incidents.csv", "incidents.json", "incidents.geojson")]
    downloads += sorted((site / "out/weeks").glob("*/incidents.*"))
    assert downloads and all("acled-" not in p.read_text() for p in downloads)
    assert "ucdp-483001" in (site / "out/data/incidents.csv").read_text()
    assert "11 incidents under the <code>acled</code> licence" in " ".join((site / "out/data/index.html").read_text().split())
    # the re-import's revision and the actors by role, on the incident's card
    card = week[week.index('id="acled-nig10521"') :]
    card = " ".join(card[: card.index("</li>")].split())
    assert "Revised on <time datetime=\"2023-10-03\">3 October 2023</time>: fatalities 7 -&gt; 12" in card
    assert "Actor 1: Military Forces of Niger (2023-); actor 2: Islamic State (Sahel)" in card
    assert "<strong>12</strong> killed" in card
    changes = " ".join((site / "out/changes/index.html").read_text().split())
    assert '<a href="../weeks/2023-W39/#acled-nig10521">' in changes and "fatalities 7 -&gt; 12" in changes
    feed = (site / "out/changes.xml").read_text()
    assert "<updated>2023-10-03T00:00:00Z</updated>" in feed and "fatalities 7 -&gt; 12" in feed
    # the French edition's revisions feed, as its feed.xml: its own file, title and links
    import feedparser

    french = feedparser.parse((site / "out/fr/changes.xml").read_bytes())
    assert not french.bozo and french.feed.language == "fr"
    assert french.feed.title == "T : révisions des données d’incidents"
    entry = next(e for e in french.entries if "fatalities 7 -> 12" in e.title)
    assert entry.link == "weeks/2023-W39/#acled-nig10521"  # no site_url: relative to fr/changes.xml
    assert 'xml:lang="en"' in (site / "out/fr/changes.xml").read_text()  # an English title, marked
    assert 'href="../changes.xml"' in (site / "out/fr/changes/index.html").read_text()  # fr/changes.xml
    # UCDP's low and high estimates beside the best one
    inekar = next(p.read_text() for p in (site / "out/weeks").glob("*/index.html") if 'id="ucdp-483030"' in p.read_text())
    assert "(estimates 8 to 20)" in inekar
    # UCDP's deaths by side, by the sides' names, in both editions
    koumbri = next(p.read_text() for p in (site / "out/weeks").glob("*/index.html") if 'id="ucdp-483020"' in p.read_text())
    koumbri = " ".join(koumbri[koumbri.index('id="ucdp-483020"') :].split("</li>")[0].split())
    assert "Deaths by side: Government of Burkina Faso 53; JNIM 17</p>" in koumbri
    boat = next(p.read_text() for p in (site / "out/fr/weeks").glob("*/index.html") if 'id="ucdp-483010"' in p.read_text())
    assert "Morts par camp : civils 49</p>" in " ".join(boat[boat.index('id="ucdp-483010"') :].split("</li>")[0].split())
