"""The /me section where a student chooses whether to contribute (partial ``me/_contribute.html``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..settings import StudentSettings
from ..store.models import Student
from ..typedefs import config_key

__all__ = ["contribute_section"]


async def contribute_section(request: web.Request, student: Student) -> dict[str, Any]:
    return {"contribute": {"on": StudentSettings.from_json(student.settings).contribute,
                           "k": request.app[config_key].server.aggregate_min_students}}
