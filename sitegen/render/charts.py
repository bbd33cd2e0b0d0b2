"""Charts as plain geometry: pure functions from numbers to bars, ticks and labels.

Python computes where things go; `templates/partials/chart.html` draws the SVG, the
visible caption and the "Show the numbers" table from it, escaping every label. The
same input always gives the same Chart, so builds stay byte-identical.

Kinds:
    bar_chart(chart_id, kind, rows)            horizontal bars, one per (label, value, colour)
    week_trend(chart_id, kind, incidents, fatalities=None, weeks=None)
                                               bars per ISO week; fatalities in a second panel

`kind` names what is counted ("type", "country", "admin1", "trend"); the template turns
it into the title, the description and the table headings, so all text stays in
templates. Give `title=` / `description=` to override them for one chart.

In a page template, with the chart in the context as `chart`:

    {% with chart=sg.trend_chart %}{% include "partials/chart.html" %}{% endwith %}

or as a macro:

    {% from "partials/chart.html" import render_chart %}{{ render_chart(sg.trend_chart) }}

Pages that show charts link `assets/charts.css`. `chart_id` must be unique on the page:
it prefixes the ids of the SVG's <title> and <desc>.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sitegen.model import IsoWeek
from sitegen.text import clip

# Geometry in SVG user units. 360 wide scales to ~0.9 on a 360 px phone (13 -> ~12 px text)
# and, with charts.css capping the width at 32rem, to ~1.4 on a desktop.
WIDTH = 360
LABEL_SIZE = 13  # category labels, panel headings, values
TICK_SIZE = 11  # axis tick labels
CHAR_WIDTH = 0.6  # average glyph width as a share of the font size; errs wide so text fits
MAX_INTERVALS = 5

DEFAULT_COLOUR = "#0b5394"
FATALITIES_COLOUR = "#a61b1b"

# horizontal bars: label on its own line above each bar, so long names get the full width
ROW_LABEL_BASELINE = 13
ROW_BAR_TOP = 18
ROW_BAR_HEIGHT = 16
ROW_GAP = 10
AXIS_HEIGHT = 20

# week trend panels
PANEL_HEADING = 22
PANEL_PLOT_HEIGHT = 120
PANEL_VALUE_ROOM = 16  # above the tallest bar, for its value
PANEL_X_LABELS = 22
PANEL_GAP = 14
MAX_BAR_WIDTH = 28

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Text:
    """A piece of SVG text. `text` may be shortened with an ellipsis; `full` is the whole of it."""

    x: float
    y: float
    text: str
    anchor: str = "start"  # start | middle | end
    full: str = ""

    @property
    def truncated(self) -> bool:
        return self.text != self.full


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    label: Text
    line: Line  # grid line across the plot


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # full, untrusted text: escaped by the template
    value: int
    value_label: str  # formatted, e.g. "1 234"
    colour: str
    label_text: Text | None = None  # category name drawn next to the bar
    value_text: Text | None = None  # value drawn at the end of the bar


@dataclass(frozen=True, slots=True)
class Panel:
    """One plot area: its bars, value axis and category labels."""

    key: str  # what the bars count, e.g. "incidents"; the template names it
    heading: Text | None
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    baseline: Line
    category_labels: tuple[Text, ...] = ()  # week labels under a trend
    category_marks: tuple[Line, ...] = ()
    total: str = "0"
    peak: Bar | None = None  # the first highest bar, None when all are zero


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]  # keys of the value columns, e.g. ("incidents", "fatalities")
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (label, formatted values)


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    kind: str
    width: float
    height: float
    panels: tuple[Panel, ...]
    table: Table
    title: str | None = None  # overrides the template's title for `kind`
    description: str | None = None
    first: str = ""  # first and last category, e.g. the weeks a trend covers
    last: str = ""

    @property
    def empty(self) -> bool:
        return not self.table.rows

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"

    @property
    def count(self) -> int:
        return len(self.table.rows)


# --- public API ----------------------------------------------------------------------------


def bar_chart(
    chart_id: str,
    kind: str,
    rows: Sequence[tuple[str, int, str | None]],
    *,
    measure: str = "incidents",
    title: str | None = None,
    description: str | None = None,
) -> Chart:
    """Horizontal bars, in the given order: one per (label, value, colour or None)."""
    _check_id(chart_id)
    values = [_count(value) for _, value, _ in rows]
    scale = nice_ticks(max(values, default=0))
    top = scale[-1]
    value_room = _text_width(format_number(max(values, default=0)), LABEL_SIZE) + 8
    plot = WIDTH - value_room
    max_chars = _fitting_chars(WIDTH, LABEL_SIZE)
    row_height = ROW_BAR_TOP + ROW_BAR_HEIGHT + ROW_GAP

    bars = []
    for i, ((label, _, colour), value) in enumerate(zip(rows, values)):
        y = i * row_height
        width = _r(plot * value / top)
        text = format_number(value)
        bars.append(
            Bar(
                x=0,
                y=y + ROW_BAR_TOP,
                width=width,
                height=ROW_BAR_HEIGHT,
                label=str(label),
                value=value,
                value_label=text,
                colour=colour or DEFAULT_COLOUR,
                label_text=Text(0, y + ROW_LABEL_BASELINE, clip(str(label), max_chars), "start", str(label)),
                value_text=_text(width + 5, y + ROW_BAR_TOP + ROW_BAR_HEIGHT / 2 + LABEL_SIZE * 0.35, text),
            )
        )

    plot_bottom = len(rows) * row_height
    ticks = []
    for v in scale:
        x = plot * v / top
        label = _text(x, plot_bottom + AXIS_HEIGHT - 4, format_number(v), _edge_anchor(v, top))
        ticks.append(Tick(v, label, Line(_r(x), 0, _r(x), plot_bottom)))
    panel = Panel(
        key=measure,
        heading=None,
        bars=tuple(bars),
        ticks=tuple(ticks),
        baseline=Line(0, 0, 0, plot_bottom),
        total=format_number(sum(values)),
        peak=_peak(bars),
    )
    table = Table((measure,), tuple((b.label, (b.value_label,)) for b in bars))
    return Chart(
        id=chart_id,
        kind=kind,
        width=WIDTH,
        height=plot_bottom + AXIS_HEIGHT,
        panels=(panel,) if rows else (),
        table=table,
        title=title,
        description=description,
        first=bars[0].label if bars else "",
        last=bars[-1].label if bars else "",
    )


def week_trend(
    chart_id: str,
    kind: str,
    incidents: Sequence[tuple[IsoWeek, int]],
    fatalities: Sequence[tuple[IsoWeek, int]] | None = None,
    *,
    weeks: int | None = None,
    title: str | None = None,
    description: str | None = None,
) -> Chart:
    """Bars per ISO week, oldest first, missing weeks counted as zero.

    With `fatalities`, a second panel under the first shows them on their own scale (the
    two never share an axis, and each panel is named, so colour carries no meaning).
    `weeks` keeps only the last N weeks.
    """
    _check_id(chart_id)
    series = [("incidents", dict(incidents), DEFAULT_COLOUR)]
    if fatalities is not None:
        series.append(("fatalities", dict(fatalities), FATALITIES_COLOUR))
    span = _week_span([w for _, counts, _ in series for w in counts])
    if weeks is not None:
        span = span[-weeks:] if weeks > 0 else []
    table_rows = tuple(
        (str(week), tuple(format_number(_count(counts.get(week, 0))) for _, counts, _ in series)) for week in span
    )
    table = Table(tuple(key for key, _, _ in series), table_rows)
    if not span:
        return Chart(chart_id, kind, WIDTH, 0, (), table, title, description)

    columns = [[_count(counts.get(week, 0)) for week in span] for _, counts, _ in series]
    # one left margin for every panel, so that a week's bars line up from panel to panel
    left = max(_text_width(format_number(nice_ticks(max(values))[-1]), TICK_SIZE) for values in columns) + 6
    panels = []
    top = 0.0
    for (key, _, colour), values in zip(series, columns):
        panel = _week_panel(key, list(zip(span, values)), colour, top, left)
        panels.append(panel)
        top = panel.baseline.y1 + PANEL_X_LABELS + PANEL_GAP
    return Chart(
        id=chart_id,
        kind=kind,
        width=WIDTH,
        height=_r(top - PANEL_GAP),
        panels=tuple(panels),
        table=table,
        title=title,
        description=description,
        first=str(span[0]),
        last=str(span[-1]),
    )


def nice_ticks(maximum: int, intervals: int = MAX_INTERVALS) -> tuple[int, ...]:
    """Round tick values from 0 to at least `maximum`: 12 -> 0, 5, 10, 15.

    Steps are 1, 2 or 5 times a power of ten, never fractional (we count people and events),
    and the fewest that keep the number of intervals at most `intervals`.
    """
    maximum = max(int(maximum), 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            n = -(-maximum // step)
            if n <= intervals:
                return tuple(step * i for i in range(n + 1))
        magnitude *= 10


def format_number(n: int) -> str:
    """1234 -> '1 234', with a narrow no-break space, as the theme's `thousands` filter."""
    return f"{n:,}".replace(",", "\u202f")


# --- helpers -------------------------------------------------------------------------------


def _week_panel(key: str, points: list[tuple[IsoWeek, int]], colour: str, top: float, left: float) -> Panel:
    values = [v for _, v in points]
    scale = nice_ticks(max(values))
    scale_top = scale[-1]
    right = WIDTH - 4
    plot_top = top + PANEL_HEADING + PANEL_VALUE_ROOM
    bottom = plot_top + PANEL_PLOT_HEIGHT
    slot = (right - left) / len(points)
    bar_width = min(slot * 0.8, MAX_BAR_WIDTH)
    show_all_values = slot >= _text_width(format_number(max(values)), TICK_SIZE) + 2

    bars = []
    for i, (week, value) in enumerate(points):
        height = PANEL_PLOT_HEIGHT * value / scale_top
        centre = left + slot * (i + 0.5)
        text = format_number(value)
        bars.append(
            Bar(
                x=_r(centre - bar_width / 2),
                y=_r(bottom - height),
                width=_r(bar_width),
                height=_r(height),
                label=str(week),
                value=value,
                value_label=text,
                colour=colour,
                value_text=_text(centre, bottom - height - 4, text, "middle"),
            )
        )
    peak = _peak(bars)
    if not show_all_values:
        bars = [b if b is peak else _without_value(b) for b in bars]
        peak = _peak(bars)

    label_width = _text_width("2023-W39", TICK_SIZE) + 8
    half = label_width / 2 - 4
    labels: list[Text] = []
    marks: list[Line] = []
    # the latest week is always labelled; going back, each week whose label fits beside the
    # last one placed (edge labels are pulled inside the viewBox)
    for i in range(len(points) - 1, -1, -1):
        centre = left + slot * (i + 0.5)
        x = min(max(centre, half), WIDTH - half)
        if labels and labels[0].x - x < label_width:
            continue
        week = str(points[i][0])
        labels.insert(0, _text(x, bottom + PANEL_X_LABELS - 6, week, "middle"))
        marks.insert(0, Line(_r(centre), _r(bottom), _r(centre), _r(bottom + 4)))

    ticks = []
    for v in scale:
        y = bottom - PANEL_PLOT_HEIGHT * v / scale_top
        label = _text(left - 4, y + TICK_SIZE * 0.35, format_number(v), "end")
        ticks.append(Tick(v, label, Line(_r(left), _r(y), _r(right), _r(y))))
    return Panel(
        key=key,
        heading=_text(0, top + LABEL_SIZE + 2, key),
        bars=tuple(bars),
        ticks=tuple(ticks),
        baseline=Line(_r(left), _r(bottom), _r(right), _r(bottom)),
        category_labels=tuple(labels),
        category_marks=tuple(marks),
        total=format_number(sum(values)),
        peak=peak,
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> Text:
    return Text(_r(x), _r(y), text, anchor, text)


def _without_value(bar: Bar) -> Bar:
    return Bar(bar.x, bar.y, bar.width, bar.height, bar.label, bar.value, bar.value_label, bar.colour, bar.label_text)


def _peak(bars: Sequence[Bar]) -> Bar | None:
    best = max(bars, key=lambda b: b.value, default=None)
    return best if best is not None and best.value > 0 else None


def _week_span(weeks: Sequence[IsoWeek]) -> list[IsoWeek]:
    if not weeks:
        return []
    week, last = min(weeks), max(weeks)
    span = []
    while week <= last:
        span.append(week)
        week = week.next()
    return span


def _edge_anchor(value: int, top: int) -> str:
    return "start" if value == 0 else "end" if value == top else "middle"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def _fitting_chars(width: float, size: float) -> int:
    return int(width // (size * CHAR_WIDTH))


def _count(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"chart values are counts (whole numbers, 0 or more), got {value!r}")
    return value


def _check_id(chart_id: str) -> None:
    if not _ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r} must start with a letter and use letters, digits, - and _")


def _r(value: float) -> float | int:
    """Two decimals are plenty for a 360-unit viewBox and keep the output short."""
    value = round(value, 2)
    return int(value) if value == int(value) else value
