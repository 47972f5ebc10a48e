"""`muffin-feed sync`: one pass over the students, for cron or a manual catch-up.

Builds the same pieces `serve` builds (database, the shared HTTP client, the
token store), runs rounds until no claimable student is left, and returns a
one-line summary. Claims go through the same leases as the background
scheduler, so running it next to live servers is safe.
"""

from __future__ import annotations

from collections import Counter

import aiohttp

from ..auth.tokens import TokenStore
from ..config import Config
from ..crypto import TokenCipher
from ..store.db import create_engine, make_sessionmaker, migrate
from .job import SyncDeps, SyncOutcome
from .scheduler import SyncService

__all__ = ["sync_all_once", "summarize"]

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10, sock_read=20)


async def sync_all_once(config: Config, only_due: bool = True) -> str:
    """Sync every due student (every active student with `only_due=False`) once; a summary line."""
    from ..app import USER_AGENT  # the one place the product's User-Agent is defined

    engine = create_engine(config.server.database)
    try:
        await migrate(engine)
        db = make_sessionmaker(engine)
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT, headers={"User-Agent": USER_AGENT}) as http:
            tokens = TokenStore(config, db, http, TokenCipher(config.server.secret_keys, purpose="canvas-tokens"))
            service = SyncService(SyncDeps(config=config, db=db, http=http, tokens=tokens))
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
        await engine.dispose()
    return summarize(outcomes)


def summarize(outcomes: list[SyncOutcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    requests = sum(o.requests for o in outcomes)
    changes = sum(o.added + o.changed + o.removed for o in outcomes)
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing due"
    return (f"synced {len(outcomes)} student(s): {parts}; {requests} Canvas request(s), "
            f"{changes} assignment change(s)")
