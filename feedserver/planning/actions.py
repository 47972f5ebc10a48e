"""What a student can change, shared by the /me forms and the JSON API (one function each)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..feeds.preferences import update_settings
from ..settings import SettingsError, StudentSettings
from .hooks import PLANNING_FIELDS
from .records import MAX_ESTIMATE_HOURS, MIN_ESTIMATE_HOURS
from .service import Planner, ReplanResult
from .store import set_estimate

__all__ = ["change_estimate", "change_settings", "parse_hours"]


async def change_settings(planner: Planner, student_id: int, patch: Mapping[str, Any]) -> StudentSettings:
    """Validate and store `patch` (feed re-rendered), then replan if a planning setting is in it."""
    settings = await update_settings(planner.db, student_id, patch, public_url=planner.public_url)
    if PLANNING_FIELDS & set(patch):
        await planner.replan(student_id)
    return settings


def parse_hours(value: Any) -> float | None:
    """A student's estimate: a number of hours from 0.25 to 200, or None to go back to the model's.

    A number of hours below a quarter of an hour (1e-300, 5e-324) is refused like one above 200:
    it says nothing about the work and only makes the plan's arithmetic underflow.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SettingsError("hours", "must be a number of hours")
    try:
        hours = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        raise SettingsError("hours", "must be a number of hours") from None
    if not math.isfinite(hours) or not MIN_ESTIMATE_HOURS <= hours <= MAX_ESTIMATE_HOURS:
        raise SettingsError("hours", f"must be from {MIN_ESTIMATE_HOURS:g} to {MAX_ESTIMATE_HOURS:g} hours")
    return hours


async def change_estimate(planner: Planner, student_id: int, canvas_assignment_id: str,
                          hours: float | None) -> ReplanResult:
    """Store the student's own estimate (None clears it) and replan; LookupError for an unknown assignment."""
    async with planner.db.begin() as session:
        if not await set_estimate(session, student_id, canvas_assignment_id, hours):
            raise LookupError(canvas_assignment_id)
    return await planner.replan(student_id)
