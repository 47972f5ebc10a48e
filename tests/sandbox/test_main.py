"""Both schools served side by side on their own loopback ports."""

from __future__ import annotations

import aiohttp

from feedserver.sandbox import SandboxWorld
from feedserver.sandbox.__main__ import start_schools


async def test_two_schools_on_two_ports(world: SandboxWorld, unused_tcp_port_factory) -> None:
    ports = {"north": unused_tcp_port_factory(), "south": unused_tcp_port_factory()}
    runners = await start_schools(world, ports)
    try:
        async with aiohttp.ClientSession() as session:
            for school, port in ports.items():
                base = f"http://127.0.0.1:{port}"
                key = world.schools[school].inherited_key
                resp = await session.get(f"{base}/login/oauth2/auth", allow_redirects=False,
                                         params={"client_id": key.client_id,
                                                 "response_type": "code",
                                                 "redirect_uri": f"{base}/cb"})
                # On at north (consent page), Off at south (unauthorized_client).
                assert resp.status == (200 if school == "north" else 302)
    finally:
        for runner in runners:
            await runner.cleanup()
