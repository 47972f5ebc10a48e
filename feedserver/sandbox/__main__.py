"""Run both sandbox schools in their own process:

    python -m feedserver.sandbox --seed 7 --north-port 8101 --south-port 8102 [--classmates 30]

The world is rebuilt from the seed, so another process that calls
`SandboxWorld.seeded(seed, term_start, classmates=n)` with the same arguments
knows the same keys, secrets, users and feed URLs.  Steer it with
`/__sandbox/*` (install the LTI tool with `POST /__sandbox/lti/tool`).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from aiohttp import web

from .app import create_sandbox_app
from .world import SandboxWorld


async def start_schools(world: SandboxWorld, ports: dict[str, int],
                        host: str = "127.0.0.1") -> list[web.AppRunner]:
    """Serve each school of `ports` on `host`; the caller cleans the runners up."""
    runners = []
    for school, port in ports.items():
        runner = web.AppRunner(create_sandbox_app(world, school))
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        runners.append(runner)
    return runners


async def _serve(args: argparse.Namespace) -> None:
    term_start = date.fromisoformat(args.term_start) if args.term_start else None
    world = SandboxWorld.seeded(args.seed, term_start, classmates=args.classmates)
    runners = await start_schools(world, {"north": args.north_port, "south": args.south_port},
                                  args.host)
    for school, port in (("north", args.north_port), ("south", args.south_port)):
        keys = ", ".join(k.client_id for k in world.schools[school].keys)
        print(f"{school}: http://{args.host}:{port}  keys: {keys}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        for runner in runners:
            await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m feedserver.sandbox")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--term-start", help="YYYY-MM-DD (default: Monday 10 weeks ago)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--north-port", type=int, default=8101)
    parser.add_argument("--south-port", type=int, default=8102)
    parser.add_argument("--classmates", type=int, default=0, help="more students per school (aggregate views)")
    try:
        asyncio.run(_serve(parser.parse_args(argv)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
