"""The school view as CSV and JSON: the same figures as the page, under the same rules (docs/privacy.md)."""

from __future__ import annotations

import csv
import io
from typing import Any

from .records import SchoolView

__all__ = ["CSV_COLUMNS", "school_csv", "school_json"]

CSV_COLUMNS = ("week", "course", "deadlines", "hours_due_per_student", "crunch_share")
"""One row per course with a whole cohort and week: deadlines at their course-wide dates, hours of
work due per released student, the share of them in a crunch week."""


def school_csv(view: SchoolView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for name, week, deadlines, hours, share in view.course_weeks:
        # Course names come from Canvas: keep a spreadsheet from reading one as a formula.
        safe = "'" + name if name[:1] in ("=", "+", "-", "@", "\t", "\r") else name
        writer.writerow((week.isoformat(), safe, deadlines, f"{hours:.1f}", f"{share:.2f}"))
    return out.getvalue()


def school_json(view: SchoolView) -> dict[str, Any]:
    return {
        "school": view.school_name,
        "k": view.k,
        "courses": view.courses,
        "weeks": [{"week": w.week.isoformat(), "courses_with_deadlines": w.courses_with_deadlines,
                   "deadlines": w.deadlines, "busiest_day": w.busiest_day.isoformat() if w.busiest_day else None,
                   "courses_on_busiest_day": w.courses_on_busiest_day, "courses_in_crunch": w.courses_in_crunch}
                  for w in view.weeks],
        "crunch_courses": [{"course": c.name, "weeks_in_crunch": c.weeks_in_crunch, "students": c.released}
                           for c in view.crunch_courses],
    }
