"""The seeded calendar as Canvas serves it: section children and hidden parents, all-day,
group, personal and deleted events; to-do items and notes in the planner; checkpoints with
their own submissions; the same events in the user's ICS feed (docs/canvas-facts.md §§1–4)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from icalendar import Calendar

from feedserver.sandbox import SandboxState, SandboxWorld

from .conftest import NORTH_STUDENT, bearer


async def get_json(client: TestClient, path: str, token: str) -> Any:
    resp = await client.get(path, headers=bearer(token))
    assert resp.status == 200, await resp.text()
    return await resp.json()


def my_courses(world: SandboxWorld) -> list[int]:
    return sorted({e.course_id for e in world.enrollments_of(NORTH_STUDENT)})


async def test_a_course_code_lists_the_hidden_parent_and_only_my_sections_child(
        north: TestClient, token: str, world: SandboxWorld) -> None:
    course = my_courses(world)[0]
    events = await get_json(north, f"/api/v1/calendar_events?context_codes[]=course_{course}"
                                   "&all_events=1&per_page=100", token)
    parents = [e for e in events if e["hidden"]]
    children = [e for e in events if e["parent_event_id"]]
    (mine,) = [s for s in world.user_sections(NORTH_STUDENT) if s.course_id == course]
    assert len(parents) == 1 and parents[0]["child_events"] == [] and parents[0]["child_events_count"] == 2
    assert [c["context_code"] for c in children] == [f"course_section_{mine.id}"]
    child = children[0]
    assert child["effective_context_code"] == f"course_{course}"
    assert child["title"] == f"{parents[0]['title']} ({mine.name})"  # the API adds the section's name
    assert child["parent_event_id"] == parents[0]["id"]
    assert parents[0]["start_at"] <= child["start_at"] and child["end_at"] <= parents[0]["end_at"]
    all_day = [e for e in events if e["all_day"]]
    assert len(all_day) == 1 and all_day[0]["start_at"] == all_day[0]["end_at"]
    assert not any(e["title"] == "Guest lecture" for e in events)  # deleted: never listed


async def test_group_and_personal_calendars_need_their_own_codes(north: TestClient, token: str,
                                                                world: SandboxWorld) -> None:
    group = world.user_groups(NORTH_STUDENT)[0]
    groups = await get_json(north, "/api/v1/users/self/groups", token)
    assert {g["id"] for g in groups} == {g.id for g in world.user_groups(NORTH_STUDENT)}
    assert all(g["context_type"] == "Course" and g["course_id"] for g in groups)
    in_group = await get_json(north, f"/api/v1/calendar_events?context_codes[]=group_{group.id}&all_events=1",
                              token)
    assert [e["context_code"] for e in in_group] == [f"group_{group.id}"]
    personal = await get_json(north, "/api/v1/calendar_events?all_events=1", token)  # no codes: my calendar
    assert [e["title"] for e in personal] == ["Dentist"]
    assert personal[0]["context_code"] == f"user_{NORTH_STUDENT}"


async def test_the_planner_has_to_dos_and_notes_but_no_hidden_parent(north: TestClient, token: str,
                                                                      world: SandboxWorld) -> None:
    course = my_courses(world)[0]
    items = await get_json(north, "/api/v1/planner/items?start_date=2026-08-01&end_date=2027-01-01&per_page=100"
                                  f"&context_codes[]=course_{course}&context_codes[]=user_{NORTH_STUDENT}", token)
    pages = [i for i in items if i["plannable_type"] == "wiki_page"]
    assert pages and all(i["plannable"]["todo_date"] and i["submissions"] is False for i in pages)
    ungraded = [i for i in items if i["plannable_type"] in ("discussion_topic", "quiz")
                and not i["plannable"].get("assignment_id")]
    assert {i["plannable_type"] for i in ungraded} == {"discussion_topic", "quiz"}
    notes = [i for i in items if i["plannable_type"] == "planner_note"]
    assert [n["plannable"]["title"] for n in notes] == ["Buy lab goggles"] and "html_url" not in notes[0]
    events = [i for i in items if i["plannable_type"] == "calendar_event"]
    practicals = [e for e in events if e["plannable"]["title"].startswith("Lab practical")]
    (mine,) = [s for s in world.user_sections(NORTH_STUDENT) if s.course_id == course]
    (child,) = [e for e in world.events.values() if e.context_code == f"course_section_{mine.id}"]
    assert [e["plannable_id"] for e in practicals] == [child.id]  # my section's child, never the parent
    assert any(e["context_type"] == "User" and e["plannable"]["title"] == "Dentist" for e in events)


async def test_checkpoints_and_their_submissions(north: TestClient, token: str, world: SandboxWorld,
                                                 north_state: SandboxState) -> None:
    course = my_courses(world)[0]
    listed = await get_json(north, f"/api/v1/courses/{course}/assignments?include[]=checkpoints&per_page=100",
                            token)
    (parent,) = [a for a in listed if a["has_sub_assignments"]]
    assert parent["due_at"] is None and [c["tag"] for c in parent["checkpoints"]] == ["reply_to_topic",
                                                                                      "reply_to_entry"]
    assert parent["points_possible"] == sum(c["points_possible"] for c in parent["checkpoints"])
    assert all(a["checkpoints"] == [] for a in listed if a is not parent)
    plain = await get_json(north, f"/api/v1/courses/{course}/assignments?per_page=100", token)
    assert not any("checkpoints" in a for a in plain)  # only with include[]=checkpoints
    subs = await get_json(north, f"/api/v1/courses/{course}/students/submissions?assignment_ids[]={parent['id']}"
                                 "&include[]=sub_assignment_submissions", token)
    (sub,) = subs
    assert sub["assignment_id"] == parent["id"] and sub["has_sub_assignment_submissions"] is True
    assert [s["sub_assignment_tag"] for s in sub["sub_assignment_submissions"]] == ["reply_to_topic",
                                                                                   "reply_to_entry"]
    other = await north.get(f"/api/v1/courses/{course}/students/submissions?student_ids[]=1002",
                            headers=bearer(token))
    assert other.status == 401  # students list only their own


async def test_the_ics_feed_has_my_events_once_and_no_checkpoints(north: TestClient, world: SandboxWorld,
                                                                  north_state: SandboxState) -> None:
    user = world.users[NORTH_STUDENT]
    body = await (await north.get(f"/feeds/calendars/user_{user.feed_uuid}.ics")).read()
    events = [e for e in Calendar.from_ical(body).walk("VEVENT")
              if str(e["UID"]).startswith("event-calendar-event-")]
    by_title: dict[str, list[Any]] = {}
    for e in events:
        by_title.setdefault(str(e["SUMMARY"]).split(" [")[0], []).append(e)
    practicals = [t for t in by_title if t.startswith("Lab practical")]
    assert practicals and all(len(by_title[t]) == 1 for t in practicals)  # my section's child, not the parent
    assert all("include_contexts=course_section_" in str(by_title[t][0]["URL"]) for t in practicals)
    assert "Guest lecture" not in by_title and "Dentist" in by_title
    reading = by_title["Reading day: no class"][0]
    assert "VALUE=DATE" in reading.to_ical().decode() and "DTEND" not in reading
    assert not any("Peer discussion" in str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT"))
