"""The workload chart: a small server-rendered SVG (no script, no CDN).

Per day: the last-minute load (light bar), the balanced plan (dark bar) and
the student's free hours (a step line). Accessible: ``role="img"`` with a
``<title>`` and a ``<desc>`` that states the numbers in words; the /me page
also renders the same numbers as a table. Colours are presentation
attributes, not inline styles, so the page's CSP needs no exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..hours import fmt_hours
from .records import DayLoad

__all__ = ["workload_svg"]

WIDTH, HEIGHT = 640, 200
_LEFT, _RIGHT, _TOP, _BOTTOM = 36, 8, 10, 28
_PLAN, _LAST_MINUTE, _FREE = "#1b5e96", "#b8cbe0", "#c0392b"


def workload_svg(days: Sequence[DayLoad], *, title: str = "Your workload, next four weeks",
                 summary: str = "") -> str:
    """SVG markup (a string safe to embed in HTML: every text is escaped)."""
    n = max(len(days), 1)
    top = max([1.0] + [max(d.planned, d.last_minute, d.free) for d in days])
    top = float(int(top) + 1)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    step = plot_w / n

    def y(hours: float) -> float:
        return _TOP + plot_h * (1 - hours / top)

    desc = summary or ", ".join(
        f"{d.day:%a %b} {d.day.day}: {fmt_hours(d.planned)} planned, {fmt_hours(d.free)} free" for d in days)
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="workload-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="workload-chart-title workload-chart-desc">'),
        f'<title id="workload-chart-title">{escape(title)}</title>',
        f'<desc id="workload-chart-desc">{escape(desc)}</desc>',
    ]
    for tick in range(0, int(top) + 1, max(1, int(top) // 4)):
        ty = y(tick)
        parts.append(f'<line x1="{_LEFT}" y1="{ty:.1f}" x2="{WIDTH - _RIGHT}" y2="{ty:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{_LEFT - 4}" y="{ty + 4:.1f}" text-anchor="end" font-size="10">{tick} h</text>')
    bar = step * 0.38
    for k, d in enumerate(days):
        x0 = _LEFT + k * step + step * 0.1
        for offset, hours, colour, name in ((0.0, d.last_minute, _LAST_MINUTE, "last minute"),
                                             (bar, d.planned, _PLAN, "planned")):
            if hours > 0:
                parts.append(
                    f'<rect class="{name.replace(" ", "-")}" x="{x0 + offset:.1f}" y="{y(hours):.1f}" '
                    f'width="{bar:.1f}" height="{y(0) - y(hours):.1f}" fill="{colour}">'
                    f'<title>{escape(f"{d.day:%a %b} {d.day.day}: {fmt_hours(hours)} {name}")}</title></rect>')
        if d.day.weekday() == 0 or k == 0:
            parts.append(f'<text x="{x0:.1f}" y="{HEIGHT - 10}" font-size="10">{escape(f"{d.day:%b} {d.day.day}")}</text>')
    free = " ".join(f"{_LEFT + k * step:.1f},{y(d.free):.1f} {_LEFT + (k + 1) * step:.1f},{y(d.free):.1f}"
                    for k, d in enumerate(days))
    parts.append(f'<polyline class="free-hours" points="{free}" fill="none" stroke="{_FREE}" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)
