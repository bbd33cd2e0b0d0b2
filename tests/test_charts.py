"""Charts: geometry from sitegen.render.charts, drawn by templates/partials/chart.html.

Every test renders through the real theme template and reads the result back as XML
(the partial is well-formed), so what is checked is what a reader's browser gets.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from sitegen import i18n
from sitegen.model import DEFAULT_EVENT_TYPES, IsoWeek
from sitegen.render import charts
from sitegen.render.charts import bar_chart, format_number, nice_ticks, week_trend

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script>"
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def env() -> Environment:
    return i18n.install(Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=True))


def render(env: Environment, chart: charts.Chart) -> str:
    template = env.from_string('{% include "partials/chart.html" %}')
    return template.render(chart=chart)


def parse(html: str) -> ET.Element:
    return ET.fromstring(html.strip())


def bars(figure: ET.Element) -> list[ET.Element]:
    return figure.findall(".//g[@class='chart-bar']/rect")


def weeks(start: IsoWeek, values: list[int]) -> list[tuple[IsoWeek, int]]:
    points = []
    for value in values:
        points.append((start, value))
        start = start.next()
    return points


def type_rows() -> list[tuple[str, int, str | None]]:
    counts = [12, 3, 7, 0, 1, 5]
    return [(e.label, n, e.colour) for e, n in zip(DEFAULT_EVENT_TYPES, counts)]


# --- scale ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (0, (0, 1)),
        (1, (0, 1)),
        (3, (0, 1, 2, 3)),
        (5, (0, 1, 2, 3, 4, 5)),
        (7, (0, 2, 4, 6, 8)),
        (12, (0, 5, 10, 15)),
        (100, (0, 20, 40, 60, 80, 100)),
        (1234, (0, 500, 1000, 1500)),
    ],
)
def test_nice_ticks_are_round_numbers_from_zero_past_the_maximum(maximum, expected):
    assert nice_ticks(maximum) == expected


def test_nice_ticks_cover_the_maximum_in_at_most_five_equal_steps():
    for maximum in [*range(0, 300), *range(300, 200_000, 997)]:
        ticks = nice_ticks(maximum)
        steps = {b - a for a, b in zip(ticks, ticks[1:])}
        assert ticks[0] == 0 and ticks[-1] >= maximum, maximum
        assert len(steps) == 1 and 1 <= len(ticks) - 1 <= 5, (maximum, ticks)
        step = steps.pop()
        assert str(step).rstrip("0") in ("1", "2", "5"), f"{maximum}: step {step} is not 1, 2 or 5 times a power of ten"


def test_large_numbers_get_thousands_separators(env):
    figure = parse(render(env, bar_chart("c", "country", [("Niger", 1_234_567, None)])))
    expected = f"1{NNBSP}234{NNBSP}567"
    assert format_number(1_234_567) == expected
    assert expected in [t.text for t in figure.iter("text")]
    assert figure.find(".//tbody/tr/td").text == expected


# --- bar chart -----------------------------------------------------------------------------


def test_bar_lengths_are_proportional_to_values(env):
    rows = type_rows()
    figure = parse(render(env, bar_chart("chart-types", "type", rows)))
    rects = bars(figure)
    assert len(rects) == len(rows)
    unit = float(rects[0].get("width")) / rows[0][1]
    for rect, (label, value, colour) in zip(rects, rows):
        assert float(rect.get("width")) == pytest.approx(value * unit, abs=0.01), label
        assert rect.get("fill") == colour


def test_bars_carry_their_value_as_text_not_only_colour(env):
    rows = type_rows()
    figure = parse(render(env, bar_chart("chart-types", "type", rows)))
    values = [g.find("text[@class='chart-value']").text for g in figure.iter("g") if g.get("class") == "chart-bar"]
    assert values == [str(n) for _, n, _ in rows]


def test_bars_without_a_colour_get_the_default(env):
    figure = parse(render(env, bar_chart("c", "country", [("Mali", 4, None)])))
    assert bars(figure)[0].get("fill") == charts.DEFAULT_COLOUR


def test_table_holds_every_label_and_number(env):
    rows = type_rows()
    figure = parse(render(env, bar_chart("chart-types", "type", rows)))
    table = figure.find(".//table")
    body = [(tr.find("th").text, tr.find("td").text) for tr in table.find("tbody")]
    assert body == [(label, str(n)) for label, n, _ in rows]
    assert table.find("caption").text == "Incidents by event type"
    assert [th.get("scope") for th in table.find("thead").iter("th")] == ["col", "col"]
    assert all(tr.find("th").get("scope") == "row" for tr in table.find("tbody"))


def test_one_row_and_all_zeros_render_a_chart(env):
    one = parse(render(env, bar_chart("one", "admin1", [("Tillabéri", 9, None)])))
    assert len(bars(one)) == 1 and float(bars(one)[0].get("width")) > 0
    zeros = parse(render(env, bar_chart("zeros", "admin1", [("Tillabéri", 0, None), ("Dosso", 0, None)])))
    assert [float(r.get("width")) for r in bars(zeros)] == [0, 0]
    assert [td.text for td in zeros.iter("td")] == ["0", "0"]
    assert "0 in all" in zeros.find(".//desc").text


def test_long_labels_are_cut_in_the_svg_but_whole_in_the_table_and_tooltip(env):
    long = "Région administrative de " + "très " * 30 + "longue"
    figure = parse(render(env, bar_chart("c", "admin1", [(long, 3, None)])))
    drawn = figure.find(".//text[@class='chart-label']").text
    assert drawn.endswith("\u2026") and len(drawn) < len(long)
    assert long.startswith(drawn[:-1])
    assert len(drawn) * charts.LABEL_SIZE * charts.CHAR_WIDTH <= charts.WIDTH
    assert figure.find(".//g[@class='chart-bar']/title").text == f"{long}: 3"
    assert figure.find(".//tbody/tr/th").text == long


# --- weekly trend --------------------------------------------------------------------------


def test_trend_bar_heights_are_proportional_and_panels_line_up(env):
    incidents = weeks(IsoWeek(2023, 30), [4, 0, 8, 2])
    fatalities = weeks(IsoWeek(2023, 30), [10, 0, 1500, 3])
    figure = parse(render(env, week_trend("chart-trend", "trend", incidents, fatalities)))
    panels = figure.findall(".//g[@class='chart-panel chart-incidents']") + figure.findall(
        ".//g[@class='chart-panel chart-fatalities']"
    )
    assert len(panels) == 2
    for panel, points in zip(panels, (incidents, fatalities)):
        rects = bars(panel)
        unit = float(rects[0].get("height")) / points[0][1]
        bottoms = {round(float(r.get("y")) + float(r.get("height")), 2) for r in rects}
        assert len(bottoms) == 1, "bars must stand on one baseline"
        for rect, (week, value) in zip(rects, points):
            assert float(rect.get("height")) == pytest.approx(value * unit, abs=0.01), str(week)
    assert [r.get("x") for r in bars(panels[0])] == [r.get("x") for r in bars(panels[1])]


def test_trend_fills_missing_weeks_with_zero_and_keeps_the_last_n(env):
    points = [(IsoWeek(2023, 51), 2), (IsoWeek(2024, 2), 5)]
    chart = week_trend("t", "trend", points)
    assert [label for label, _ in chart.table.rows] == ["2023-W51", "2023-W52", "2024-W01", "2024-W02"]
    assert [values for _, values in chart.table.rows] == [("2",), ("0",), ("0",), ("5",)]
    assert [label for label, _ in week_trend("t", "trend", points, weeks=2).table.rows] == ["2024-W01", "2024-W02"]


def test_trend_table_has_a_column_per_series_and_every_number(env):
    incidents = weeks(IsoWeek(2023, 1), list(range(52)))
    fatalities = weeks(IsoWeek(2023, 1), [n * 100 for n in range(52)])
    figure = parse(render(env, week_trend("chart-trend", "trend", incidents, fatalities)))
    table = figure.find(".//table")
    assert [th.text for th in table.find("thead").iter("th")] == ["Week", "Incidents", "Reported fatalities"]
    rows = [[c.text for c in tr] for tr in table.find("tbody")]
    assert rows == [[str(w), format_number(n), format_number(f)] for (w, n), (_, f) in zip(incidents, fatalities)]
    assert figure.find("figcaption").text == "Incidents and reported fatalities per week, 2023-W01 to 2023-W52"


def test_trend_week_labels_do_not_overlap_and_include_the_latest(env):
    figure = parse(render(env, week_trend("t", "trend", weeks(IsoWeek(2023, 1), [1] * 52))))
    labels = [t for t in figure.findall(".//g[@class='chart-ticks']/text") if "-W" in t.text]
    xs = [float(t.get("x")) for t in labels]
    width = len("2023-W39") * charts.TICK_SIZE * charts.CHAR_WIDTH
    assert len(labels) >= 4 and labels[-1].text == "2023-W52"
    assert all(b - a >= width for a, b in zip(xs, xs[1:]))
    assert all(width / 2 <= x <= charts.WIDTH - width / 2 for x in xs)


def test_trend_of_one_week_draws_a_bar_of_sensible_width(env):
    figure = parse(render(env, week_trend("t", "trend", [(IsoWeek(2023, 39), 4)])))
    (rect,) = bars(figure)
    assert float(rect.get("width")) <= charts.MAX_BAR_WIDTH
    assert figure.find("figcaption").text == "Incidents per week, 2023-W39"


# --- accessibility, safety, determinism ----------------------------------------------------


def test_svg_is_an_image_named_by_its_title_and_description(env):
    html = render(env, bar_chart("chart-admin1", "admin1", [("Tillabéri", 9, None), ("Dosso", 2, None)]))
    figure = parse(html)
    svg = figure.find("svg")
    assert svg.get("role") == "img" and svg.get("aria-hidden") is None
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"title[@id='{title_id}']").text == "Incidents by region"
    desc = svg.find(f"desc[@id='{desc_id}']").text
    assert "2 regions" in desc and "11 in all" in desc and "Tillabéri with 9" in desc
    assert figure.find("details/summary").text == "Show the numbers"


def test_ids_are_unique_when_two_charts_share_a_page(env):
    page = env.from_string(
        '{% from "partials/chart.html" import render_chart %}<div>{{ render_chart(a) }}{{ render_chart(b) }}</div>'
    ).render(
        a=bar_chart("chart-types", "type", type_rows()),
        b=week_trend("chart-trend", "trend", weeks(IsoWeek(2023, 1), [1, 2])),
    )
    ids = [e.get("id") for e in parse(page).iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 6


def test_svg_is_responsive_and_stays_inside_its_viewbox(env):
    chart = bar_chart("c", "type", type_rows())
    svg = parse(render(env, chart)).find("svg")
    assert svg.get("viewBox") == f"0 0 {chart.width} {chart.height}" and svg.get("width") == "100%"
    assert svg.get("height") is None
    for rect in svg.iter("rect"):
        assert 0 <= float(rect.get("x")) and float(rect.get("x")) + float(rect.get("width")) <= chart.width
        assert float(rect.get("y")) + float(rect.get("height")) <= chart.height


@pytest.mark.parametrize("autoescape", [True, False])
def test_hostile_labels_are_text_never_markup(autoescape):
    env = i18n.install(Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=autoescape))
    chart = bar_chart("c", "admin1", [(HOSTILE, 3, None), ('" onload="alert(2)', 1, None)], title=HOSTILE)
    html = render(env, chart)

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags: list[str] = []
            self.attrs: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.attrs += [name for name, _ in attrs]

    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.tags and "onload" not in tags.attrs
    figure = parse(html)
    assert figure.find(".//tbody/tr/th").text == HOSTILE
    assert figure.find(".//text[@class='chart-label']").text == HOSTILE
    assert figure.find("figcaption").text == HOSTILE


def test_output_is_byte_identical_for_the_same_input(env):
    def build() -> str:
        start = IsoWeek(2023, 1)
        trend = week_trend("t", "trend", weeks(start, [3, 1, 4, 1, 5, 9, 2]), weeks(start, [2, 7, 1, 8, 2, 8, 1]))
        return render(env, trend) + render(env, bar_chart("b", "type", type_rows()))

    assert build() == build()


@pytest.mark.parametrize(
    "chart",
    [bar_chart("c", "country", []), week_trend("c", "trend", []), week_trend("c", "trend", [], [])],
    ids=["bars", "trend", "trend-with-fatalities"],
)
def test_no_data_gives_a_message_not_an_empty_svg(env, chart):
    figure = parse(render(env, chart))
    assert figure.find("svg") is None and figure.find(".//table") is None
    assert figure.find("p[@class='chart-empty']").text.startswith("No data")
    assert figure.find("figcaption").text


def test_include_and_macro_give_the_same_markup(env):
    chart = bar_chart("c", "country", [("Niger", 3, None)])
    macro = env.from_string('{% from "partials/chart.html" import render_chart %}{{ render_chart(c) }}').render(c=chart)
    assert macro.strip() == render(env, chart).strip()
    assert env.from_string('{% include "partials/chart.html" %}').render().strip() == ""


@pytest.mark.parametrize(
    "call",
    [
        lambda: bar_chart("c", "country", [("Niger", -1, None)]),
        lambda: bar_chart("c", "country", [("Niger", 2.5, None)]),
        lambda: bar_chart("1 bad id", "country", [("Niger", 1, None)]),
        lambda: week_trend("c", "trend", [(IsoWeek(2023, 1), -3)]),
    ],
    ids=["negative", "fraction", "bad-id", "negative-week"],
)
def test_bad_input_is_refused_by_the_geometry(call):
    with pytest.raises(ValueError):
        call()
