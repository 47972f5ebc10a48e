"""The store on both engines: migrations, UTC round-trips, cascading deletes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text, update

from feedserver.store.db import SessionMaker, create_engine, make_sessionmaker, migrate
from feedserver.store.models import Assignment, CanvasToken, Course, FeedToken, Institution, Student
from tests.store.fixtures import add_school_and_student


async def test_migrations_apply_from_empty_and_are_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        await migrate(engine)  # a second start finds nothing to do
        async with engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version
    finally:
        await engine.dispose()


async def _seed_student(db) -> int:
    async with db.begin() as session:
        student = await add_school_and_student(session)
        course = Course(student_id=student.id, canvas_course_id="7", name="History", course_code="HIST 101")
        session.add(course)
        await session.flush()
        session.add(Assignment(student_id=student.id, course_id=course.id, canvas_assignment_id="99",
                               title="Essay", content_hash="x",
                               due_at=datetime(2026, 10, 9, 23, 59, tzinfo=timezone(timedelta(hours=-5)))))
        session.add(CanvasToken(student_id=student.id, access_token_enc="enc"))
        session.add(FeedToken(student_id=student.id, token_hash="h" * 64, token_enc="enc"))
        return student.id


async def test_datetimes_come_back_as_aware_utc(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    db = make_sessionmaker(engine)
    try:
        await _seed_student(db)
        async with db() as session:
            due = await session.scalar(select(Assignment.due_at))
        assert due == datetime(2026, 10, 10, 4, 59, tzinfo=UTC)
        assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    finally:
        await engine.dispose()


async def test_naive_datetimes_are_refused(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    db = make_sessionmaker(engine)
    try:
        with pytest.raises(Exception, match="naive datetime"):
            async with db.begin() as session:
                session.add(Institution(slug="s", name="S", canvas_host="h"))
                await session.flush()
                session.add(Student(institution_id=1, canvas_user_id="1", last_sync_at=datetime(2026, 1, 1)))
    finally:
        await engine.dispose()


async def test_deleting_a_student_deletes_everything_they_own(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    db = make_sessionmaker(engine)
    try:
        student_id = await _seed_student(db)
        async with db.begin() as session:
            await session.delete(await session.get(Student, student_id))
        async with db() as session:
            for model in (Course, Assignment, CanvasToken, FeedToken):
                assert await session.scalar(select(func.count()).select_from(model)) == 0, model
            assert await session.scalar(select(func.count()).select_from(Institution)) == 1
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(sqlite_url)
    await migrate(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_sqlite_reads_do_not_wait_for_a_write_transaction(sqlite_db: SessionMaker) -> None:
    db = sqlite_db
    student_id = await _seed_student(db)
    async with db.begin() as writing:
        await writing.execute(update(Student).where(Student.id == student_id).values(display_name="Grace"))
        await writing.flush()
        async with db() as reading:  # a snapshot from before the write, at once
            name = await asyncio.wait_for(
                reading.scalar(select(Student.display_name).where(Student.id == student_id)), 5)
        assert name == "Ada"
    async with db() as reading:
        assert await reading.scalar(select(Student.display_name).where(Student.id == student_id)) == "Grace"


async def test_sqlite_write_transactions_queue_in_arrival_order(sqlite_db: SessionMaker) -> None:
    db = sqlite_db
    order: list[int] = []

    async def write(n: int) -> None:
        async with db.begin() as session:
            session.add(Institution(slug=f"s{n}", name=f"S{n}", canvas_host=f"canvas.s{n}.edu"))
            await session.flush()
            await asyncio.sleep(0)  # another writer's turn would interleave here without the queue
            order.append(n)

    await asyncio.gather(*(write(n) for n in range(20)))
    assert order == list(range(20))
    with pytest.raises(RuntimeError, match="inside another"):
        async with db.begin():
            async with db.begin():
                pass
