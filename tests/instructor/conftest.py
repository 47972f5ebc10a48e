"""The app on a real socket (both engines), and a school of synthetic students in its store."""

from __future__ import annotations

from typing import Any

import pytest

from feedserver.app import create_app
from feedserver.instructor.appkeys import insights_key
from tests.conftest import make_config
from tests.instructor.helpers import SCHOOL, SCHOOL_ENV, Clock, School


@pytest.fixture
async def school(database_url: str, aiohttp_client: Any) -> School:
    config = make_config({"database": database_url, "background_sync": False}, [SCHOOL], SCHOOL_ENV)
    client = await aiohttp_client(create_app(config))
    client.app[insights_key].clock = Clock()
    return School(client.app, client)
