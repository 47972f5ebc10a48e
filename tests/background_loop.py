"""Servers on real loopback sockets, run on an event loop in a background thread.

For the tests that drive a real browser: Playwright's sync API wants the main
thread free of a running loop, so our server, the Canvas sandbox and the LTI
platform run on a loop of their own, and the test reaches it with `call`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def bound_socket(host: str = "127.0.0.1") -> socket.socket:
    """A socket bound to a free port of `host`: bind first, so a URL can name the port before a server starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


class BackgroundLoop:
    """An event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run `coro` on the loop and wait for its result (its exception is raised here)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@contextmanager
def background_loop(name: str) -> Iterator[BackgroundLoop]:
    """A `BackgroundLoop`, stopped and closed on exit (after the caller's own clean-up has run on it)."""
    background = BackgroundLoop(name)
    try:
        yield background
    finally:
        background.close()
