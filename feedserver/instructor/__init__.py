"""Instructors and school admins see the weeks their students face, from whole cohorts only.

A student who chooses to contribute (/me, `settings.contribute`) counts,
anonymously, in the aggregate views of their courses: an instructor's launch
from a course (LTI, Instructor or TA role, matched by ``$Canvas.course.id``)
shows the course's week view; an admin's launch, or the team's admin token,
the school view and its CSV. Every figure comes from whole cohorts of k
students (docs/privacy.md).

Modules, one job each: `cohorts` (who counts: sealed cohorts of k), `data`
(reading their rows), `compute` (pure pandas, on a worker thread), `records`
(the figures), `service` (`Insights`: settle, read, compute), `grants`
(sealed grants for the forms inside the platform's frame), `chart` (SVG),
`pages` (template contexts), `export` (CSV, JSON), `me` + `views` (the block
on /me/settings and the routes).

Other subsystems use `pages.course_context` / `pages.school_context` and
their templates (lti/landing.py renders them at launch).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.me import add_me_block
from ..typedefs import config_key, db_key
from .appkeys import insights_key
from .me import contribute_section
from .service import Insights
from .views import routes

__all__ = ["setup"]


async def _insights_context(app: web.Application) -> AsyncIterator[None]:
    app[insights_key] = Insights(app[config_key], app[db_key])
    yield


def setup(app: web.Application) -> None:
    """Register the views' service, routes and the /me settings block."""
    app.cleanup_ctx.append(_insights_context)
    app.router.add_routes(routes)
    # On the settings page, above disconnecting (auth's block at 900).
    add_me_block(app, "me/_contribute.html", page="settings", order=800, context=contribute_section)
