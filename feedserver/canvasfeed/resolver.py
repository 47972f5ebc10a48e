"""DNS for the feed fetcher: resolve once, check every answer, connect only to those.

`CheckedResolver` wraps a real resolver and is the only resolver of the
fetcher's own connector (with aiohttp's DNS cache off). aiohttp connects to
exactly the addresses a resolver returns, so the answer we check is the
answer we connect to: a name that resolves to a public address when checked
and to 127.0.0.1 a moment later (DNS rebinding) never gets a connection to
127.0.0.1. A name with any refused answer is refused as a whole, since its
owner evidently points it at private space.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from .addresses import AddressPolicy, public_only
from .errors import AddressRefused

__all__ = ["CheckedResolver"]


class CheckedResolver(AbstractResolver):
    def __init__(self, inner: AbstractResolver | None = None, policy: AddressPolicy = public_only) -> None:
        self.inner = inner or ThreadedResolver()
        self.policy = policy

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET,
                      ) -> list[ResolveResult]:
        answers = await self.inner.resolve(host, port, family)
        if not answers:
            raise OSError(f"no address for {host}")
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer["host"])
            except ValueError:
                raise AddressRefused(f"{host} did not resolve to an IP address.") from None
            if not self.policy(address):
                raise AddressRefused(f"{host} points to a private or reserved address, "
                                     "so Homework Muffin will not connect to it.")
        return answers

    async def close(self) -> None:
        await self.inner.close()
