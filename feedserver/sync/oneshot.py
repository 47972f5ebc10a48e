"""`muffin-feed sync`: one pass over the students, for cron or a manual catch-up.

Starts the application's resources exactly as `serve` does (database, the
shared HTTP client, the token store, and every sync source and hook other
subsystems register on the `SyncService`) but opens no socket and runs no
background rounds; then it runs rounds until no claimable student is left
and returns a one-line summary. Claims go through the same leases as the
servers' schedulers, so running it next to live servers is safe.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from aiohttp import web

from ..config import Config
from .appkeys import sync_service_key
from .job import SyncOutcome

__all__ = ["summarize", "sync_all_once"]


async def sync_all_once(config: Config, only_due: bool = True) -> str:
    """Sync every due student (every active student with `only_due=False`) once; a summary line."""
    from ..app import create_app

    # The same wiring as `serve`, minus the background loop: this pass is the only one here.
    app = create_app(replace(config, server=replace(config.server, background_sync=False)))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        service = app[sync_service_key]
        outcomes: list[SyncOutcome] = []
        if only_due:
            while True:
                batch = await service.run_round()
                outcomes += batch
                # Each synced student is rescheduled an interval ahead, so rounds run dry.
                if len(batch) < service.batch_size:
                    break
        else:
            everyone = await service.syncable_ids()
            for start in range(0, len(everyone), service.batch_size):
                outcomes += await service.run_round(student_ids=everyone[start:start + service.batch_size])
    finally:
        await runner.cleanup()
    return summarize(outcomes)


def summarize(outcomes: list[SyncOutcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    requests = sum(o.requests for o in outcomes)
    changes = sum(o.added + o.changed + o.removed for o in outcomes)
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing due"
    return (f"synced {len(outcomes)} student(s): {parts}; {requests} Canvas request(s), "
            f"{changes} assignment change(s)")
