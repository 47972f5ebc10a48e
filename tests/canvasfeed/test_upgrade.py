"""One student, one URL: every way a calendar-feed student reaches Canvas sign-in.

Each path of the upgrade (signed in, signed out, a stale session cookie, two
browsers, pasting the feed URL again afterwards) ends with one student row
and one working calendar URL; so do two rows of one person (folded into one,
with a fresh URL) and a school that switches Homework Muffin on. Real sockets:
our server and the Canvas sandbox, on both engines.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from feedserver.app import SESSION_COOKIE
from feedserver.feeds.tokens import resolve_feed_token
from feedserver.store.feed_students import feed_user_id
from feedserver.store.models import Assignment, FeedToken, Institution, Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.auth.helpers import csrf_of, session_cookie, sign_in
from tests.canvasfeed.conftest import MakeMuffin
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, feed_link_on_me, feed_path, post_feed_url

NORTH_STUDENT = 1001


def sends_to_sign_in(answer: tuple[int, str | None, str]) -> bool:
    """The connect form's answer sends the browser to sign in with Canvas at north, back to /me."""
    status, location, _ = answer
    parts = urlsplit(location or "")
    return status == 303 and parts.path == "/login" and parse_qs(parts.query) == {
        "institution": ["north"], "return_to": ["/me"]}


async def connect_feed(muffin: TestClient, sandbox: Any, user_id: int = NORTH_STUDENT) -> str:
    """Paste the student's Canvas feed URL; the calendar link /me then shows."""
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", user_id)))[:2] == (303, "/me")
    return await feed_link_on_me(muffin)


async def students(muffin: TestClient) -> list[Student]:
    async with muffin.app[db_key]() as session:
        return list((await session.scalars(select(Student).order_by(Student.id))).all())


def token_of(link: str) -> str:
    return feed_path(link).removeprefix("/feeds/").removesuffix(".ics")


async def one_student_one_url(muffin: TestClient, link: str) -> Student:
    """The database holds one student and one calendar URL, and `link` is it and works."""
    async with muffin.app[db_key]() as session:
        (student,) = (await session.scalars(select(Student))).all()
        (kind,) = (await session.scalars(select(FeedToken.kind))).all()
    assert kind == "all"
    assert await resolve_feed_token(muffin.app[db_key], token_of(link)) == (student.id, "all")
    assert (await muffin.get(feed_path(link))).status == 200
    return student


async def sign_out(muffin: TestClient) -> None:
    assert (await muffin.post("/logout", data={"csrf_token": await csrf_of(muffin)},
                              allow_redirects=False)).status == 303


async def test_signed_in_the_feed_student_becomes_the_canvas_student(make_muffin: MakeMuffin,
                                                                     sandbox: Any) -> None:
    muffin = await make_muffin()
    link = await connect_feed(muffin, sandbox)
    assert (await sign_in(muffin, "north", user_id=NORTH_STUDENT)).status == 302
    student = await one_student_one_url(muffin, link)
    assert (student.source, student.canvas_user_id, student.canvas_feed_url_enc) == ("oauth", "1001", None)
    assert await feed_link_on_me(muffin) == link


async def test_signed_out_the_canvas_profile_finds_the_feed_student(make_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_muffin()
    link = await connect_feed(muffin, sandbox)
    await sign_out(muffin)
    assert (await sign_in(muffin, "north", user_id=NORTH_STUDENT)).status == 302
    assert (await one_student_one_url(muffin, link)).source == "oauth"
    assert await feed_link_on_me(muffin) == link


async def test_two_browsers_feed_first(make_muffin: MakeMuffin, sandbox: Any, aiohttp_client: Any) -> None:
    phone = await make_muffin()
    link = await connect_feed(phone, sandbox)
    laptop = await aiohttp_client(phone.server)  # another browser: its own cookies
    assert (await sign_in(laptop, "north", user_id=NORTH_STUDENT)).status == 302
    assert (await one_student_one_url(laptop, link)).source == "oauth"
    assert await feed_link_on_me(laptop) == link


async def test_two_browsers_canvas_first_then_pasting_the_feed(make_muffin: MakeMuffin, sandbox: Any,
                                                               aiohttp_client: Any) -> None:
    laptop = await make_muffin()
    assert (await sign_in(laptop, "north", user_id=NORTH_STUDENT)).status == 302
    link = await feed_link_on_me(laptop)
    phone = await aiohttp_client(laptop.server)
    fetched = len(sandbox.schools["north"].state.request_log)
    # The feed is the Canvas student's own (their profile says so): no feed student, no fetch;
    # the phone signs in with Canvas, since a feed URL is no key to a Canvas-connected account.
    assert sends_to_sign_in(await post_feed_url(phone, canvas_feed_url(sandbox, "north", NORTH_STUDENT)))
    assert len(sandbox.schools["north"].state.request_log) == fetched
    assert (await phone.get("/me", allow_redirects=False)).status == 302
    await one_student_one_url(laptop, link)
    assert (await sign_in(phone, "north", user_id=NORTH_STUDENT)).status == 302
    assert await feed_link_on_me(phone) == link
    await one_student_one_url(phone, link)


async def test_pasting_the_feed_again_after_upgrading_finds_the_canvas_student(make_muffin: MakeMuffin,
                                                                               sandbox: Any) -> None:
    muffin = await make_muffin()
    link = await connect_feed(muffin, sandbox)
    assert (await sign_in(muffin, "north", user_id=NORTH_STUDENT)).status == 302
    url = canvas_feed_url(sandbox, "north", NORTH_STUDENT)
    assert (await post_feed_url(muffin, url))[:2] == (303, "/me")  # signed in as them already
    await sign_out(muffin)
    assert sends_to_sign_in(await post_feed_url(muffin, url))
    assert (await muffin.get("/me", allow_redirects=False)).status == 302  # the URL signed nobody in
    assert (await one_student_one_url(muffin, link)).source == "oauth"


async def test_a_stale_session_cookie_after_the_school_switches_us_on(make_muffin: MakeMuffin,
                                                                      sandbox: Any) -> None:
    before = await make_muffin(schools=["south"])  # north has not switched Homework Muffin on yet
    link = await connect_feed(before, sandbox)
    cookie = session_cookie(before)
    await before.close()

    after = await make_muffin()  # restarted with north configured: the stand-in row is folded in
    async with after.app[db_key]() as session:
        (student,) = (await session.scalars(select(Student))).all()
        school = await session.get(Institution, student.institution_id)
        stand_ins = (await session.scalars(select(Institution).where(Institution.configured.is_(False)))).all()
    assert school is not None and school.slug == "north" and stand_ins == []
    await one_student_one_url(after, link)
    assert cookie is not None
    after.session.cookie_jar.update_cookies({SESSION_COOKIE: cookie})
    assert session_cookie(after) == cookie
    assert (await after.get("/me", allow_redirects=False)).status == 302  # the cookie named the stand-in row
    assert (await sign_in(after, "north", user_id=NORTH_STUDENT)).status == 302
    upgraded = await one_student_one_url(after, link)
    assert (upgraded.id, upgraded.source, upgraded.canvas_user_id) == (student.id, "oauth", "1001")


async def test_two_rows_of_one_student_become_one_with_a_fresh_link(make_muffin: MakeMuffin, sandbox: Any,
                                                                    aiohttp_client: Any) -> None:
    """An OAuth row that never named its feed (signed in before this rule) meets the feed student."""
    laptop = await make_muffin()
    db = laptop.app[db_key]
    assert (await sign_in(laptop, "north", user_id=NORTH_STUDENT)).status == 302
    oauth_link = await feed_link_on_me(laptop)
    (oauth,) = await students(laptop)
    assert (await laptop.app[sync_service_key].sync_student(oauth.id)).outcome == "ok"
    async with db.begin() as session:
        await session.execute(update(Student).values(canvas_feed_id=None, settings={"event_style": "all_day"}))
    phone = await aiohttp_client(laptop.server)
    feed_link = await connect_feed(phone, sandbox)
    oauth_row, feed_row = await students(laptop)
    async with db.begin() as session:
        await session.execute(update(Student).where(Student.id == feed_row.id)
                              .values(settings={"event_style": "timed", "submitted": "hide"}))
        estimated = await session.scalar(select(Assignment).where(
            Assignment.student_id == feed_row.id, Assignment.canvas_assignment_id.in_(
                select(Assignment.canvas_assignment_id).where(Assignment.student_id == oauth_row.id))).limit(1))
        assert estimated is not None
        estimated.est_hours_override = 2.5
        assignment_id = estimated.canvas_assignment_id

    assert (await sign_in(phone, "north", user_id=NORTH_STUDENT)).status == 302
    # /me says so once, on whichever device the student opens it next.
    assert "Your calendar link changed" in await (await laptop.get("/me")).text()
    assert "Your calendar link changed" not in await (await phone.get("/me")).text()
    fresh = await feed_link_on_me(phone)
    merged = await one_student_one_url(phone, fresh)
    assert merged.id == oauth_row.id  # the Canvas user's own row survives
    assert fresh not in (oauth_link, feed_link)
    for old in (oauth_link, feed_link):  # someone else may have known either: both are dead
        assert (await phone.get(feed_path(old))).status == 404
    assert merged.settings == {"event_style": "all_day", "submitted": "hide"}  # its own choices win
    async with db() as session:
        assert await session.scalar(select(Assignment.est_hours_override).where(
            Assignment.student_id == merged.id, Assignment.canvas_assignment_id == assignment_id)) == 2.5
    assert merged.canvas_feed_id == feed_user_id(sandbox.world.users[NORTH_STUDENT].feed_uuid)


async def test_a_feed_reset_in_canvas_starts_clean(make_muffin: MakeMuffin, sandbox: Any) -> None:
    """The profile names the new feed: the old feed student cannot be proven theirs, and stays as it was."""
    muffin = await make_muffin()
    old_link = await connect_feed(muffin, sandbox)
    sandbox.world.users[NORTH_STUDENT].feed_uuid = "reset" + "0" * 35
    assert (await sign_in(muffin, "north", user_id=NORTH_STUDENT)).status == 302
    old, new = await students(muffin)
    assert (old.source, new.source, new.canvas_user_id) == ("canvas_feed", "oauth", "1001")
    assert new.canvas_feed_id == feed_user_id("reset" + "0" * 35)
    assert await feed_link_on_me(muffin) != old_link
    assert await resolve_feed_token(muffin.app[db_key], token_of(old_link)) == (old.id, "all")
    # Pasting the new feed URL finds the Canvas student.
    new_url = canvas_feed_url(sandbox, "north", NORTH_STUDENT)
    assert (await post_feed_url(muffin, new_url))[:2] == (303, "/me")
    assert len(await students(muffin)) == 2


async def test_a_school_switched_on_again_folds_a_feed_it_already_knows(make_muffin: MakeMuffin,
                                                                        sandbox: Any) -> None:
    """North was on (a Canvas student), off (the same student pastes their feed), on again."""
    first = await make_muffin()
    assert (await sign_in(first, "north", user_id=NORTH_STUDENT)).status == 302
    await first.close()
    off = await make_muffin(schools=["south"])
    await connect_feed(off, sandbox)
    assert [s.source for s in await students(off)] == ["oauth", "canvas_feed"]
    await off.close()

    on = await make_muffin()
    (student,) = await students(on)
    assert (student.source, student.canvas_user_id, student.feed_link_changed_at is not None) == (
        "oauth", "1001", True)
    async with on.app[db_key]() as session:
        assert (await session.scalars(select(Institution.slug).order_by(Institution.slug))).all() == [
            "north", "south"]
