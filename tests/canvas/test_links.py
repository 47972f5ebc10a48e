"""Which Canvas links become links: http(s) on the student's own Canvas origin, paths resolved there."""

from __future__ import annotations

import pytest

from feedserver.canvas.links import canvas_link

CANVAS = "https://canvas.state.edu"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://canvas.state.edu/courses/1/assignments/2", "https://canvas.state.edu/courses/1/assignments/2"),
    ("https://CANVAS.state.edu:443/courses/1", "https://CANVAS.state.edu:443/courses/1"),
    ("/courses/1/quizzes/5", "https://canvas.state.edu/courses/1/quizzes/5"),  # the planner sends paths
    ("  https://canvas.state.edu/calendar?event_id=3#x  ", "https://canvas.state.edu/calendar?event_id=3#x"),
    ("javascript:alert(1)", ""),
    ("JaVaScRiPt:alert(1)", ""),
    ("java\tscript:alert(1)", ""),
    ("data:text/html,<script>alert(1)</script>", ""),
    ("vbscript:msgbox(1)", ""),
    ("//evil.example/courses/1", ""),
    ("/\\evil.example/courses/1", ""),
    ("https://canvas.state.edu.evil.example/courses/1", ""),
    ("https://evil.example/?https://canvas.state.edu/", ""),
    ("https://user:pw@canvas.state.edu/courses/1", ""),
    ("https://canvas.state.edu:8443/courses/1", ""),
    ("http://canvas.state.edu/courses/1", ""),
    ("https://canvas.state.edu:notaport/", ""),
    ("ftp://canvas.state.edu/file", ""),
    ("", ""),
    ("https://canvas.state.edu/" + "x" * 1000, ""),
])
def test_a_link_is_kept_only_on_the_schools_canvas(url: str, expected: str) -> None:
    assert canvas_link(url, CANVAS) == expected


def test_a_host_alone_accepts_either_web_scheme_on_that_host_and_port() -> None:
    assert canvas_link("http://127.0.0.1:8123/courses/1", "//127.0.0.1:8123") == "http://127.0.0.1:8123/courses/1"
    assert canvas_link("https://canvas.state.edu/x", "//canvas.state.edu") == "https://canvas.state.edu/x"
    assert canvas_link("http://127.0.0.1:9999/courses/1", "//127.0.0.1:8123") == ""
    assert canvas_link("javascript:alert(1)", "//canvas.state.edu") == ""
    assert canvas_link("/courses/1", "//canvas.state.edu") == ""  # no scheme to resolve a path with
