"""The OAuth upgrade of a feed student: which rows take over, and when nothing happens."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from feedserver.feeds.tokens import resolve_feed_token
from feedserver.store.feed_students import upgrade_feed_student
from feedserver.store.models import Institution, Student
from feedserver.typedefs import db_key
from tests.auth.helpers import count, sign_in
from tests.canvasfeed.conftest import MakeMuffin
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, post_feed_url

_TOKEN = re.compile(r"/feeds/([A-Za-z0-9_-]+)\.ics")
NOW = datetime(2026, 9, 1, tzinfo=UTC)


async def feed_token_on_me(muffin: Any) -> str:
    return _TOKEN.search(await (await muffin.get("/me")).text()).group(1)  # type: ignore[union-attr]


async def test_a_feed_student_merges_into_an_existing_oauth_student(make_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_muffin()
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    assert (await sign_in(muffin, "north", user_id=1001)).status == 302  # on a laptop, long ago
    muffin.session.cookie_jar.clear()
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", 1001)))[0] == 303  # on a phone
    subscribed = await feed_token_on_me(muffin)
    assert await count(muffin, Student) == 2

    assert (await sign_in(muffin, "north", user_id=1001)).status == 302
    async with muffin.app[db_key]() as session:
        (student,) = (await session.scalars(select(Student))).all()
    assert (student.source, student.canvas_user_id) == ("oauth", "1001")
    # The URL the phone's calendar subscribed to now belongs to the one remaining student.
    assert await resolve_feed_token(muffin.app[db_key], subscribed) == (student.id, "all")
    assert await feed_token_on_me(muffin) == subscribed


async def test_only_a_feed_student_of_the_same_school_is_upgraded(make_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_muffin()
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    db = muffin.app[db_key]
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", 1001)))[0] == 303
    async with db() as session:
        feed_id = (await session.scalars(select(Student.id))).one()
    assert await upgrade_feed_student(db, feed_id, "south", "2001", "Somebody", None, NOW) is None
    assert await upgrade_feed_student(db, feed_id + 1000, "north", "1001", "Ana", None, NOW) is None
    assert await upgrade_feed_student(db, feed_id, "north", "1001", "Ana", "America/Chicago", NOW) == feed_id
    # Now an OAuth student: a second upgrade is not one.
    assert await upgrade_feed_student(db, feed_id, "north", "1002", "Ben", None, NOW) is None
    async with db() as session:
        student = await session.get(Student, feed_id)
    assert student is not None
    assert (student.canvas_user_id, student.source, student.time_zone, student.canvas_feed_url_enc) == (
        "1001", "oauth", "America/Chicago", None)


async def test_signing_in_as_someone_else_leaves_the_feed_student_alone(make_muffin: MakeMuffin,
                                                                        sandbox: Any) -> None:
    """A feed student signs in at a different school: that is a new student, not an upgrade."""
    muffin = await make_muffin()
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", 1001)))[0] == 303
    south_user = next(u.id for u in sandbox.world.users.values() if u.school == "south")
    assert (await sign_in(muffin, "south", user_id=south_user)).status == 302
    async with muffin.app[db_key]() as session:
        sources = sorted((await session.scalars(select(Student.source))).all())
    assert sources == ["canvas_feed", "oauth"]


async def test_feed_students_move_to_their_school_when_it_switches_us_on(make_muffin: MakeMuffin,
                                                                         sandbox: Any) -> None:
    before = await make_muffin(schools=["south"])  # north has not switched Homework Muffin on yet
    sandbox.schools["north"].state.now = lambda: BEFORE_TERM
    url = canvas_feed_url(sandbox, "north", 1001)
    assert (await post_feed_url(before, url))[0] == 303
    subscribed = await feed_token_on_me(before)
    await before.close()

    after = await make_muffin()  # restarted with north configured: the stand-in row is folded in
    async with after.app[db_key]() as session:
        (student,) = (await session.scalars(select(Student))).all()
        school = await session.get(Institution, student.institution_id)
        stand_ins = (await session.scalars(select(Institution).where(Institution.configured.is_(False)))).all()
    assert school is not None and school.slug == "north" and stand_ins == []
    assert (await after.get(f"/feeds/{subscribed}.ics")).status == 200
    assert (await post_feed_url(after, url))[0] == 303  # pasting it again finds the same student
    assert await count(after, Student) == 1
    assert (await sign_in(after, "north", user_id=1001)).status == 302  # and Canvas sign-in upgrades them
    async with after.app[db_key]() as session:
        (upgraded,) = (await session.scalars(select(Student))).all()
    assert (upgraded.id, upgraded.source, upgraded.canvas_user_id) == (student.id, "oauth", "1001")
