"""Which students used the service lately, noted in memory and written to the database in batches.

A student is active when a calendar app polls one of their feeds or when
they use a page or the API signed in. Writing that down on every poll would
put a database write on the hot path (feeds/cache.py answers polls from
memory), so each process only notes the student's id here, a set insert,
and `feedserver.retention`'s background task takes what was noted and
writes it (at most one UPDATE per student per day, whichever process
notes them). What a process noted but had not written when it died is
lost; a calendar app polls again within hours.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ActivityLog"]


class ActivityLog:
    """Student ids seen active in this process since the last `take()` (one per app, ``app[activity_key]``)."""

    __slots__ = ("students",)

    def __init__(self) -> None:
        self.students: set[int] = set()
        """Noted ids. The set stays the same object (`take` empties it), so the poll path may keep its ``add``."""

    def seen(self, student_id: int) -> None:
        self.students.add(student_id)

    def take(self) -> set[int]:
        """Everything noted so far; the log starts empty again."""
        taken = set(self.students)
        self.students.clear()
        return taken

    def give_back(self, student_ids: Iterable[int]) -> None:
        """Note ids again whose write failed, so the next batch carries them."""
        self.students.update(student_ids)
