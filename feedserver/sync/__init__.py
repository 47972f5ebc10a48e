"""Assignment sync: Canvas → store → rendered feed, in the background and on request.

`setup(app)` puts a `SyncService` on ``app[sync_service_key]`` once the
database, the shared HTTP client and the token store exist, and starts its
background rounds only when ``server.background_sync`` is true (tests and
`muffin-feed sync` drive it directly). Other subsystems use:

- `SyncService.request_sync(student_id)` for "sync now" (raises `SyncTooSoon`);
- `SyncService.sync_student(student_id)` / `run_round()`;
- `oneshot.sync_all_once(config)` for `muffin-feed sync`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..auth.appkeys import token_store_key
from ..typedefs import config_key, db_key, http_key
from .appkeys import sync_service_key
from .job import SyncDeps, SyncOutcome
from .scheduler import SyncService, SyncTooSoon

__all__ = ["SyncDeps", "SyncOutcome", "SyncService", "SyncTooSoon", "setup"]


async def _sync_context(app: web.Application) -> AsyncIterator[None]:
    # Registered last in create_app, so this starts after (and stops before) the
    # database, the HTTP client and the token store it uses.
    config = app[config_key]
    service = SyncService(SyncDeps(config=config, db=app[db_key], http=app[http_key], tokens=app[token_store_key]))
    app[sync_service_key] = service
    if config.server.background_sync:
        service.start()
    yield
    await service.close()


def setup(app: web.Application) -> None:
    """Register the sync service's lifecycle on the app."""
    app.cleanup_ctx.append(_sync_context)
