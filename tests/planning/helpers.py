"""A signed-in sandbox student whose syncs replan, and reading their sessions back (planning + e2e tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.feeds.tokens import current_feed_token
from feedserver.planning.appkeys import planner_key
from feedserver.planning.hooks import with_planning
from feedserver.store.models import Assignment, PlannedSession, Student
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import cipher_key, config_key, db_key
from tests.api.conftest import signed_in
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import PinnedClock

SESSION_UID = re.compile(r"^hm-session-(\d+)-(\d{8})@")


@dataclass
class Planned:
    client: TestClient
    student_id: int
    user_id: int
    service: SyncService
    clock: PinnedClock

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": self.client.app[config_key].server.public_url}

    async def feed_path(self, kind: str = "all") -> str:
        app = self.client.app
        token = await current_feed_token(app[db_key], app[cipher_key], self.student_id, kind)
        return f"/feeds/{token}.ics" if kind == "all" else f"/feeds/{token}-sessions.ics"

    async def feed(self, kind: str = "all") -> bytes:
        response = await self.client.get(await self.feed_path(kind))
        assert response.status == 200
        return await response.read()

    async def sync(self) -> None:
        assert (await self.service.sync_student(self.student_id)).outcome == "ok"

    async def set_settings(self, **patch: Any) -> None:
        response = await self.client.patch("/api/me/settings", json=patch, headers=self.origin)
        assert response.status == 200, await response.text()

    async def workload(self) -> dict[str, Any]:
        response = await self.client.get("/api/me/workload")
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def stored(self) -> list[PlannedSession]:
        async with self.client.app[db_key]() as session:
            return list((await session.scalars(
                select(PlannedSession).where(PlannedSession.student_id == self.student_id))).all())

    async def assignments(self) -> dict[str, Assignment]:
        async with self.client.app[db_key]() as session:
            rows = (await session.scalars(select(Assignment).where(Assignment.student_id == self.student_id))).all()
        return {a.canvas_assignment_id: a for a in rows}

    async def time_zone(self) -> str:
        async with self.client.app[db_key]() as session:
            student = await session.get(Student, self.student_id)
            assert student is not None
            return student.time_zone


async def planned_student(client: TestClient, clock: PinnedClock, sleeps: Sleeps, school: str = "north",
                          user_id: int = 1001) -> Planned:
    """Sign in through the real OAuth flow, and sync once with a service that replans after each sync."""
    student_id = await signed_in(client, school, user_id)
    planner = client.app[planner_key]
    planner.clock = clock
    service = make_service(client, clock, sleeps)
    service.sources = with_planning(service.sources, planner)
    planned = Planned(client, student_id, user_id, service, clock)
    await planned.sync()
    return planned


def session_events(events: dict[str, Any]) -> dict[tuple[str, date], tuple[str, Any, Any, str]]:
    """{(canvas assignment id, day): (uid, start, end, summary)} of the parsed feed's session events."""
    found = {}
    for uid, (start, end, summary) in events.items():
        match = SESSION_UID.match(uid)
        if match:
            day = datetime.strptime(match.group(2), "%Y%m%d").date()
            found[(match.group(1), day)] = (uid, start, end, summary)
    return found


def work_day(due_at: datetime, zone: str) -> date:
    """The day an assignment's work must be done by (a deadline before 05:00 counts for the day before)."""
    local = due_at.astimezone(ZoneInfo(zone))
    return local.date() - timedelta(days=1) if local.hour < 5 else local.date()
