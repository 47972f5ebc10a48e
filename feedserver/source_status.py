"""Why a student's calendar stopped updating, in words a student can act on.

One vocabulary for every place that says it: the sync records a problem's
kind (`Student.source_problem`, and `source_problem_since`, the first
failure after the last good sync); /me, ``GET /api/me`` and the embed
widget explain it with `PROBLEMS`; the feed gains one notice event once
`shows_notice` says so. The last good events always stay.

A Canvas that is down for a while is normal, so `unavailable` and `broken`
reach the feed only after a day of failing; a reset feed address, a
sign-in page or a revoked grant never fix themselves, so they show at once.
A leaf module: it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

__all__ = ["BROKEN", "FEED_GONE", "LOGIN_PAGE", "PROBLEMS", "RECONNECT", "UNAVAILABLE", "Problem",
           "notice_starts", "shows_notice"]

FEED_GONE = "feed_gone"
LOGIN_PAGE = "login_page"
UNAVAILABLE = "unavailable"
BROKEN = "broken"
RECONNECT = "reconnect_needed"
"""The Canvas grant is gone (`Student.status`); its notice is the feed's "Reconnect" event."""


@dataclass(frozen=True)
class Problem:
    kind: str
    headline: str
    """One line: the notice event's title after "Homework Muffin: "."""
    explanation: str
    """What happened."""
    action: str
    """What the student can do about it."""
    notice_after: timedelta
    """How long the problem must last before the feed shows it."""
    new_address: bool = False
    """The fix is a new calendar-feed address (/me offers a form for it)."""


PROBLEMS = MappingProxyType({p.kind: p for p in (
    Problem(FEED_GONE, "your Canvas calendar feed address stopped working",
            "Canvas no longer knows the calendar feed address you connected with: it answered \"not found\". "
            "That happens when the address is reset in Canvas.",
            "In Canvas, open Calendar, choose Calendar Feed, copy the address and paste it on your Homework Muffin "
            "page. Your calendar link stays the same.", timedelta(0), new_address=True),
    Problem(LOGIN_PAGE, "Canvas sends a sign-in page instead of your calendar",
            "Your Canvas calendar feed address now answers with a web page (a sign-in page) instead of your "
            "calendar. The address was probably reset, or your school changed how Canvas is reached.",
            "In Canvas, open Calendar, choose Calendar Feed, copy the address and paste it on your Homework Muffin "
            "page. Your calendar link stays the same.", timedelta(0), new_address=True),
    Problem(UNAVAILABLE, "Canvas is not answering",
            "Canvas did not answer, or answered with an error, when we last asked for your assignments.",
            "Nothing to do yet: we try again every hour and your calendar keeps its events meanwhile. If Canvas "
            "works for you but this lasts, tell us.", timedelta(days=1)),
    Problem(BROKEN, "Canvas sent something we could not read",
            "Canvas answered, but not with data we could read, so nothing was changed.",
            "We try again every hour and your calendar keeps its events meanwhile. If this lasts, tell us.",
            timedelta(days=1)),
    Problem(RECONNECT, "reconnect Homework Muffin",
            "Canvas no longer accepts Homework Muffin's access (it was removed or has expired).",
            "Sign in with Canvas again; your calendar link stays the same.", timedelta(0)),
)})


def shows_notice(kind: str | None, since: datetime | None, now: datetime) -> bool:
    """Whether a problem of `kind`, failing since `since`, puts a notice event in the feed at `now`."""
    problem = PROBLEMS.get(kind or "")
    if problem is None or since is None:
        return False
    return now - since >= problem.notice_after


def notice_starts(kind: str, since: datetime) -> datetime:
    """When the notice first shows: the notice event sits on that day, which stays put while the
    problem lasts, so the feed's bytes (and ETag) do not change with every failing sync."""
    return since + PROBLEMS[kind].notice_after
