"""How an amount of hours reads to a student: the same words on /me, in the API and in the feed.

A leaf module because two layers say hours: planning (estimates, the chart,
the plan's sentences) and the feed's work-session events (feeds/sessions.py).
"""

from __future__ import annotations

__all__ = ["fmt_hours"]


def fmt_hours(hours: float) -> str:
    """1.5 → "1.5 h", 2.0 → "2 h", 0.25 → "0.3 h" (one decimal: the estimates are not more precise)."""
    value = round(hours, 1)
    return f"{value:g} h"
