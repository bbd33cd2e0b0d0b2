"""Summaries without Markdown marks skip the parser: the HTML must be exactly the parser's."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.render.markdown import _MD, _plain_paragraphs, render_markdown

ALPHABET = st.sampled_from(list("ab c\n\n\t-1.)#=+'\"é:;,/&<*_[]() "))


@settings(max_examples=3000, deadline=None)
@given(st.text(ALPHABET, max_size=60))
def test_fast_path_renders_exactly_like_markdown_it(text):
    assert str(render_markdown(text)) == (_MD.render(text) if text else "")


def test_plain_summary_takes_the_fast_path():
    assert _plain_paragraphs('Seven soldiers "killed".\nSecond line.\n\nNext paragraph.') == (
        "<p>Seven soldiers &quot;killed&quot;.\nSecond line.</p>\n<p>Next paragraph.</p>\n"
    )
    assert _plain_paragraphs("- a list") is None
    assert _plain_paragraphs("[link](https://example.org)") is None


@settings(max_examples=2000, deadline=None)
@given(st.text(ALPHABET, max_size=60))
def test_plain_text_fast_path_gives_the_same_words(text):
    from sitegen.text import _stripped, plain_text

    assert plain_text(text) == (_stripped(text) if text else "")
