"""The live stack (sandbox + feed server in a background thread) for browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.live import LiveStack, live_stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    with live_stack(f"sqlite:///{tmp_path / 'muffin.sqlite3'}") as running:
        yield running
