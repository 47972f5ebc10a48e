"""Students whose school has not enabled Homework Muffin: Canvas's own calendar feed.

`setup(app)` registers ``GET|POST /connect/canvas-feed``, the admin demand
board ``GET /admin/api/demand``, the /me section, and a `FeedSource` on
``app[feed_source_key]`` whose fetcher has its own SSRF-safe connector. The
sync service learns the ``canvas_feed`` source from `register_source`.

Modules: urls.py + addresses.py + resolver.py (what may be fetched),
fetch.py (fetching), parse.py (feed → coursework), source.py (connect and
sync), demand.py (the board). The rows of feed students (identity, school,
the upgrade to OAuth) are the store's: store/feed_students.py, which sign-in
uses too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.me import add_me_section
from ..http_policy import USER_AGENT
from ..store.feed_students import SOURCE
from ..sync.appkeys import sync_service_key
from ..typedefs import cipher_key, config_key, db_key
from .addresses import public_only, public_or_loopback
from .appkeys import feed_source_key
from .fetch import FeedFetcher
from .me import feed_me_section
from .source import FeedSource
from .views import routes

__all__ = ["feed_source_key", "make_fetcher", "setup"]


def make_fetcher(allow_private_feed_hosts: bool) -> FeedFetcher:
    """The production fetcher: public addresses only, or also loopback for tests and the demo."""
    if allow_private_feed_hosts:
        return FeedFetcher(policy=public_or_loopback, http="loopback", user_agent=USER_AGENT)
    return FeedFetcher(policy=public_only, user_agent=USER_AGENT)


async def _feed_context(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    fetcher = make_fetcher(config.server.allow_private_feed_hosts)
    await fetcher.start()
    source = FeedSource(config, app[db_key], app[cipher_key], fetcher)
    app[feed_source_key] = source
    service = app.get(sync_service_key)
    if service is not None:
        service.sources[SOURCE] = source.sync
    yield
    if service is not None:
        # This context stops before the sync service's (reverse order): stop its
        # syncs first, so none is cut off by the fetcher closing under it.
        await service.close()
    await fetcher.close()


def setup(app: web.Application) -> None:
    """Call after `sync.setup(app)`: the sync service must exist when this context starts."""
    app.cleanup_ctx.append(_feed_context)
    app.router.add_routes(routes)
    add_me_section(app, feed_me_section)
