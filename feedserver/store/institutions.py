"""Mirror configured institutions into the database, keyed by slug."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..config import Institution as InstitutionConfig
from .models import Institution

__all__ = ["sync_institutions", "institution_id"]


async def sync_institutions(db: async_sessionmaker, institutions: Iterable[InstitutionConfig]) -> None:
    async with db.begin() as session:
        existing = {i.slug: i for i in (await session.scalars(select(Institution))).all()}
        for conf in institutions:
            row = existing.get(conf.slug)
            if row is None:
                session.add(Institution(slug=conf.slug, name=conf.name, canvas_host=conf.canvas_host, configured=True))
            else:
                row.name, row.canvas_host, row.configured = conf.name, conf.canvas_host, True


async def institution_id(db: async_sessionmaker, slug: str) -> int | None:
    async with db() as session:
        return await session.scalar(select(Institution.id).where(Institution.slug == slug))
