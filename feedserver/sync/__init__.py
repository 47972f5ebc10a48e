"""Assignment sync: Canvas → store → rendered feed, in the background and on request.

`setup(app, sources)` puts a `SyncService` on ``app[sync_service_key]``
(sync.appkeys) once every other subsystem has started, with the table of
sources `sources(app)` returns: how each `Student.source` is synced
(app.py builds it). Its background rounds start only when
``server.background_sync`` is true (tests and `muffin-feed sync` drive it
directly). Other subsystems use:

- `SyncService.request_sync(student_id)` for "sync now" (raises `SyncTooSoon`);
- `SyncService.sync_student(student_id)` / `run_round()`;
- `job.SOURCE_SYNCS` (the Canvas API source), `job.SourceSync` and the
  helpers a source of its own needs (`job.record_failure`, `apply`);
- `oneshot.sync_until_done(service)` for one pass over the students.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping

from aiohttp import web

from ..auth.appkeys import token_store_key
from ..typedefs import config_key, db_key, http_key
from .appkeys import sync_service_key
from .job import SourceSync, SyncDeps, SyncOutcome
from .scheduler import SyncService, SyncTooSoon

__all__ = ["SourceTable", "SyncDeps", "SyncOutcome", "SyncService", "SyncTooSoon", "setup"]

SourceTable = Callable[[web.Application], Mapping[str, SourceSync]]
"""Builds the table of sources from the started app (each source's objects exist by then)."""


def setup(app: web.Application, sources: SourceTable) -> None:
    """Register the sync service's lifecycle; call it after every other subsystem's `setup`.

    Its cleanup context then starts last, so the table is built from started
    sources and the scheduler's first round already runs every one of them;
    and it stops first, so no sync is cut off by a resource closing under it.
    """

    async def sync_context(app: web.Application) -> AsyncIterator[None]:
        config = app[config_key]
        deps = SyncDeps(config=config, db=app[db_key], http=app[http_key], tokens=app[token_store_key])
        service = SyncService(deps, sources=sources(app))
        app[sync_service_key] = service
        if config.server.background_sync:
            service.start()
        yield
        await service.close()

    app.cleanup_ctx.append(sync_context)
