"""Every feed write is announced by the database and heard by every process, on both engines."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from feedserver.feeds.tokens import issue_feed_token
from feedserver.store.feed_changes import CHANNEL, FeedChanges, watch_feed_changes
from feedserver.store.models import FeedChange, FeedToken, RenderedFeed
from feedserver.store.students import delete_student, upsert_student
from tests.scale.conftest import eventually
from tests.store.fixtures import CIPHER, Store


@dataclass
class Heard:
    """What `forget` was told: student ids, and how often "everything"."""

    students: set[int] = field(default_factory=set)
    everything: int = 0

    def __call__(self, students: Collection[int] | None) -> None:
        if students is None:
            self.everything += 1
        else:
            self.students.update(students)


async def heard_after(changes: FeedChanges, heard: Heard) -> set[int]:
    await changes.settle()
    students, heard.students = heard.students, set()
    return students


async def test_token_and_render_writes_from_another_process_are_heard(store: Store,
                                                                      other_process: AsyncEngine) -> None:
    heard = Heard()
    changes = await watch_feed_changes(other_process, heard)
    heard.everything = 0  # PostgreSQL starts by dropping whatever came before LISTEN
    try:
        assert changes.live and changes.catch_up()
        ada = await upsert_student(store.db, "north", "101", "Ada")
        bo = await upsert_student(store.db, "north", "102", "Bo")
        assert await heard_after(changes, heard) == set()  # students alone are no feed change

        await issue_feed_token(store.db, CIPHER, ada)
        assert await heard_after(changes, heard) == {ada}

        async with store.db.begin() as session:
            session.add(RenderedFeed(student_id=bo, kind="all", body=b"BEGIN:VCALENDAR", etag='"1"'))
        assert await heard_after(changes, heard) == {bo}
        async with store.db.begin() as session:
            await session.execute(update(RenderedFeed).where(RenderedFeed.student_id == bo).values(etag='"2"'))
        assert await heard_after(changes, heard) == {bo}

        await delete_student(store.db, ada)  # the token goes by ON DELETE CASCADE, and is still announced
        assert await heard_after(changes, heard) == {ada}
        async with store.db() as session:
            assert await session.scalar(select(func.count()).select_from(FeedToken)) == 0
        assert heard.everything == 0  # nothing was missed, so nothing forces forgetting everyone
    finally:
        await changes.close()


async def test_a_rolled_back_write_is_not_announced(store: Store, other_process: AsyncEngine) -> None:
    heard = Heard()
    changes = await watch_feed_changes(other_process, heard)
    heard.everything = 0
    try:
        ada = await upsert_student(store.db, "north", "101", "Ada")
        async with store.db() as session, session.begin():
            session.add(RenderedFeed(student_id=ada, kind="all", body=b"x", etag='"1"'))
            await session.flush()
            await session.rollback()
        await issue_feed_token(store.db, CIPHER, ada)
        assert await heard_after(changes, heard) == {ada}
        assert heard.everything == 0  # SQLite: the rolled-back row left no gap in the log
    finally:
        await changes.close()


async def test_sqlite_keeps_the_last_changes_and_a_reader_left_behind_forgets_everything(
        store: Store, other_process: AsyncEngine) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL announces changes with NOTIFY and keeps no log")
    heard = Heard()
    changes = await watch_feed_changes(other_process, heard)
    try:
        ada = await upsert_student(store.db, "north", "101", "Ada")
        async with store.engine.begin() as connection:  # more changes than the log keeps
            await connection.exec_driver_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050) "
                f"INSERT INTO feed_changes (student_id) SELECT {ada} FROM n")
        async with store.db() as session:
            assert await session.scalar(select(func.count()).select_from(FeedChange)) == 10_000
        assert changes.catch_up()
        assert heard.everything == 1 and heard.students == set()  # the first 50 are gone: forget everyone
        await issue_feed_token(store.db, CIPHER, ada)
        assert changes.catch_up() and heard.students == {ada} and heard.everything == 1  # in step again
    finally:
        await changes.close()


async def test_sqlite_one_check_answers_for_the_rest_of_its_event_loop_turn(store: Store,
                                                                             other_process: AsyncEngine) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL hears changes as they are sent, with no check per poll")
    heard = Heard()
    changes = await watch_feed_changes(other_process, heard)
    writer = sqlite3.connect(str(store.engine.url.database))  # another process, writing synchronously
    try:
        ada = await upsert_student(store.db, "north", "101", "Ada")
        async with store.db.begin() as session:
            session.add(RenderedFeed(student_id=ada, kind="all", body=b"x", etag='"1"'))
        assert changes.catch_up() and heard.students == {ada}
        heard.students.clear()
        await asyncio.sleep(0)  # one turn of the event loop, no waiting
        assert changes.catch_up() and heard.students == set()  # this turn's check: nothing new

        with writer:
            writer.execute("UPDATE rendered_feeds SET etag = '\"2\"' WHERE student_id = ?", (ada,))
        # Committed after this turn's check: a poll handled in this turn was read before the commit.
        assert changes.catch_up() and heard.students == set()
        await asyncio.sleep(0)  # one turn of the event loop, no waiting
        assert changes.catch_up() and heard.students == {ada}
        heard.students.clear()

        with writer:
            writer.execute("UPDATE rendered_feeds SET etag = '\"3\"' WHERE student_id = ?", (ada,))
        await changes.settle()  # after this process's own write: checked again, within the turn
        assert heard.students == {ada} and heard.everything == 0
    finally:
        writer.close()
        await changes.close()


async def test_postgresql_listener_lost_then_found_again(store: Store, other_process: AsyncEngine) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL listens on a connection of its own")
    heard = Heard()
    changes = await watch_feed_changes(other_process, heard)
    try:
        assert changes.live
        everything = heard.everything
        async with store.engine.connect() as connection:
            ended = (await connection.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_notify(%'")).scalar()
        assert ended == 1
        # Losing the listener drops everything remembered; listening again drops it once more
        # (changes in between went unheard).
        await eventually(lambda: _true(heard.everything >= everything + 2 and changes.live), timeout=10,
                         what="the listener lost and found again", every=0.02)
        ada = await upsert_student(store.db, "north", "101", "Ada")
        await issue_feed_token(store.db, CIPHER, ada)
        assert await heard_after(changes, heard) == {ada}
    finally:
        await changes.close()


async def _true(value: bool) -> bool:
    return value


async def test_postgresql_a_connection_that_stopped_hearing_is_not_trusted(store: Store,
                                                                          other_process: AsyncEngine) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL listens on a connection of its own")
    heard = Heard()
    changes = await watch_feed_changes(other_process, heard)
    try:
        everything = heard.everything
        # What a transaction-mode pooler does to LISTEN: the connection stays up and hears nothing.
        await changes._driver.remove_listener(CHANNEL, changes._on_notice)
        await changes.settle()  # its probe never comes back
        assert not changes.live and heard.everything == everything + 1
        await eventually(lambda: _true(changes.live), timeout=10, what="listening again", every=0.02)
        ada = await upsert_student(store.db, "north", "101", "Ada")
        await issue_feed_token(store.db, CIPHER, ada)
        assert await heard_after(changes, heard) == {ada}
    finally:
        await changes.close()


@pytest.mark.parametrize("turns_between", range(6))
async def test_postgresql_close_ends_the_listener_even_as_the_connection_is_lost(
        store: Store, other_process: AsyncEngine, turns_between: int) -> None:
    # Shutdown racing a lost connection (a database restart, or a test ending with
    # pg_terminate_backend): on Python 3.11, wait_for swallowed the cancel when its wait ended
    # in the same turn, and close() then waited for the listener forever.
    if store.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL listens on a connection of its own")
    changes = await watch_feed_changes(other_process, Heard())
    await changes.settle()  # a probe's round trip: the listener is waiting for a loss now
    changes._on_terminated(None)  # what asyncpg calls when the server ends the connection
    for _ in range(turns_between):
        await asyncio.sleep(0)
    await asyncio.wait_for(changes.close(), 10)
    assert not changes.live
