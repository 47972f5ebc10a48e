"""Canvas rich text to the plain text a calendar shows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feedserver.canvas.text import html_to_text


def test_blocks_become_lines_and_lists_bullets() -> None:
    html = ("<h3>Requirements</h3><p>Write <strong>1,000 words</strong> on <em>maps</em>.</p>"
            "<ul><li>Double-spaced</li><li>MLA &amp; sources</li></ul><p>Due&nbsp;Friday</p>")
    assert html_to_text(html) == "Requirements\n\nWrite 1,000 words on maps.\n\n• Double-spaced\n• MLA & sources\n\nDue Friday"


def test_scripts_styles_and_tags_leave_no_trace() -> None:
    html = '<style>p{color:red}</style><p onclick="x()">Hi<script>alert(1)</script><br>there</p><table><tr><td>a</td><td>b</td></tr></table>'
    assert html_to_text(html) == "Hi\nthere\n\na b"


def test_length_cap_and_empty_input() -> None:
    assert html_to_text(None) == "" and html_to_text("") == ""
    text = html_to_text("<p>" + "word " * 500 + "</p>", limit=100)
    assert len(text) == 100 and text.endswith("…")


@given(st.text())
def test_any_input_gives_text_without_markup_breaks(html: str) -> None:
    text = html_to_text(html, limit=300)
    assert len(text) <= 300
    assert "\n\n\n" not in text and text == text.strip()


def test_a_long_description_past_the_cache_limit_reads_the_same() -> None:
    from feedserver.canvas.text import CACHED_HTML_LIMIT

    paragraph = "<p>Read <b>chapter</b> 4 &amp; answer.</p>"
    short = paragraph * 10
    long = paragraph * (CACHED_HTML_LIMIT // len(paragraph) + 1)
    assert len(short) <= CACHED_HTML_LIMIT < len(long)
    assert html_to_text(short, 1000) == html_to_text(short, 1000)  # the second answer is remembered
    assert html_to_text(long, 1000).startswith(html_to_text(short, 1000)[:200])
    assert html_to_text(short, 20) != html_to_text(short, 1000)  # the limit is part of what is remembered
