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
