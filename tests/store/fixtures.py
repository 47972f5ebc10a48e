"""A migrated database with one school, and a second engine on it: what another server process would have."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from feedserver.crypto import TokenCipher
from feedserver.secure import Secret
from feedserver.store.db import create_engine, make_sessionmaker, migrate
from feedserver.store.institutions import sync_institutions
from feedserver.store.models import Institution, Student
from tests.conftest import make_config

CIPHER = TokenCipher([Secret("feed-changes-key-0123456789abcdefghijklmnopqrstuvwxyz")])


async def add_school_and_student(session: AsyncSession) -> Student:
    """School "s" (canvas.s.edu) and its student Ada (Canvas user 42), flushed: the row has its id."""
    school = Institution(slug="s", name="S", canvas_host="canvas.s.edu")
    session.add(school)
    await session.flush()
    student = Student(institution_id=school.id, canvas_user_id="42", display_name="Ada")
    session.add(student)
    await session.flush()
    return student


@dataclass
class Store:
    engine: AsyncEngine
    db: async_sessionmaker
    url: str


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    engine = create_engine(database_url)
    await migrate(engine)
    db = make_sessionmaker(engine)
    config = make_config(institutions=[{"slug": "north", "canvas_url": "https://canvas.north.example.edu",
                                        "client_id": "1", "client_secret_env": "NORTH_SECRET"}],
                         environ={"NORTH_SECRET": "x"})
    await sync_institutions(db, config.institutions)
    yield Store(engine, db, database_url)
    await engine.dispose()


@pytest.fixture
async def other_process(store: Store) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database: the connections another server process would have."""
    engine = create_engine(store.url)
    yield engine
    await engine.dispose()
