"""Link header rewriting: Canvas pagination links become proxy links; nothing else survives."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedserver.api.proxy_links import (
    DROPPED_QUERY_PARAMS,
    canvas_param,
    filtered_query,
    rewrite_link_header,
    rewrite_location,
)
from feedserver.api.proxy_paths import ProxyAllowlist
from feedserver.config import DEFAULT_PROXY_PATHS

ALLOWLIST = ProxyAllowlist(DEFAULT_PROXY_PATHS)
CANVAS = "https://canvas.north.example.edu"
PUBLIC = "https://muffin.example.edu"
PROXY = f"{PUBLIC}/api/canvas/api/v1/"


def test_canvas_pagination_header_is_rewritten_in_order() -> None:
    header = (f'<{CANVAS}/api/v1/courses/1/assignments?per_page=100&page=1>; rel="current",'
              f'<{CANVAS}/api/v1/courses/1/assignments?per_page=100&page=2>; rel="next",'
              f'<{CANVAS}/api/v1/courses/1/assignments?per_page=100&page=1>; rel="first",'
              f'<{CANVAS}/api/v1/courses/1/assignments?per_page=100&page=3>; rel="last"')
    assert rewrite_link_header(header, CANVAS, PUBLIC, ALLOWLIST) == (
        f'<{PROXY}courses/1/assignments?per_page=100&page=1>; rel="current",'
        f'<{PROXY}courses/1/assignments?per_page=100&page=2>; rel="next",'
        f'<{PROXY}courses/1/assignments?per_page=100&page=1>; rel="first",'
        f'<{PROXY}courses/1/assignments?per_page=100&page=3>; rel="last"')


def test_foreign_and_odd_links_are_dropped() -> None:
    header = ", ".join([
        '<https://evil.example/api/v1/courses?page=2>; rel="next"',            # another host
        f'<{CANVAS.replace("https", "http")}/api/v1/courses>; rel="prev"',     # another scheme
        f'<{CANVAS}:8443/api/v1/courses>; rel="first"',                        # another port
        '<https://user@canvas.north.example.edu/api/v1/courses>; rel="last"',  # userinfo
        f'<{CANVAS}/api/v1/accounts/1>; rel="next"',                           # not allowlisted
        f'<{CANVAS}/api/v1/courses/../accounts>; rel="next"',                  # dot segments
        f'<{CANVAS}/api/v1/courses>; rel="next\\"><script>"',                  # odd rel
        '</api/v1/courses?page=2>; rel="next"',                               # relative
    ])
    assert rewrite_link_header(header, CANVAS, PUBLIC, ALLOWLIST) is None


def test_access_token_never_reaches_a_link() -> None:
    header = f'<{CANVAS}/api/v1/courses?page=2&access_token=secret&as_user_id=9>; rel="next"'
    assert rewrite_link_header(header, CANVAS, PUBLIC, ALLOWLIST) == f'<{PROXY}courses?page=2>; rel="next"'


def test_canvas_under_a_path_prefix() -> None:
    header = f'<{CANVAS}/canvas/api/v1/courses?page=2>; rel="next", <{CANVAS}/api/v1/courses>; rel="prev"'
    assert rewrite_link_header(header, f"{CANVAS}/canvas", PUBLIC, ALLOWLIST) == f'<{PROXY}courses?page=2>; rel="next"'


def test_redirect_locations() -> None:
    request_url = f"{CANVAS}/api/v1/courses/1"
    assert rewrite_location("/api/v1/courses/2", request_url, CANVAS, PUBLIC, ALLOWLIST) == f"{PROXY}courses/2"
    assert rewrite_location("https://files.example/x", request_url, CANVAS, PUBLIC, ALLOWLIST) is None
    assert rewrite_location("//evil.example/api/v1/courses", request_url, CANVAS, PUBLIC, ALLOWLIST) is None


queries = st.lists(st.tuples(st.sampled_from(["page", "per_page", "include[]", "access_token", "as_user_id", "x y"]),
                             st.text(max_size=12)), max_size=5)
hosts = st.sampled_from([CANVAS, "https://evil.example", "http://canvas.north.example.edu", f"{CANVAS}:444"])
paths = st.sampled_from(["/api/v1/courses", "/api/v1/courses/5/assignments", "/api/v1/users/self",
                         "/api/v1/accounts", "/login/oauth2/token", "/api/v1/courses/%2e%2e"])


@given(st.lists(st.tuples(hosts, paths, queries, st.sampled_from(["next", "prev", "last"])), max_size=6))
def test_every_surviving_link_is_a_proxy_link_for_canvas(links: list) -> None:
    header = ", ".join(f'<{host}{path}?{urlencode(query)}>; rel="{rel}"' for host, path, query, rel in links)
    rewritten = rewrite_link_header(header, CANVAS, PUBLIC, ALLOWLIST)
    expected = [(path, rel) for host, path, _, rel in links if host == CANVAS and ALLOWLIST.allows(path)]
    if not expected:
        assert rewritten is None
        return
    assert rewritten is not None
    parts = rewritten.split(",<")
    assert len(parts) == len(expected)
    for part, (path, rel) in zip(parts, expected, strict=True):
        url = part.lstrip("<").split(">;", 1)[0]
        assert url.startswith(PROXY) and part.endswith(f'rel="{rel}"')
        assert urlsplit(url).path == f"/api/canvas{path}"
        keys = {k for k, _ in parse_qsl(urlsplit(url).query)}
        assert not keys & {"access_token", "as_user_id"}


@pytest.mark.parametrize(("name", "read_as"), [
    ("per_page", "per_page"), ("include[]", "include"), ("context_codes[]", "context_codes"),
    ("as_user_id[]", "as_user_id"), ("access_token[x]", "access_token"), ("AS_USER_ID", "as_user_id"),
    ("as_user_id\x00", None), ("[as_user_id]", None), ("as_user_id]", None), ("as_user_id.x", None),
    ("as user id", None), ("", None), ("x[a][b][c][d]", None), ("ä", None),
])
def test_query_names_as_canvas_reads_them(name: str, read_as: str | None) -> None:
    assert canvas_param(name) == read_as
    assert filtered_query([(name, "1")]) == ([] if read_as in (None, *DROPPED_QUERY_PARAMS) else [(name, "1")])
