"""What a student can change, shared by the /me forms and the JSON API (one function each)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..feeds.preferences import update_settings
from ..settings import SettingsError, StudentSettings
from .hooks import PLANNING_FIELDS
from .service import Planner, ReplanResult
from .store import set_estimate

__all__ = ["MAX_ESTIMATE_HOURS", "change_estimate", "change_settings", "parse_hours"]

MAX_ESTIMATE_HOURS = 200.0


async def change_settings(planner: Planner, student_id: int, patch: Mapping[str, Any]) -> StudentSettings:
    """Validate and store `patch` (feed re-rendered), then replan if a planning setting is in it."""
    settings = await update_settings(planner.db, student_id, patch, public_url=planner.public_url)
    if PLANNING_FIELDS & set(patch):
        await planner.replan(student_id)
    return settings


def parse_hours(value: Any) -> float | None:
    """A student's estimate: a number of hours in (0, 200], or None to go back to the model's."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SettingsError("hours", "must be a number of hours")
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise SettingsError("hours", "must be a number of hours") from None
    if not math.isfinite(hours) or not 0 < hours <= MAX_ESTIMATE_HOURS:
        raise SettingsError("hours", f"must be more than 0 and at most {MAX_ESTIMATE_HOURS:g} hours")
    return hours


async def change_estimate(planner: Planner, student_id: int, canvas_assignment_id: str,
                          hours: float | None) -> ReplanResult:
    """Store the student's own estimate (None clears it) and replan; LookupError for an unknown assignment."""
    async with planner.db.begin() as session:
        if not await set_estimate(session, student_id, canvas_assignment_id, hours):
            raise LookupError(canvas_assignment_id)
    return await planner.replan(student_id)
