"""The embeddable feed widget: framable by the allowed origins only, useful signed in or not."""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import ALLOWED_ORIGIN, NORTH_STUDENT, MakeMuffin, signed_in


def frame_ancestors(response: Any) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1).strip()


async def test_signed_out_widget_offers_sign_in_in_a_new_tab(api: Any) -> None:
    response = await api.get("/embed/feed")
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert frame_ancestors(response) == ALLOWED_ORIGIN
    assert "X-Frame-Options" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    link = re.search(r'<a [^>]*id="embed-sign-in"[^>]*>', html)
    assert link and 'target="_blank"' in link.group(0) and 'rel="noopener"' in link.group(0)
    assert "Sign in with Canvas" in html and "/feeds/" not in html


async def test_signed_in_widget_shows_the_feed_link_copy_and_subscribe(api: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    feed = (await (await api.get("/api/me")).json())["feed"]
    response = await api.get("/embed/feed")
    html = await response.text()
    assert response.status == 200 and frame_ancestors(response) == ALLOWED_ORIGIN
    assert f'id="feed-url" value="{feed["url"]}"' in html
    assert 'data-copy-target="feed-url"' in html and '<script src="/static/copy.js" defer></script>' in html
    for key in ("webcal_url", "google_calendar_url", "outlook_url"):
        assert feed[key].replace("&", "&amp;") in html, key
    assert "<script>" not in html and "style=" not in html  # CSP: no inline code


async def test_other_pages_still_refuse_framing(api: Any) -> None:
    await signed_in(api, "north", NORTH_STUDENT)
    for path in ("/", "/me"):
        response = await api.get(path)
        assert frame_ancestors(response) == "'none'" and response.headers["X-Frame-Options"] == "DENY", path


async def test_without_allowed_origins_nobody_may_frame_the_widget(make_muffin: MakeMuffin) -> None:
    api = await make_muffin(allowed_origins=[])
    response = await api.get("/embed/feed")
    assert frame_ancestors(response) == "'none'" and response.headers["X-Frame-Options"] == "DENY"


async def test_several_allowed_origins_are_all_named(make_muffin: MakeMuffin) -> None:
    api = await make_muffin(allowed_origins=[ALLOWED_ORIGIN, "https://beta.example.com"])
    response = await api.get("/embed/feed")
    assert frame_ancestors(response).split() == [ALLOWED_ORIGIN, "https://beta.example.com"]
