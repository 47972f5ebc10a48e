"""`muffin-feed prune [--dry-run]`: one retention pass now, from cron or by hand.

The pass itself is `retention.service.RetentionService.run_pass`; this only
builds what it needs. A dry run reads the database and changes nothing (no
migration either: it may look at a database an older release still
serves). A real run needs what a disconnect needs (the token store and the
HTTP client, to revoke grants at Canvas), so it starts the app without a
socket, as `muffin-feed sync` does. Above app.py, because it builds the app.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from .activity import ActivityLog
from .app import create_app
from .config import Config
from .retention.appkeys import retention_key
from .retention.service import PruneReport, RetentionPolicy, RetentionService
from .store.db import create_engine, make_sessionmaker

__all__ = ["prune_once"]


async def _refuse_to_delete(student_id: int) -> bool:
    raise AssertionError("a dry run deletes nobody")


async def prune_once(config: Config, *, dry_run: bool) -> PruneReport:
    """Warn, delete and prune once (or, with `dry_run`, only report what would go)."""
    if dry_run:
        engine = create_engine(config.server.database)
        try:
            service = RetentionService(make_sessionmaker(engine), ActivityLog(),
                                       RetentionPolicy.from_config(config.server), _refuse_to_delete)
            return await service.run_pass(dry_run=True)
        finally:
            await engine.dispose()
    # No background work and no metrics listener: this pass is the only thing this process does.
    app = create_app(replace(config, server=replace(config.server, background_sync=False, metrics_port=None)))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        return await app[retention_key].run_pass()
    finally:
        await runner.cleanup()
