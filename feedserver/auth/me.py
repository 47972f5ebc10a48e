"""The student's pages: a short /me overview and its sub-pages, assembled from blocks.

A *block* is one partial template (``me/_*.html``) on one page, in one area,
at one position, with a small function that computes the context it reads:

- pages (`ME_PAGES`): ``overview`` (/me: what a student needs at a glance,
  at most two phone screens), ``plan`` (/me/plan: the workload chart and all
  the advice), ``estimates`` (/me/estimates), ``settings`` (/me/settings);
- areas: ``notices`` (short, near the top, in order: something changed or
  needs the student's attention; render nothing when there is nothing to
  say) and ``sections`` (the page's cards, in order).

auth registers the core blocks below (connection, calendar link, feed
settings, disconnect); features register theirs from their ``setup(app)``
with `add_me_block`. A block's context function runs only when its page is
shown; the keys it returns must not collide with another block's (prefix
them with your area). `add_me_section` registers a context function that
runs for every page, for partials that read shared keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from sqlalchemy import select

from ..config import Institution
from ..feeds.me import feed_sections
from ..feeds.tokens import current_feed_token, feed_links
from ..source_status import PROBLEMS, RECONNECT
from ..store.models import Student, SyncRun
from ..typedefs import cipher_key, config_key, db_key
from .appkeys import MeBlock, MeSection, me_blocks_key, me_sections_key
from .csrf import csrf_token

__all__ = [
    "AREAS",
    "ME_PAGES",
    "ConnectionStatus",
    "MeBlock",
    "ProblemView",
    "add_me_block",
    "add_me_section",
    "connection_status",
    "core_blocks",
    "feed_section",
    "last_error",
    "me_context",
]

ME_PAGES: dict[str, tuple[str, str]] = {
    "overview": ("/me", "Overview"),
    "plan": ("/me/plan", "Plan"),
    "estimates": ("/me/estimates", "Estimates"),
    "settings": ("/me/settings", "Settings"),
}
"""page → (path, title in the page navigation)."""

AREAS = ("notices", "sections")


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


def add_me_block(app: web.Application, template: str, *, page: str = "overview", area: str = "sections",
                 order: int = 500, context: MeSection | None = None) -> None:
    """Show `template` on one /me page (call from your `setup(app)`).

    Parameters: the page (`ME_PAGES`), the area (``notices`` or
    ``sections``), the position in it (lower first; core blocks use 100,
    200, …) and the function computing the keys the partial reads.
    """
    if page not in ME_PAGES or area not in AREAS:
        raise ValueError(f"unknown /me page {page!r} or area {area!r}")
    app[me_blocks_key].append(MeBlock(template, page, area, order, context))


def add_me_section(app: web.Application, provider: MeSection) -> None:
    """Register a context provider that runs for every /me page (call from your `setup(app)`)."""
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


async def feed_section(request: web.Request, student: Student) -> Mapping[str, Any]:
    app = request.app
    token = await current_feed_token(app[db_key], app[cipher_key], student.id)
    return {"feed": feed_links(app[config_key].server.public_url, token)}


async def _feed_settings(request: web.Request, student: Student) -> Mapping[str, Any]:
    return await feed_sections(request, student)


def core_blocks() -> list[MeBlock]:
    """The blocks auth itself shows (features add theirs with `add_me_block`)."""
    return [
        MeBlock("me/_reconnect.html", "overview", "notices", 100, None),
        MeBlock("me/_problem.html", "overview", "notices", 110, None),
        MeBlock("me/_undated_notice.html", "overview", "notices", 800, _feed_settings),
        MeBlock("me/_status.html", "overview", "sections", 100, None),
        MeBlock("me/_subscribe.html", "overview", "sections", 200, feed_section),
        MeBlock("me/_feed_settings.html", "settings", "sections", 300, _feed_settings),
        MeBlock("me/_undated.html", "settings", "sections", 400, None),
        MeBlock("me/_account.html", "settings", "sections", 900, None),
    ]


async def me_context(request: web.Request, student: Student, institution: Institution,
                     page: str = "overview") -> dict[str, Any]:
    """Everything me.html and the partials of one page read: the page's blocks by area, and their contexts."""
    blocks = sorted((b for b in request.app[me_blocks_key] if b.page == page), key=lambda b: b.order)
    context: dict[str, Any] = {
        "student": student,
        "status": connection_status(student, institution, await last_error(request, student)),
        "csrf_token": await csrf_token(request),
        "page": page,
        "pages": ME_PAGES,
        "blocks": {area: [b for b in blocks if b.area == area] for area in AREAS},
    }
    for provider in request.app[me_sections_key]:
        context.update(await provider(request, student))
    done: set[MeSection] = set()
    for block in blocks:
        if block.context is not None and block.context not in done:
            done.add(block.context)
            context.update(await block.context(request, student))
    return context
