"""The sandbox's data: schools, developer keys, people, courses and coursework.

Besides assignments, a course holds what a student's Canvas calendar and
planner show (checked against canvas-lms, see docs/canvas-facts.md):
course calendar events, section-specific events (a hidden parent in the
course, one child per section: `app/models/calendar_event.rb`), group events,
students' personal events, all-day events (`all_day`, `all_day_date`),
deleted events (``workflow_state = "deleted"``, never listed), pages,
ungraded discussions and quizzes with a to-do date, students' planner
notes, and graded discussions with checkpoints (`Checkpoint`; the parent
has no due date of its own, `app/models/sub_assignment.rb`).

Plain dataclasses, no HTTP and no clock: every function that depends on "now"
takes it as an argument.  One `SandboxWorld` holds both schools so that one
student can be enrolled at two of them (the demo shows that); each sandbox app
serves one school's slice of it.  `SandboxWorld.seeded` builds the realistic
semester in `seed.py`.

All datetimes are timezone-aware UTC; local wall-clock rules (a 23:59 due date
is "all day") are applied with the course's IANA time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

AssignmentKind = Literal[
    "essay", "problem_set", "quiz", "discussion", "lab", "exam", "reading"
]
EnrollmentType = Literal["StudentEnrollment", "TeacherEnrollment"]
SubmissionState = Literal["submitted", "graded", "unsubmitted", "pending_review"]


@dataclass
class DeveloperKey:
    """A Canvas API developer key as one school sees it.

    An inherited (Instructure-made) key appears in every school with the same
    `client_id` and secret; `enabled` is that school's On/Off binding.
    """

    client_id: str
    client_secret: str
    name: str
    enabled: bool
    #: Exact redirect URIs the key accepts (DeveloperKey#redirect_uris).
    redirect_uris: list[str] = field(default_factory=list)
    #: Canvas's legacy single `redirect_uri`: any URI on this host or one of
    #: its subdomains is accepted, whatever the port or path.
    legacy_redirect_uri: str | None = None
    inherited: bool = False
    #: Scopes the key enforces; only meaningful when `require_scopes`.
    scopes: list[str] = field(default_factory=list)
    require_scopes: bool = False
    #: "Allow Include Parameters": scoped tokens silently drop include[] without it.
    allow_includes: bool = True
    #: Keys made since Oct 2015 issue 1-hour tokens plus a refresh token.
    auto_expire_tokens: bool = True


@dataclass
class Term:
    id: int
    name: str
    start_at: datetime
    end_at: datetime


@dataclass
class School:
    """One Canvas root account on its own host."""

    slug: str
    name: str
    time_zone: str
    shard: int
    term: Term
    keys: list[DeveloperKey] = field(default_factory=list)

    def key(self, client_id: str) -> DeveloperKey | None:
        return next((k for k in self.keys if k.client_id == client_id), None)

    @property
    def school_key(self) -> DeveloperKey:
        """The key this school's admins made themselves (first non-inherited)."""
        return next(k for k in self.keys if not k.inherited and not k.require_scopes)

    @property
    def inherited_key(self) -> DeveloperKey:
        return next(k for k in self.keys if k.inherited)


@dataclass
class User:
    id: int
    school: str
    name: str
    sortable_name: str
    short_name: str
    login_id: str
    email: str
    time_zone: str
    locale: str
    #: Secret part of the user's Canvas calendar feed URL (user_<uuid>.ics).
    feed_uuid: str
    shard: int

    @property
    def global_id(self) -> int:
        # Canvas global ids are shard_id * 10**13 + local id.
        return self.shard * 10**13 + self.id


@dataclass
class Course:
    id: int
    school: str
    name: str
    course_code: str
    time_zone: str
    term_id: int
    uuid: str


@dataclass
class Enrollment:
    id: int
    user_id: int
    course_id: int
    type: EnrollmentType
    state: Literal["active", "invited", "completed"] = "active"


@dataclass
class Checkpoint:
    """One due date of a graded discussion with checkpoints (a SubAssignment: its `sub_assignment_tag`)."""

    tag: Literal["reply_to_topic", "reply_to_entry"]
    points_possible: float
    due_at: datetime | None


@dataclass
class Assignment:
    id: int
    course_id: int
    name: str
    kind: AssignmentKind
    description: str | None
    submission_types: list[str]
    points_possible: float | None
    due_at: datetime | None
    unlock_at: datetime | None
    lock_at: datetime | None
    created_at: datetime
    updated_at: datetime
    position: int
    workflow_state: Literal["published", "unpublished", "deleted"] = "published"
    quiz_id: int | None = None
    #: Minutes; quizzes only.
    time_limit: int | None = None
    discussion_topic_id: int | None = None
    all_day: bool = False
    all_day_date: date | None = None
    #: What Canvas reports as `html_url` instead of the assignment's page: tests of a
    #: Canvas (or a proxy in front of it) that sends hostile links. None = the real page.
    html_url: str | None = None
    #: Graded discussions with checkpoints: the parent's own `due_at` stays None.
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.workflow_state == "published"


@dataclass
class AssignmentOverride:
    """An ADHOC (student-list) override: these students get other dates."""

    id: int
    assignment_id: int
    student_ids: list[int]
    title: str
    due_at: datetime | None
    unlock_at: datetime | None = None
    lock_at: datetime | None = None
    all_day: bool = False
    all_day_date: date | None = None


@dataclass
class Submission:
    id: int
    assignment_id: int
    user_id: int
    workflow_state: SubmissionState
    submitted_at: datetime | None = None
    score: float | None = None
    excused: bool = False
    graded_at: datetime | None = None
    attempt: int | None = None


@dataclass
class Section:
    """A course section (CourseSection); section-specific event times go to its students."""

    id: int
    course_id: int
    name: str
    student_ids: list[int]


@dataclass
class Group:
    """A student group of a course (Group, context Course); its events are on the group's calendar."""

    id: int
    course_id: int
    name: str
    member_ids: list[int]


@dataclass
class CalendarEvent:
    """A calendar event: of a course (office hours, review sessions), of one section of a
    course (a child of a course-level parent), of a group, or of one user (personal).

    `course_id` is the course the event shows under (a section child's and a
    group event's course too); None for a personal event.
    """

    id: int
    course_id: int | None
    title: str
    description: str | None
    start_at: datetime
    end_at: datetime
    location_name: str | None
    created_at: datetime
    updated_at: datetime
    #: "" for the course's own calendar, else ``course_section_S``, ``group_G`` or ``user_U``.
    context_code: str = ""
    #: A section child's parent (which Canvas then hides from students).
    parent_event_id: int | None = None
    all_day: bool = False
    #: The local date of an all-day event; start_at = end_at = local midnight then.
    all_day_date: date | None = None
    workflow_state: Literal["active", "deleted"] = "active"

    @property
    def code(self) -> str:
        """Canvas's `context_code`: the calendar this event is on."""
        return self.context_code or f"course_{self.course_id}"


@dataclass
class PlannerTodo:
    """A page, an ungraded discussion or an ungraded quiz the teacher gave a to-do date."""

    id: int
    course_id: int
    type: Literal["wiki_page", "discussion_topic", "quiz"]
    title: str
    todo_date: datetime
    created_at: datetime
    updated_at: datetime
    #: A page's URL slug.
    url: str = ""


@dataclass
class PlannerNote:
    """A student's own planner note (PlannerNote): a title, details and a to-do date."""

    id: int
    user_id: int
    title: str
    details: str | None
    todo_date: datetime
    course_id: int | None
    created_at: datetime
    updated_at: datetime


#: A due date Canvas accepts from a teacher's typo (issue 18): year 9999, the last minute.
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


def all_day_fields(due_at: datetime | None, time_zone: str) -> tuple[bool, date | None]:
    """Canvas flags an assignment due at exactly 23:59 local as all-day, never 00:00
    (`Assignment.all_day_interpretation`, docs/canvas-facts.md §4.4; 00:00 is the
    rule of calendar events). Local means the course's zone here: the zone of
    the teacher who set the date."""
    if due_at is None:
        return False, None
    try:
        local = due_at.astimezone(ZoneInfo(time_zone))
    except OverflowError:  # east of UTC, 9999-12-31T23:59Z is in year 10000
        return False, None
    if (local.hour, local.minute) == (23, 59):
        return True, local.date()
    return False, None


def utc_at(day: date, hour: int, minute: int, time_zone: str) -> datetime:
    """The UTC instant of a local wall-clock time on `day` in `time_zone`."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(time_zone))
    return local.astimezone(UTC)


@dataclass
class SandboxWorld:
    """Everything both sandbox schools know.  Mutate it through the methods."""

    seed: int
    term_start: date
    #: The seeded story's "now": submissions before it are in, locks after it
    #: are still closed.  Tests pin the sandbox clock here.
    anchor: datetime
    schools: dict[str, School]
    users: dict[int, User]
    courses: dict[int, Course]
    enrollments: list[Enrollment]
    assignments: dict[int, Assignment]
    overrides: dict[int, AssignmentOverride]
    submissions: dict[tuple[int, int], Submission]
    events: dict[int, CalendarEvent]
    #: Assignments whose due date every view reports as `FAR_FUTURE` (a switch: the
    #: stored date comes back when the id leaves the set; `SandboxState.far_future_due`).
    far_future_due: set[int] = field(default_factory=set)
    sections: dict[int, Section] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    todos: dict[int, PlannerTodo] = field(default_factory=dict)
    notes: dict[int, PlannerNote] = field(default_factory=dict)
    #: (user id, assignment id, checkpoint tag) → that checkpoint's submission.
    checkpoint_submissions: dict[tuple[int, int, str], Submission] = field(default_factory=dict)
    _by_user: dict[int, list[Enrollment]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_user_key: tuple[int, int] = field(default=(-1, 0), init=False, repr=False, compare=False)

    @classmethod
    def seeded(cls, seed: int = 7, term_start: date | None = None, *, zones: bool = False) -> SandboxWorld:
        """A deterministic 15-week semester for two schools (north, south), or with
        `zones` for three others: phoenix, copenhagen and sydney (seed.py).

        `term_start` defaults to the Monday ten weeks before today, so the demo
        always sits in week 11 of a live-looking term.
        """
        from .seed import SCHOOLS, ZONE_SCHOOLS, build_world  # seed.py imports this module

        if term_start is None:
            today = datetime.now(UTC).date()
            term_start = today - timedelta(days=today.weekday(), weeks=10)
        return build_world(seed, term_start, ZONE_SCHOOLS if zones else SCHOOLS)

    # -- queries ---------------------------------------------------------

    def school_users(self, school: str) -> list[User]:
        return [u for u in self.users.values() if u.school == school]

    def user_by_feed_uuid(self, school: str, feed_uuid: str) -> User | None:
        return next(
            (u for u in self.users.values() if u.school == school and u.feed_uuid == feed_uuid),
            None,
        )

    def find_key(self, client_id: str) -> tuple[School, DeveloperKey] | None:
        """The first school holding a key with this client_id (any binding)."""
        for school in self.schools.values():
            key = school.key(client_id)
            if key is not None:
                return school, key
        return None

    def _enrollments_by_user(self) -> dict[int, list[Enrollment]]:
        # Looked up once per assignment per request: with `add_students`' thousands of
        # users a scan of the list would be the sandbox's whole cost.  Rebuilt in list
        # order whenever the list visibly changed (its length or its last item).
        key = (len(self.enrollments), id(self.enrollments[-1]) if self.enrollments else 0)
        if key != self._by_user_key:
            self._by_user = {}
            for e in self.enrollments:
                self._by_user.setdefault(e.user_id, []).append(e)
            self._by_user_key = key
        return self._by_user

    def enrollments_of(self, user_id: int) -> list[Enrollment]:
        return list(self._enrollments_by_user().get(user_id, ()))

    def enrollment(self, user_id: int, course_id: int) -> Enrollment | None:
        return next(
            (e for e in self._enrollments_by_user().get(user_id, ()) if e.course_id == course_id),
            None,
        )

    def course_assignments(self, course_id: int) -> list[Assignment]:
        """Non-deleted assignments of a course in Canvas's default order (position)."""
        found = [
            a
            for a in self.assignments.values()
            if a.course_id == course_id and a.workflow_state != "deleted"
        ]
        return sorted(found, key=lambda a: (a.position, a.id))

    def course_events(self, course_id: int) -> list[CalendarEvent]:
        """Active events on the course's own calendar (section parents included)."""
        return sorted(
            (e for e in self.events.values()
             if e.course_id == course_id and not e.context_code and e.workflow_state == "active"),
            key=lambda e: (e.start_at, e.id),
        )

    def child_events(self, event_id: int) -> list[CalendarEvent]:
        return [e for e in self.events.values() if e.parent_event_id == event_id and e.workflow_state == "active"]

    def is_hidden(self, event: CalendarEvent) -> bool:
        """Canvas's `hidden?`: a course event with section children is not shown itself."""
        return bool(self.child_events(event.id))

    def user_sections(self, user_id: int) -> list[Section]:
        return [s for s in self.sections.values() if user_id in s.student_ids]

    def user_groups(self, user_id: int) -> list[Group]:
        return sorted((g for g in self.groups.values() if user_id in g.member_ids), key=lambda g: g.id)

    def events_in(self, code: str, user_id: int) -> list[CalendarEvent]:
        """What `calendar_events` lists for one context code the user may see
        (`CalendarEvent.for_user_and_context_codes`): the calendar's own active events and,
        for a course, the user's own section children (their `effective_context_code`)."""
        found = [e for e in self.events.values() if e.workflow_state == "active" and e.code == code
                 and e.parent_event_id is None]
        if code.startswith("course_"):
            mine = {f"course_section_{s.id}" for s in self.user_sections(user_id)}
            found += [e for e in self.events.values() if e.workflow_state == "active"
                      and e.parent_event_id is not None and e.code in mine and f"course_{e.course_id}" == code]
        return sorted(found, key=lambda e: (e.start_at, e.id))

    def visible_codes(self, user_id: int, school: str) -> set[str]:
        """Context codes whose calendars the user may read at `school`."""
        codes = {f"course_{e.course_id}" for e in self.enrollments_of(user_id)
                 if self.courses[e.course_id].school == school}
        codes |= {f"group_{g.id}" for g in self.user_groups(user_id) if self.courses[g.course_id].school == school}
        return codes | {f"user_{user_id}"}

    def delete_event(self, event_id: int, at: datetime) -> None:
        """Soft-delete as Canvas does (a parent takes its section children with it)."""
        for event in [self.events[event_id], *self.child_events(event_id)]:
            event.workflow_state = "deleted"
            event.updated_at = at

    def overrides_for(self, assignment_id: int) -> list[AssignmentOverride]:
        return [o for o in self.overrides.values() if o.assignment_id == assignment_id]

    # -- mutators (the state wraps these with its clock) -------------------

    def _next_id(self, table: dict[int, object], school: str) -> int:
        base = self.schools[school].shard * 1_000_000
        in_block = [i for i in table if base <= i < base + 1_000_000]
        return max(in_block, default=base) + 1

    def add_assignment(self, course_id: int, at: datetime, **fields: object) -> Assignment:
        """Create a published assignment; `fields` override the defaults."""
        course = self.courses[course_id]
        new_id = self._next_id(self.assignments, course.school)  # type: ignore[arg-type]
        positions = [a.position for a in self.assignments.values() if a.course_id == course_id]
        assignment = Assignment(
            id=new_id,
            course_id=course_id,
            name=f"Assignment {new_id}",
            kind="problem_set",
            description=None,
            submission_types=["online_upload"],
            points_possible=10.0,
            due_at=None,
            unlock_at=None,
            lock_at=None,
            created_at=at,
            updated_at=at,
            position=max(positions, default=0) + 1,
        )
        assignment = replace(assignment, **fields)  # type: ignore[arg-type]
        assignment.all_day, assignment.all_day_date = all_day_fields(
            assignment.due_at, course.time_zone
        )
        self.assignments[assignment.id] = assignment
        return assignment

    def add_bulk_assignments(
        self, course_id: int, n: int, at: datetime | None = None
    ) -> list[Assignment]:
        """Add `n` published, dated assignments to a course (for 250-item lists).

        Due dates are one a day at 17:00 course time from the term start.
        """
        course = self.courses[course_id]
        at = at or self.anchor
        made = []
        for i in range(n):
            day = self.term_start + timedelta(days=i % 105)
            made.append(
                self.add_assignment(
                    course_id,
                    at,
                    name=f"Bulk practice {i + 1:03d}",
                    due_at=utc_at(day, 17, 0, course.time_zone),
                )
            )
        return made

    def add_students(self, school: str, n: int, courses_each: int = 4) -> list[User]:
        """Add `n` students to `school`, each enrolled in `courses_each` of its courses (for load tests).

        Deterministic for a given world and call order; no submissions yet.
        Their tokens come from `SandboxState.grant_token` (the consent page
        lists only the seeded people).  Ids: users N_500_001.. for shard N.
        """
        import random

        home = self.schools[school]
        courses = sorted(c.id for c in self.courses.values() if c.school == school)
        courses_each = min(courses_each, len(courses))
        base = home.shard * 1_000_000 + 500_000
        first = max((u for u in self.users if base < u < base + 500_000), default=base) + 1
        next_enrollment = max((e.id for e in self.enrollments), default=0)
        rng = random.Random(f"{self.seed}:{school}:{first}")
        made = []
        for number in range(first, first + n):
            user = User(
                id=number, school=school, name=f"Load Student {number}",
                sortable_name=f"Student {number}, Load", short_name=f"Load {number}",
                login_id=f"load{number}@{school}.example.edu", email=f"load{number}@{school}.example.edu",
                time_zone=home.time_zone, locale="en", feed_uuid=f"{rng.getrandbits(160):040x}",
                shard=home.shard,
            )
            self.users[user.id] = user
            start = number % len(courses)
            for course_id in sorted(courses[(start + i) % len(courses)] for i in range(courses_each)):
                next_enrollment += 1
                self.enrollments.append(Enrollment(next_enrollment, user.id, course_id, "StudentEnrollment"))
            made.append(user)
        return made

    def edit_assignment(self, assignment_id: int, at: datetime, **fields: object) -> Assignment:
        """Change fields of an assignment and bump `updated_at` to `at`."""
        assignment = self.assignments[assignment_id]
        for name, value in fields.items():
            if not hasattr(assignment, name):
                raise AttributeError(f"Assignment has no field {name!r}")
            setattr(assignment, name, value)
        if "due_at" in fields:
            tz = self.courses[assignment.course_id].time_zone
            assignment.all_day, assignment.all_day_date = all_day_fields(assignment.due_at, tz)
        assignment.updated_at = at
        return assignment

    def delete_assignment(self, assignment_id: int, at: datetime) -> None:
        """Soft-delete as Canvas does: the row stays, workflow_state='deleted'."""
        self.edit_assignment(assignment_id, at, workflow_state="deleted")

    def submit(self, user_id: int, assignment_id: int, at: datetime) -> Submission:
        """Record a submission by `user_id` at `at` (a new attempt if one exists)."""
        existing = self.submissions.get((user_id, assignment_id))
        course = self.courses[self.assignments[assignment_id].course_id]
        new_id = existing.id if existing else self._next_id(
            {s.id: s for s in self.submissions.values()}, course.school
        )
        submission = Submission(
            id=new_id,
            assignment_id=assignment_id,
            user_id=user_id,
            workflow_state="submitted",
            submitted_at=at,
            attempt=((existing.attempt or 0) if existing else 0) + 1,
        )
        self.submissions[(user_id, assignment_id)] = submission
        return submission
