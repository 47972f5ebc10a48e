"""Users, courses, assignments and submissions as a student sees them."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from feedserver.sandbox import SandboxState, SandboxWorld

from .conftest import NORTH_STUDENT, bearer

CANVAS_API = Path(__file__).parents[1] / "data" / "canvas_api"


async def get_json(client: TestClient, path: str, token: str, **headers: str):
    resp = await client.get(path, headers={**bearer(token), **headers})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def course_of(world: SandboxWorld, user_id: int) -> int:
    return min(e.course_id for e in world.enrollments_of(user_id))


async def test_users_self(north: TestClient, token: str) -> None:
    body = await get_json(north, "/api/v1/users/self", token)
    assert body["id"] == NORTH_STUDENT and body["sortable_name"] == "Martínez, Ava"


async def test_profile_links_the_users_feed(north: TestClient, token: str,
                                            world: SandboxWorld) -> None:
    body = await get_json(north, "/api/v1/users/self/profile", token)
    assert body["time_zone"] == "America/Chicago"
    feed = body["calendar"]["ics"]
    assert feed.startswith(str(north.make_url("/feeds/calendars/user_")))
    assert feed.endswith(f"{world.users[NORTH_STUDENT].feed_uuid}.ics")
    # Every field Canvas gives a user about their own profile (sign-in reads calendar.ics to
    # prove which calendar-feed student is theirs), and the feed it names is served.
    assert json.loads((CANVAS_API / "profile.json").read_text()).keys() <= body.keys()
    served = await north.get(urlsplit(feed).path)
    assert served.status == 200 and served.content_type == "text/calendar"


async def test_other_users_are_not_readable(north: TestClient, token: str) -> None:
    resp = await north.get("/api/v1/users/1002/profile", headers=bearer(token))
    assert resp.status == 401 and "WWW-Authenticate" not in resp.headers


async def test_courses_list(north: TestClient, token: str, world: SandboxWorld) -> None:
    body = await get_json(north, "/api/v1/courses?enrollment_type=student&include[]=term", token)
    mine = {e.course_id for e in world.enrollments_of(NORTH_STUDENT)}
    assert {c["id"] for c in body} == mine
    assert all(c["time_zone"] and c["course_code"] and c["name"] and c["term"] for c in body)
    assert all(c["enrollments"][0]["type"] == "student" for c in body)
    teaching = await get_json(north, "/api/v1/courses?enrollment_type=teacher", token)
    assert teaching == []


async def test_string_ids(north: TestClient, token: str) -> None:
    body = await get_json(north, "/api/v1/courses", token,
                          Accept="application/json+canvas-string-ids")
    assert isinstance(body[0]["id"], str) and isinstance(body[0]["enrollment_term_id"], str)


async def test_unpublished_assignments_never_listed(
        north: TestClient, north_state: SandboxState, world: SandboxWorld) -> None:
    hidden = [a for a in world.assignments.values()
              if not a.published and world.courses[a.course_id].school == "north"]
    assert hidden
    for assignment in hidden:
        student = next(e.user_id for e in world.enrollments
                       if e.course_id == assignment.course_id and e.type == "StudentEnrollment")
        token = north_state.grant_token(student).access_token
        listed = await get_json(
            north, f"/api/v1/courses/{assignment.course_id}/assignments?per_page=100", token)
        assert assignment.id not in {a["id"] for a in listed}
        assert all(a["published"] for a in listed)
        one = await north.get(f"/api/v1/courses/{assignment.course_id}/assignments/"
                              f"{assignment.id}", headers=bearer(token))
        assert one.status == 401


async def test_overrides_apply_to_the_right_student_only(
        north: TestClient, north_state: SandboxState, world: SandboxWorld) -> None:
    override = next(o for o in world.overrides.values()
                    if world.users[o.student_ids[0]].school == "north")
    assignment = world.assignments[override.assignment_id]
    student = override.student_ids[0]
    classmate = next(e.user_id for e in world.enrollments
                     if e.course_id == assignment.course_id and e.user_id != student
                     and e.type == "StudentEnrollment")
    path = f"/api/v1/courses/{assignment.course_id}/assignments/{assignment.id}" \
           "?include[]=all_dates"
    theirs = await get_json(north, path, north_state.grant_token(student).access_token)
    others = await get_json(north, path, north_state.grant_token(classmate).access_token)
    assert theirs["due_at"] == override.due_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert others["due_at"] == assignment.due_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert theirs["due_at"] != others["due_at"]
    assert theirs["has_overrides"] is True
    assert theirs["all_dates"] == [{"id": override.id, "title": override.title,
                                    "due_at": theirs["due_at"], "unlock_at": theirs["unlock_at"],
                                    "lock_at": theirs["lock_at"]}]
    assert others["all_dates"][0]["base"] is True


async def test_include_submission(north: TestClient, token: str, world: SandboxWorld) -> None:
    course = course_of(world, NORTH_STUDENT)
    body = await get_json(
        north, f"/api/v1/courses/{course}/assignments?include[]=submission&per_page=100", token)
    subs = [a["submission"] for a in body if "submission" in a]
    assert subs
    assert set(subs[0]) >= {"submitted_at", "workflow_state", "late", "missing", "excused",
                            "score"}
    assert {s["workflow_state"] for s in subs} <= {"submitted", "graded", "unsubmitted",
                                                  "pending_review"}


async def test_locked_assignment_explains_itself(
        north: TestClient, north_state: SandboxState, world: SandboxWorld) -> None:
    quiz = next(a for a in world.assignments.values()
                if a.kind == "quiz" and a.published and a.unlock_at
                and a.unlock_at > world.anchor and world.courses[a.course_id].school == "north")
    overridden = {s for o in world.overrides_for(quiz.id) for s in o.student_ids}
    student = next(e.user_id for e in world.enrollments
                   if e.course_id == quiz.course_id and e.type == "StudentEnrollment"
                   and e.user_id not in overridden)
    body = await get_json(north, f"/api/v1/courses/{quiz.course_id}/assignments/{quiz.id}",
                          north_state.grant_token(student).access_token)
    assert body["locked_for_user"] is True
    assert body["lock_explanation"].startswith("This assignment is locked until")
    assert body["quiz_id"] == quiz.quiz_id
    quiz_body = await get_json(north, f"/api/v1/courses/{quiz.course_id}/quizzes/{quiz.quiz_id}",
                               north_state.grant_token(student).access_token)
    assert quiz_body["time_limit"] == quiz.time_limit


async def test_course_not_enrolled_and_course_elsewhere(
        north: TestClient, token: str, world: SandboxWorld) -> None:
    other = next(c.id for c in world.courses.values() if c.school == "north"
                 and world.enrollment(NORTH_STUDENT, c.id) is None)
    south = next(c.id for c in world.courses.values() if c.school == "south")
    not_mine = await north.get(f"/api/v1/courses/{other}/assignments", headers=bearer(token))
    assert not_mine.status == 401
    assert await not_mine.json() == {"status": "unauthorized", "errors": [
        {"message": "user not authorized to perform that action"}]}
    missing = await north.get(f"/api/v1/courses/{south}/assignments", headers=bearer(token))
    assert missing.status == 404
    assert await missing.json() == {"errors": [
        {"message": "The specified resource does not exist."}]}


async def test_edits_and_deletes_show_up(north: TestClient, north_state: SandboxState,
                                         token: str, world: SandboxWorld) -> None:
    course = course_of(world, NORTH_STUDENT)
    path = f"/api/v1/courses/{course}/assignments?per_page=100"
    first, second = (await get_json(north, path, token))[:2]
    north_state.edit_assignment(first["id"], name="Renamed 🎉")
    north_state.delete_assignment(second["id"])
    after = {a["id"]: a for a in await get_json(north, path, token)}
    assert after[first["id"]]["name"] == "Renamed 🎉"
    assert second["id"] not in after
    gone = await north.get(f"/api/v1/courses/{course}/assignments/{second['id']}",
                           headers=bearer(token))
    assert gone.status == 404


async def test_submit_then_read_own_submission(
        north: TestClient, north_state: SandboxState, token: str, world: SandboxWorld) -> None:
    course = course_of(world, NORTH_STUDENT)
    todo = next(a for a in world.course_assignments(course)
                if a.published and a.due_at and a.due_at > world.anchor
                and "online_upload" in a.submission_types
                and world.submissions[(NORTH_STUDENT, a.id)].submitted_at is None)
    path = f"/api/v1/courses/{course}/assignments/{todo.id}/submissions/self"
    assert (await get_json(north, path, token))["workflow_state"] == "unsubmitted"
    north_state.submit(NORTH_STUDENT, todo.id)
    body = await get_json(north, path, token)
    assert body["workflow_state"] == "submitted" and body["submitted_at"] and not body["late"]


async def test_buckets_and_order(north: TestClient, token: str, world: SandboxWorld) -> None:
    course = course_of(world, NORTH_STUDENT)
    base = f"/api/v1/courses/{course}/assignments?per_page=100"
    undated = await get_json(north, base + "&bucket=undated", token)
    assert all(a["due_at"] is None for a in undated)
    by_name = await get_json(north, base + "&order_by=name", token)
    names = [a["name"].casefold() for a in by_name]
    assert names == sorted(names)
    overdue = await get_json(north, base + "&bucket=overdue&include[]=submission", token)
    assert all(a["submission"]["missing"] for a in overdue if "submission" in a)
