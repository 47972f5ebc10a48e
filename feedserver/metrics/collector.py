"""What a scrape reads from one app: the feed cache's plain counters and the database's sync backlog.

`AppCollector` is a prometheus-client custom collector. Calendar polls are
counted with plain integers on the poll path (feeds.cache: `PollAnswers`,
the cache's hits and misses), and this reads them only when Prometheus asks.
The database figures (how far behind sync is, students by status) come from
one query per scrape, run by `refresh()` before the registry is collected,
because collectors are called synchronously. Every process reports the same
database figures: aggregate them with ``max``, not ``sum``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import case, func, select

from ..feeds.appkeys import feed_cache_key
from ..store.models import Student
from ..typedefs import activity_key, db_key

__all__ = ["AppCollector", "DatabaseFigures"]

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseFigures:
    """What the database says at one scrape; seconds are 0 when nobody is waiting."""

    sync_lag_seconds: float
    """How long the most overdue active student has been due for a sync (the scheduler's backlog)."""
    oldest_success_age_seconds: float
    """Since the last successful sync of the active student synced longest ago (or since they signed up)."""
    due: int
    """Active students whose sync is due now."""
    by_status: dict[str, int]
    """Students by `Student.status` (active, reconnect_needed)."""
    pending_deletion: int
    """Students told on /me that they will be deleted for inactivity (retention)."""


async def database_figures(app: web.Application, now: datetime) -> DatabaseFigures:
    query = select(
        Student.status,
        func.count(),
        func.min(Student.next_sync_at),
        func.min(func.coalesce(Student.last_sync_at, Student.created_at)),
        func.sum(case((Student.next_sync_at <= now, 1), else_=0)),
        func.sum(case((Student.deletion_due_at.is_not(None), 1), else_=0)),
    ).group_by(Student.status)
    async with app[db_key]() as session:
        rows = (await session.execute(query)).all()
    lag = oldest = 0.0
    due = pending = 0
    by_status: dict[str, int] = {}
    for status, count, next_due, last_success, due_now, deleting in rows:
        by_status[status] = count
        pending += deleting or 0
        if status == "active":
            lag = max(0.0, (now - next_due).total_seconds()) if next_due else 0.0
            oldest = max(0.0, (now - last_success).total_seconds()) if last_success else 0.0
            due = due_now or 0
    return DatabaseFigures(lag, oldest, due, by_status, pending)


class AppCollector:
    """The figures of one feed-server app, for its metrics listener's registry."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._figures: DatabaseFigures | None = None

    async def refresh(self, now: datetime | None = None) -> None:
        """Read the database figures for the coming scrape; on failure they are left out and database_up is 0."""
        try:
            self._figures = await database_figures(self._app, now or datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 (a scrape must answer whatever the database does)
            _LOGGER.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
            self._figures = None

    def collect(self) -> Iterator[Metric]:
        yield from self._feed_metrics()
        activity = self._app.get(activity_key)
        if activity is not None:
            yield GaugeMetricFamily("muffin_activity_unwritten_students",
                                    "Students seen active in this process and not yet written to the database",
                                    value=len(activity.students))
        figures = self._figures
        yield GaugeMetricFamily("muffin_database_up", "1 if the last scrape's database query succeeded",
                                value=0 if figures is None else 1)
        if figures is None:
            return
        yield GaugeMetricFamily("muffin_sync_lag_seconds", "How long the most overdue active student has waited "
                                "for a sync that was due (0: nobody is overdue)", value=figures.sync_lag_seconds)
        yield GaugeMetricFamily("muffin_sync_oldest_success_age_seconds", "Seconds since the last successful sync "
                                "of the active student synced longest ago", value=figures.oldest_success_age_seconds)
        yield GaugeMetricFamily("muffin_sync_due_students", "Active students whose sync is due", value=figures.due)
        students = GaugeMetricFamily("muffin_students", "Students by status", labels=["status"])
        for status in sorted({"active", "reconnect_needed", *figures.by_status}):
            students.add_metric([status], figures.by_status.get(status, 0))
        yield students
        yield GaugeMetricFamily("muffin_students_pending_deletion", "Students warned that they will be deleted "
                                "for inactivity", value=figures.pending_deletion)

    def _feed_metrics(self) -> Iterator[Metric]:
        cache = self._app.get(feed_cache_key)
        if cache is None:  # before the feed cache has started
            return
        answers = cache.answers
        polls = CounterMetricFamily("muffin_feed_polls", "Calendar polls answered by this process, by status "
                                    "(304: the client's copy was current)", labels=["status"])
        for status, count in (("200", answers.ok), ("304", answers.not_modified), ("404", answers.not_found),
                              ("503", answers.unavailable)):
            polls.add_metric([status], count)
        yield polls
        yield CounterMetricFamily("muffin_feed_cache_hits", "Polls answered with bytes this process held",
                                  value=cache.hits)
        yield CounterMetricFamily("muffin_feed_cache_misses", "Polls whose bytes were read from the database or "
                                  "recompressed", value=cache.misses)
        yield CounterMetricFamily("muffin_feed_token_lookup_queries", "Database queries that resolved feed tokens "
                                  "this process did not remember", value=cache.lookup_queries)
        yield GaugeMetricFamily("muffin_feed_cache_bytes", "Feed bytes held in memory (bounded by feed_cache_mib)",
                                value=cache.size_bytes)
        yield GaugeMetricFamily("muffin_feed_cache_entries", "Feed representations held in memory", value=len(cache))
        yield GaugeMetricFamily("muffin_feed_tokens_remembered", "Feed tokens answered without the database",
                                value=cache.remembered_tokens)
