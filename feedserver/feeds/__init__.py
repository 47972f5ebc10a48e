"""Private calendar feeds: rendering, caching, the feed routes and feed settings.

`setup(app)` registers the routes (``feed``, ``feed_sessions``,
``feed_settings``), the /me sections and, once the database exists, the
`FeedCache` on ``app[feed_cache_key]``. Other subsystems use:

- `feeds.preferences.update_settings(db, student_id, patch, public_url=...)`;
- `feeds.publish.rerender(session, student_id, ...)` inside their own transaction;
- `feeds.render` (pure rendering) and `feeds.tokens` (feed URLs, rotation).

This package's own import stays light (the web handlers are imported by
`setup`), so `sync`, `planning` and others can import `feeds.publish`
without pulling in auth and its page handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..typedefs import config_key, db_key, engine_key
from .appkeys import feed_cache_key

__all__ = ["setup"]


async def _feed_cache(app: web.Application) -> AsyncIterator[None]:
    from .cache import FeedCache

    # After app.py's database context, whose engine and sessionmaker it needs.
    server = app[config_key].server
    cache = FeedCache(app[engine_key], app[db_key], public_url=server.public_url,
                      max_bytes=server.feed_cache_mib * 1024 * 1024)
    await cache.start()
    app[feed_cache_key] = cache
    yield
    await cache.close()


def setup(app: web.Application) -> None:
    """Register routes, the /me sections and the feed cache."""
    from ..auth.me import add_me_section
    from .me import feed_sections
    from .views import routes

    app.cleanup_ctx.append(_feed_cache)
    app.router.add_routes(routes)
    add_me_section(app, feed_sections)
