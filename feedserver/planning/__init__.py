"""Balance suggestions: the balanced plan of `muffin_analytics` in each student's feed and on the /me pages.

Modules, one job each: `records` (plain dataclasses), `compute` (pure: records
in, plan and words out; runs on a worker thread), `store` (inputs and stored
sessions), `service` (`Planner`: replan, workload, what-if; compute, store,
re-render if changed), `hooks` (replan after every sync), `actions` (settings
and estimate changes shared by the forms and the API), `chart` (SVG),
`summary` (JSON and words), `me` (planning's blocks of the /me pages) and
`views` (the forms and the free-time question).

`setup(app)` puts a `Planner` on ``app[planner_key]`` (planning.appkeys),
registers the forms and planning's /me blocks. `hooks.with_planning` wraps
sync sources so that every successful sync replans; app.py applies it to the
sync service's table of sources.

Planning stands above feeds: it stores `planned_sessions`, which the feed
reads on its own (feeds/sessions.py), and re-renders through `feeds.publish`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp_jinja2
from aiohttp import web

from ..hours import fmt_hours
from ..typedefs import config_key, db_key
from .appkeys import planner_key
from .me import add_planning_blocks
from .service import Planner
from .views import routes

__all__ = ["setup"]


async def _planning_context(app: web.Application) -> AsyncIterator[None]:
    app[planner_key] = Planner(app[db_key], public_url=app[config_key].server.public_url)
    yield


def setup(app: web.Application) -> None:
    """Register the planner's lifecycle, the forms and planning's /me blocks."""
    app.cleanup_ctx.append(_planning_context)
    app.router.add_routes(routes)
    add_planning_blocks(app)
    aiohttp_jinja2.get_env(app).filters["hours"] = fmt_hours
