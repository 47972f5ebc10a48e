"""The workload summary as JSON (``GET /api/me/workload``) and the plan's peak in words."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ..hours import fmt_hours
from .records import MODEL_NOTE, Workload

__all__ = ["peak_sentence", "workload_document"]


def peak_sentence(w: Workload) -> str:
    """The optimal peak and the critical window in words."""
    if w.critical_window is None:
        return "Nothing is due from today on that needs planning."
    first, last = w.critical_window
    window = f"{first:%a %b} {first.day} – {last:%a %b} {last.day}"
    if w.feasible:
        return (f"The best possible plan keeps every day at or under {w.peak:.0%} of your free hours. "
                f"The tightest stretch is {window}: {fmt_hours(w.window_hours)} of work in "
                f"{fmt_hours(w.window_free)} free.")
    return (f"The work does not fit your free hours: {window} has {fmt_hours(w.window_hours)} of work and only "
            f"{fmt_hours(w.window_free)} free, so even the best plan needs {w.peak:.0%} of your free time there.")


def workload_document(w: Workload, *, suggestions_on: bool) -> dict[str, Any]:
    crit = w.critical_window
    return {
        "today": w.today.isoformat(),
        "time_zone": w.time_zone,
        "suggestions_on": suggestions_on,
        "model": MODEL_NOTE,
        "feasible": w.feasible,
        "peak": round(w.peak, 4),
        "peak_words": peak_sentence(w),
        "critical_window": {"first": crit[0].isoformat(), "last": crit[1].isoformat(),
                            "hours": round(w.window_hours, 2), "free_hours": round(w.window_free, 2)}
        if crit else None,
        "explanation": w.explanation,
        "suggestions": list(w.suggestions),
        "crunches": list(w.crunches),
        "ask_about": list(w.ask_about),
        "left_out": list(w.left_out),
        "days": [{"date": d.day.isoformat(), "free_hours": d.free, "planned_hours": round(d.planned, 3),
                  "last_minute_hours": round(d.last_minute, 3)} for d in w.days],
        "estimates": [{"assignment_id": e.canvas_assignment_id, "course": e.course_code, "title": e.title,
                       "due_at": e.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if e.due_at else None, "hours": round(e.hours, 3),
                       "low": round(e.low, 3), "high": round(e.high, 3), "basis": e.basis,
                       "overridden": e.overridden} for e in w.estimates],
        "sessions": [{"assignment_id": s.canvas_assignment_id, "date": s.day.isoformat(),
                      "hours": s.hours} for s in w.sessions],
    }
