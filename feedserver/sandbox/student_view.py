"""What one user may see of the world, and the dates and states Canvas computes.

Canvas never hands a student an unpublished assignment, applies the student's
own override to every date it returns, derives lock state from unlock/lock
dates, and computes `late`/`missing` from the student's due date.  The API
serialisers and the ICS feed both go through here so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .world import FAR_FUTURE, Assignment, AssignmentOverride, Checkpoint, Course, SandboxWorld, Submission

#: Submission types that expect nothing turned in online (never "missing").
OFFLINE_TYPES = frozenset({"none", "not_graded", "on_paper", "external_tool"})


@dataclass(frozen=True)
class EffectiveDates:
    """An assignment's dates for one user, override applied."""

    due_at: datetime | None
    unlock_at: datetime | None
    lock_at: datetime | None
    all_day: bool
    all_day_date: date | None
    override: AssignmentOverride | None


@dataclass(frozen=True)
class LockState:
    locked: bool
    explanation: str | None
    #: Canvas's lock_info object, or None when unlocked.
    info: dict[str, object] | None


@dataclass(frozen=True)
class SubmissionStatus:
    submission: Submission | None
    submitted: bool
    graded: bool
    late: bool
    missing: bool
    excused: bool
    seconds_late: int


def is_teacher(world: SandboxWorld, user_id: int, course_id: int) -> bool:
    enrollment = world.enrollment(user_id, course_id)
    return enrollment is not None and enrollment.type == "TeacherEnrollment"


def visible_to(world: SandboxWorld, assignment: Assignment, user_id: int) -> bool:
    """Enrolled, not deleted, and published unless the user teaches the course."""
    if assignment.workflow_state == "deleted":
        return False
    if world.enrollment(user_id, assignment.course_id) is None:
        return False
    return assignment.published or is_teacher(world, user_id, assignment.course_id)


def visible_assignments(world: SandboxWorld, user_id: int, course_id: int) -> list[Assignment]:
    return [a for a in world.course_assignments(course_id) if visible_to(world, a, user_id)]


def effective_dates(world: SandboxWorld, assignment: Assignment, user_id: int) -> EffectiveDates:
    """The user's dates; of several overrides Canvas picks the latest due date.

    An assignment in `world.far_future_due` is due `FAR_FUTURE` for everyone.
    """
    if assignment.id in world.far_future_due:
        return EffectiveDates(FAR_FUTURE, assignment.unlock_at, assignment.lock_at, False, None, None)
    mine = [o for o in world.overrides_for(assignment.id) if user_id in o.student_ids]
    if not mine:
        return EffectiveDates(
            assignment.due_at, assignment.unlock_at, assignment.lock_at,
            assignment.all_day, assignment.all_day_date, None,
        )
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    chosen = max(mine, key=lambda o: o.due_at or far)
    return EffectiveDates(
        chosen.due_at, chosen.unlock_at, chosen.lock_at,
        chosen.all_day, chosen.all_day_date, chosen,
    )


def _when(moment: datetime, time_zone: str) -> str:
    """Canvas's short date and tiny time, e.g. 'Sep 15 at 9am' / 'Nov 2 at 11:59pm'."""
    local = moment.astimezone(ZoneInfo(time_zone))
    hour = local.hour % 12 or 12
    clock = f"{hour}{'' if local.minute == 0 else f':{local.minute:02d}'}"
    return f"{local:%b} {local.day} at {clock}{'am' if local.hour < 12 else 'pm'}"


def lock_state(
    assignment: Assignment, dates: EffectiveDates, now: datetime, time_zone: str
) -> LockState:
    """Locked before `unlock_at` or after `lock_at` (explanations as Canvas words them)."""
    asset = f"assignment_{assignment.id}"
    if dates.unlock_at is not None and dates.unlock_at > now:
        return LockState(
            True,
            f"This assignment is locked until {_when(dates.unlock_at, time_zone)}.",
            {"asset_string": asset, "unlock_at": dates.unlock_at},
        )
    if dates.lock_at is not None and dates.lock_at < now:
        return LockState(
            True,
            f"This assignment was locked {_when(dates.lock_at, time_zone)}.",
            {"asset_string": asset, "lock_at": dates.lock_at, "can_view": True},
        )
    return LockState(False, None, None)


def submission_status(
    world: SandboxWorld, assignment: Assignment, user_id: int,
    due_at: datetime | None, now: datetime,
) -> SubmissionStatus:
    """Late and missing are derived from the user's due date, as Canvas does."""
    return _status(world.submissions.get((user_id, assignment.id)), assignment, due_at, now)


def checkpoint_status(world: SandboxWorld, assignment: Assignment, checkpoint: Checkpoint, user_id: int,
                      now: datetime) -> SubmissionStatus:
    """The user's submission of one checkpoint, judged against the checkpoint's own due date."""
    sub = world.checkpoint_submissions.get((user_id, assignment.id, checkpoint.tag))
    return _status(sub, assignment, checkpoint.due_at, now)


def _status(sub: Submission | None, assignment: Assignment, due_at: datetime | None,
            now: datetime) -> SubmissionStatus:
    submitted = sub is not None and sub.submitted_at is not None
    graded = sub is not None and sub.workflow_state == "graded"
    excused = sub is not None and sub.excused
    submitted_at = sub.submitted_at if sub is not None else None
    late = submitted_at is not None and due_at is not None and submitted_at > due_at
    seconds_late = (
        int((submitted_at - due_at).total_seconds()) if late else 0  # type: ignore[operator]
    )
    expects_online = not OFFLINE_TYPES.intersection(assignment.submission_types)
    missing = bool(
        expects_online and due_at is not None and due_at < now
        and not submitted and not graded and not excused
    )
    return SubmissionStatus(sub, submitted, graded, late, missing, excused, seconds_late)


def user_time_zone(world: SandboxWorld, user_id: int) -> str:
    return world.users[user_id].time_zone


def user_courses(world: SandboxWorld, user_id: int) -> list[Course]:
    ids = sorted({e.course_id for e in world.enrollments_of(user_id)})
    return [world.courses[i] for i in ids]


def local_day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, as aware datetimes."""
    tz = ZoneInfo(time_zone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    return start, start + timedelta(days=1)
