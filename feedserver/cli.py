"""`muffin-feed`: serve, demo, sync, check-config, rotate-key and friends."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from aiohttp import web

from .config import Config, ConfigError, load_config
from .crypto import TokenCipher, generate_secret_key
from .logs import RouteAccessLogger, configure_logging

__all__ = ["main"]


def _load(args: argparse.Namespace) -> Config:
    return load_config(args.config, os.environ)


def cmd_serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .readiness import answer_while_starting, listen_socket

    config = _load(args)
    if args.metrics_port is not None:
        config = replace(config, server=replace(config.server, metrics_port=args.metrics_port))
    configure_logging(fmt=config.server.log_format)
    app = create_app(config)
    # Bound before start-up, so /healthz and /readyz answer while migrations run.
    sock = listen_socket(args.host or config.server.host, args.port or config.server.port)
    answer_while_starting(app, sock)
    web.run_app(
        app,
        sock=sock,
        access_log_class=RouteAccessLogger,
        print=lambda _msg: print(f"Homework Muffin on {config.server.public_url}", flush=True),
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    configure_logging()
    return run_demo(port=args.port, sandbox_port=args.sandbox_port)


def cmd_check_config(args: argparse.Namespace) -> int:
    config = _load(args)
    print(f"{args.config}: OK — {len(config.institutions)} institution(s), "
          f"{len(config.lti_platforms)} LTI platform(s), database {config.server.database.split('://')[0]}")
    return 0


def cmd_generate_key(args: argparse.Namespace) -> int:
    print(generate_secret_key())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from .store.db import create_engine, migrate

    config = _load(args)

    async def run() -> None:
        engine = create_engine(config.server.database)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("database is at the newest schema")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from .store.db import create_engine, make_sessionmaker, migrate
    from .store.rotation import rotate_encryption

    config = _load(args)

    async def run() -> int:
        engine = create_engine(config.server.database)
        try:
            await migrate(engine)
            return await rotate_encryption(make_sessionmaker(engine), TokenCipher(config.server.secret_keys))
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    print(f"re-encrypted {count} value(s) under the newest key; "
          "you may now drop the old key from the environment")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from .sync_command import sync_all_once

    config = _load(args)
    configure_logging(fmt=config.server.log_format)
    summary = asyncio.run(sync_all_once(config, only_due=not args.all))
    print(summary)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from .prune_command import prune_once

    config = _load(args)
    configure_logging(fmt=config.server.log_format)
    report = asyncio.run(prune_once(config, dry_run=args.dry_run))
    print("\n".join(report.lines()))
    return 0


def cmd_schools(args: argparse.Namespace) -> int:
    config = _load(args)
    if not args.demand:
        for school in sorted(config.institutions, key=lambda i: i.name.lower()):
            print(f"{school.slug}\t{school.canvas_host}\t{school.name}")
        return 0
    import json
    from dataclasses import asdict

    from .canvasfeed.demand import format_board, load_demand

    board = asyncio.run(load_demand(config))
    if args.json:
        print(json.dumps({"schools": [asdict(d) for d in board]}, indent=2))
    else:
        print(format_board(board))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="muffin-feed", description="Homework Muffin feed server")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", "-c", required=True, help="path of muffin.toml")
        return p

    serve = with_config(sub.add_parser("serve", help="run the server"))
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--metrics-port", type=int, help="this process's /metrics port (overrides metrics_port)")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="run the server and a Canvas sandbox; no configuration needed")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--sandbox-port", type=int, default=8081, help="first of two ports for the sandbox schools")
    demo.set_defaults(func=cmd_demo)

    with_config(sub.add_parser("check-config", help="validate a config file and the environment")).set_defaults(
        func=cmd_check_config)
    sub.add_parser("generate-key", help="print a new secret key").set_defaults(func=cmd_generate_key)
    with_config(sub.add_parser("migrate", help="apply database migrations")).set_defaults(func=cmd_migrate)
    with_config(sub.add_parser("rotate-key", help="re-encrypt stored tokens under the newest key")).set_defaults(
        func=cmd_rotate_key)
    sync = with_config(sub.add_parser("sync", help="sync students once (for cron)"))
    sync.add_argument("--all", action="store_true", help="sync every student, not only those due")
    sync.set_defaults(func=cmd_sync)
    prune = with_config(sub.add_parser("prune", help="retention now: warn and delete inactive students, prune "
                                                     "old sync runs (serve does it daily)"))
    prune.add_argument("--dry-run", action="store_true", help="only show what would be warned, deleted and pruned")
    prune.set_defaults(func=cmd_prune)
    schools = with_config(sub.add_parser("schools", help="list configured schools, or (--demand) the schools "
                                                        "students are waiting for"))
    schools.add_argument("--demand", action="store_true",
                         help="unconfigured schools by waiting students, with a message for each school's admin")
    schools.add_argument("--json", action="store_true", help="with --demand: print JSON")
    schools.set_defaults(func=cmd_schools)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        for line in exc.problems:
            print(f"config error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
