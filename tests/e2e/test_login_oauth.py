"""Sign in with Canvas end to end: our server and the Canvas sandbox on real sockets.

Every test runs on SQLite and PostgreSQL (the database behind `muffin`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from feedserver.auth.appkeys import login_states_key
from feedserver.feeds.tokens import resolve_feed_token
from feedserver.sandbox.seed import INHERITED_CLIENT_ID, READ_ONLY_SCOPES
from feedserver.store.models import CanvasToken, Student, UsedNonce
from feedserver.typedefs import cipher_key, db_key
from tests.auth.fixtures import make_muffin, school_table  # noqa: F401  (fixtures)
from tests.auth.helpers import consent, count, csrf_of, finish, nothing_stored, sign_in, start

NORTH_STUDENT = 1001
SOUTH_STUDENT = 2001


def callback_with(url: str, **params: str) -> str:
    """Our callback URL with these query parameters (as Canvas or an attacker would send)."""
    base = url.split("?", 1)[0]
    return f"{base}?{urlencode(params)}"


async def test_happy_path_stores_an_encrypted_grant_and_shows_the_feed(muffin: Any, sandbox: Any) -> None:
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)

    query = login.query
    north = sandbox.schools["north"]
    assert login.authorize_url.startswith(f"{north.url}/login/oauth2/auth?")
    assert query["client_id"] == sandbox.world.schools["north"].school_key.client_id
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == str(muffin.make_url("/oauth/callback"))
    assert query["purpose"] == "Homework Muffin"
    assert len(query["state"]) >= 40
    assert "code_challenge" not in query and "scope" not in query
    assert login.status == 302 and login.location == "/me"

    async with muffin.app[db_key]() as session:
        student = (await session.scalars(select(Student))).one()
        token = (await session.scalars(select(CanvasToken))).one()
    user = sandbox.world.users[NORTH_STUDENT]
    assert (student.canvas_user_id, student.display_name, student.status) == (str(user.id), user.name, "active")
    assert student.time_zone == user.time_zone
    grant = next(g for g in north.state.tokens.grants.values() if g.user_id == NORTH_STUDENT)
    cipher = muffin.app[cipher_key]
    assert grant.access_token not in token.access_token_enc
    assert grant.refresh_token not in (token.refresh_token_enc or "")
    assert cipher.decrypt(token.access_token_enc) == grant.access_token
    assert cipher.decrypt(token.refresh_token_enc) == grant.refresh_token
    assert abs((token.expires_at - (datetime.now(UTC) + timedelta(hours=1))).total_seconds()) < 60

    me = await muffin.get("/me")
    html = await me.text()
    assert me.status == 200 and me.headers["Cache-Control"] == "no-store"
    assert user.name in html and "North State University" in html
    feed_url = html.split('id="feed-url" value="', 1)[1].split('"', 1)[0]
    assert feed_url.startswith(str(muffin.make_url("/feeds/")))
    feed_token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert await resolve_feed_token(muffin.app[db_key], feed_token) == (student.id, "all")
    assert "webcal://" in html and "calendar.google.com" in html and "outlook.live.com" in html
    assert "every 8 to 24 hours" in html


async def test_session_cookie_is_httponly_and_lax(muffin: Any, sandbox: Any) -> None:
    callback = await consent(muffin, await start(muffin, "north"), user_id=NORTH_STUDENT)
    response = await muffin.session.get(callback, allow_redirects=False)
    morsel = response.cookies["muffin_session"]
    assert morsel["httponly"] is True and morsel["samesite"] == "Lax"
    assert morsel["secure"] == ""  # http://127.0.0.1 in tests; Secure whenever public_url is https


async def test_return_to_is_followed_only_for_our_own_paths(muffin: Any, sandbox: Any) -> None:
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT, return_to="/me?tab=settings")
    assert login.location == "/me?tab=settings"
    for evil in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "/\t/evil.example"):
        login = await sign_in(muffin, "north", user_id=NORTH_STUDENT, return_to=evil)
        assert (login.status, login.location) == (302, "/me"), evil


async def test_unknown_institution_is_a_404_page(muffin: Any, sandbox: Any) -> None:
    response = await muffin.get("/login", params={"institution": "atlantis"}, allow_redirects=False)
    assert response.status == 404
    assert "Pick yours from the list" in await response.text()


async def test_returning_student_skips_consent_and_is_the_same_student(muffin: Any, sandbox: Any) -> None:
    first = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    async with muffin.app[db_key]() as session:
        student_id = (await session.scalars(select(Student.id))).one()
    await muffin.post("/logout", data={"csrf_token": await csrf_of(muffin)})

    authorize_url = await start(muffin, "north")
    answer = await muffin.session.get(authorize_url, allow_redirects=False)
    assert answer.status == 302, "Canvas should skip consent for a key the user approved"
    status, location, _ = await finish(muffin, answer.headers["Location"])
    assert (status, location) == (302, "/me")
    assert first.callback_url != answer.headers["Location"]
    async with muffin.app[db_key]() as session:
        assert (await session.scalars(select(Student.id))).all() == [student_id]
    assert (await muffin.get("/me")).status == 200


async def test_denied_consent_is_a_friendly_page_with_retry(muffin: Any, sandbox: Any) -> None:
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT, action="cancel", return_to="/me")
    assert login.callback_query["error"] == "access_denied"
    assert login.status == 200
    assert "You chose not to connect" in login.text
    assert 'href="/login?institution=north&amp;return_to=%2Fme"' in login.text
    assert await nothing_stored(muffin)


async def test_missing_and_forged_state_are_refused(muffin: Any, sandbox: Any) -> None:
    callback = await consent(muffin, await start(muffin, "north"), user_id=NORTH_STUDENT)
    code = callback.split("code=", 1)[1].split("&", 1)[0]

    status, _, text = await finish(muffin, callback_with(callback, code=code))
    assert status == 400 and "incomplete" in text
    status, _, text = await finish(muffin, callback_with(callback, code=code, state="forged" * 8))
    assert status == 400 and "could not match this sign-in to your browser" in text
    assert await nothing_stored(muffin)
    # The untouched callback still works: refusing a forgery used up nothing.
    status, location, _ = await finish(muffin, callback)
    assert (status, location) == (302, "/me")


async def test_state_from_another_browser_is_refused(muffin: Any, sandbox: Any, aiohttp_client: Any) -> None:
    callback = await consent(muffin, await start(muffin, "north"), user_id=NORTH_STUDENT)
    other_browser = await aiohttp_client(muffin.server)
    response = await other_browser.session.get(callback, allow_redirects=False)
    assert response.status == 400
    assert await nothing_stored(muffin)


async def test_replayed_state_with_a_copied_cookie_is_refused(muffin: Any, sandbox: Any) -> None:
    callback = await consent(muffin, await start(muffin, "north"), user_id=NORTH_STUDENT)
    old_cookies = {c.key: c.value for c in muffin.session.cookie_jar}
    assert (await finish(muffin, callback))[0] == 302

    # Same browser again: the state left its session when it was used.
    status, _, _ = await finish(muffin, callback)
    assert status == 400
    # An attacker holding a copy of the cookie from before: used_nonces remembers the state.
    muffin.session.cookie_jar.clear()
    muffin.session.cookie_jar.update_cookies(old_cookies, muffin.make_url("/"))
    status, _, text = await finish(muffin, callback)
    assert status == 400 and "already used" in text
    assert await count(muffin, UsedNonce) == 1
    assert await count(muffin, Student) == 1


async def test_expired_state_is_refused_and_nothing_is_stored(muffin: Any, sandbox: Any) -> None:
    callback = await consent(muffin, await start(muffin, "north"), user_id=NORTH_STUDENT)
    states = muffin.app[login_states_key]
    later = datetime.now(UTC) + timedelta(minutes=10, seconds=1)
    states.clock = lambda: later
    status, _, text = await finish(muffin, callback)
    assert status == 400 and "took too long" in text
    assert await nothing_stored(muffin)


async def test_a_used_code_cannot_be_used_again(muffin: Any, sandbox: Any) -> None:
    first = await consent(muffin, await start(muffin, "north"), user_id=NORTH_STUDENT)
    assert (await finish(muffin, first))[0] == 302
    await muffin.post("/logout", data={"csrf_token": await csrf_of(muffin)})
    async with muffin.app[db_key]() as session:
        await session.execute(CanvasToken.__table__.delete())
        await session.commit()

    # A fresh state from this browser, paired with the already-used code.
    fresh_state = dict(p.split("=", 1) for p in urlsplit(await start(muffin, "north")).query.split("&"))["state"]
    old_code = first.split("code=", 1)[1].split("&", 1)[0]
    status, _, text = await finish(muffin, callback_with(first, code=old_code, state=fresh_state))
    assert status == 400 and "already used or is older than 10 minutes" in text
    assert "invalid_grant" in text
    assert await count(muffin, CanvasToken) == 0
    assert (await muffin.get("/me", allow_redirects=False)).status == 302


async def test_redirect_uri_mismatch_stops_at_canvas(make_muffin: Any, sandbox: Any) -> None:
    # localhost is not on the key's list (only :8080), and the legacy host rule is 127.0.0.1.
    table, env = school_table(sandbox, "north")
    muffin = await make_muffin([table], env, public_host="localhost")
    authorize_url = await start(muffin, "north")
    assert "redirect_uri=http://localhost:" in authorize_url
    answer = await muffin.session.get(authorize_url, allow_redirects=False)
    assert answer.status == 400
    assert (await answer.json())["error"] == "invalid_request"
    assert await nothing_stored(muffin)


async def test_unknown_client_id_stops_at_canvas(make_muffin: Any, sandbox: Any) -> None:
    table, env = school_table(sandbox, "north", client_id="99999999")
    muffin = await make_muffin([table], env)
    answer = await muffin.session.get(await start(muffin, "north"), allow_redirects=False)
    assert answer.status == 401
    assert (await answer.json())["error"] == "invalid_client"
    assert await nothing_stored(muffin)


async def test_wrong_client_secret_names_the_school_and_links_the_admin_page(make_muffin: Any,
                                                                            sandbox: Any) -> None:
    table, env = school_table(sandbox, "north")
    env = {**env, table["client_secret_env"]: "not-the-secret"}
    muffin = await make_muffin([table], env)
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    assert login.status == 403
    assert "North State University has not switched Homework Muffin on yet" in login.text
    assert 'href="/schools/north/admin"' in login.text
    assert "not-the-secret" not in login.text
    assert await nothing_stored(muffin)


def _inherited_config(sandbox: Any, slug: str) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any]]:
    school = sandbox.world.schools[slug]
    table = {"slug": slug, "name": school.name, "canvas_url": sandbox.schools[slug].url, "key": "muffin",
             "time_zone": school.time_zone}
    keys = {"muffin": {"client_id": INHERITED_CLIENT_ID, "client_secret_env": "INHERITED_SECRET"}}
    return [table], {"INHERITED_SECRET": school.inherited_key.client_secret}, keys


async def test_key_not_enabled_at_the_school_shows_student_and_admin_pages(make_muffin: Any,
                                                                           sandbox: Any) -> None:
    tables, env, keys = _inherited_config(sandbox, "south")
    muffin = await make_muffin(tables, env, keys=keys)
    login = await sign_in(muffin, "south", user_id=SOUTH_STUDENT)
    assert login.callback_query["error"] == "unauthorized_client"
    assert login.status == 403
    south = sandbox.world.schools["south"].name
    assert f"{south} has not switched Homework Muffin on yet" in login.text
    assert INHERITED_CLIENT_ID in login.text
    assert await nothing_stored(muffin)

    admin = await muffin.get("/schools/south/admin")
    html = (await admin.text()).replace("<wbr>", "")  # break hints for phones
    assert admin.status == 200
    assert INHERITED_CLIENT_ID in html
    assert str(muffin.make_url("/oauth/callback")) in html
    assert "Developer Keys → Inherited" in html and "<strong>On</strong>" in html
    assert sandbox.world.schools["south"].inherited_key.client_secret not in html
    assert (await muffin.get("/schools/atlantis/admin")).status == 404


async def test_inherited_key_works_where_the_school_switched_it_on(make_muffin: Any, sandbox: Any) -> None:
    tables, env, keys = _inherited_config(sandbox, "north")
    muffin = await make_muffin(tables, env, keys=keys)
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    assert login.query["client_id"] == INHERITED_CLIENT_ID
    assert (login.status, login.location) == (302, "/me")


def _scoped_table(sandbox: Any, scopes: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    key = next(k for k in sandbox.world.schools["north"].keys if k.require_scopes)
    table, env = school_table(sandbox, "north", client_id=key.client_id, client_secret_env="SCOPED_SECRET",
                              scopes=scopes)
    return table, {**env, "SCOPED_SECRET": key.client_secret}


async def test_scoped_key_gets_exactly_its_scopes(make_muffin: Any, sandbox: Any) -> None:
    table, env = _scoped_table(sandbox, READ_ONLY_SCOPES)
    muffin = await make_muffin([table], env)
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    assert login.query["scope"] == " ".join(READ_ONLY_SCOPES)
    assert (login.status, login.location) == (302, "/me")
    grant = next(iter(sandbox.schools["north"].state.tokens.grants.values()))
    assert grant.scopes == READ_ONLY_SCOPES


async def test_invalid_scope_is_explained_with_the_admin_link(make_muffin: Any, sandbox: Any) -> None:
    table, env = _scoped_table(sandbox, ["url:GET|/api/v1/users/:user_id/messages"])
    muffin = await make_muffin([table], env)
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    assert login.callback_query["error"] == "invalid_scope"
    assert login.status == 400
    assert "does not include the permissions" in login.text and "/schools/north/admin" in login.text
    assert await nothing_stored(muffin)


async def test_pkce_sends_an_s256_challenge_and_the_verifier(make_muffin: Any, sandbox: Any) -> None:
    table, env = school_table(sandbox, "north", pkce=True)
    muffin = await make_muffin([table], env)
    login = await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    assert login.query["code_challenge_method"] == "S256"
    assert len(login.query["code_challenge"]) == 43
    # The sandbox checks the verifier against the challenge: success proves we sent the right one.
    assert (login.status, login.location) == (302, "/me")


@pytest.mark.parametrize("error", ["invalid_request", "server_error"])
async def test_other_canvas_errors_get_a_clear_page(muffin: Any, sandbox: Any, error: str) -> None:
    authorize_url = await start(muffin, "north")
    state = authorize_url.split("state=", 1)[1].split("&", 1)[0]
    status, _, text = await finish(muffin, str(muffin.make_url("/oauth/callback")) + "?" + urlencode(
        {"error": error, "error_description": "<b>bad</b>", "state": state}))
    assert status == 400
    assert "Canvas said:" in text and "&lt;b&gt;bad&lt;/b&gt;" in text and "<b>bad" not in text
    assert "Try again" in text or "Start again" in text
    assert await nothing_stored(muffin)


async def test_logout_ends_only_the_session(muffin: Any, sandbox: Any) -> None:
    await sign_in(muffin, "north", user_id=NORTH_STUDENT)
    refused = await muffin.post("/logout", allow_redirects=False)
    assert refused.status == 403
    done = await muffin.post("/logout", data={"csrf_token": await csrf_of(muffin)}, allow_redirects=False)
    assert (done.status, done.headers["Location"]) == (303, "/")
    assert (await muffin.get("/me", allow_redirects=False)).headers["Location"] == "/"
    assert await count(muffin, Student) == 1 and await count(muffin, CanvasToken) == 1
    assert len(sandbox.schools["north"].state.tokens.grants) == 1
