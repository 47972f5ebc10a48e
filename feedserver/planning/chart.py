"""The workload chart: a small server-rendered SVG (no script, no CDN).

Per day: the last-minute load (light bar), the balanced plan (dark bar) and
the student's free hours (a step line), drawn with the site's `SvgChart`.
The /me page also renders the same numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..hours import fmt_hours
from ..svgchart import SvgChart
from .records import DayLoad

__all__ = ["workload_svg"]

_PLAN, _LAST_MINUTE, _FREE = "#1b5e96", "#b8cbe0", "#c0392b"
_BAR = 0.38
"""Each of the day's two bars is this share of the day's column."""


def workload_svg(days: Sequence[DayLoad], *, title: str = "Your workload, next four weeks",
                 summary: str = "") -> str:
    """SVG markup (a string safe to embed in HTML: every text is escaped)."""
    desc = summary or ", ".join(
        f"{d.day:%a %b} {d.day.day}: {fmt_hours(d.planned)} planned, {fmt_hours(d.free)} free" for d in days)
    peak = max([0.0] + [max(d.planned, d.last_minute, d.free) for d in days])
    chart = SvgChart(len(days), peak, title=title, desc=desc, chart_id="workload-chart", css_class="workload-chart")
    for k, d in enumerate(days):
        left = k + 0.1
        for offset, hours, colour, name in ((0.0, d.last_minute, _LAST_MINUTE, "last minute"),
                                             (_BAR, d.planned, _PLAN, "planned")):
            chart.bar(left + offset, hours, width=_BAR, colour=colour, css_class=name.replace(" ", "-"),
                      tooltip=f"{d.day:%a %b} {d.day.day}: {fmt_hours(hours)} {name}")
        if d.day.weekday() == 0 or k == 0:
            chart.label(left, f"{d.day:%b} {d.day.day}")
    chart.steps([d.free for d in days], colour=_FREE, css_class="free-hours")
    return chart.markup()
