"""What the /me page shows, computed by small functions, one per section.

me.html includes one partial per section (``me/_*.html``). The core
sections are computed here: the connection status, and the feed (its links,
its settings and the undated assignments, from `feedserver.feeds`, a layer
below this one). Subsystems above auth add their own with
`add_me_section(app, provider)` in their ``setup(app)``: the provider gets
the request and the `Student` row and returns the context its partial reads.
Providers run after the core sections, in the order they were added; a key a
provider returns must not collide with another's (prefix it with your area).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from sqlalchemy import select

from ..config import Institution
from ..feeds.me import feed_sections
from ..feeds.tokens import FeedLinks, current_feed_token, feed_links
from ..source_status import PROBLEMS, RECONNECT
from ..store.models import Student, SyncRun
from ..typedefs import cipher_key, config_key, db_key
from .appkeys import MeSection, me_sections_key
from .csrf import csrf_token

__all__ = ["add_me_section", "me_context", "ConnectionStatus", "ProblemView", "connection_status", "feed_section",
           "last_error"]


@dataclass(frozen=True)
class ProblemView:
    """Why the calendar stopped updating (feedserver.source_status), for me/_problem.html and the embed."""

    kind: str
    headline: str
    explanation: str
    action: str
    since: str
    """When it started, as the student reads it."""
    detail: str | None
    """What the last failed sync said (no secret: see sync/job.py `record_failure`)."""
    new_address: bool
    """Offer the form for a new calendar-feed address."""


@dataclass(frozen=True)
class ConnectionStatus:
    connected: bool
    """False when Canvas refused our grant: the student must sign in again."""
    school_name: str
    canvas_url: str
    reconnect_url: str
    last_sync: str | None
    """Last successful sync in the student's time zone, e.g. "Tue 3 Nov 2026, 14:05 (America/Chicago)"."""
    problem: ProblemView | None = None
    """Set while the student's source fails (not for a revoked grant: `connected` says that)."""


def add_me_section(app: web.Application, provider: MeSection) -> None:
    """Register a context provider for a section of /me (call from your `setup(app)`)."""
    app[me_sections_key].append(provider)


def format_local(moment: datetime, zone: str) -> str:
    """An aware UTC datetime as the student reads it, with the zone named."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = ZoneInfo("UTC"), "UTC"
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone})"


def connection_status(student: Student, institution: Institution, detail: str | None = None) -> ConnectionStatus:
    """The /me status section; `detail` is the last failed sync's reason (`last_error`)."""
    problem = None
    if student.source_problem in PROBLEMS and student.source_problem != RECONNECT and student.source_problem_since:
        kind = PROBLEMS[student.source_problem]
        problem = ProblemView(kind.kind, kind.headline[:1].upper() + kind.headline[1:], kind.explanation, kind.action,
                              format_local(student.source_problem_since, student.time_zone), detail,
                              kind.new_address)
    return ConnectionStatus(
        connected=student.status == "active",
        school_name=institution.name,
        canvas_url=institution.canvas_url,
        reconnect_url=f"/login?institution={institution.slug}&return_to=/me",
        last_sync=format_local(student.last_sync_at, student.time_zone) if student.last_sync_at else None,
        problem=problem,
    )


async def last_error(request: web.Request, student: Student) -> str | None:
    """The reason the student's last sync failed, if their source is failing now."""
    if student.source_problem is None:
        return None
    async with request.app[db_key]() as session:
        return await session.scalar(select(SyncRun.error).where(SyncRun.student_id == student.id,
                                                                SyncRun.outcome == "error")
                                    .order_by(SyncRun.id.desc()).limit(1))


async def feed_section(request: web.Request, student: Student) -> FeedLinks:
    app = request.app
    token = await current_feed_token(app[db_key], app[cipher_key], student.id)
    return feed_links(app[config_key].server.public_url, token)


async def me_context(request: web.Request, student: Student, institution: Institution) -> dict[str, Any]:
    """Everything me.html and its partials read."""
    context: dict[str, Any] = {
        "student": student,
        "status": connection_status(student, institution, await last_error(request, student)),
        "feed": await feed_section(request, student),
        "csrf_token": await csrf_token(request),
        **await feed_sections(request, student),
    }
    for provider in request.app[me_sections_key]:
        context.update(await provider(request, student))
    return context
