"""Balance suggestions: the balanced plan of `muffin_analytics` in each student's feed and on /me.

Modules, one job each: `records` (plain dataclasses), `compute` (pure: records
in, plan and words out; runs on a worker thread), `store` (inputs and stored
sessions), `service` (`Planner.replan`: compute, store, re-render if changed),
`hooks` (replan after every sync), `actions` (settings and estimate changes
shared by the forms and the API), `chart` (SVG), `summary` (JSON and words),
`me` + `views` (the /me section, the settings forms).

`setup(app)` puts a `Planner` on ``app[planner_key]`` (planning.appkeys) and
registers the /me section and form routes. `hooks.with_planning` wraps sync
sources so that every successful sync replans; app.py applies it to the sync
service's table of sources.

Planning stands above feeds: it stores `planned_sessions`, which the feed
reads on its own (feeds/sessions.py), and re-renders through `feeds.publish`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.me import add_me_section
from ..typedefs import config_key, db_key
from .appkeys import planner_key
from .me import workload_section
from .service import Planner
from .views import routes

__all__ = ["setup"]


async def _planning_context(app: web.Application) -> AsyncIterator[None]:
    app[planner_key] = Planner(app[db_key], public_url=app[config_key].server.public_url)
    yield


def setup(app: web.Application) -> None:
    """Register the planner's lifecycle, the /me section and its forms."""
    app.cleanup_ctx.append(_planning_context)
    app.router.add_routes(routes)
    add_me_section(app, workload_section)
