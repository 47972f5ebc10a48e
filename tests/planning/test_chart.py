"""The workload SVG: well-formed, accessible, text escaped, heights proportional."""

from __future__ import annotations

from datetime import date, timedelta
from xml.etree import ElementTree

from feedserver.planning.chart import workload_svg
from feedserver.planning.records import DayLoad

NS = "{http://www.w3.org/2000/svg}"


def test_chart_is_accessible_and_escaped() -> None:
    days = [DayLoad(date(2026, 10, 5) + timedelta(days=k), 3.0, float(k % 3), float(k % 4)) for k in range(14)]
    svg = workload_svg(days, title="<script>alert(1)</script> & load", summary="a < b")
    tree = ElementTree.fromstring(svg)  # well-formed XML, so no raw "<" or "&" slipped in
    assert tree.get("role") == "img"
    assert tree.find(f"{NS}title").text == "<script>alert(1)</script> & load"
    assert tree.find(f"{NS}desc").text == "a < b"
    assert "<script" not in svg and "style=" not in svg
    planned = [r for r in tree.iter(f"{NS}rect") if r.get("class") == "planned"]
    assert len(planned) == sum(1 for d in days if d.planned > 0)
    heights = sorted({round(float(r.get("height")), 1) for r in planned})
    assert heights[1] == 2 * heights[0]  # 2 h is twice as tall as 1 h
    assert tree.find(f"{NS}polyline").get("class") == "free-hours"
