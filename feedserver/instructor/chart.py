"""The course view's chart: hours due per student each week, this course stacked on all the others.

Drawn with the site's `SvgChart` (no script, no CDN); the page shows the same
numbers as a table below it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..hours import fmt_hours
from ..svgchart import SvgChart
from .records import WeekRow

__all__ = ["weeks_svg"]

_OWN, _OTHER = "#8a3b12", "#f0c9a8"
_BAR = 0.7
"""A week's bar is this share of its column."""


def _week(row: WeekRow) -> str:
    return f"{row.week:%b} {row.week.day}"


def weeks_svg(weeks: Sequence[WeekRow], *, course: str) -> str:
    """SVG markup (every text escaped) for the weeks of a course view."""
    desc = "; ".join(f"week of {_week(w)}: {fmt_hours(w.own_per_student)} in {course}, "
                     f"{fmt_hours(w.other_per_student)} in other courses" for w in weeks)
    peak = max([0.0] + [w.own_per_student + w.other_per_student for w in weeks])
    chart = SvgChart(len(weeks), peak, title=f"Hours of work due per student each week: {course} and other courses",
                     desc=desc, chart_id="weeks-chart", css_class="weeks-chart")
    every = 1 if len(weeks) <= 16 else 2
    for k, w in enumerate(weeks):
        left = k + (1 - _BAR) / 2
        chart.bar(left, w.other_per_student, width=_BAR, colour=_OTHER, css_class="other-courses",
                  tooltip=f"Week of {_week(w)}: {fmt_hours(w.other_per_student)} due in other courses")
        chart.bar(left, w.own_per_student, width=_BAR, colour=_OWN, css_class="this-course",
                  base=w.other_per_student, tooltip=f"Week of {_week(w)}: {fmt_hours(w.own_per_student)} due in {course}")
        if k % every == 0:
            chart.label(k + 0.05, _week(w))
    return chart.markup()
