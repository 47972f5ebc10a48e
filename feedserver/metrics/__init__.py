"""Prometheus metrics of a feed-server process, on a listener of its own (never the public port).

`setup(app)` starts the metrics listener when ``server.metrics_port`` is
set (listener.py: ``GET /metrics`` on ``metrics_host:metrics_port``) and
samples the event loop's lag there. What is counted, and where:

- calendar polls by status and the feed cache: plain integers on the poll
  path (feeds.cache), read at scrape time by collector.py;
- every request to Canvas by endpoint and status, and rate-limit answers:
  `outbound.canvas_trace()`, a trace on the app's one client session (app.py);
- sync outcomes, token refreshes and retention: the process-wide counters
  of `instruments`, which the sync scheduler, the token store and retention
  increment;
- how far behind sync is, students by status: one database query per scrape.

docs/operations.md lists every metric, how to scrape several processes,
and alert rules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ..typedefs import config_key
from .listener import metrics_listener

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register the metrics listener's cleanup context (a no-op without ``metrics_port``)."""

    async def metrics_context(app: web.Application) -> AsyncIterator[None]:
        server = app[config_key].server
        if server.metrics_port is None:
            yield
            return
        async with metrics_listener(app, server.metrics_host, server.metrics_port):
            yield

    app.cleanup_ctx.append(metrics_context)
