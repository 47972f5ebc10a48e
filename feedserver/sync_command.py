"""`muffin-feed sync`: the application's resources without a socket, and one pass over the students.

Starts what `serve` starts (`create_app`: database, the shared HTTP client,
the token store, every sync source with its replan) but opens no socket and
runs no background rounds; then `sync.oneshot` runs rounds until no
claimable student is left. Above app.py, because it builds the whole app.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from .app import create_app
from .config import Config
from .sync.appkeys import sync_service_key
from .sync.oneshot import summarize, sync_until_done

__all__ = ["sync_all_once"]


async def sync_all_once(config: Config, only_due: bool = True) -> str:
    """Sync every due student (every active student with `only_due=False`) once; a summary line."""
    # The same wiring as `serve`, minus the background loop: this pass is the only one here.
    app = create_app(replace(config, server=replace(config.server, background_sync=False)))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        outcomes = await sync_until_done(app[sync_service_key], only_due=only_due)
    finally:
        await runner.cleanup()
    return summarize(outcomes)
