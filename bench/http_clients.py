"""Benchmark: what sending a sync's Canvas requests costs in each HTTP client installed.

A no-change re-sync cannot cost less than sending its requests. This script
records the requests the production fetch sends for sandbox students (the
sandbox in its own process, `bench/sync_floor.py`), then sends them again,
20 students at a time, with every async HTTP client it finds installed and
prints the CPU per student of each next to the parse-and-hash floor:

- aiohttp (what the feed server uses; always there);
- pyreqwest (Rust's reqwest under Python bindings), when installed:
  ``.venv/bin/pip install pyreqwest`` (not a dependency of the project).

Each client reads every body and the ``Link`` and rate-limit headers, and
parses nothing: the fetch floor of `bench/sync_floor.py`, per client.

    .venv/bin/python bench/http_clients.py [--students 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feed_common import print_table  # noqa: E402
from sync_floor import Request, fetch_bodies, floor_ms, record_requests, sandbox_process  # noqa: E402

#: A client's fetch floor: CPU ms per student for these students' requests.
FetchFloor = Callable[[Sequence[Sequence[Request]]], Awaitable[float]]


async def aiohttp_ms(recorded: Sequence[Sequence[Request]]) -> float:
    return (await fetch_bodies(recorded))[1]


async def pyreqwest_ms(recorded: Sequence[Sequence[Request]], *, concurrency: int = 20) -> float:
    from pyreqwest.client import ClientBuilder

    gate = asyncio.Semaphore(concurrency)
    client = ClientBuilder().build()

    async def student(requests: Sequence[Request]) -> None:
        async with gate:
            for url, headers in requests:
                resp = await client.get(str(url)).headers(headers).build().send()
                if resp.status != 200:
                    raise RuntimeError(f"{url}: status {resp.status}")
                await resp.bytes()
                resp.headers.get("link"), resp.headers.get("x-rate-limit-remaining")

    await student(recorded[0])  # connections open, code warm
    start = time.process_time()
    await asyncio.gather(*(student(r) for r in recorded))
    return (time.process_time() - start) * 1000 / max(len(recorded), 1)


def installed_clients() -> dict[str, FetchFloor]:
    clients: dict[str, FetchFloor] = {"aiohttp": aiohttp_ms}
    try:
        import pyreqwest  # noqa: F401
        clients["pyreqwest"] = pyreqwest_ms
    except ImportError:
        pass
    return clients


async def measure(grants: list[dict], urls: dict[str, str],
                  rounds: int) -> tuple[dict[str, list[float]], float, float]:
    """Per client, its fetch floor in each round (clients interleaved); the parse-and-hash floor;
    requests per student."""
    recorded = await record_requests(grants, urls)
    bodies, _ = await fetch_bodies(recorded)
    clients = installed_clients()
    figures: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, fetch in clients.items():
            figures[name].append(await fetch(recorded))
    return figures, floor_ms(bodies)["floor"], sum(map(len, recorded)) / len(recorded)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with sandbox_process(args.students) as (urls, grants):
        figures, floor, requests = asyncio.run(measure(grants, urls, args.rounds))
    print(f"{args.students} sandbox students, their sync's requests sent again, 20 students at a time; "
          f"{requests:.1f} requests each; {args.rounds} rounds, clients interleaved; parse-and-hash floor {floor:.3f} ms per student; "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    print_table(["client", "CPU ms per student (median)", "range", "CPU ms per request", "× floor"],
                [[name, f"{median(ms):.2f}", f"{min(ms):.2f}–{max(ms):.2f}", f"{median(ms) / requests:.3f}",
                  f"{median(ms) / floor:.1f}"] for name, ms in figures.items()])


if __name__ == "__main__":
    main()
