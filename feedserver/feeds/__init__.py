"""Private calendar feeds: tokens, rendering, caching and the routes calendar apps poll.

`setup(app)` registers the poll routes (``feed``, ``feed_sessions``) and,
once the database exists, the `FeedCache` on ``app[feed_cache_key]``
(feeds.appkeys). Other subsystems use:

- `feeds.preferences.update_settings(db, student_id, patch, public_url=...)`;
- `feeds.publish.rerender(session, student_id, ...)` inside their own transaction;
- `feeds.render` (pure rendering) and `feeds.tokens` (feed URLs, rotation);
- `feeds.me.feed_sections`, the feed's part of /me (auth/me.py);
- the cache's plain counters (`FeedCache.answers`, `hits`, `misses`), which
  the metrics collector reads at scrape time. A served poll notes its
  student in ``app[activity_key]`` for retention.

Feeds stands below auth and planning and imports neither: the work sessions
of a plan reach the feed through the `planned_sessions` table
(feeds/sessions.py), and the settings form that may replan is planning's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..typedefs import activity_key, config_key, db_key, engine_key
from .appkeys import feed_cache_key
from .cache import FeedCache
from .views import routes

__all__ = ["setup"]


async def _feed_cache(app: web.Application) -> AsyncIterator[None]:
    # After app.py's database context, whose engine and sessionmaker it needs.
    server = app[config_key].server
    cache = FeedCache(app[engine_key], app[db_key], public_url=server.public_url,
                      max_bytes=server.feed_cache_mib * 1024 * 1024, activity=app[activity_key])
    await cache.start()
    app[feed_cache_key] = cache
    yield
    await cache.close()


def setup(app: web.Application) -> None:
    """Register the poll routes and the feed cache."""
    app.cleanup_ctx.append(_feed_cache)
    app.router.add_routes(routes)
