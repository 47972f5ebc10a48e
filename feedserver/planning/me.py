"""Planning's blocks of the /me pages, and what each one reads.

- overview, ``me/_plan_overview.html``: turn suggestions on (through the
  free-time question the first time), the next crunch, the three things to
  start first, each with one sentence of why;
- plan page, ``me/_plan.html``: the chart, its table, every suggestion and
  crunch, what cannot be planned and the deadlines to ask about;
- estimates page, ``me/_estimates.html``: per-assignment estimates with the
  student's own numbers, and what the calibration rests on;
- settings page, ``me/_suggestion_settings.html``: free hours, days off,
  sessions, the sessions-only calendar.

A plan that fails (the planner logs it) leaves its block out of the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from markupsafe import Markup

from ..auth.me import add_me_block
from ..feeds.tokens import FeedLinks, current_feed_token, feed_links
from ..settings import WEEKDAYS, StudentSettings
from ..store.models import Student
from ..typedefs import cipher_key, config_key, db_key
from .appkeys import planner_key
from .chart import workload_svg
from .records import Workload
from .service import PlanUnavailable
from .summary import peak_sentence

__all__ = ["PlanningView", "add_planning_blocks", "weekday_fields"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class PlanningView:
    settings: StudentSettings
    workload: Workload | None
    chart: Markup | None
    peak_words: str
    weekdays: list[tuple[str, str, float]]
    """(form field, weekday name, free hours)."""
    sessions_feed: FeedLinks | None


def weekday_fields(settings: StudentSettings) -> list[tuple[str, str, float]]:
    """(form field, weekday name, free hours) for the per-day inputs."""
    return [(f"free_{key}", name, hours) for key, name, hours in zip(WEEKDAYS, WEEKDAY_NAMES, settings.free_hours)]


async def _view(request: web.Request, student: Student, *, plan: bool, chart: bool = False) -> PlanningView | None:
    """The planning context of one block; None (block left out) if the plan fails."""
    settings = StudentSettings.from_json(student.settings)
    workload = None
    if plan:
        try:
            workload = await request.app[planner_key].workload(student.id)
        except PlanUnavailable:
            return None
    return PlanningView(
        settings=settings,
        workload=workload,
        chart=Markup(workload_svg(workload.days)) if chart and workload is not None else None,
        peak_words=peak_sentence(workload) if workload is not None else "",
        weekdays=weekday_fields(settings),
        sessions_feed=None,
    )


async def overview_context(request: web.Request, student: Student) -> Mapping[str, Any]:
    settings = StudentSettings.from_json(student.settings)
    # Nothing to compute until the student wants suggestions and has said how much time they have.
    ready = settings.suggestions and settings.free_time_answered
    return {"planning": await _view(request, student, plan=ready)}


async def plan_context(request: web.Request, student: Student) -> Mapping[str, Any]:
    return {"planning": await _view(request, student, plan=True, chart=True)}


async def estimates_context(request: web.Request, student: Student) -> Mapping[str, Any]:
    return {"planning": await _view(request, student, plan=True)}


async def settings_context(request: web.Request, student: Student) -> Mapping[str, Any]:
    view = await _view(request, student, plan=False)
    if view is not None and view.settings.suggestions:
        app = request.app
        token = await current_feed_token(app[db_key], app[cipher_key], student.id, "sessions")
        view = PlanningView(view.settings, None, None, "", view.weekdays,
                            feed_links(app[config_key].server.public_url, token, "sessions"))
    return {"planning": view}


def add_planning_blocks(app: web.Application) -> None:
    """Planning's blocks on the overview, plan, estimates and settings pages."""
    add_me_block(app, "me/_plan_overview.html", page="overview", order=300, context=overview_context)
    add_me_block(app, "me/_plan.html", page="plan", order=100, context=plan_context)
    add_me_block(app, "me/_estimates.html", page="estimates", order=100, context=estimates_context)
    add_me_block(app, "me/_suggestion_settings.html", page="settings", order=200, context=settings_context)
