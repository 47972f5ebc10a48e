"""CORS for the web app: allowed origins get credentialed CORS on /api/* only; nobody else gets any."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ALLOWED_ORIGIN, NORTH_STUDENT, MakeMuffin, signed_in

EVIL_ORIGIN = "https://evil.example"
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age")


def no_cors(response: Any) -> bool:
    return not any(name in response.headers for name in CORS_HEADERS)


def preflight(method: str, origin: str, headers: str = "content-type,x-csrf-token") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


@pytest.mark.parametrize(("path", "method"), [
    ("/api/me/settings", "PATCH"), ("/api/me/feed/rotate", "POST"), ("/api/me", "DELETE"), ("/api/me", "GET"),
    ("/api/canvas/api/v1/courses", "GET"), ("/api/institutions", "GET"),
])
async def test_preflight_from_the_allowed_origin(api: Any, path: str, method: str) -> None:
    response = await api.options(path, headers=preflight(method, ALLOWED_ORIGIN))
    assert response.status == 200, await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Methods"] == method
    assert {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")} == {
        "content-type", "x-csrf-token"}
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]


async def test_preflight_is_refused_for_other_origins_methods_and_headers(api: Any) -> None:
    for headers in (preflight("PATCH", EVIL_ORIGIN), preflight("PATCH", "null"),
                    preflight("PUT", ALLOWED_ORIGIN), preflight("PATCH", ALLOWED_ORIGIN, "x-evil"),
                    {"Access-Control-Request-Method": "PATCH"}):
        response = await api.options("/api/me/settings", headers=headers)
        assert response.status == 403, headers
        assert no_cors(response), headers


async def test_credentialed_requests_from_the_allowed_origin(api: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    me = await api.get("/api/me", headers={"Origin": ALLOWED_ORIGIN})
    assert me.status == 200
    assert me.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert me.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip().lower() for h in me.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"link", "retry-after", "x-rate-limit-remaining", "x-request-cost"} <= exposed
    assert "Origin" in me.headers["Vary"]

    patched = await api.patch("/api/me/settings", json={"event_style": "all_day"}, headers={"Origin": ALLOWED_ORIGIN})
    assert patched.status == 200 and patched.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN

    proxied = await api.get("/api/canvas/api/v1/courses", headers={"Origin": ALLOWED_ORIGIN})
    assert proxied.status == 200 and proxied.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Link" in proxied.headers

    errors = await api.get("/api/me/assignments?kind=nap", headers={"Origin": ALLOWED_ORIGIN})
    assert errors.status == 400 and errors.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


async def test_other_origins_get_no_cors_headers(api: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    for origin in (EVIL_ORIGIN, "null", ALLOWED_ORIGIN + ".evil.example", "http://app.example.com"):
        response = await api.get("/api/me", headers={"Origin": origin})
        assert no_cors(response), origin
        assert "Origin" in response.headers["Vary"]
    refused = await api.patch("/api/me/settings", json={"event_style": "all_day"}, headers={"Origin": EVIL_ORIGIN})
    assert refused.status == 403 and (await refused.json())["code"] == "csrf-failed"
    assert no_cors(refused)
    assert (await (await api.get("/api/me/settings")).json())["event_style"] == "timed"


async def test_nothing_outside_api_gets_cors(api: Any) -> None:
    me = await signed_in(api, "north", NORTH_STUDENT)
    feed_url = (await (await api.get("/api/me")).json())["feed"]["url"]
    feed_path = "/feeds/" + feed_url.rsplit("/feeds/", 1)[1]
    assert me
    for path in ("/", "/me", "/healthz", "/static/style.css", "/embed/feed", feed_path):
        response = await api.get(path, headers={"Origin": ALLOWED_ORIGIN})
        assert response.status == 200, path
        assert no_cors(response), path
    for path in ("/", "/me", feed_path):
        response = await api.options(path, headers=preflight("GET", ALLOWED_ORIGIN))
        assert response.status in (403, 404, 405) and no_cors(response), path


async def test_delete_me_from_the_web_app(api: Any, sandbox: Any) -> None:
    """Disconnect (auth's route) is CORS-enabled like every /api route and CSRF-checked."""
    await signed_in(api, "north", NORTH_STUDENT)
    refused = await api.delete("/api/me", headers={"Origin": EVIL_ORIGIN})
    assert refused.status == 403 and no_cors(refused)
    gone = await api.delete("/api/me", headers={"Origin": ALLOWED_ORIGIN})
    assert gone.status == 204
    assert gone.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    after = await api.get("/api/me", headers={"Origin": ALLOWED_ORIGIN})
    assert after.status == 401 and after.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


async def test_without_allowed_origins_there_is_no_cors(make_muffin: MakeMuffin) -> None:
    api = await make_muffin(allowed_origins=[])
    await signed_in(api, "north", NORTH_STUDENT)
    assert no_cors(await api.get("/api/me", headers={"Origin": ALLOWED_ORIGIN}))
    response = await api.options("/api/me", headers=preflight("GET", ALLOWED_ORIGIN))
    assert response.status == 403 and no_cors(response)
    # Same-origin use is unaffected: our own origin passes the CSRF check.
    own = str(api.make_url("")).rstrip("/")
    assert (await api.post("/api/me/feed/rotate", headers={"Origin": own})).status == 200


def test_wildcard_is_never_configured() -> None:
    from feedserver.api.cors import cors_options

    with pytest.raises(ValueError):
        cors_options(["*"])
