"""The metrics listener: ``GET /metrics`` on a port of its own, and the event-loop lag it reports.

The public port never serves metrics. A load balancer in front of several
processes would hand each scrape to a different one, and the figures
describe students and Canvas traffic that nobody outside needs to see. So
each process listens on ``metrics_host:metrics_port`` (config; off when no
port is set), which Prometheus scrapes process by process, and which stays
on a private interface (127.0.0.1 by default).

The registry of a scrape is the process's default one (prometheus-client's
process and Python collectors, `instruments`) plus this app's
`AppCollector`; the database figures are read just before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler

from .collector import AppCollector
from .instruments import EVENT_LOOP_LAG

__all__ = ["LOOP_LAG_INTERVAL", "metrics_listener", "watch_loop_lag"]

_LOGGER = logging.getLogger(__name__)

#: Seconds between event-loop lag samples: two wake-ups a second cost ~0.02 % of a CPU.
LOOP_LAG_INTERVAL = 0.5


async def watch_loop_lag(interval: float = LOOP_LAG_INTERVAL) -> None:
    """Forever: sleep `interval` and record how much later than asked the loop woke us."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(interval)
        EVENT_LOOP_LAG.observe(max(0.0, loop.time() - started - interval))


def _metrics_app(collector: AppCollector) -> web.Application:
    registry = CollectorRegistry()
    registry.register(REGISTRY)  # the process's own: prometheus-client's collectors and ours (instruments.py)
    registry.register(collector)
    expose = make_aiohttp_handler(registry)

    async def metrics(request: web.Request) -> web.StreamResponse:
        await collector.refresh()
        return await expose(request)

    app = web.Application()
    app.router.add_get("/metrics", metrics, name="metrics")
    return app


@asynccontextmanager
async def metrics_listener(app: web.Application, host: str, port: int) -> AsyncIterator[web.TCPSite]:
    """Serve /metrics for `app` on (host, port) and sample the loop's lag, while the context lasts."""
    runner = web.AppRunner(_metrics_app(AppCollector(app)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    lag = asyncio.get_running_loop().create_task(watch_loop_lag())
    _LOGGER.info("metrics on http://%s:%s/metrics", host, port)
    try:
        yield site
    finally:
        lag.cancel()
        await asyncio.gather(lag, return_exceptions=True)
        await runner.cleanup()
