"""The proxy's path allowlist: examples and properties (hypothesis)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from yarl import URL

from feedserver.api.proxy_paths import PathRejected, ProxyAllowlist, fully_decoded
from feedserver.config import DEFAULT_PROXY_PATHS

ALLOWLIST = ProxyAllowlist(DEFAULT_PROXY_PATHS)
CANONICAL = re.compile(r"(/[A-Za-z0-9_]+)+")
CANVAS = "https://canvas.north.example.edu"

ids = st.one_of(st.integers(min_value=0, max_value=2**63).map(str), st.just("self"))


@st.composite
def allowlisted(draw: st.DrawFn) -> str:
    """An instance of one of the default patterns, every :param filled with an id or self."""
    pattern = draw(st.sampled_from(DEFAULT_PROXY_PATHS))
    return "/".join(draw(ids) if part.startswith(":") else part for part in pattern.split("/"))


def encode(text: str, times: int) -> str:
    for _ in range(times):
        text = quote(text, safe="")
    return text


@pytest.mark.parametrize(("raw", "reason"), [
    ("/api/v1/courses", None),
    ("/api/v1/courses/12/assignments", None),
    ("/api/v1/users/self", None),
    ("/api/v1/courses/self/assignments/7", None),
    ("http://evil.example/api/v1/courses", "absolute-url"),
    ("//evil.example/api/v1/courses", "network-path"),
    ("/api/v1/courses/../users/1", "dot-segment"),
    ("/api/v1/./courses", "dot-segment"),
    ("/api/v1/%2e%2e/x", "dot-segment"),
    ("/api/v1/%252E%252E/x", "dot-segment"),
    ("/api/v1/courses%2F1", "percent-encoding"),
    ("/api/v1/courses%252f1", "percent-encoding"),
    ("/api/v1/courses\\1", "backslash"),
    ("/api/v1/courses%5c1", "backslash"),
    ("/api/v1/courses@evil.example", "userinfo"),
    ("/api/v1/courses%40evil.example", "userinfo"),
    ("/api/v1/courses/1\r\nHost: evil", "control-character"),
    ("/api/v1/courses/1%0a", "control-character"),
    ("/api/v1/courses/1 ", "control-character"),
    ("/api/v1/courses/%ff", "encoding"),
    ("/api/v1/courses/%" + "25" * 5 + "2E", "encoding"),  # "." encoded six times
    ("/api/v1/courses/é", "non-ascii"),
    ("/api/v1/courses/", "empty-segment"),
    ("/api/v1//courses", "empty-segment"),
    ("api/v1/courses", "not-absolute-path"),
    ("/api/v1/courses/-1", "bad-segment"),
    ("/api/v1/courses/1/assignments/1/submissions/2", "not-allowlisted"),
    ("/api/v1/accounts/1", "not-allowlisted"),
    ("/api/v1/courses/1e3", "not-allowlisted"),
    ("/API/V1/COURSES", "not-allowlisted"),
    ("/api/v1/courses/" + "1" * 21, "not-allowlisted"),
    ("/api/v1/courses/" + "1" * 600, "too-long"),
])
def test_examples(raw: str, reason: str | None) -> None:
    if reason is None:
        assert ALLOWLIST.check(raw) == raw
    else:
        with pytest.raises(PathRejected) as refused:
            ALLOWLIST.check(raw)
        assert refused.value.reason == reason


def test_patterns_must_look_like_canvas_api_paths() -> None:
    for bad in ("/api/v1/courses/{id}", "/login/oauth2/token", "/api/v1/courses/:id/../x", "api/v1/courses"):
        with pytest.raises(ValueError):
            ProxyAllowlist([bad])


@given(allowlisted())
def test_every_instance_of_a_pattern_passes_unchanged(path: str) -> None:
    assert ALLOWLIST.check(path) == path


@settings(max_examples=300)
@given(st.text(max_size=80))
@example("/api/v1/courses/%2e%2e%2f%2e%2e%2fusers")
@example("/api/v1/courses/1?x=/../")
def test_whatever_passes_is_canonical_and_stays_on_canvas(raw: str) -> None:
    try:
        path = ALLOWLIST.check(raw)
    except PathRejected:
        return
    assert CANONICAL.fullmatch(path)
    assert ALLOWLIST.check(path) == path  # idempotent
    joined = URL(CANVAS + path)
    assert (joined.scheme, joined.host, joined.port) == ("https", "canvas.north.example.edu", 443)
    assert joined.raw_path == path


@settings(max_examples=200)
@given(allowlisted(), st.sampled_from(["/", ".", "..", "\\", "@", "\n"]), st.integers(1, 3), st.data())
def test_encoded_separators_anywhere_are_refused(path: str, sneaky: str, times: int, data: st.DataObject) -> None:
    cut = data.draw(st.integers(1, len(path)))
    hostile = path[:cut] + encode(sneaky, times) + path[cut:]
    with pytest.raises(PathRejected):
        ALLOWLIST.check(hostile)


@given(st.text(alphabet="%2eEfF5cC0aA/.", max_size=40))
def test_decoding_reaches_a_fixed_point(raw: str) -> None:
    try:
        decoded = fully_decoded(raw)
    except (PathRejected, UnicodeDecodeError):
        return
    assert fully_decoded(decoded) == decoded
