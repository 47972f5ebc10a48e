"""The process-wide Prometheus instruments that other subsystems increment.

They live in prometheus-client's default registry, one per process (each
`serve` process is scraped on its own metrics port: docs/operations.md).
Counting here costs a label lookup and locks, microseconds
(docs/performance.md): fine for a sync, a token refresh or a Canvas
request, too much for a calendar poll, which is counted with plain integers
instead (feeds.cache.PollAnswers, read by collector.py at scrape time).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = [
    "CANVAS_RATE_LIMITED",
    "CANVAS_REQUESTS",
    "EVENT_LOOP_LAG",
    "RETENTION",
    "SYNC_RUNS",
    "SYNC_SECONDS",
    "TOKEN_REFRESHES",
]

CANVAS_REQUESTS = Counter(
    "muffin_canvas_requests", "HTTP requests to Canvas by endpoint (api, oauth, calendar_feed, other) and "
    "status code (\"error\": no answer: timeout, refused or dropped connection)", ["endpoint", "status"])
CANVAS_RATE_LIMITED = Counter(
    "muffin_canvas_rate_limited", "Canvas answers that throttled us (429, or 403 Rate Limit Exceeded)", ["endpoint"])
SYNC_RUNS = Counter(
    "muffin_sync_runs", "Student syncs by source (oauth, canvas_feed) and outcome (ok, error)", ["source", "outcome"])
SYNC_SECONDS = Histogram(
    "muffin_sync_duration_seconds", "Wall time of one student's sync, Canvas requests and writes included",
    ["source"], buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600))
TOKEN_REFRESHES = Counter(
    "muffin_canvas_token_refreshes", "Canvas access-token refreshes by result: ok, failed (Canvas unreachable "
    "or an error; retried later), grant_gone (revoked or key removed: the student must sign in again)", ["result"])
EVENT_LOOP_LAG = Histogram(
    "muffin_event_loop_lag_seconds", "How late the event loop ran a timer: time every request and sync waited "
    "for CPU work in this process", buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
RETENTION = Counter(
    "muffin_retention", "Retention actions: warned (deletion scheduled), deleted (inactive students), "
    "pruned_sync_runs (old sync-run records)", ["action"])

# Series that exist from the start read 0 rather than "no data" in alert expressions.
for _result in ("ok", "failed", "grant_gone"):
    TOKEN_REFRESHES.labels(_result)
for _endpoint in ("api", "oauth", "calendar_feed"):
    CANVAS_RATE_LIMITED.labels(_endpoint)
for _action in ("warned", "deleted", "pruned_sync_runs"):
    RETENTION.labels(_action)
