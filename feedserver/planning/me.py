"""The workload section of /me (partial ``me/_workload.html``): chart, words, estimates, settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from markupsafe import Markup

from ..feeds.tokens import FeedLinks, current_feed_token, feed_links
from ..settings import WEEKDAYS, StudentSettings
from ..store.models import Student
from ..typedefs import cipher_key, config_key, db_key
from .appkeys import planner_key
from .chart import workload_svg
from .records import Workload
from .summary import peak_sentence

__all__ = ["PlanningView", "workload_section"]

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


async def workload_section(request: web.Request, student: Student) -> dict[str, Any]:
    app = request.app
    settings = StudentSettings.from_json(student.settings)
    workload = await app[planner_key].workload(student.id)
    chart = None
    if workload is not None:
        chart = Markup(workload_svg(workload.days))
    sessions_feed = None
    if settings.suggestions:
        token = await current_feed_token(app[db_key], app[cipher_key], student.id, "sessions")
        sessions_feed = feed_links(app[config_key].server.public_url, token, "sessions")
    weekdays = [(f"free_{key}", name, hours)
                for key, name, hours in zip(WEEKDAYS, WEEKDAY_NAMES, settings.free_hours)]
    return {"planning": PlanningView(settings, workload, chart,
                                     peak_sentence(workload) if workload else "", weekdays, sessions_feed)}
