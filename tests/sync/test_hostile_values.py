"""Values from Canvas that must not break a student's calendar (issue 18, items 5 and 6).

- A teacher's typo, a due date in year 9999, is year 10000 east of UTC: it
  once stopped every sync of every student in the course (OverflowError).
  Now only that assignment loses its date.
- ``javascript:`` and ``data:`` links, or links to another host, in Canvas's
  ``html_url`` must reach neither /me nor the feed's ``URL`` property.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from feedserver.sandbox.student_view import visible_assignments
from feedserver.store.models import Assignment, Student
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import db_key
from tests.auth.helpers import sign_in
from tests.feeds.parsers import parse_everywhere
from tests.sync.helpers import connect, events

HOSTILE_LINKS = ("javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
                 "https://evil.example/courses/1/assignments/1")


async def test_a_far_future_due_date_leaves_only_that_assignment_undated(muffin: TestClient, sandbox: Any,
                                                                         service: SyncService) -> None:
    sandbox.world.users[1001].time_zone = "Asia/Tokyo"  # east of UTC: 9999-12-31T23:59Z is year 10000 here
    student = await connect(muffin, sandbox, "north", 1001)
    course = sandbox.world.enrollments_of(1001)[0].course_id
    typo = next(a for a in visible_assignments(sandbox.world, 1001, course) if a.due_at is not None)
    sandbox.schools["north"].state.far_future_due(typo.id)

    outcome = await service.sync_student(student.student_id)

    assert outcome.outcome == "ok", outcome.error
    body = await (await muffin.get(student.feed_path)).read()
    feed = parse_everywhere(body)  # still a calendar every parser reads
    uids = {uid.split("@")[0] for uid in feed}
    assert f"assignment-{typo.id}" not in uids
    assert len([u for u in uids if u.startswith("assignment-")]) > 20  # the rest of the semester is there
    async with muffin.app[db_key]() as session:
        kept = await session.scalar(select(Assignment).where(
            Assignment.student_id == student.student_id, Assignment.canvas_assignment_id == str(typo.id)))
    assert kept is not None and kept.due_at is None  # kept, undated: /me lists it under "No due date"


async def test_only_links_to_the_students_own_canvas_become_links(muffin: TestClient, sandbox: Any,
                                                                 service: SyncService) -> None:
    world = sandbox.world
    mine = [a for e in world.enrollments_of(1001) for a in visible_assignments(world, 1001, e.course_id)]
    dated = [a for a in mine if a.due_at is not None and a.due_at > world.anchor][:len(HOSTILE_LINKS)]
    undated = [a for a in mine if a.due_at is None][:len(HOSTILE_LINKS)]
    assert len(dated) == len(undated) == len(HOSTILE_LINKS)
    for a, link in [*zip(dated, HOSTILE_LINKS), *zip(undated, HOSTILE_LINKS)]:
        a.html_url = link
    login = await sign_in(muffin, "north", user_id=1001)
    assert login.status == 302 and login.location == "/me", login.text
    async with muffin.app[db_key]() as session:
        student_id = await session.scalar(select(Student.id).where(Student.canvas_user_id == "1001"))
    assert (await service.sync_student(student_id)).outcome == "ok"

    settings = await (await muffin.get("/me/settings")).text()  # the "No due date" list is on the settings page
    for a in undated:
        assert a.name.split(":")[0] in settings  # listed under "No due date", as text
    page = await (await muffin.get("/me")).text()
    for shown in (settings, page):
        for link in HOSTILE_LINKS:
            assert link not in shown and link.replace("<", "&lt;") not in shown
        assert 'href="javascript' not in shown.lower() and 'href="data:' not in shown.lower()

    feed_url = next(line for line in page.splitlines() if "/feeds/" in line and ".ics" in line)
    path = "/feeds/" + feed_url.split("/feeds/", 1)[1].split(".ics", 1)[0] + ".ics"
    body = await (await muffin.get(path)).read()
    by_id = {str(e.get("X-MUFFIN-ASSIGNMENT-ID")): e for uid, e in events(body).items() if uid.startswith("assignment-")}
    for a in dated:
        assert "URL" not in by_id[str(a.id)]
        assert "Open in Canvas" not in str(by_id[str(a.id)]["DESCRIPTION"])
    for link in HOSTILE_LINKS:
        assert link.encode() not in body
    others = [e for aid, e in by_id.items() if aid not in {str(a.id) for a in dated}]
    assert others and all(str(e["URL"]).startswith(sandbox.schools["north"].url + "/courses/") for e in others)
