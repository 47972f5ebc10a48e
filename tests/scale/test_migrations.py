"""Migrations on both engines: every revision in order on a database that holds data,
the result matches the models exactly, and concurrent starts do not collide."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from feedserver.store.db import (
    _alembic_config,
    create_engine,
    make_sessionmaker,
    migrate,
)
from feedserver.store.models import Base, Student
from feedserver.store.students import upsert_student


def _naive_utc_if_sqlite(engine: Any) -> datetime:
    # What UTCDateTime stores: naive UTC on SQLite, timestamptz on PostgreSQL.
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(_alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def test_each_revision_upgrades_a_database_that_holds_data(database_url: str) -> None:
    revisions = revisions_oldest_first()
    engine = create_engine(database_url)
    try:
        await migrate(engine, revisions[0])
        db = make_sessionmaker(engine)
        # Rows written under the oldest schema (in its own columns) must survive every later revision.
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO institutions (slug, name, canvas_host, configured) "
                                    "VALUES ('north', 'North', 'north.example.edu', true)"))
            for user_id, name, source in (("101", "Ada Early", "oauth"), ("feed:0123abcd", "", "canvas_feed")):
                await conn.execute(text(
                    "INSERT INTO students (institution_id, canvas_user_id, display_name, time_zone, source, status, "
                    "settings, created_at, next_sync_at) SELECT id, :user, :name, 'America/Chicago', :source, "
                    "'active', '{}', :now, :now FROM institutions"),
                    {"user": user_id, "name": name, "source": source, "now": _naive_utc_if_sqlite(engine)})
        for revision in revisions[1:]:
            await migrate(engine, revision)
        await migrate(engine)  # head, again: nothing left to do
        async with db() as session:
            students = {s.canvas_user_id: s for s in (await session.scalars(select(Student))).all()}
        assert students["101"].display_name == "Ada Early" and students.keys() == {"101", "feed:0123abcd"}
        # 0003: a feed student owns the feed it connected with; an OAuth student's comes at sign-in.
        assert (students["101"].canvas_feed_id, students["feed:0123abcd"].canvas_feed_id) == (None, "feed:0123abcd")
        assert await upsert_student(db, "north", "101", "Ada Early") == students["101"].id  # the models fit
        # 0004: existing students count as active from the upgrade.
        assert all(s.last_active_at is not None for s in students.values())
        async with engine.connect() as conn:
            current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        assert current == revisions[-1]
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    """A model change without its migration fails here, on the engine that would notice."""
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
        assert diff == []
    finally:
        await engine.dispose()


async def test_processes_starting_together_migrate_once(database_url: str) -> None:
    """Several servers start at once against one empty database (PostgreSQL: the advisory lock)."""
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        async with engines[0].connect() as conn:
            current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        assert current == revisions_oldest_first()[-1]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_processes_opening_a_new_sqlite_file_together_all_start(tmp_path: Path) -> None:
    """Each tries to switch the new file to WAL; SQLite refuses the losers at once, and they must not fail.

    Before the retry, about one race in ten failed with "database is locked",
    so twenty races show it (not running the pragma at all would fail below).
    """
    for attempt in range(20):
        url = f"sqlite:///{tmp_path / f'race-{attempt}.sqlite3'}"
        engines = [create_engine(url) for _ in range(3)]
        try:
            await asyncio.gather(*(migrate(engine) for engine in engines))
            async with engines[0].connect() as conn:
                assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        finally:
            for engine in engines:
                await engine.dispose()
