"""check_csrf: the proofs a state-changing request must carry (feedserver/auth/csrf.py)."""

from __future__ import annotations

from typing import Any

from feedserver.store.models import Student
from tests.auth.helpers import count, csrf_of, sign_in


async def test_api_accepts_the_token_header_or_same_origin_fetch_metadata(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=1001)
    token = await csrf_of(muffin)
    cross = await muffin.delete("/api/me", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status == 403
    evil_with_token = await muffin.delete("/api/me", headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert evil_with_token.status == 403
    assert await count(muffin, Student) == 1
    assert (await muffin.delete("/api/me", headers={"X-CSRF-Token": token})).status == 204

    await sign_in(muffin, "north", user_id=1001)
    assert (await muffin.delete("/api/me", headers={"Sec-Fetch-Site": "same-origin"})).status == 204


async def test_api_accepts_an_allowed_web_app_origin(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=1001)
    # app_config lists https://app.example.com in server.allowed_origins.
    assert (await muffin.delete("/api/me", headers={"Origin": "https://app.example.com"})).status == 204


async def test_forms_need_the_token_even_from_our_origin(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=1001)
    origin = str(muffin.make_url("")).rstrip("/")
    for data, headers in (({}, {"Origin": origin}), ({"csrf_token": ""}, {}), ({"csrf_token": "x" * 43}, {}),
                          ({"csrf_token": await csrf_of(muffin)}, {"Origin": "https://evil.example"})):
        response = await muffin.post("/disconnect", data=data, headers=headers, allow_redirects=False)
        assert response.status == 403, (data, headers)
        assert "text/html" in response.headers["Content-Type"]
    assert await count(muffin, Student) == 1
    # Browsers send "Origin: null" on our own forms (Referrer-Policy: no-referrer): the token decides.
    ok = await muffin.post("/disconnect", data={"csrf_token": await csrf_of(muffin)}, headers={"Origin": "null"},
                           allow_redirects=False)
    assert ok.status == 303 and await count(muffin, Student) == 0
