"""The assembled app over a real socket: health, landing, headers, error pages."""

from __future__ import annotations

from typing import Any

from feedserver.app import create_app
from tests.conftest import make_config


async def test_health_landing_and_security_headers(sqlite_url: str, aiohttp_client: Any) -> None:
    institutions = [{"slug": "north", "name": "North State University", "canvas_url": "https://canvas.north.edu",
                     "client_id": "1", "client_secret_env": "N_SECRET"}]
    client = await aiohttp_client(create_app(make_config({"database": sqlite_url}, institutions, {"N_SECRET": "x"})))
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    assert (await (await client.get("/readyz")).json())["database"] == "up"
    landing = await client.get("/")
    assert landing.status == 200
    body = await landing.text()
    assert "North State University" in body
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in landing.headers["Content-Security-Policy"]
    robots = await (await client.get("/robots.txt")).text()
    assert "Disallow: /" in robots


async def test_unknown_pages_get_a_friendly_404(sqlite_url: str, aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(make_config({"database": sqlite_url})))
    page = await client.get("/no/such/page")
    assert page.status == 404 and "text/html" in page.headers["Content-Type"]
    assert "Back to the start" in await page.text()
    api = await client.get("/api/no-such-thing")
    assert api.status == 404 and api.headers["Content-Type"].startswith("application/problem+json")
    assert (await api.json())["status"] == 404


async def test_the_feed_cache_takes_its_size_from_the_config(sqlite_url: str, aiohttp_client: Any) -> None:
    from feedserver.feeds.appkeys import feed_cache_key

    client = await aiohttp_client(create_app(make_config({"database": sqlite_url, "feed_cache_mib": 3})))
    assert client.app[feed_cache_key].max_bytes == 3 * 1024 * 1024
