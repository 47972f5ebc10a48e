"""Canvas's rules in one table: each case read by the feed server and by the analytics package.

Every row is something Canvas sends (a submission object, a planner status, a
calendar-feed event, an assignment's quiz or discussion markers) and the one
answer both readers must give, so the two cannot drift again.  The rules
and their canvas-lms sources are in muffin_analytics/canvas_rules.py.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from feedserver.canvas.coursework import parse_assignment
from feedserver.canvasfeed.parse import parse_canvas_feed
from feedserver.sync.kinds import classify
from muffin_analytics.canvas_rules import HANDED_IN
from muffin_analytics.load import from_canvas, read_ics

SUBMITTED_AT = "2026-10-01T10:00:00Z"
CANVAS = "https://canvas.example.edu"
CONTEXT = f"{CANVAS}/calendar?include_contexts=course_3&month=10&year=2026"


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    """"submission" (REST ``submission`` object), "planner" (planner ``submissions``),
    "feed" (one calendar-feed event) or "assignment" (markers that decide the kind)."""
    given: Any
    expected: Any
    paths: tuple[str, ...] = ("server", "analytics")
    """The server does not read the planner; where both read a source they must agree."""


CASES = [
    # -- submission state, GET /api/v1/courses/:id/assignments?include[]=submission -------------------
    Case("empty submission object", "submission", {}, "unsubmitted"),
    Case("unsubmitted", "submission", {"workflow_state": "unsubmitted", "missing": False}, "unsubmitted"),
    Case("missing by its due date", "submission", {"workflow_state": "unsubmitted", "missing": True}, "missing"),
    Case("submitted on time", "submission", {"workflow_state": "submitted", "submitted_at": SUBMITTED_AT}, "submitted"),
    Case("submitted late", "submission",
         {"workflow_state": "submitted", "submitted_at": SUBMITTED_AT, "late": True}, "late"),
    Case("pending review, late", "submission",
         {"workflow_state": "pending_review", "submitted_at": SUBMITTED_AT, "late": True}, "late"),
    Case("pending review without a time", "submission", {"workflow_state": "pending_review"}, "submitted"),
    Case("graded late work", "submission",
         {"workflow_state": "graded", "submitted_at": SUBMITTED_AT, "late": True}, "graded"),
    Case("graded paper exam", "submission", {"workflow_state": "graded", "submitted_at": None}, "graded"),
    Case("excused", "submission", {"workflow_state": "unsubmitted", "excused": True, "missing": False}, "graded"),
    # Canvas's late_policy_status "missing" (set by the teacher) beats a submission time.
    Case("marked missing by the teacher", "submission",
         {"workflow_state": "submitted", "submitted_at": SUBMITTED_AT, "missing": True,
          "late_policy_status": "missing"}, "missing"),
    # The missing-submission policy scores missing work and sets it to graded; it stays missing.
    Case("scored by the missing policy", "submission",
         {"workflow_state": "graded", "score": 0.0, "missing": True, "submitted_at": None}, "missing"),
    # Asked with include[]=submission, no object means nothing handed in; without it, nobody knows.
    Case("no submission object, asked for", "submission", None, "unsubmitted", paths=("server",)),
    Case("no submission object, maybe not asked for", "submission", None, "unknown", paths=("analytics",)),
    # -- submission state, GET /api/v1/planner/items ----------------------------------------------------
    Case("planner submitted late", "planner", {"submitted": True, "late": True}, "late", paths=("analytics",)),
    Case("planner graded late", "planner", {"submitted": True, "graded": True, "late": True}, "graded",
         paths=("analytics",)),
    Case("planner marked missing", "planner", {"submitted": True, "missing": True}, "missing", paths=("analytics",)),
    Case("planner excused", "planner", {"excused": True, "graded": True}, "graded", paths=("analytics",)),
    Case("planner nothing yet", "planner", {"submitted": False}, "unsubmitted", paths=("analytics",)),
    # -- calendar feed: UID, URL and SUMMARY → (assignment id, title, course code) ------------------------
    Case("assignment UID", "feed", ("event-assignment-42", f"{CONTEXT}#assignment_42", "Essay 2 [HIST 101]"),
         ("42", "Essay 2", "HIST 101")),
    Case("override UID", "feed",
         ("event-assignment-override-7", f"{CONTEXT}#assignment_42", "Essay 2 (Section B) [HIST 101]"),
         ("42", "Essay 2", "HIST 101")),
    Case("override UID without the fragment", "feed",
         ("event-assignment-override-7", CONTEXT, "Essay 2 (Section B) [HIST 101]"), None),
    Case("calendar event", "feed",
         ("event-calendar-event-9", f"{CONTEXT}#calendar_event_9", "Review session [HIST 101]"), None),
    # -- kinds: title first, then the submission types Canvas's markers imply ---------------------------
    Case("classic quiz", "assignment", {"name": "Check-in 3", "quiz_id": 5, "is_quiz_assignment": True,
                                         "submission_types": ["online_quiz"]}, "quiz"),
    Case("New Quizzes", "assignment", {"name": "Unit 2 check", "is_quiz_lti_assignment": True,
                                        "submission_types": ["external_tool"]}, "quiz"),
    Case("quiz titled as an exam", "assignment", {"name": "Midterm Exam", "quiz_id": 6,
                                                   "submission_types": ["online_quiz"]}, "exam"),
    Case("graded discussion", "assignment", {"name": "Week 3 thoughts", "discussion_topic": {"id": 8},
                                              "submission_types": ["discussion_topic"]}, "discussion"),
    Case("upload", "assignment", {"name": "Unit 2 check", "submission_types": ["online_upload"]}, "other"),
]


def assignment_json(**fields: Any) -> dict[str, Any]:
    return {"id": 12, "course_id": 3, "name": "Essay", "due_at": "2026-11-01T04:59:00Z", "published": True,
            "submission_types": ["online_upload"], "points_possible": 10, "html_url": f"{CANVAS}/x", **fields}


def feed_event(uid: str, url: str, summary: str) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:icalendar-ruby", "BEGIN:VEVENT", f"UID:{uid}",
             "DTSTART:20261010T045900Z", "DTEND:20261010T045900Z", "DTSTAMP:20261001T000000Z",
             f"SUMMARY:{summary}", f"URL:{url}", "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def server_reads(case: Case) -> Any:
    if case.source == "submission":
        return parse_assignment(assignment_json(submission=case.given), "3", canvas_url="https://canvas.example.edu").submission_state
    if case.source == "feed":
        work = parse_canvas_feed(feed_event(*case.given), canvas_base=CANVAS)
        codes = {c.id: c.course_code for c in work.courses}
        return next(((a.id, a.name, codes[a.course_id]) for a in work.assignments), None)
    if case.source == "assignment":
        return classify([parse_assignment(assignment_json(**case.given), "3", canvas_url="https://canvas.example.edu")], [""])[0]
    raise AssertionError(f"the server does not read {case.source}")


def analytics_reads(case: Case) -> Any:
    if case.source in ("submission", "planner"):
        if case.source == "submission":
            item = assignment_json() if case.given is None else assignment_json(submission=case.given)
        else:
            item = {"plannable_type": "assignment", "plannable_id": 12, "course_id": 3,
                    "plannable": {"id": 12, "title": "Essay", "due_at": "2026-11-01T04:59:00Z"},
                    "submissions": case.given}
        row = from_canvas([item]).iloc[0]
        handed_in = None if pd.isna(row["submitted"]) else bool(row["submitted"])
        assert handed_in == HANDED_IN[row["submission_state"]], "submitted must follow the state"
        return row["submission_state"]
    if case.source == "feed":
        frame = read_ics(feed_event(*case.given)).frame
        return None if frame.empty else (str(frame["assignment_id"].iloc[0]), frame["title"].iloc[0],
                                         frame["course"].iloc[0])
    if case.source == "assignment":
        return from_canvas([assignment_json(**case.given)])["kind"].iloc[0]
    raise AssertionError(f"analytics does not read {case.source}")


READERS = {"server": server_reads, "analytics": analytics_reads}


@pytest.mark.parametrize(
    ("case", "path"),
    [(case, path) for case in CASES for path in case.paths],
    ids=[f"{case.source}: {case.name} [{path}]" for case in CASES for path in case.paths],
)
def test_canvas_rules(case: Case, path: str) -> None:
    assert READERS[path](case) == case.expected


def test_the_rules_import_only_the_standard_library() -> None:
    # A leaf both packages import: anything more would drag a dependency (or the server) along.
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import muffin_analytics.canvas_rules\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "extra = sorted(new - set(sys.stdlib_module_names) - {'muffin_analytics'})\n"
        "assert not extra, extra\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
