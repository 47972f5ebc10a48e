"""One pass over the students, for cron or a manual catch-up (`muffin-feed sync`).

`sync_until_done` runs rounds until no claimable student is left and
`summarize` says what happened in one line. Claims go through the same
leases as the servers' schedulers, so a pass next to live servers is safe.
The command itself (the app's resources without a socket) is
feedserver/sync_command.py.
"""

from __future__ import annotations

from collections import Counter

from .job import SyncOutcome
from .scheduler import SyncService

__all__ = ["summarize", "sync_until_done"]


async def sync_until_done(service: SyncService, *, only_due: bool = True) -> list[SyncOutcome]:
    """Sync every due student (every active student with `only_due=False`) once; their outcomes."""
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
    return outcomes


def summarize(outcomes: list[SyncOutcome]) -> str:
    counts = Counter(o.outcome for o in outcomes)
    requests = sum(o.requests for o in outcomes)
    changes = sum(o.added + o.changed + o.removed for o in outcomes)
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing due"
    return (f"synced {len(outcomes)} student(s): {parts}; {requests} Canvas request(s), "
            f"{changes} calendar change(s)")
