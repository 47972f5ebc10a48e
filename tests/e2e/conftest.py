"""The live stack (sandbox + feed server in a background thread) for browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.auth.live import LiveStack, live_stack

if TYPE_CHECKING:  # playwright is needed by the browser tests only
    from playwright.sync_api import Browser, BrowserContext


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    with live_stack(f"sqlite:///{tmp_path / 'muffin.sqlite3'}") as running:
        yield running


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A desktop window, wide enough for a platform page that holds the tool's frame."""
    context = browser.new_context(viewport={"width": 1000, "height": 1100})
    context.set_default_timeout(15_000)
    yield context
    context.close()
