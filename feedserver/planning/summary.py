"""The workload summary as JSON (``GET /api/me/workload``, ``GET …/what-if``) and the plan's peak in words."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ..hours import fmt_hours
from .records import ASK_FREE_TIME, MODEL_NOTE, WhatIfResult, Workload

__all__ = ["peak_sentence", "what_if_document", "workload_document"]


def _utc(moment: object) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None  # type: ignore[attr-defined]


def peak_sentence(w: Workload) -> str:
    """The optimal peak and the critical window in words."""
    if w.critical_window is None:
        return "Nothing is due from today on that needs planning."
    first, last = w.critical_window
    window = f"{first:%a %b} {first.day} – {last:%a %b} {last.day}"
    if not w.free_time_answered:
        return f"The busiest stretch ahead is {window}, with {fmt_hours(w.window_hours)} of work. {ASK_FREE_TIME}"
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
                       "due_at": _utc(e.due_at), "hours": round(e.hours, 3),
                       "low": round(e.low, 3), "high": round(e.high, 3), "basis": e.basis,
                       "overridden": e.overridden} for e in w.estimates],
        "sessions": [{"assignment_id": s.canvas_assignment_id, "date": s.day.isoformat(),
                      "hours": s.hours} for s in w.sessions],
        "free_time_answered": w.free_time_answered,
        "start_first": [{"assignment_id": a.canvas_assignment_id, "course": a.course_code, "title": a.title,
                         "start": a.start.isoformat(), "work_day": a.work_day.isoformat(),
                         "hours_per_day": round(a.per_day, 3), "why": a.why} for a in w.advice],
        "next_crunch": w.next_crunch,
        "timing": None if w.timing is None else {
            "sentence": w.timing.sentence, "submissions": w.timing.submissions,
            "lead_days": round(w.timing.lead_days, 3),
            "lead_low": None if w.timing.lead_low is None else round(w.timing.lead_low, 3),
            "lead_high": None if w.timing.lead_high is None else round(w.timing.lead_high, 3)},
    }


def what_if_document(r: WhatIfResult) -> dict[str, Any]:
    def window(w: tuple | None) -> dict[str, str] | None:
        return {"first": w[0].isoformat(), "last": w[1].isoformat()} if w else None

    return {
        "assignment_id": r.canvas_assignment_id, "title": r.title, "course": r.course_code,
        "due_before": _utc(r.due_before), "due_after": _utc(r.due_after),
        "peak_before": round(r.peak_before, 4), "peak_after": round(r.peak_after, 4),
        "critical_window_before": window(r.window_before), "critical_window_after": window(r.window_after),
        "crunch_weeks_before": [d.isoformat() for d in r.crunch_weeks_before],
        "crunch_weeks_after": [d.isoformat() for d in r.crunch_weeks_after],
        "affected": r.affected, "explanation": r.explanation,
    }
