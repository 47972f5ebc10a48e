"""The seeded semester: deterministic, big enough, and full of edge cases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedserver.sandbox import SandboxWorld
from feedserver.sandbox.seed import INHERITED_CLIENT_ID

from .conftest import TERM_START

KINDS = {"essay", "problem_set", "quiz", "discussion", "lab", "exam", "reading"}


def school_assignments(world: SandboxWorld, school: str) -> list:
    return [a for a in world.assignments.values() if world.courses[a.course_id].school == school]


def test_same_seed_same_world() -> None:
    assert SandboxWorld.seeded(7, TERM_START) == SandboxWorld.seeded(7, TERM_START)


def test_other_seed_other_world() -> None:
    assert SandboxWorld.seeded(7, TERM_START) != SandboxWorld.seeded(8, TERM_START)


def test_default_term_start_is_the_monday_ten_weeks_back() -> None:
    today = datetime.now(UTC).date()
    world = SandboxWorld.seeded(7)
    assert world.term_start == today - timedelta(days=today.weekday(), weeks=10)
    assert world.anchor.date() == today - timedelta(days=today.weekday())


def test_two_schools_with_their_time_zones(world: SandboxWorld) -> None:
    assert {s: (x.name, x.time_zone) for s, x in world.schools.items()} == {
        "north": ("North State University", "America/Chicago"),
        "south": ("South Coast College", "America/Los_Angeles"),
    }


@pytest.mark.parametrize("school", ["north", "south"])
def test_school_has_enough_people_courses_and_work(world: SandboxWorld, school: str) -> None:
    students = {e.user_id for e in world.enrollments
                if e.type == "StudentEnrollment" and world.courses[e.course_id].school == school}
    courses = [c for c in world.courses.values() if c.school == school]
    work = school_assignments(world, school)
    assert len(students) >= 4
    assert 4 <= len(courses) <= 6
    assert len(work) >= 150
    assert {a.kind for a in work} == KINDS


@pytest.mark.parametrize("school", ["north", "south"])
def test_school_has_every_edge_case(world: SandboxWorld, school: str) -> None:
    work = school_assignments(world, school)
    assert any(a.due_at is None for a in work)
    assert any(not a.published for a in work)
    assert any(a.unlock_at and a.unlock_at > world.anchor for a in work)  # locked now
    assert any(a.quiz_id and a.time_limit for a in work)
    assert any(o.assignment_id in {a.id for a in work} for o in world.overrides.values())
    local = Counter(
        a.due_at.astimezone(ZoneInfo(world.courses[a.course_id].time_zone)).strftime("%H:%M")
        for a in work if a.due_at
    )
    assert local["23:59"] and local["09:00"] and local["00:00"]
    titles = " ".join(a.name for a in work)
    assert all(ch in titles for ch in ",;\\") and any(ord(ch) > 0x1F000 for ch in titles)
    descriptions = [a.description or "" for a in work]
    assert any("-word essay" in d for d in descriptions)
    assert any("pp. " in d for d in descriptions)
    assert max(len(d) for d in descriptions) > 2000


def test_term_spans_the_dst_change(world: SandboxWorld) -> None:
    offsets = {
        a.due_at.astimezone(ZoneInfo("America/Chicago")).utcoffset()
        for a in school_assignments(world, "north") if a.due_at
    }
    assert offsets == {timedelta(hours=-5), timedelta(hours=-6)}


@pytest.mark.parametrize("school", ["north", "south"])
def test_every_submission_state_is_present(world: SandboxWorld, school: str) -> None:
    subs = [s for s in world.submissions.values() if world.users[s.user_id].school == school]
    states = {s.workflow_state for s in subs}
    assert {"submitted", "graded", "unsubmitted"} <= states
    late = [s for s in subs if s.submitted_at and world.assignments[s.assignment_id].due_at
            and s.submitted_at > world.assignments[s.assignment_id].due_at]
    missing = [s for s in subs if s.workflow_state == "unsubmitted"
               and (world.assignments[s.assignment_id].due_at or world.anchor) < world.anchor]
    assert late and missing


def test_developer_keys(world: SandboxWorld) -> None:
    north, south = world.schools["north"], world.schools["south"]
    assert north.school_key.client_id == "10000000000001"
    assert south.school_key.client_id == "20000000000001"
    assert north.inherited_key.client_id == south.inherited_key.client_id == INHERITED_CLIENT_ID
    assert north.inherited_key.client_secret == south.inherited_key.client_secret
    assert north.inherited_key.enabled and not south.inherited_key.enabled
    assert north.school_key.client_secret != south.school_key.client_secret


def test_one_student_is_enrolled_at_both_schools(world: SandboxWorld) -> None:
    names = Counter(u.name for u in world.users.values())
    assert names["Ava Martínez"] == 2


def test_late_august_start_covers_fifteen_weeks(world: SandboxWorld) -> None:
    dues = [a.due_at for a in world.assignments.values() if a.due_at]
    assert min(dues).date() >= TERM_START
    assert max(dues).date() < TERM_START + timedelta(weeks=15, days=1)
    assert world.term_start == date(2026, 8, 31)


def test_the_zone_schools_cross_their_dst_changes_inside_the_term() -> None:
    world = SandboxWorld.seeded(7, TERM_START, zones=True)
    zones = {slug: school.time_zone for slug, school in world.schools.items()}
    assert zones == {"phoenix": "America/Phoenix", "copenhagen": "Europe/Copenhagen", "sydney": "Australia/Sydney"}
    expected = {"phoenix": {-7}, "copenhagen": {1, 2}, "sydney": {10, 11}}  # hours east of UTC
    for slug, zone in zones.items():
        offsets = {a.due_at.astimezone(ZoneInfo(zone)).utcoffset() for a in school_assignments(world, slug)
                   if a.due_at is not None}
        assert offsets == {timedelta(hours=h) for h in expected[slug]}, slug
        courses = {c.id for c in world.courses.values() if c.school == slug}
        assert {s.course_id for s in world.sections.values()} >= courses
        assert {t.course_id for t in world.todos.values()} >= courses
