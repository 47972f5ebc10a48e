"""Balance suggestions: the balanced plan of `muffin_analytics` in each student's feed and on /me.

Modules, one job each: `records` (plain dataclasses), `compute` (pure: records
in, plan and words out; runs on a worker thread), `store` (inputs and stored
sessions), `service` (`Planner.replan`: compute, store, re-render if changed),
`hooks` (replan after every sync), `actions` (settings and estimate changes
shared by the forms and the API), `chart` (SVG), `summary` (JSON and words),
`me` + `views` (the /me section, the settings forms).

`setup(app)` puts a `Planner` on ``app[planner_key]`` (planning.appkeys),
wraps the sync service's sources so every successful sync replans, and
registers the /me section and form routes. Call it after `sync.setup` and
`canvasfeed.setup`.

Planning stands above feeds: it stores `planned_sessions`, which the feed
reads on its own (feeds/sessions.py), and re-renders through `feeds.publish`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.me import add_me_section
from ..sync.appkeys import sync_service_key
from ..typedefs import config_key, db_key
from .appkeys import planner_key
from .hooks import with_planning
from .me import workload_section
from .service import Planner
from .views import routes

__all__ = ["setup"]


async def _planning_context(app: web.Application) -> AsyncIterator[None]:
    # After the sync and canvasfeed contexts: every source they registered gets wrapped.
    planner = Planner(app[db_key], public_url=app[config_key].server.public_url)
    app[planner_key] = planner
    service = app.get(sync_service_key)
    if service is not None:
        service.sources = with_planning(service.sources, planner)
    yield


def setup(app: web.Application) -> None:
    """Register the planner's lifecycle, the /me section and its forms."""
    app.cleanup_ctx.append(_planning_context)
    app.router.add_routes(routes)
    add_me_section(app, workload_section)
