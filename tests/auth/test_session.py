"""Sessions: fixation, stale cookies, and the 401/redirect split of require_student."""

from __future__ import annotations

from typing import Any

from feedserver.store.students import delete_student, upsert_student
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of, session_cookie, sign_in


async def test_sign_in_starts_a_fresh_session(muffin: Any, sandbox: Any) -> None:
    before = await csrf_of(muffin, "/schools/not-yet?host=canvas.nowhere.edu")
    cookie_before = session_cookie(muffin)
    await sign_in(muffin, "north", user_id=1001)
    assert session_cookie(muffin) != cookie_before
    assert await csrf_of(muffin, "/me") != before


async def test_a_cookie_does_not_outlive_its_student(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=1001)
    assert (await muffin.get("/me", allow_redirects=False)).status == 200
    old_cookie = session_cookie(muffin)
    db = muffin.app[db_key]
    await delete_student(db, 1)
    # SQLite may hand the deleted row's id to the next student: the cookie must not follow it.
    new_id = await upsert_student(db, "north", "1002", "Someone Else")
    muffin.session.cookie_jar.update_cookies({"muffin_session": old_cookie}, muffin.make_url("/"))
    response = await muffin.get("/me", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (302, "/")
    assert new_id in (1, 2)


async def test_api_paths_answer_401_problem_and_pages_redirect(muffin: Any, sandbox: Any) -> None:
    page = await muffin.get("/me", allow_redirects=False)
    assert (page.status, page.headers["Location"]) == (302, "/")
    api = await muffin.delete("/api/me")
    assert api.status == 401 and api.content_type == "application/problem+json"
    body = await api.json()
    assert body["code"] == "not-signed-in" and body["status"] == 401
