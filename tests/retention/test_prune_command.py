"""`muffin-feed prune --dry-run` shows what would go and changes nothing; `muffin-feed prune` does it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from feedserver.cli import main
from feedserver.store.db import create_engine, make_sessionmaker, migrate
from feedserver.store.institutions import sync_institutions
from feedserver.store.models import Student, SyncRun
from feedserver.store.students import upsert_student
from tests.conftest import SECRET_KEY, make_config

NOW = datetime.now(UTC)
SCHOOL = {"slug": "north", "canvas_url": "https://canvas.north.example", "client_id": "1",
          "client_secret_env": "NORTH_SECRET"}


def write_config(path: Path, database: str) -> Path:
    path.write_text(f'[server]\npublic_url = "http://127.0.0.1:8080"\ndatabase = "{database}"\n\n'
                    "[[institution]]\n" + "".join(f'{k} = "{v}"\n' for k, v in SCHOOL.items()), encoding="utf-8")
    return path


async def seed(database: str) -> dict[str, int]:
    """Three students: one unused for 200 days (warned long enough ago), one for 160, one active; old runs."""
    engine = create_engine(database)
    try:
        await migrate(engine)
        db = make_sessionmaker(engine)
        await sync_institutions(db, make_config({"database": database}, [SCHOOL], {"NORTH_SECRET": "s"}).institutions)
        ids = {name: await upsert_student(db, "north", str(n), name) for n, name in enumerate(("gone", "warn", "kept"))}
        async with db.begin() as session:
            for name, days, due in (("gone", 200, NOW - timedelta(days=1)), ("warn", 160, None), ("kept", 3, None)):
                await session.execute(update(Student).where(Student.id == ids[name]).values(
                    last_active_at=NOW - timedelta(days=days), deletion_due_at=due))
            for days in (300, 1):
                session.add(SyncRun(student_id=ids["kept"], started_at=NOW - timedelta(days=days), outcome="ok"))
        return ids
    finally:
        await engine.dispose()


async def state(database: str) -> tuple[set[str], int, int]:
    """(canvas user ids left, students warned, sync runs)."""
    engine = create_engine(database)
    try:
        async with make_sessionmaker(engine)() as session:
            users = set((await session.scalars(select(Student.canvas_user_id))).all())
            warned = await session.scalar(select(func.count()).select_from(Student)
                                          .where(Student.deletion_due_at.is_not(None)))
            runs = await session.scalar(select(func.count()).select_from(SyncRun))
        return users, int(warned or 0), int(runs or 0)
    finally:
        await engine.dispose()


def test_prune_dry_run_then_prune(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MUFFIN_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("NORTH_SECRET", "s")
    config = write_config(tmp_path / "muffin.toml", database_url)
    ids = asyncio.run(seed(database_url))

    assert main(["prune", "--dry-run", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    assert "would warn 1 inactive student(s)" in shown and f"student {ids['warn']}:" in shown
    assert "would delete 1 student(s)" in shown and f"student {ids['gone']}:" in shown
    assert "would prune 1 sync-run record(s)" in shown
    assert asyncio.run(state(database_url)) == ({"0", "1", "2"}, 1, 2)  # nothing changed

    assert main(["prune", "--config", str(config)]) == 0
    done = capsys.readouterr().out
    assert "warned 1" in done and "deleted 1" in done and "pruned 1" in done
    assert asyncio.run(state(database_url)) == ({"1", "2"}, 1, 1)
