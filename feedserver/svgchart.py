"""A small bar chart drawn on the server as SVG: no script, no CDN, no inline style.

The pieces every chart of the site shares (planning's workload chart, the
instructor's week view): a viewBox with hour gridlines, bars with a tooltip
each, labels under the slots, a step line. Accessible: ``role="img"`` with a
``<title>`` and a ``<desc>`` that states the numbers in words (pages also show
the numbers as a table). Colours are presentation attributes, so the page's
CSP needs no exception; every text is escaped, so the markup is safe to embed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["SvgChart"]


class SvgChart:
    """Hours (y, from 0 up to a whole number above `peak`) over `slots` equal columns (x).

    Marks are appended in drawing order; `markup()` closes the SVG. `chart_id`
    prefixes the ids of the title and description, so two charts can share a page.
    """

    LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 28

    def __init__(self, slots: int, peak: float, *, title: str, desc: str, chart_id: str, css_class: str,
                 width: int = 640, height: int = 200) -> None:
        self.width, self.height = width, height
        self.slots = max(slots, 1)
        self.top = float(int(max(1.0, peak)) + 1)
        self.step = (width - self.LEFT - self.RIGHT) / self.slots
        self._plot_h = height - self.TOP - self.BOTTOM
        self._parts = [
            (f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'),
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        ]
        for tick in range(0, int(self.top) + 1, max(1, int(self.top) // 4)):
            ty = self.y(tick)
            self._parts.append(f'<line x1="{self.LEFT}" y1="{ty:.1f}" x2="{width - self.RIGHT}" y2="{ty:.1f}" '
                               'stroke="#ddd"/>')
            self._parts.append(f'<text x="{self.LEFT - 4}" y="{ty + 4:.1f}" text-anchor="end" '
                               f'font-size="10">{tick} h</text>')

    def y(self, hours: float) -> float:
        return self.TOP + self._plot_h * (1 - hours / self.top)

    def x(self, slot: float) -> float:
        """The left edge of a slot (fractions move within it)."""
        return self.LEFT + slot * self.step

    def bar(self, slot: float, hours: float, *, width: float, colour: str, css_class: str, tooltip: str,
            base: float = 0.0) -> None:
        """A bar of `hours` standing on `base` hours (stacked bars), `width` in slots; nothing for 0 h."""
        if hours <= 0:
            return
        self._parts.append(
            f'<rect class="{escape(css_class)}" x="{self.x(slot):.1f}" y="{self.y(base + hours):.1f}" '
            f'width="{width * self.step:.1f}" height="{self.y(base) - self.y(base + hours):.1f}" fill="{colour}">'
            f'<title>{escape(tooltip)}</title></rect>')

    def label(self, slot: float, text: str) -> None:
        """Text under a slot (dates, weeks)."""
        self._parts.append(f'<text x="{self.x(slot):.1f}" y="{self.height - 10}" font-size="10">{escape(text)}</text>')

    def steps(self, values: Sequence[float], *, colour: str, css_class: str) -> None:
        """A line holding each slot's value across the slot (e.g. free hours per day)."""
        points = " ".join(f"{self.x(k):.1f},{self.y(v):.1f} {self.x(k + 1):.1f},{self.y(v):.1f}"
                          for k, v in enumerate(values))
        self._parts.append(f'<polyline class="{escape(css_class)}" points="{points}" fill="none" '
                           f'stroke="{colour}" stroke-width="1.5"/>')

    def markup(self) -> str:
        return "".join([*self._parts, "</svg>"])
