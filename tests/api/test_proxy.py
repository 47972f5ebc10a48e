"""The same-origin Canvas proxy against the sandbox schools on real sockets (both engines)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from feedserver.api.appkeys import canvas_proxy_key, proxy_limiter_key
from feedserver.api.proxy_paths import ProxyAllowlist
from feedserver.config import DEFAULT_PROXY_PATHS
from tests.api.conftest import (
    NORTH_STUDENT,
    SOUTH_STUDENT,
    CanvasTap,
    EvilServer,
    MakeMuffin,
    raw_request,
    signed_in,
)

ALLOWLIST = ProxyAllowlist(DEFAULT_PROXY_PATHS)
NORTH_COURSE = 10101  # MATH 221, Ava (1001) is enrolled
SOUTH_COURSE = 20102  # SPAN 102, Ava (2001) is enrolled


def hostile_targets(evil: EvilServer) -> list[str]:
    """Request targets (raw bytes on the wire) that must never leave our server."""
    e = evil.host_port
    return [
        f"/api/canvas/http://{e}/api/v1/courses",            # absolute URL
        f"/api/canvas/https:/{e}/api/v1/courses",            # scheme with one slash
        f"/api/canvas//{e}/api/v1/courses",                  # network-path reference
        f"/api/canvas/%2F%2F{e}/api/v1/courses",             # encoded //host
        "/api/canvas/api/v1/courses/../../../../etc/passwd",  # dot segments
        "/api/canvas/api/v1/%2e%2e/%2e%2e/%2e%2e/x",          # encoded dots
        "/api/canvas/api/v1/%252e%252e/%252e%252e/x",         # double-encoded dots
        "/api/canvas/api/v1/courses%2F..%2F..%2Fusers",       # encoded slashes
        "/api/canvas/api/v1/courses%252F1",                   # double-encoded slash
        "/api/canvas/api\\v1\\courses",                       # backslashes
        "/api/canvas/api/v1/courses%5C1",                     # encoded backslash
        f"/api/canvas/@{e}/api/v1/courses",                  # userinfo trick
        f"/api/canvas/api/v1/courses@{e}",                   # userinfo trick, later
        f"/api/canvas/{e}/api/v1/courses",                   # host as first segment
        "/api/canvas/api/v1/courses/1%00",                    # NUL
        "/api/canvas/api/v1/courses/1%0d%0aHost:%20evil",     # header injection
        "/api/canvas/api/v1/courses/%31",                     # encoded digit
        "/api/canvas/api/v1/accounts/1/users",                # not allowlisted
        f"/api/canvas/api/v1/users/{SOUTH_STUDENT}",          # another user (only users/self is)
        "/api/canvas/api/v1/courses/1/assignments/2/submissions/1002",  # someone else's submission
        "/api/canvas/api/v1/courses/",                        # trailing slash: not the allowlisted form
        "/api/canvas/",                                       # nothing
    ]


async def test_hostile_paths_are_refused_and_nothing_leaves(api: Any, sandbox: Any, evil: EvilServer) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    for school in sandbox.schools.values():
        school.state.clear_request_log()
    targets = hostile_targets(evil)
    assert len(targets) >= 12
    for target in targets:
        answer = await raw_request(api, "GET", target)
        assert answer.headers["Content-Type"].startswith("application/problem+json"), target
        code = answer.json()["code"]
        assert (answer.status, code) in ((400, "proxy-path-invalid"), (403, "proxy-path-not-allowed")), target
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        answer = await raw_request(api, method, "/api/canvas/api/v1/courses",
                                   {"Origin": "http://127.0.0.1", "Content-Length": "0"})
        assert (answer.status, answer.json()["code"], answer.headers["Allow"]) == (405, "proxy-read-only", "GET")
    head = await raw_request(api, "HEAD", "/api/canvas/api/v1/courses")
    assert (head.status, head.headers["Allow"]) == (405, "GET")

    assert evil.hits == []
    for school in sandbox.schools.values():
        assert school.state.request_log == [], "a refused path still reached Canvas"


async def test_oversized_canvas_answer_is_a_502(make_muffin: MakeMuffin, sandbox: Any) -> None:
    api = await make_muffin(proxy_max_bytes=4000)
    await signed_in(api, "north", NORTH_STUDENT)
    small = await api.get("/api/canvas/api/v1/users/self")
    assert small.status == 200
    big = await api.get(f"/api/canvas/api/v1/courses/{NORTH_COURSE}/assignments", params={"per_page": "100"})
    assert big.status == 502
    assert (await big.json())["code"] == "canvas-response-too-large"


async def test_forwards_with_the_server_token_and_only_safe_headers(
        make_muffin: MakeMuffin, sandbox: Any, north_tap: CanvasTap, evil: EvilServer) -> None:
    api = await make_muffin(canvas_urls={"north": north_tap.url})
    await signed_in(api, "north", NORTH_STUDENT)
    north_tap.extra_headers += [
        ("Set-Cookie", "canvas_session=from-canvas; Path=/"),
        ("Access-Control-Allow-Origin", "*"),
        ("Link", f'<{evil.url}/api/v1/courses?page=9>; rel="evil"'),
        ("Link", f'<{north_tap.url}/api/v1/accounts/1>; rel="next"'),
        ("X-Canvas-Internal", "do-not-leak"),
    ]
    north_tap.requests.clear()
    answer = await api.get(
        f"/api/canvas/api/v1/courses/{NORTH_COURSE}/assignments",
        params=[("per_page", "5"), ("include[]", "submission"), ("access_token", "stolen"), ("as_user_id", "1002")],
        headers={"Authorization": "Bearer someone-elses-token", "Cookie": "canvas_session=victim",
                 "Proxy-Authorization": "Basic eDp5", "X-Forwarded-For": "10.0.0.1", "TE": "trailers",
                 "Accept": "application/json+canvas-string-ids"})
    body = await answer.json(content_type=None)
    assert answer.status == 200, body
    assert len(body) == 5 and all(str(item["course_id"]) == str(NORTH_COURSE) for item in body)
    assert isinstance(body[0]["id"], str), "Accept: application/json+canvas-string-ids was not passed on"

    (sent,) = north_tap.api_requests()
    grant = next(g for g in sandbox.schools["north"].state.tokens.grants.values() if g.user_id == NORTH_STUDENT)
    assert sent.headers["Authorization"] == f"Bearer {grant.access_token}"
    allowed = {"host", "accept", "accept-encoding", "authorization", "user-agent"}
    assert {name.lower() for name in sent.headers} <= allowed, sent.headers
    query = parse_qs(urlsplit(sent.path_qs).query)
    assert query == {"per_page": ["5"], "include[]": ["submission"]}

    assert "Set-Cookie" not in answer.headers
    assert "canvas_session" not in str(answer.cookies)
    assert "X-Canvas-Internal" not in answer.headers
    assert "Access-Control-Allow-Origin" not in answer.headers  # no Origin sent: no CORS answer at all
    assert answer.headers["Cache-Control"] == "no-store"
    assert float(answer.headers["X-Request-Cost"]) > 0
    assert "X-Rate-Limit-Remaining" in answer.headers
    links = answer.headers["Link"]
    assert evil.host_port not in links and "accounts" not in links and north_tap.url not in links
    proxied_next = f'{api.make_url(f"/api/canvas/api/v1/courses/{NORTH_COURSE}/assignments")}?'
    assert proxied_next in links and 'rel="next"' in links and 'rel="evil"' not in links
    assert evil.hits == []


async def test_link_headers_page_through_a_250_item_list(api: Any, sandbox: Any) -> None:
    bulk = {a.id for a in sandbox.world.add_bulk_assignments(NORTH_COURSE, 250)}
    await signed_in(api, "north", NORTH_STUDENT)
    url: str | None = str(api.make_url(f"/api/canvas/api/v1/courses/{NORTH_COURSE}/assignments?per_page=100"))
    seen: list[int] = []
    pages = 0
    while url:
        assert url.startswith(str(api.make_url("/api/canvas/api/v1/"))), url
        answer = await api.session.get(url)
        assert answer.status == 200
        seen += [item["id"] for item in await answer.json()]
        pages += 1
        nxt = [link for link in answer.links.getall("next", [])]
        url = str(nxt[0]["url"]) if nxt else None
    assert pages == 3 and len(seen) == len(set(seen)) > 250
    assert bulk <= set(seen)
    log = sandbox.schools["north"].state.request_log
    assert all(ALLOWLIST.allows(record.path) for record in log if record.path.startswith("/api/"))


async def test_two_schools_at_once_each_see_only_their_own(api: Any, sandbox: Any, second_client: Any) -> None:
    south_client = await second_client(api)
    await signed_in(api, "north", NORTH_STUDENT)
    await signed_in(south_client, "south", SOUTH_STUDENT)
    for school in sandbox.schools.values():
        school.state.clear_request_log()

    async def read(client: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        me, courses = await asyncio.gather(client.get("/api/canvas/api/v1/users/self"),
                                           client.get("/api/canvas/api/v1/courses"))
        assert me.status == courses.status == 200
        return await me.json(), await courses.json()

    (north_me, north_courses), (south_me, south_courses) = await asyncio.gather(read(api), read(south_client))
    assert north_me["id"] == NORTH_STUDENT and south_me["id"] == SOUTH_STUDENT
    assert {c["id"] for c in north_courses} and all(10100 < c["id"] < 10200 for c in north_courses)
    assert {c["id"] for c in south_courses} and all(20100 < c["id"] < 20200 for c in south_courses)
    north_log = sandbox.schools["north"].state.request_log
    south_log = sandbox.schools["south"].state.request_log
    assert {r.user_id for r in north_log} == {NORTH_STUDENT}
    assert {r.user_id for r in south_log} == {SOUTH_STUDENT}
    # The south student asking for a north course reaches south's Canvas, which does not know it.
    crossed = await south_client.get(f"/api/canvas/api/v1/courses/{NORTH_COURSE}/assignments")
    assert crossed.status == 404
    assert all(r.path.startswith("/api/v1/") for r in south_log)
    assert len(north_log) == 2


async def test_expired_token_is_refreshed_once_and_retried(api: Any, sandbox: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    state = sandbox.schools["north"].state
    state.expire_access_tokens()
    state.clear_request_log()
    answer = await api.get("/api/canvas/api/v1/users/self")
    assert answer.status == 200 and (await answer.json())["id"] == NORTH_STUDENT
    calls = [(r.method, r.path, r.status) for r in state.request_log]
    assert calls == [("GET", "/api/v1/users/self", 401), ("POST", "/login/oauth2/token", 200),
                     ("GET", "/api/v1/users/self", 200)]


async def test_revoked_grant_asks_the_student_to_reconnect(api: Any, sandbox: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    state = sandbox.schools["north"].state
    state.revoke_user_tokens(NORTH_STUDENT)
    answer = await api.get("/api/canvas/api/v1/users/self")
    assert answer.status == 409
    assert (await answer.json())["code"] == "reconnect-needed"
    me = await (await api.get("/api/me")).json()
    assert me["status"] == "reconnect_needed"


async def test_canvas_errors_and_throttling_pass_through(api: Any, sandbox: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    state = sandbox.schools["north"].state
    missing = await api.get("/api/canvas/api/v1/courses/10199")
    assert missing.status == 404 and missing.headers["Content-Type"].startswith("application/json")
    state.throttle_status = 429
    state.faults.rate_limit_storm = True
    throttled = await api.get("/api/canvas/api/v1/users/self")
    assert throttled.status == 429
    assert throttled.headers["X-Rate-Limit-Remaining"] == "0.0"
    assert throttled.headers["Content-Type"].startswith("text/plain")
    state.faults.rate_limit_storm = False
    state.faults.server_errors = 1
    broken = await api.get("/api/canvas/api/v1/users/self")
    problem = await broken.json()
    assert broken.status == 502 and (problem["code"], problem["canvas_status"]) == ("canvas-unavailable", 500)


async def test_slow_canvas_is_a_504(api: Any, sandbox: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    api.app[canvas_proxy_key].timeout = aiohttp.ClientTimeout(total=0.3)
    sandbox.schools["north"].state.faults.slow_seconds = 5
    answer = await api.get("/api/canvas/api/v1/users/self")
    assert answer.status == 504 and (await answer.json())["code"] == "canvas-timeout"


async def test_per_student_rate_limit(api: Any, sandbox: Any, second_client: Any) -> None:
    other = await second_client(api)
    await signed_in(api, "north", NORTH_STUDENT)
    await signed_in(other, "north", 1002)
    limiter = api.app[proxy_limiter_key]
    limiter.clock = lambda: 1000.0  # frozen: no refill during the test
    limiter.capacity = 2
    state = sandbox.schools["north"].state
    state.clear_request_log()
    statuses = [(await api.get("/api/canvas/api/v1/users/self")).status for _ in range(2)]
    limited = await api.get("/api/canvas/api/v1/users/self")
    assert statuses == [200, 200] and limited.status == 429
    assert (await limited.json())["code"] == "proxy-rate-limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert len(state.request_log) == 2, "the limited request must not reach Canvas"
    assert (await other.get("/api/canvas/api/v1/users/self")).status == 200, "limits are per student"


async def test_proxy_needs_a_session(api: Any, sandbox: Any) -> None:
    answer = await api.get("/api/canvas/api/v1/users/self")
    assert answer.status == 401 and (await answer.json())["code"] == "not-signed-in"
    assert all(not s.state.request_log for s in sandbox.schools.values())



async def test_canvas_cookies_never_travel_with_a_later_request(
        make_muffin: MakeMuffin, sandbox: Any, north_tap: CanvasTap, second_client: Any) -> None:
    # A host name, not an IP: aiohttp's CookieJar ignores cookies from IP addresses.
    api = await make_muffin(canvas_urls={"north": north_tap.url.replace("127.0.0.1", "localhost")})
    other = await second_client(api)
    await signed_in(api, "north", NORTH_STUDENT)
    await signed_in(other, "north", 1002)
    north_tap.extra_headers.append(("Set-Cookie", "canvas_session=student-1001-session; Path=/"))
    north_tap.requests.clear()
    assert (await api.get("/api/canvas/api/v1/users/self")).status == 200
    assert (await other.get("/api/canvas/api/v1/users/self")).status == 200
    sent = [r.headers.get("Cookie") for r in north_tap.api_requests()]
    assert len(sent) == 2 and sent == [None, None], sent


async def test_no_spelling_of_a_dropped_parameter_reaches_canvas(make_muffin: MakeMuffin, sandbox: Any,
                                                                 north_tap: CanvasTap) -> None:
    api = await make_muffin(canvas_urls={"north": north_tap.url})
    await signed_in(api, "north", NORTH_STUDENT)
    path = f"/api/canvas/api/v1/courses/{NORTH_COURSE}/assignments"
    # Rails reads x[] and x[key] as x; Canvas is case-sensitive, we are stricter.
    spellings = ("as_user_id[]", "access_token[]", "AS_USER_ID", "Access_Token", "as_user_id[x]",
                 "access_token[][]")
    north_tap.requests.clear()
    answer = await api.get(path, params=[("per_page", "2"), *((name, "1002") for name in spellings)])
    assert answer.status == 200, await answer.text()
    (sent,) = north_tap.api_requests()
    assert parse_qs(urlsplit(sent.path_qs).query) == {"per_page": ["2"]}

    encoded = await raw_request(api, "GET", f"{path}?per_page=2&%61s_user_id%5B%5D=1002&%41S_USER_ID=1002")
    assert encoded.status == 200
    assert parse_qs(urlsplit(north_tap.api_requests()[-1].path_qs).query) == {"per_page": ["2"]}

    # Names of any other shape are refused before Canvas sees them (a NUL, by the request pipeline).
    for raw in ("as_user_id%00=1", "[as_user_id]=1", "as_user_id]=1", "as_user_id.x=1", "as%20user%20id=1"):
        refused = await raw_request(api, "GET", f"{path}?per_page=2&{raw}")
        assert refused.status == 400 and refused.json()["code"] in ("invalid-field", "http-400"), raw
    assert len(north_tap.api_requests()) == 2
