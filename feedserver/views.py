"""Site-wide pages: landing, health, robots, versions (for the admin token). Subsystems add their own."""

from __future__ import annotations

import asyncio
import platform
from pathlib import Path

import aiohttp
import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import text

from . import __version__
from .admin import require_admin
from .http_policy import NO_STORE
from .typedefs import config_key, db_key

__all__ = ["setup_routes"]


@aiohttp_jinja2.template("landing.html")
async def landing(request: web.Request) -> dict[str, object]:
    config = request.app[config_key]
    schools = sorted(config.institutions, key=lambda i: i.name.lower())
    return {"schools": schools}


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return web.json_response({"status": "ok"})


#: A readiness probe gives up on the database after this long (probes time out after 1-10 s).
READY_TIMEOUT_SECONDS = 2.0


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers too (before start-up is done, readiness.py answers 503)."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), request.app[db_key]() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 (whatever the driver raises, the answer is "not ready")
        return web.json_response({"status": "unavailable", "database": "down"}, status=503,
                                 headers={"Retry-After": "5"})
    return web.json_response({"status": "ok", "database": "up"})


async def robots(request: web.Request) -> web.Response:
    return web.Response(text="User-agent: *\nDisallow: /\n")


async def versions(request: web.Request) -> web.Response:
    """Exact versions, for the team only: to anyone else they are a list of known vulnerabilities to try."""
    require_admin(request, request.app[config_key].server.admin_token)
    return web.json_response({
        "homework_muffin": __version__,
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
    }, headers=NO_STORE)


def setup_routes(app: web.Application, static_dir: Path) -> None:
    app.router.add_get("/", landing, name="landing")
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/readyz", readyz, name="readyz")
    app.router.add_get("/robots.txt", robots, name="robots")
    app.router.add_get("/-/versions", versions, name="versions")
    app.router.add_static("/static", static_dir, name="static")
