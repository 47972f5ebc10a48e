"""The /me section of calendar-feed students: what they get, what they lack, how to upgrade,
and their time zone (Canvas's feed does not say it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..auth.login import sign_in_url
from ..settings import time_zone_choices
from ..store.feed_students import SOURCE
from ..store.models import Institution as InstitutionRow
from ..store.models import Student
from ..typedefs import config_key, db_key

__all__ = ["feed_me_section"]


async def feed_me_section(request: web.Request, student: Student) -> Mapping[str, Any]:
    """``canvasfeed``: None for OAuth students; else whether and where they can upgrade."""
    if student.source != SOURCE:
        return {"canvasfeed": None}
    async with request.app[db_key]() as session:
        row = await session.get(InstitutionRow, student.institution_id)
    school = request.app[config_key].institution_for_host(row.canvas_host) if row is not None else None
    return {"canvasfeed": {
        "host": row.canvas_host if row is not None else "",
        "upgrade_url": sign_in_url(school.slug, "/me") if school else None,
        "school_name": school.name if school else None,
        "time_zone": student.time_zone,
        "zones": time_zone_choices(),
    }}
