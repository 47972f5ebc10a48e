"""Mirror configured institutions into the database, keyed by slug.

Students who connected by calendar feed while their school had not switched
Homework Muffin on sit under a stand-in row for their Canvas host
(store/feed_students.py). When the school is configured, they move to its
row, so their feed keeps working, pasting the URL again finds them, and
signing in with Canvas upgrades them instead of adding a second student. A
feed the school already knows (from before it was last switched off) is
folded into that row instead (store/feed_students.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..config import Institution as InstitutionConfig
from .feed_students import adopt_stand_in_students
from .models import Institution

__all__ = ["sync_institutions", "institution_id"]


async def sync_institutions(db: async_sessionmaker, institutions: Iterable[InstitutionConfig]) -> None:
    async with db.begin() as session:
        existing = {i.slug: i for i in (await session.scalars(select(Institution))).all()}
        stand_ins = {i.canvas_host: i for i in existing.values() if not i.configured}  # one per host
        for conf in institutions:
            row = existing.get(conf.slug)
            if row is None:
                row = Institution(slug=conf.slug, name=conf.name, canvas_host=conf.canvas_host, configured=True)
                session.add(row)
                await session.flush()
            else:
                row.name, row.canvas_host, row.configured = conf.name, conf.canvas_host, True
            stand_in = stand_ins.pop(conf.canvas_host, None)
            if stand_in is not None:
                await adopt_stand_in_students(session, stand_in.id, row.id, datetime.now(UTC))
                await session.delete(stand_in)


async def institution_id(db: async_sessionmaker, slug: str) -> int | None:
    async with db() as session:
        return await session.scalar(select(Institution.id).where(Institution.slug == slug))
