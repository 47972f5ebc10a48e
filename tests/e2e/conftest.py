"""The live stacks for browser tests, each in a background thread: the Canvas sandbox and our
server (`stack`), or the test LTI platform and our server (`live`); and a desktop browser context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.auth.live import LiveStack, live_stack
from tests.lti.live import LiveLti, live_lti
from tests.lti.platform import PlatformKeys, make_key

if TYPE_CHECKING:  # playwright is needed by the browser tests only
    from playwright.sync_api import Browser, BrowserContext


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    # The sandbox listens on loopback: its Canvas calendar feeds are on a private host.
    with live_stack(f"sqlite:///{tmp_path / 'muffin.sqlite3'}", allow_private_feed_hosts=True) as running:
        yield running


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A desktop window, wide enough for a platform page that holds the tool's frame."""
    context = browser.new_context(viewport={"width": 1000, "height": 1100})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture(scope="module")
def keys() -> PlatformKeys:
    return PlatformKeys(signing=make_key("browser-1"), rotated=make_key("browser-2"), stranger=make_key("browser-1"))


@pytest.fixture
def live(tmp_path: Path, keys: PlatformKeys) -> Iterator[LiveLti]:
    with live_lti(f"sqlite:///{tmp_path / 'muffin.sqlite3'}", keys) as running:
        yield running
