"""The data an analyst can trust (issue 15): unknown tolls are not zeros, embargoes hold
until their date, restricted licences stay out of the downloads, /data/ says so and the
data package validates, and week pages say what moved."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KANDADJI, ROOT
from tests.sitetools import demo_site, missing, search_index_text

MKDOCS = (
    "site_name: Trust test\nsite_url: https://briefs.example.org/\ndocs_dir: content\n"
    "theme:\n  name: null\n  custom_dir: {templates}\n"
    "plugins:\n  - sitegen:\n      tiles: false\n      data_licence: CC-BY-4.0\n"
)
INCIDENTS = """\
- id: 2023-09-25-postponed
  date: 2023-09-25
  title: Election postponed in Bamako
  type: strategic-development
  country: ML
  location: Bamako
  lat: 12.65
  lon: -8.0
- id: 2023-09-26-ambush
  date: 2023-09-26
  title: Ambush near Kandadji
  type: battle
  country: NE
  admin1: Tillabéri
  location: Kandadji
  lat: 14.62
  lon: 0.98
  fatalities: 12
  sources:
    - name: Ministry of Defence
      url: https://example.org/mod
  revisions:
    - {date: 2023-09-27, change: "fatalities 10 -> 12 (ministry update)"}
- id: 2023-09-27-clash
  date: 2023-09-27
  title: Clash at Ayorou
  type: battle
  country: NE
  admin1: Tillabéri
  location: Ayorou
  lat: 14.73
  lon: 0.92
  fatalities: 3
- id: 2023-09-20-earlier
  date: 2023-09-20
  title: Earlier raid in Tillabéri
  type: violence-against-civilians
  country: NE
  admin1: Tillabéri
  location: Ayorou
  lat: 14.73
  lon: 0.92
  fatalities: 4
- id: acled-ner9999
  date: 2023-09-28
  title: Licensed row from Ouallam
  type: battle
  country: NE
  admin1: Tillabéri
  location: Ouallam
  lat: 14.32
  lon: 2.09
  fatalities: 2
  licence: acled
  actor1: Military Forces of Niger (2021-)
  actor2: Islamic State (Sahel)
  inter1: 1
  inter2: 2
  interaction: 12
  disorder_type: Political violence
- id: 2023-09-29-embargoed
  date: 2023-09-29
  title: Zzembargoed convoy attack
  type: battle
  country: NE
  location: Tera
  lat: 14.01
  lon: 0.75
  fatalities: 9
  publish_after: 2023-10-05T06:00Z
"""
EMBARGOED_BRIEF = """\
---
title: Zzembargoed brief of week 40
summary: Zzembargoed lede
publish_after: 2023-10-09
---
The week.
"""
OPEN_BRIEF = """\
---
title: The week of the ambush
summary: An ambush and a postponement.
---
{{ stats.fatalities }} reported fatalities.

{{ incident("2023-09-26-ambush") }}

Battles in Niger: {{ map(country="Niger", type="battle") }}

In Mali: {{ incidents_table(country="ML") }}
"""


def _site(tmp_path: Path) -> Path:
    (tmp_path / "mkdocs.yml").write_text(MKDOCS.format(templates=ROOT / "templates"), encoding="utf-8")
    (tmp_path / "content/incidents").mkdir(parents=True)
    (tmp_path / "content/briefs").mkdir(parents=True)
    (tmp_path / "content/incidents/w39.yaml").write_text(INCIDENTS, encoding="utf-8")
    (tmp_path / "content/briefs/2023-W39.md").write_text(OPEN_BRIEF, encoding="utf-8")
    (tmp_path / "content/briefs/2023-W40.md").write_text(EMBARGOED_BRIEF, encoding="utf-8")
    return tmp_path


def _build(site: Path, out: str, now: str) -> Path:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SITEGEN_NOW": now}
    env.pop("SOURCE_DATE_EPOCH", None)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site / out)],
        cwd=site, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return site / out


@pytest.fixture(scope="module")
def trust(tmp_path_factory) -> dict[str, Path]:
    site = _site(tmp_path_factory.mktemp("trust"))
    return {
        "site": site,
        "before": _build(site, "before", "2023-10-05T05:59Z"),
        "after": _build(site, "after", "2023-10-10"),
    }


def _everything(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(out.rglob("*")) if p.is_file() and p.suffix != ".gz")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


# --- unknown is not zero -----------------------------------------------------------------


def test_an_incident_without_a_toll_says_no_toll_reported_and_never_zero(trust):
    week = (trust["after"] / "weeks/2023-W39/index.html").read_text()
    card = week[week.index('id="2023-09-25-postponed"') :]
    card = card[: card.index("</li>")]
    assert "no toll reported" in card
    assert "0 killed" not in _text(card)
    # the week's figures say how many incidents their sum leaves out
    assert "1 incident had no toll reported" in _text(week)


def test_an_unreported_toll_is_an_empty_cell_and_null_in_json_and_geojson(trust):
    data = trust["after"] / "data"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((data / "incidents.csv").read_text()))}
    assert rows["2023-09-25-postponed"]["fatalities"] == ""
    assert rows["2023-09-26-ambush"]["fatalities"] == "12"
    records = {r["id"]: r for r in json.loads((data / "incidents.json").read_text())["incidents"]}
    assert records["2023-09-25-postponed"]["fatalities"] is None
    features = {f["id"]: f for f in json.loads((data / "incidents.geojson").read_text())["features"]}
    assert features["2023-09-25-postponed"]["properties"]["fatalities"] is None


def test_the_week_map_popup_data_keeps_the_unknown_toll_null(trust):
    week = (trust["after"] / "weeks/2023-W39/index.html").read_text()
    assert '"fatalities":null' in week
    assert '"noToll":"No toll reported"' in week


def test_the_demo_postponement_and_no_official_toll_attacks_show_no_zero(tmp_path_factory):
    week = (demo_site(tmp_path_factory) / "weeks/2023-W39/index.html").read_text()
    for incident_id in ("2023-09-25-bamako-election-postponed", "2023-09-28-dioura-csp-attack", "2023-10-01-bamba-csp-attack"):
        card = week[week.index(f'id="{incident_id}"') :]
        card = _text(card[: card.index("</li>")])
        assert "no toll reported" in card, incident_id
        assert "0 killed" not in card, incident_id


# --- embargo ---------------------------------------------------------------------------


def test_an_embargoed_incident_and_brief_are_in_no_file_before_their_date(trust):
    before = _everything(trust["before"])
    assert "Zzembargoed" not in before
    assert "2023-09-29-embargoed" not in before
    assert not (trust["before"] / "weeks/2023-W40").exists()
    # the build date follows published content only: the sitemap's lastmod is not 2023-10-08
    assert "2023-10-08" not in (trust["before"] / "sitemap.xml").read_text()


def test_an_embargoed_incident_and_brief_are_published_after_their_date(trust):
    after = trust["after"]
    assert 'id="2023-09-29-embargoed"' in (after / "weeks/2023-W39/index.html").read_text()
    assert "Zzembargoed brief of week 40" in (after / "weeks/2023-W40/index.html").read_text()
    assert "2023-09-29-embargoed" in (after / "data/incidents.csv").read_text()
    assert "Zzembargoed brief of week 40" in (after / "feed.xml").read_text()
    assert "Zzembargoed" in search_index_text(after)


def test_a_build_with_the_same_clock_is_byte_identical(trust):
    again = _build(trust["site"], "before-again", "2023-10-05T05:59Z")
    first = {p.relative_to(trust["before"]): p.read_bytes() for p in trust["before"].rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_a_bad_clock_is_a_one_line_error(trust, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SITEGEN_NOW": "next tuesday"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=trust["site"], env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert "SITEGEN_NOW=next tuesday is not a date" in result.stderr
    assert "Traceback" not in result.stderr


# --- licences ----------------------------------------------------------------------------


def test_restricted_rows_are_on_pages_but_in_no_download(trust):
    after = trust["after"]
    assert 'id="acled-ner9999"' in (after / "weeks/2023-W39/index.html").read_text()
    for name in ("data/incidents.csv", "data/incidents.json", "data/incidents.geojson",
                 "weeks/2023-W39/incidents.csv", "weeks/2023-W39/incidents.geojson"):
        assert "acled-ner9999" not in (after / name).read_text(), name
    downloads = _text(_section((after / "weeks/2023-W39/index.html").read_text(), "downloads-title"))
    assert "1 incident of this week is shown above but not in these files" in downloads
    # figures count it: 12 + 3 + 2 (+ 9 once the embargo ends)
    assert "26" in _text(_section((after / "weeks/2023-W39/index.html").read_text(), "what-moved"))


def test_the_data_page_states_licence_rows_left_out_citation_update_and_sizes(trust):
    page = _text((trust["after"] / "data/index.html").read_text())
    assert "published under CC-BY-4.0" in page
    assert "5 of 6 incidents are in the downloads" in page
    assert "1 incident under the acled licence" in page
    assert "Last update: 8 October 2023" in page  # the Sunday of the brief of 2023-W40, out now
    assert "How to cite: Trust test, incident data, https://briefs.example.org/data/" in page
    size = (trust["after"] / "data/incidents.csv").stat().st_size
    assert f"incidents.csv ({size / 1000:.1f} kB)" in page
    assert "sg-size" not in (trust["after"] / "data/index.html").read_text()
    # its opening figures are the downloads' own, as a reader summing the CSV gets them
    rows = list(csv.DictReader(io.StringIO((trust["after"] / "data/incidents.csv").read_text(encoding="utf-8"))))
    toll = sum(int(r["fatalities"]) for r in rows if r["fatalities"])
    assert f"free to download. {len(rows)} incidents, {toll} reported fatalities." in page, page[:400]
    french = (trust["after"] / "fr/data/index.html").read_text()
    assert 'href="../changes.xml"' in french  # the French revisions feed, not the English one


def test_robots_txt_points_at_the_sitemap(trust):
    robots = (trust["after"] / "robots.txt").read_text()
    assert "User-agent: *" in robots
    assert "Sitemap: https://briefs.example.org/sitemap.xml" in robots


def test_the_data_package_describes_every_download_and_validates(trust):
    package_path = trust["after"] / "data/datapackage.json"
    package = json.loads(package_path.read_text())
    assert {r["path"] for r in package["resources"]} == {
        "incidents.csv", "incidents.json", "incidents.geojson", "incident.schema.json"
    }
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "CC-BY-4.0"}]
    # the rows in the downloads, and those left out, counted; no source named for rows left out
    assert package["description"].startswith("5 incidents, one row each") and "left out: 1 (acled)." in package["description"]
    assert [source.get("path") for source in package["sources"]] == ["https://briefs.example.org/"], "the site alone"
    # the weeks' own downloads are named, with a real one as the example
    example = re.search(r"for example (weeks/[0-9W-]+/incidents\.csv)", package["description"])
    assert example and (trust["after"] / example.group(1)).is_file(), package["description"]
    csv_resource = next(r for r in package["resources"] if r["path"] == "incidents.csv")
    header = (trust["after"] / "data/incidents.csv").read_text().splitlines()[0].split(",")
    assert [f["name"] for f in csv_resource["schema"]["fields"]] == header
    assert csv_resource["bytes"] == (trust["after"] / "data/incidents.csv").stat().st_size
    try:
        import frictionless
    except ImportError:
        missing("frictionless")
    report = frictionless.validate(str(package_path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


# --- week page ---------------------------------------------------------------------------


def test_key_events_lists_the_deadliest_first_with_place_type_toll_and_source(trust):
    section = _section((trust["after"] / "weeks/2023-W39/index.html").read_text(), "key-events")
    body = section[section.index("<tbody>") :]
    rows = [_text(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert [r.split(" killed")[0].split()[-1] if "killed" in r else "none" for r in rows] == ["12", "9", "3", "2", "none"]
    assert "Kandadji" in rows[0] and "Battle" in rows[0] and "Ministry of Defence" in rows[0]
    assert 'href="#2023-09-26-ambush"' in section
    assert "no toll reported" in rows[-1]


def test_what_moved_compares_regions_with_the_week_before(trust):
    section = _section((trust["after"] / "weeks/2023-W39/index.html").read_text(), "what-moved")
    rows = [_text(r).split() for r in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", section, re.S)]
    tillaberi = next(r for r in rows if r[0] == "Tillabéri,")
    # incidents 4 against 1 (+3), fatalities 26 against 4 (+22)
    assert tillaberi[2:] == ["4", "1", "+3", "26", "4", "+22"]
    bamako = next(r for r in rows if "Mali" in r)
    assert bamako[2:5] == ["1", "0", "+1"]
    assert "without a toll" in " ".join(bamako)


# --- the pieces, without a build ------------------------------------------------------------


def _read(make_site, incident: str = "", brief: str | None = None):
    from sitegen.check import check_content

    files = {"incidents/a.yaml": incident or KANDADJI}
    if brief is not None:
        files["briefs/2023-W39.md"] = brief
    return check_content(make_site(files))


def test_publish_after_reads_dates_times_and_offsets_as_utc(make_site):
    import datetime as dt

    for text, expected in [
        ("2023-10-05", dt.datetime(2023, 10, 5, tzinfo=dt.UTC)),
        ("2023-10-05T06:00Z", dt.datetime(2023, 10, 5, 6, 0, tzinfo=dt.UTC)),
        ("'2023-10-05 08:30:00+02:00'", dt.datetime(2023, 10, 5, 6, 30, tzinfo=dt.UTC)),
    ]:
        content = _read(make_site, KANDADJI + f"publish_after: {text}\n")
        assert content.errors == [], content.errors
        assert content.incidents[0].publish_after == expected, text


def test_a_brief_with_a_bad_embargo_is_an_error_at_its_line(make_site):
    content = _read(make_site, brief="---\ntitle: W39\npublish_after: soon\n---\nBody\n")
    assert [str(p) for p in content.errors] == [
        "content/briefs/2023-W39.md:3:16: error: 'publish_after' must be a date (2023-10-05) or a date and time"
        " in UTC (2023-10-05T06:00Z), found the text \"soon\""
    ]


def test_a_brief_that_would_come_out_before_an_embargoed_incident_it_shows_is_an_error(make_site):
    incident = "id: kandadji\n" + KANDADJI + "publish_after: 2023-10-05T06:00Z\n"
    content = _read(make_site, incident, brief='---\ntitle: W39\n---\nThe attack:\n\n{{ incident("kandadji") }}\n')
    assert [str(p) for p in content.errors] == [
        "content/briefs/2023-W39.md:6:1: error: the brief refers to incident 'kandadji', embargoed until"
        " 2023-10-05T06:00Z: give the brief 'publish_after: 2023-10-05T06:00Z' (or later) so that it does not come out first"
    ]
    later = '---\ntitle: W39\npublish_after: 2023-10-06\n---\n{{ incident("kandadji") }}\n'
    assert _read(make_site, incident, brief=later).errors == []
    # named by an expression, not a literal: validate passed it, and the build said "does not exist"
    indirect = '---\ntitle: W39\n---\n{% set y = "kand" ~ "adji" %}\n\n{{ incident(y) }}\n'
    assert [(p.line, p.message.split(":")[0]) for p in _read(make_site, incident, brief=indirect).errors] == [
        (6, "the brief refers to incident 'kandadji', embargoed until 2023-10-05T06")]


def test_aggregate_leaves_out_what_is_embargoed_at_now():
    import datetime as dt

    from sitegen.aggregate import aggregate
    from sitegen.model import DEFAULT_EVENT_TYPES, Content, Incident

    out = Incident("a", dt.date(2023, 9, 26), "A", "battle", "NE", "X", 14.0, 1.0, fatalities=3)
    held = Incident("b", dt.date(2023, 9, 27), "B", "battle", "NE", "X", 14.0, 1.0, fatalities=5,
                    publish_after=dt.datetime(2023, 10, 5, 6, tzinfo=dt.UTC))
    content = Content(incidents=[out, held])
    before = aggregate(content, DEFAULT_EVENT_TYPES, now=dt.datetime(2023, 10, 5, 5, 59, tzinfo=dt.UTC))
    after = aggregate(content, DEFAULT_EVENT_TYPES, now=dt.datetime(2023, 10, 5, 6, 0, tzinfo=dt.UTC))
    assert [i.id for i in before.incidents] == ["a"] and before.totals.fatalities == 3
    assert [i.id for i in after.incidents] == ["a", "b"] and after.totals.fatalities == 8


def test_the_aggregate_of_checked_content_leaves_out_an_embargoed_incident(make_site):
    # the check groups the public incidents by week; the aggregate takes that grouping only
    # where no incident is embargoed (else it leaves out those still under embargo)
    import datetime as dt

    from sitegen.aggregate import aggregate
    from sitegen.model import DEFAULT_EVENT_TYPES

    held = "publish_after: 2023-10-05T06:00Z\n"
    before = dt.datetime(2023, 10, 5, 5, 59, tzinfo=dt.UTC)
    for tail, shown in (("", ["kandadji"]), (held, [])):
        content = _read(make_site, "id: kandadji\n" + KANDADJI + tail)
        model = aggregate(content, DEFAULT_EVENT_TYPES, now=before)
        assert [i.id for i in model.incidents] == shown
        assert [i.id for w in model.weeks for i in w.incidents] == shown and model.totals.incidents == len(shown)


def test_sums_count_reported_tolls_and_say_how_many_had_none():
    import datetime as dt

    from sitegen.aggregate import Stats
    from sitegen.model import DEFAULT_EVENT_TYPES, Incident

    def incident(n, fatalities):
        return Incident(f"i{n}", dt.date(2023, 9, 26), "T", "battle", "NE", "X", 14.0, 1.0, fatalities=fatalities)

    stats = Stats.of([incident(1, 4), incident(2, None), incident(3, 0), incident(4, None)], DEFAULT_EVENT_TYPES)
    assert (stats.incidents, stats.fatalities, stats.fatalities_unreported) == (4, 4, 2)


def test_exports_carry_the_event_model_flags_and_revisions():
    import datetime as dt

    from sitegen.model import DEFAULT_EVENT_TYPES, Incident, Revision
    from sitegen.render.exports import incidents_csv, incidents_json

    incident = Incident(
        "acled-x", dt.date(2023, 9, 7), "Boat attacked", "violence-against-civilians", "ML", "Bamba", 17.03, -1.4,
        fatalities=49, fatalities_low=40, fatalities_high=64, civilian_targeting=True, inter1=2, inter2=7,
        interaction=27, actor1="JNIM", actor2="Civilians (Mali)", admin2="Bourem", date_end=dt.date(2023, 9, 8),
        revisions=(Revision(dt.date(2023, 9, 9), "fatalities 15 -> 49"),),
    )
    row = next(csv.DictReader(io.StringIO(incidents_csv([incident], DEFAULT_EVENT_TYPES))))
    assert (row["civilian_targeting"], row["interaction"], row["actor2"], row["admin2"]) == ("true", "27", "Civilians (Mali)", "Bourem")
    assert (row["fatalities_low"], row["fatalities_high"], row["date_end"]) == ("40", "64", "2023-09-08")
    assert row["revisions"] == "2023-09-09: fatalities 15 -> 49"
    assert row["inter1"] == "2" and row["injured"] == "" and row["licence"] == ""
    record = incidents_json([incident], DEFAULT_EVENT_TYPES)["incidents"][0]
    assert record["civilian_targeting"] is True and record["injured"] is None


def test_the_json_schema_accepts_the_new_fields_and_refuses_bad_codes():
    jsonschema = pytest.importorskip("jsonschema")

    from sitegen.model import DEFAULT_EVENT_TYPES
    from sitegen.read.schema import incident_schema

    schema = incident_schema(DEFAULT_EVENT_TYPES)
    good = {
        "date": "2023-09-28", "title": "T", "type": "battle", "country": "NE", "location": "Kandadji",
        "inter1": 1, "interaction": 12, "civilian_targeting": False, "disorder_type": "Political violence",
        "publish_after": "2023-10-05T06:00Z", "licence": "acled", "fatalities_low": 3,
        "revisions": [{"date": "2023-10-02", "change": "fatalities 5 -> 7"}],
    }
    jsonschema.validate(good, schema)
    for bad in ({"inter1": 9}, {"civilian_targeting": "yes"}, {"publish_after": "soon"}, {"revisions": [{"date": "2023-10-02"}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, **bad}, schema)


def test_brief_stats_name_types_countries_and_regions_in_words():
    import datetime as dt

    from sitegen.aggregate import Stats
    from sitegen.model import DEFAULT_EVENT_TYPES, Incident

    def incident(n, kind, country, admin1):
        return Incident(f"i{n}", dt.date(2023, 9, 26), "T", kind, country, "X", 14.0, 1.0, admin1=admin1, fatalities=1)

    stats = Stats.of(
        [incident(1, "battle", "NE", "Tillabéri"), incident(2, "battle", "NE", "Tillabéri"), incident(3, "protest", "ML", "Bamako")],
        DEFAULT_EVENT_TYPES,
    )
    assert stats.by_type == (("Battle", 2), ("Protest", 1))
    assert stats.by_country == (("Niger", 2), ("Mali", 1))
    assert stats.by_admin1 == (("Tillabéri", 2), ("Bamako", 1))
    assert stats.fatalities_by_country == (("Niger", 2), ("Mali", 1))


def test_a_country_page_links_its_briefs_and_shows_tolls_in_its_list(tmp_path_factory):
    page = (demo_site(tmp_path_factory) / "countries/mali/index.html").read_text()
    briefs = _section(page, "country-briefs-title")
    assert 'href="../../weeks/2023-W39/"' in briefs
    latest = _text(page[page.index('id="latest-title"') :])
    assert "Bamba, Gao, Mali no toll reported" in latest
    assert "5 killed, 20 injured" in latest


def test_a_revision_shows_on_the_card_the_list_and_changes_with_its_feed(trust):
    week = (trust["after"] / "weeks/2023-W39/index.html").read_text()
    card = week[week.index('class="incident-card"') :]
    card = _text(card[: card.index("</aside>")])
    assert "Revised on 27 September 2023 : fatalities 10 -&gt; 12 (ministry update)" in card
    listed = week[week.index('id="2023-09-26-ambush"') :]
    assert "Revised on" in listed[: listed.index("</li>")]
    changes = _text((trust["after"] / "changes/index.html").read_text())
    assert "27 September 2023 Ambush near Kandadji fatalities 10 -&gt; 12 (ministry update)" in changes
    feed = (trust["after"] / "changes.xml").read_text()
    assert "<title type=\"text\">Ambush near Kandadji: fatalities 10 -&gt; 12 (ministry update)</title>" in feed
    assert "https://briefs.example.org/weeks/2023-W39/#2023-09-26-ambush" in feed


def test_a_brief_may_place_a_map_and_a_table_of_one_country_or_type(trust):
    week = (trust["after"] / "weeks/2023-W39/index.html").read_text()
    assert 'id="map-2023-W39-ne-battle"' in week and 'id="map-2023-W39"' in week  # the week's own map too
    table = week[week.index('class="data-table incident-table"') :]
    table = table[: table.index("</table>")]
    assert 'href="#2023-09-25-postponed"' in table and "2023-09-26-ambush" not in table
    assert 'id="incidents"' in week and 'id="2023-09-26-ambush"' in week  # the full list keeps the anchors
    assert week.count('id="2023-09-25-postponed"') == 1


def test_an_unknown_filter_is_an_error_at_the_brief(tmp_path):
    site = _site(tmp_path)
    (site / "content/briefs/2023-W39.md").write_text("---\ntitle: W39\n---\nText\n\n{{ map(country=\"Narnia\") }}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SITEGEN_NOW": "2023-10-10"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site / "out")],
        cwd=site, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert "content/briefs/2023-W39.md:" in result.stderr
    assert "unknown country 'Narnia' in a map() or incidents_table() filter" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_new_incident_skeleton_has_no_toll_until_one_is_written(tmp_path, capsys):
    from sitegen.cli import main
    from sitegen.read.incidents import IncidentReader
    from sitegen.model import DEFAULT_EVENT_TYPES

    (tmp_path / "mkdocs.yml").write_text("site_name: T\ndocs_dir: content\nplugins:\n  - sitegen\n")
    (tmp_path / "content").mkdir()
    assert main(["-f", str(tmp_path / "mkdocs.yml"), "new", "incident"]) == 0
    path = next((tmp_path / "content/incidents").rglob("*.yaml"))
    reader = IncidentReader(DEFAULT_EVENT_TYPES, {})
    [incident] = reader.read_file(path, "new.yaml")
    assert (incident.fatalities, incident.injured) == (None, None)
