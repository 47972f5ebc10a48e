"""Two `muffin-feed serve` processes on one PostgreSQL: work is shared, never doubled,
feeds are the same from either, and a process killed mid-sync loses nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from feedserver.store.db import create_engine, make_sessionmaker
from feedserver.store.models import Student, SyncRun
from feedserver.sync.job import utc_now
from tests.conftest import Sandbox

from .conftest import ServeProcess, eventually, new_browser, sandbox_students, sign_in, write_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Polls short enough for a test; a sync timeout no sync reaches even on a starved machine (a sync
# cut short by load would be retried and counted twice), and the lease outlasts it (config validates that).
TIMING = {"sync_interval_minutes": 60, "sync_poll_seconds": 0.2, "sync_jitter": 0.0,
          "sync_lease_seconds": 31.0, "sync_timeout_seconds": 30.0, "sync_batch_size": 2}


@pytest.fixture(autouse=True)
def scheduler_reads_timing() -> None:
    """These tests need the scheduler to take its timing from the config (the `sync_*` keys)."""
    from feedserver.sync.job import SyncDeps
    from feedserver.sync.scheduler import SyncService
    from tests.conftest import make_config

    service = SyncService(SyncDeps(config=make_config({k: v for k, v in TIMING.items()}), db=None,  # type: ignore[arg-type]
                                   http=None, tokens=None))  # type: ignore[arg-type]
    if service.lease != timedelta(seconds=TIMING["sync_lease_seconds"]):
        pytest.skip("feedserver/sync/scheduler.py does not read sync_lease_seconds & co. from the config yet")


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[async_sessionmaker]:
    engine = create_engine(postgres_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def fetch(url: str, etag: str | None = None) -> tuple[int, bytes, str | None]:
    headers = {"If-None-Match": etag} if etag else {}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
        return resp.status, await resp.read(), resp.headers.get("ETag")


async def runs_by_student(db: async_sessionmaker) -> dict[int, list[SyncRun]]:
    async with db() as session:
        runs = (await session.scalars(select(SyncRun).order_by(SyncRun.id))).all()
    found: dict[int, list[SyncRun]] = {}
    for run in runs:
        found.setdefault(run.student_id, []).append(run)
    return found


async def leases_held(db: async_sessionmaker) -> int:
    async with db() as session:
        return int(await session.scalar(
            select(func.count()).select_from(Student).where(Student.sync_lease_owner.is_not(None))))


async def test_two_processes_sync_each_student_once_and_serve_identical_feeds(
        sandbox: Sandbox, postgres_url: str, db: async_sessionmaker, tmp_path: Path,
        serve_processes: Callable[..., ServeProcess], unused_tcp_port_factory: Callable[[], int]) -> None:
    port_a, port_b = unused_tcp_port_factory(), unused_tcp_port_factory()
    # Both processes stand behind one public address, as behind a load balancer.
    public_url = f"http://127.0.0.1:{port_a}"
    signup_toml, sync_toml = tmp_path / "signup.toml", tmp_path / "muffin.toml"
    env = write_config(signup_toml, sandbox, public_url=public_url, database=postgres_url,
                       background_sync=False)
    write_config(sync_toml, sandbox, public_url=public_url, database=postgres_url, background_sync=True, **TIMING)

    # 1. Every sandbox student signs in through the real OAuth flow, with no sync running yet.
    signup = await serve_processes(signup_toml, port_a, env).start()
    tokens: dict[tuple[str, int], str] = {}
    for school, user_id in sandbox_students(sandbox):
        async with new_browser() as browser:
            tokens[(school, user_id)] = await sign_in(browser, signup.url, school, user_id)
    assert len(tokens) == 10
    signup.stop()
    async with db.begin() as session:  # nobody is due until both processes run
        await session.execute(update(Student).values(next_sync_at=utc_now() + timedelta(days=1)))
    for school in sandbox.schools.values():
        school.state.clear_request_log()
        # Syncs take a moment, so the two processes' rounds overlap.
        school.state.faults.update({"latency_seconds": 0.05})

    # 2. Two processes with background sync; then everyone falls due at once.
    a = await serve_processes(sync_toml, port_a, env).start()
    b = await serve_processes(sync_toml, port_b, env).start()
    async with db.begin() as session:
        await session.execute(update(Student).values(next_sync_at=utc_now()))

    async def round_done() -> dict[int, list[SyncRun]] | None:
        runs = await runs_by_student(db)
        return runs if len(runs) == 10 and await leases_held(db) == 0 else None

    runs = await eventually(round_done, timeout=60, what="one sync of every student")

    # 3. Exactly once each, both processes took part, and Canvas saw one sync's worth per student.
    # (A second run means a sync outlived its lease or timeout: on a starved machine, say which.)
    assert {sid: len(r) for sid, r in runs.items()} == {sid: 1 for sid in runs}, {
        sid: [(run.outcome, run.error, run.worker, run.started_at, run.finished_at) for run in r]
        for sid, r in runs.items() if len(r) > 1}
    assert all(r[0].outcome == "ok" for r in runs.values()), [r[0].error for r in runs.values()]
    pids = {run.worker.split(":")[1] for r in runs.values() for run in r if run.worker}
    assert pids == {str(a.pid), str(b.pid)}
    async with db() as session:
        canvas_ids = dict((await session.execute(select(Student.id, Student.canvas_user_id))).all())
    seen: Counter[int] = Counter()
    for school in sandbox.schools.values():
        seen.update({k: v for k, v in school.state.requests_by_user().items() if k is not None})
    expected = {int(canvas_ids[sid]): r[0].requests for sid, r in runs.items()}
    assert dict(seen) == expected
    assert all(n >= 2 for n in expected.values())  # /courses plus at least one course's assignments

    # 4. Same bytes and ETag from either process; each honours the other's ETag.
    for token in tokens.values():
        status_a, body_a, etag_a = await fetch(f"{a.url}/feeds/{token}.ics")
        status_b, body_b, etag_b = await fetch(f"{b.url}/feeds/{token}.ics")
        assert (status_a, status_b) == (200, 200)
        assert body_a == body_b and b"BEGIN:VEVENT" in body_a
        assert etag_a is not None and etag_a == etag_b
        assert (await fetch(f"{b.url}/feeds/{token}.ics", etag_a))[0] == 304
        assert (await fetch(f"{a.url}/feeds/{token}.ics", etag_b))[0] == 304


async def test_a_process_killed_mid_sync_loses_nothing(
        sandbox: Sandbox, postgres_url: str, db: async_sessionmaker, tmp_path: Path,
        serve_processes: Callable[..., ServeProcess], unused_tcp_port_factory: Callable[[], int]) -> None:
    port_a, port_b = unused_tcp_port_factory(), unused_tcp_port_factory()
    config = tmp_path / "muffin.toml"
    # The victim must still be mid-sync when it is killed, not past its own sync timeout, even on a busy
    # machine: the timeout leaves seconds between the claim being seen and the kill.
    timing = {**TIMING, "sync_timeout_seconds": 7.0, "sync_lease_seconds": 8.0}
    env = write_config(config, sandbox, public_url=f"http://127.0.0.1:{port_a}", database=postgres_url,
                       background_sync=True, **timing)
    a = await serve_processes(config, port_a, env).start()
    b = await serve_processes(config, port_b, env).start()
    school, user_id = sandbox_students(sandbox)[0]
    async with new_browser() as browser:
        token = await sign_in(browser, a.url, school, user_id)

    async def first_sync_done() -> list[SyncRun] | None:
        runs = [r for rs in (await runs_by_student(db)).values() for r in rs]
        return runs if len(runs) == 1 and await leases_held(db) == 0 else None

    [first] = await eventually(first_sync_done, timeout=30, what="the first background sync")
    assert first.outcome == "ok"
    _, old_body, old_etag = await fetch(f"{b.url}/feeds/{token}.ics")

    # Canvas hangs; the student falls due; whichever process claims them dies with the claim held.
    faults = sandbox.schools[school].state.faults
    faults.update({"slow_seconds": 10.0})
    async with db.begin() as session:
        await session.execute(update(Student).values(next_sync_at=utc_now()))

    async def claimed() -> tuple[str, object] | None:
        async with db() as session:
            row = (await session.execute(select(Student.sync_lease_owner, Student.sync_lease_expires_at))).one()
        return (row[0], row[1]) if row[0] else None

    owner, lease_expires = await eventually(claimed, timeout=30, what="a process to claim the student")
    victim, survivor = (a, b) if owner.split(":")[1] == str(a.pid) else (b, a)
    assert owner.split(":")[1] == str(victim.pid)
    victim.kill()
    faults.reset()
    assert len([r for rs in (await runs_by_student(db)).values() for r in rs]) == 1  # it died before recording one

    # Until the lease runs out the student waits, and the old feed stays exactly as it was.
    status, body, etag = await fetch(f"{survivor.url}/feeds/{token}.ics")
    assert (status, body, etag) == (200, old_body, old_etag)

    async def finished_elsewhere() -> SyncRun | None:
        runs = [r for rs in (await runs_by_student(db)).values() for r in rs]
        return runs[-1] if len(runs) == 2 and await leases_held(db) == 0 else None

    second = await eventually(finished_elsewhere, timeout=30, what="the survivor to finish the sync")
    assert second.outcome == "ok"
    assert second.worker is not None and second.worker.split(":")[1] == str(survivor.pid)
    assert second.started_at >= lease_expires  # type: ignore[operator]
    status, body, _ = await fetch(f"{survivor.url}/feeds/{token}.ics")
    assert status == 200 and body == old_body  # nothing changed in Canvas, so nothing changed here
