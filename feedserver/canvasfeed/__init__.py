"""Students whose school has not enabled Homework Muffin: Canvas's own calendar feed.

`setup(app)` registers ``GET|POST /connect/canvas-feed``, the admin demand
board ``GET /admin/api/demand``, the /me section, and a `FeedSource` on
``app[feed_source_key]`` whose fetcher has its own SSRF-safe connector.
`FeedSource.sync` is the sync service's ``canvas_feed`` source (app.py puts it
in the table of sources).

Modules: urls.py + addresses.py + resolver.py (what may be fetched),
fetch.py (fetching), parse.py (feed → coursework), source.py (connect and
sync), demand.py (the board). The rows of feed students (identity, school,
the upgrade to OAuth) are the store's: store/feed_students.py, which sign-in
uses too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.me import add_me_block
from ..http_policy import USER_AGENT
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
    yield
    # The sync service's context stopped first (it starts last), so no sync is using the fetcher.
    await fetcher.close()


def setup(app: web.Application) -> None:
    """Register the connect form, the demand board, the /me section and the feed source."""
    app.cleanup_ctx.append(_feed_context)
    app.router.add_routes(routes)
    add_me_block(app, "me/_canvasfeed.html", area="sections", order=150, context=feed_me_section)
