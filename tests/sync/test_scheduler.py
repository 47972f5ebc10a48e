"""SyncService: claiming due students through database leases, concurrency, "sync now", background rounds."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from feedserver.store.models import Student, SyncRun
from feedserver.store.students import set_status
from feedserver.sync.appkeys import sync_service_key
from feedserver.sync.job import StudentRef, SyncDeps, SyncOutcome, sync_oauth_student
from feedserver.sync.scheduler import SyncService, SyncTooSoon
from feedserver.typedefs import db_key
from tests.conftest import make_config
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import Connected, PinnedClock, connect, runs, student_ids

EVERYONE = timedelta(days=365)


async def students_at(muffin: TestClient, sandbox: Any, school: str, count: int) -> list[Connected]:
    return [await connect(muffin, sandbox, school, user_id) for user_id in student_ids(sandbox, school)[:count]]


async def schedule(muffin: TestClient, student_id: int, **values: Any) -> None:
    async with muffin.app[db_key].begin() as session:
        await session.execute(update(Student).where(Student.id == student_id).values(**values))


async def student_row(muffin: TestClient, student_id: int) -> Student:
    async with muffin.app[db_key]() as session:
        return await session.get(Student, student_id)


async def test_a_round_syncs_due_students_and_reschedules_them(muffin: TestClient, sandbox: Any,
                                                               service: SyncService, clock: PinnedClock) -> None:
    due, later, also_due = await students_at(muffin, sandbox, "north", 3)
    await schedule(muffin, due.student_id, next_sync_at=clock() - timedelta(minutes=1))
    await schedule(muffin, also_due.student_id, next_sync_at=clock())
    await schedule(muffin, later.student_id, next_sync_at=clock() + timedelta(minutes=5))
    outcomes = await service.run_round()
    assert sorted(o.student_id for o in outcomes) == sorted([due.student_id, also_due.student_id])
    assert await service.run_round() == []  # rescheduled an interval ahead
    for student in (due, also_due):
        row = await student_row(muffin, student.student_id)
        assert (row.sync_lease_owner, row.sync_lease_expires_at) == (None, None)
        assert timedelta(minutes=54) <= row.next_sync_at - clock() <= timedelta(minutes=66)  # 60 min ± 10 %
        assert row.last_sync_at == clock()
    spread = {(await student_row(muffin, s.student_id)).next_sync_at for s in (due, also_due)}
    assert len(spread) == 2  # jittered apart


async def test_two_workers_never_sync_a_student_twice(muffin: TestClient, sandbox: Any, clock: PinnedClock,
                                                      sleeps: Sleeps) -> None:
    students = await students_at(muffin, sandbox, "south", 5)
    first, second = make_service(muffin, clock, sleeps), make_service(muffin, clock, sleeps)
    assert first.worker_id != second.worker_id
    results = await asyncio.gather(first.run_round(due_before=clock() + EVERYONE),
                                   second.run_round(due_before=clock() + EVERYONE))
    synced = [o.student_id for batch in results for o in batch]
    assert sorted(synced) == sorted(s.student_id for s in students)
    async with muffin.app[db_key]() as session:
        assert await session.scalar(select(func.count()).select_from(SyncRun)) == 5


async def test_a_held_lease_is_respected_until_it_expires(muffin: TestClient, sandbox: Any, service: SyncService,
                                                          clock: PinnedClock) -> None:
    (student,) = await students_at(muffin, sandbox, "north", 1)
    await schedule(muffin, student.student_id, next_sync_at=clock(), sync_lease_owner="another-process",
                   sync_lease_expires_at=clock() + timedelta(minutes=3))
    assert await service.run_round() == []
    assert (await service.sync_student(student.student_id)).outcome == "busy"
    clock.moment += timedelta(minutes=4)  # that process died; its lease ran out
    assert [o.outcome for o in await service.run_round()] == ["ok"]


async def test_students_who_must_reconnect_or_have_no_sync_source_are_left_alone(
        muffin: TestClient, sandbox: Any, service: SyncService, clock: PinnedClock) -> None:
    reconnect, feed_only = await students_at(muffin, sandbox, "north", 2)
    await set_status(muffin.app[db_key], reconnect.student_id, "reconnect_needed")
    await schedule(muffin, feed_only.student_id, source="canvas_feed")
    assert await service.run_round(due_before=clock() + EVERYONE) == []
    assert (await service.sync_student(reconnect.student_id)).outcome == "skipped"
    assert (await service.sync_student(feed_only.student_id)).outcome == "skipped"
    assert (await service.sync_student(9999)).outcome == "skipped"
    assert await runs(muffin, reconnect.student_id) == []


async def test_a_source_registers_its_own_sync(muffin: TestClient, sandbox: Any, clock: PinnedClock,
                                               sleeps: Sleeps) -> None:
    (student,) = await students_at(muffin, sandbox, "south", 1)
    await schedule(muffin, student.student_id, source="canvas_feed")
    seen: list[StudentRef] = []

    async def feed_sync(deps: SyncDeps, ref: StudentRef, worker: str | None) -> SyncOutcome:
        seen.append(ref)
        return SyncOutcome(ref.id, "ok")

    service = make_service(muffin, clock, sleeps, sources={"oauth": sync_oauth_student, "canvas_feed": feed_sync})
    assert [o.outcome for o in await service.run_round(due_before=clock() + EVERYONE)] == ["ok"]
    assert seen == [StudentRef(student.student_id, "south", "canvas_feed", "active")]


async def test_concurrency_is_limited_per_school(muffin: TestClient, sandbox: Any, clock: PinnedClock,
                                                 sleeps: Sleeps) -> None:
    north = await students_at(muffin, sandbox, "north", 4)
    south = await students_at(muffin, sandbox, "south", 3)
    active: dict[str, int] = {"north": 0, "south": 0}
    peak: dict[str, int] = {"north": 0, "south": 0}
    release, four_running = asyncio.Event(), asyncio.Event()

    async def held(deps: SyncDeps, ref: StudentRef, worker: str | None) -> SyncOutcome:
        active[ref.institution_slug] += 1
        peak[ref.institution_slug] = max(peak[ref.institution_slug], active[ref.institution_slug])
        if sum(active.values()) == 4:
            four_running.set()
        await release.wait()
        active[ref.institution_slug] -= 1
        return SyncOutcome(ref.id, "ok")

    service = make_service(muffin, clock, sleeps, sources={"oauth": held}, concurrency_per_school=2)
    round_ = asyncio.create_task(service.run_round(due_before=clock() + EVERYONE))
    await asyncio.wait_for(four_running.wait(), timeout=10)
    for _ in range(20):  # the other three are claimed too, and queue on their school's limit
        await asyncio.sleep(0)
    assert active == {"north": 2, "south": 2}
    release.set()
    assert len(await round_) == len(north) + len(south)
    assert peak == {"north": 2, "south": 2}


async def test_a_crashing_or_hanging_sync_is_recorded_and_released(muffin: TestClient, sandbox: Any,
                                                                   clock: PinnedClock, sleeps: Sleeps) -> None:
    crash, hang = await students_at(muffin, sandbox, "north", 2)

    async def broken(deps: SyncDeps, ref: StudentRef, worker: str | None) -> SyncOutcome:
        if ref.id == crash.student_id:
            raise RuntimeError("https://canvas.example/api/v1/courses?secret=1 exploded")
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    service = make_service(muffin, clock, sleeps, sources={"oauth": broken},
                           sync_timeout=timedelta(seconds=0.05))
    outcomes = {o.student_id: o for o in await service.run_round(due_before=clock() + EVERYONE)}
    assert outcomes[crash.student_id].error == "internal error (RuntimeError)"  # the type, never the text
    assert "took longer than" in (outcomes[hang.student_id].error or "")
    for student in (crash, hang):
        assert [r.outcome for r in await runs(muffin, student.student_id)] == ["error"]
        assert (await student_row(muffin, student.student_id)).sync_lease_owner is None


async def test_sync_now_is_rate_limited_per_student(muffin: TestClient, sandbox: Any, clock: PinnedClock,
                                                    sleeps: Sleeps) -> None:
    first, second = await students_at(muffin, sandbox, "north", 2)
    monotonic = [1000.0]
    service = make_service(muffin, clock, sleeps, monotonic=lambda: monotonic[0])
    outcome = await service.request_sync(first.student_id)
    assert outcome.outcome == "ok"
    monotonic[0] += 20
    with pytest.raises(SyncTooSoon) as too_soon:
        service.request_sync(first.student_id)
    assert too_soon.value.retry_after == 40
    assert (await service.request_sync(second.student_id)).outcome == "ok"  # per student
    monotonic[0] += 40
    assert (await service.request_sync(first.student_id)).outcome == "ok"
    assert len(await runs(muffin, first.student_id)) == 2


async def test_background_rounds_start_and_stop(muffin: TestClient, sandbox: Any, clock: PinnedClock,
                                                sleeps: Sleeps) -> None:
    (student,) = await students_at(muffin, sandbox, "north", 1)
    synced = asyncio.Event()

    async def note(deps: SyncDeps, ref: StudentRef, worker: str | None) -> SyncOutcome:
        synced.set()
        return SyncOutcome(ref.id, "ok")

    await schedule(muffin, student.student_id, next_sync_at=clock())
    service = make_service(muffin, clock, sleeps, sources={"oauth": note})
    assert not service.running
    service.start()
    assert service.running
    await asyncio.wait_for(synced.wait(), timeout=10)
    await service.close()
    assert not service.running


async def test_the_app_runs_background_sync_only_when_configured(muffin: TestClient, app_config: Any,
                                                                 aiohttp_client: Any, unused_tcp_port_factory: Any,
                                                                 sandbox: Any) -> None:
    from feedserver.app import create_app

    assert not muffin.app[sync_service_key].running  # tests configure background_sync = false
    tables, env = sandbox.institution_tables()
    config = make_config({"public_url": "http://127.0.0.1:8080", "database": app_config.server.database,
                          "background_sync": True}, tables, env)
    client = await aiohttp_client(TestServer(create_app(config), host="127.0.0.1", port=unused_tcp_port_factory()))
    assert client.app[sync_service_key].running
    await client.close()
    assert not client.app[sync_service_key].running
